"""Reading a message of several clauses as one: which clause intent the message means.

The dialogue acts on one intent per turn, so the message's intent is the most actionable
of its confident clause intents: "oi, sou eu. olha, não consigo pagar" is ``cannot_pay``
(its other parts are a greeting and a confirmation, kept in ``Parse.clauses``). A stop
request anywhere wins; what changes the debt's state (paid, disputed, a promise, a deal)
comes before questions, and questions before social talk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.parse import Entity
from bot.nlu.normalize import fold

# Most actionable first.
PRIORITY: tuple[str, ...] = (
    "opt_out",
    "wrong_person",
    "request_human",
    "already_paid",
    "dispute",
    "promise_to_pay",
    "negotiate",
    "cannot_pay",
    "choose_option",
    "ask_payment_method",
    "ask_debt_details",
    "callback_later",
    "ask_identity",
    "insult",
    "deny",
    "affirm",
    "thanks",
    "goodbye",
    "greet",
    "out_of_scope",
)
_RANK = {name: i for i, name in enumerate(PRIORITY)}
CLAUSE_MIN_CONFIDENCE = 0.45  # a clause below this says nothing sure about the message
_ALWAYS = frozenset({"opt_out"})  # acted on at any confidence a rule or model gives it


@dataclass(frozen=True)
class ClauseReading:
    """One clause's span in the message and its intent ranking (best first)."""

    start: int
    end: int
    ranking: list[tuple[str, float]]


def main_reading(
    readings: list[ClauseReading], whole: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """The message's ranking: the chosen intent first, then the whole text's ranking."""
    best: dict[str, float] = {}
    for intent, conf in [r.ranking[0] for r in readings] + [whole[0]]:
        if conf >= CLAUSE_MIN_CONFIDENCE or intent in _ALWAYS:
            best[intent] = max(best.get(intent, 0.0), conf)
    if not best or set(best) == {"out_of_scope"}:
        return whole
    intent = min(best, key=lambda name: (_RANK.get(name, len(PRIORITY)), -best[name]))
    conf = max(best[intent], dict(whole).get(intent, 0.0))
    rest = [(name, c) for name, c in whole if name != intent]
    total = sum(c for _, c in rest) or 1.0
    return [(intent, conf), *[(name, c * (1.0 - conf) / total) for name, c in rest]]


_QUESTION_START = re.compile(
    r"^\W*(?:e\s+)?(?:qual|quais|quanto|quantos|quantas|qto|quando|qnd|qdo|onde|cade|"
    r"por\s*que|pq|porque|quem|qm|como|sera\s+que|o\s+que|oq|what|whats|when|where|why|how|"
    r"who|which|is\s+(?:it|this|that|there)|are\s+(?:you|there)|can\s+(?:i|you)|do\s+(?:i|you)|"
    r"does|will\s+(?:i|you))\b"
)
# Intents that do not answer a question by themselves (a person or a topic must).
_NOT_ANSWERING = frozenset(
    {"out_of_scope", "greet", "goodbye", "thanks", "affirm", "deny", "insult", "choose_option"}
)
_ANSWER_THRESHOLD = 0.55


def is_question(text: str) -> bool:
    folded = fold(text).strip()
    return folded.endswith("?") or _QUESTION_START.match(folded) is not None


def question_topic(
    text: str, intent: str, confidence: float, entities: tuple[Entity, ...]
) -> bool:
    """Whether a clause is a real question that nothing else covers (``other_question``)."""
    if any(e.entity == "topic" for e in entities) or not is_question(text):
        return False
    return intent in _NOT_ANSWERING or confidence < _ANSWER_THRESHOLD
