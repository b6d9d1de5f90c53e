"""Reading a message of several clauses as one: which clause intent the message means.

The dialogue acts on one intent per turn, so the message's intent is the most actionable
of its confident clause intents: "oi, sou eu. olha, não consigo pagar" is ``cannot_pay``
(its other parts are a greeting and a confirmation, kept in ``Parse.clauses``). Intents
come in tiers: what ends or redirects the conversation (stop, wrong person, a person,
paid, disputed) wins by a fixed order; otherwise a payment stance (a promise, a deal, cannot
pay, later) beats a question, and a question beats social talk. Inside a tier the intent
with the most evidence wins: the confidences of the clauses that read it plus the whole
message's probability for it ("mal tenho pra comer, como vou pagar isso" is cannot_pay even
though its last part alone reads as a promise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.parse import Entity
from bot.nlu.normalize import fold

DECISIVE: tuple[str, ...] = (  # in this order, whatever the evidence
    "opt_out",
    "wrong_person",
    "request_human",
    "already_paid",
    "dispute",
)
TIERS: tuple[frozenset[str], ...] = (
    frozenset({"promise_to_pay", "negotiate", "cannot_pay", "choose_option", "callback_later"}),
    frozenset({"ask_payment_method", "ask_debt_details"}),
    frozenset({"ask_identity", "insult", "deny", "affirm", "thanks", "goodbye", "greet"}),
)
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
    evidence: dict[str, float] = {}
    whole_probs = dict(whole)
    for intent, conf in [r.ranking[0] for r in readings]:
        if conf >= CLAUSE_MIN_CONFIDENCE or intent in _ALWAYS:
            best[intent] = max(best.get(intent, 0.0), conf)
            evidence[intent] = evidence.get(intent, 0.0) + conf
    top, top_conf = whole[0]
    if top_conf >= CLAUSE_MIN_CONFIDENCE:
        best[top] = max(best.get(top, 0.0), top_conf)
        evidence.setdefault(top, 0.0)
    for intent in evidence:
        evidence[intent] += whole_probs.get(intent, 0.0)
    intent = _choose(evidence)
    if intent is None:
        return whole
    conf = max(best[intent], whole_probs.get(intent, 0.0))
    rest = [(name, c) for name, c in whole if name != intent]
    total = sum(c for _, c in rest) or 1.0
    return [(intent, conf), *[(name, c * (1.0 - conf) / total) for name, c in rest]]


def _choose(evidence: dict[str, float]) -> str | None:
    for intent in DECISIVE:
        if intent in evidence:
            return intent
    for tier in TIERS:
        inside = {name: ev for name, ev in evidence.items() if name in tier}
        if inside:
            return max(inside, key=lambda name: inside[name])
    return None


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
