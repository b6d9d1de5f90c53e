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
from dataclasses import dataclass, replace

from bot.core.parse import Entity
from bot.nlu.normalize import fold
from bot.nlu.rules import (
    ASKS_TO_GO_ON,
    BARE_GREETING,
    IDENTITY_CLAIM,
    NOT_PAID,
    OPT_OUT_VOCABULARY,
    PAID_VOCABULARY,
    WRONG_PERSON_DENIED,
)

DECISIVE: tuple[str, ...] = (  # in this order, whatever the evidence
    "opt_out",
    "wrong_person",
    "request_human",
    "already_paid",
    "dispute",
)
TIERS: tuple[frozenset[str], ...] = (
    frozenset({"promise_to_pay", "negotiate", "cannot_pay", "choose_option", "callback_later"}),
    frozenset({"ask_payment_method", "ask_debt_details", "ask_identity", "other_question"}),
    frozenset({"insult", "deny", "affirm", "thanks", "goodbye", "greet"}),
)
CLAUSE_MIN_CONFIDENCE = 0.45  # a clause below this says nothing sure about the message
DATED_PROMISE_BONUS = 0.5
# A decisive intent read by the classifier alone (no rule) must be this sure to decide.
DECISIVE_MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class ClauseReading:
    """One clause's span in the message and its intent ranking (best first)."""

    start: int
    end: int
    ranking: list[tuple[str, float]]
    forced: bool = False  # a phrase rule decided the intent
    dated: bool = False  # a date is inside the clause
    question: bool = False  # a question nothing else covers (topic other_question)
    identity: bool = False  # the person says they are the one written to ("sou eu")
    concession: bool = False  # opens with "mas"/"but": what the person settles on
    lost: bool = False  # only says something was lost ("i lost it", "perdi")


def in_context(readings: list[ClauseReading]) -> list[ClauseReading]:
    """Clause readings corrected by the rest of the message, so that the clauses the
    dialogue reads say the same as the main intent: "meu filho comprou no meu nome" before
    "mas eu pago" is not a dispute, a wrong number beside "sou eu" is not a wrong person."""
    affirmed = any((r.forced and r.ranking[0][0] == "affirm") or r.identity for r in readings)
    conceded = [
        i
        for i, r in enumerate(readings)
        if r.concession
        and r.ranking[0][0] == "promise_to_pay"
        and r.ranking[0][1] >= CLAUSE_MIN_CONFIDENCE
    ]
    # "can u send the pix again? i lost it": the code was lost, not the job or the money
    asks_method = any(
        r.ranking[0][0] == "ask_payment_method" and r.ranking[0][1] >= CLAUSE_MIN_CONFIDENCE
        for r in readings
    )
    out: list[ClauseReading] = []
    for i, r in enumerate(readings):
        intent = r.ranking[0][0]
        if r.lost and asks_method and intent == "cannot_pay" and not r.forced:
            out.append(replace(r, ranking=promote(r.ranking, "ask_payment_method", 0.7)))
            continue
        # a stop word stays a stop request even beside "já paguei" ("stop, i already paid"):
        # opt-out words work anywhere (DESIGN); the dialogue takes up the payment claim too
        dropped = (intent == "dispute" and not r.forced and any(c > i for c in conceded)) or (
            intent == "wrong_person" and affirmed
        )
        out.append(replace(r, ranking=_demote(r.ranking, intent)) if dropped else r)
    return out


def main_reading(
    readings: list[ClauseReading], whole: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """The message's ranking: the chosen intent first, then the whole text's ranking.
    ``readings`` are already read against each other (``in_context``: the caller keeps them
    for ``Parse.clauses``); applying it twice would demote a second intent."""
    best: dict[str, float] = {}
    evidence: dict[str, float] = {}
    whole_probs = dict(whole)
    affirmed = any((r.forced and r.ranking[0][0] == "affirm") or r.identity for r in readings)
    # what the rest of the message says against one clause ("... mas eu pago")
    conceded = any(r.concession and r.ranking[0][0] == "promise_to_pay" for r in readings)
    for r in readings:
        intent, conf = r.ranking[0]
        if intent == "out_of_scope" and r.question:
            intent = "other_question"  # a question the dialogue must answer or pass on
        if conf < CLAUSE_MIN_CONFIDENCE:
            continue
        unsure = conf < DECISIVE_MIN_CONFIDENCE or (intent == "wrong_person" and affirmed)
        if intent in DECISIVE and (not r.forced or intent == "wrong_person") and unsure:
            continue  # "yeah it's me. my husband passed away": not a wrong person
        best[intent] = max(best.get(intent, 0.0), conf)
        # a promise with a day is the most actionable stance ("...but i get paid friday")
        bonus = DATED_PROMISE_BONUS if intent == "promise_to_pay" and r.dated else 0.0
        evidence[intent] = evidence.get(intent, 0.0) + conf + bonus
    top, top_conf = whole[0]
    whole_decides = top not in DECISIVE or (
        top_conf >= DECISIVE_MIN_CONFIDENCE
        and not (top == "wrong_person" and affirmed)
        and not (top == "dispute" and conceded)
    )
    if top_conf >= CLAUSE_MIN_CONFIDENCE and whole_decides:
        best[top] = max(best.get(top, 0.0), top_conf)
        evidence.setdefault(top, 0.0)
    for intent in evidence:
        evidence[intent] += whole_probs.get(intent, 0.0)
    chosen = _choose(evidence)
    if (
        chosen == "promise_to_pay"
        and "ask_payment_method" in evidence
        and not any(r.dated for r in readings)
    ):
        # "qual a chave pix? que eu pago", "what's your pix key? i'll send it": a promise of no
        # day waits on the answer, so the question is what to act on (the day comes after)
        chosen = "ask_payment_method"
    if chosen is None:
        return whole
    intent = "out_of_scope" if chosen == "other_question" else chosen
    conf = max(best[chosen], whole_probs.get(intent, 0.0))
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
_PLEASANTRY = re.compile(
    r"^\W*(?:(?:oi|ola|opa|bom\s+dia|boa\s+tarde|boa\s+noite|hi|hello|hey|good\s+morning)\W*)?"
    r"(?:tudo\s+(?:bem|bom|joia|certo\s+com\s+voce|tranquilo)|td\s+(?:bem|bom)|como\s+vai|"
    r"como\s+(?:voce|vc|vai\s+voce)\s+(?:esta|ta)|beleza|blz|how\s+are\s+(?:you|u)|how\s+r\s+u|"
    r"how'?s\s+it\s+going|how\s+you\s+doing)(?:\s+(?:com\s+voce|contigo|e\s+voce|e\s+vc|today))?\W*$"
)
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
    if _PLEASANTRY.match(fold(text)) or BARE_GREETING.match(fold(text)):
        return False  # "tudo bem?" asks how we are, "alo??" whether we are there
    return intent in _NOT_ANSWERING or confidence < _ANSWER_THRESHOLD


# A question topic says what a clause asks even when the classifier is unsure:
# topic -> (the intent it implies, the intents it is compatible with).
TOPIC_INTENTS: dict[str, tuple[str, frozenset[str]]] = {
    "options": ("negotiate", frozenset({"negotiate", "ask_payment_method", "choose_option"})),
    "breakdown": ("ask_debt_details", frozenset({"ask_debt_details", "dispute", "negotiate"})),
    "charge_origin": (
        "ask_debt_details",
        frozenset({"ask_debt_details", "dispute", "already_paid"}),
    ),
    "business_identity": ("ask_identity", frozenset({"ask_identity"})),
    "number_source": ("ask_identity", frozenset({"ask_identity", "wrong_person"})),
    "scam": ("ask_identity", frozenset({"ask_identity", "dispute"})),
    "status": ("ask_debt_details", frozenset({"ask_debt_details", "already_paid", "affirm"})),
    "credit_bureau": (
        "ask_debt_details",
        frozenset({"ask_debt_details", "cannot_pay", "negotiate", "promise_to_pay", "dispute"}),
    ),
    "deadline": (
        "ask_debt_details",
        frozenset({"ask_debt_details", "promise_to_pay", "negotiate", "callback_later"}),
    ),
    "pay_at_store": (
        "ask_payment_method",
        frozenset({"ask_payment_method", "promise_to_pay", "already_paid"}),
    ),
    "discount": ("negotiate", frozenset({"negotiate"})),
    "plan_total": ("ask_debt_details", frozenset({"negotiate", "ask_debt_details"})),
    # "when's the next one after that": the plan's dates, not "call me later" or option 2
    "plan_dates": (
        "ask_debt_details",
        frozenset({"ask_debt_details", "negotiate", "affirm", "promise_to_pay", "cannot_pay"}),
    ),
    "partial_payment": ("already_paid", frozenset({"already_paid", "dispute"})),
    "paid_to_person": ("already_paid", frozenset({"already_paid", "dispute"})),
}
_NOT_A_STANCE = frozenset({"affirm", "greet", "out_of_scope", "deny", "thanks", "goodbye"})
TOPIC_OVERRIDES_BELOW = 0.8  # a classifier this sure of another intent keeps it


def adjust(
    ranking: list[tuple[str, float]],
    entities: tuple[Entity, ...],
    *,
    text: str,
    forced: bool,
    opt_out_lookalike: bool,
    past_only: bool = False,
) -> list[tuple[str, float]]:
    """A clause's ranking corrected by what its entities show the classifier missed."""
    if forced or not ranking:
        return ranking
    intent, conf = ranking[0]
    names = {e.entity for e in entities}
    if intent == "opt_out" and (
        opt_out_lookalike or is_question(text) or not OPT_OUT_VOCABULARY.search(fold(text))
    ):
        # "vão parar de me cobrar?", "não para de chover", "não me deram nada"
        if ASKS_TO_GO_ON.search(fold(text)):
            # "não quero parar de receber": says to go on and nothing else, so no runner-up
            # is crowned (it became a sure deny or cannot_pay)
            return _drop(ranking, "opt_out")
        return _demote(ranking, "opt_out")
    denied = WRONG_PERSON_DENIED.search(fold(text)) is not None
    if intent == "wrong_person" and (denied or IDENTITY_CLAIM.search(fold(text))):
        ranking = _demote(ranking, "wrong_person")  # "não é engano, sou eu"
        intent = ranking[0][0]
        if not denied or intent != "deny":
            return ranking
    if intent == "deny" and denied:
        # "não é engano não", "no it's not the wrong number": the no denies a wrong number,
        # so it confirms who we wrote to
        return promote(ranking, "affirm", 0.7)
    if intent == "promise_to_pay" and past_only:
        # every day it names is behind us ("tá pago desde sexta passada"): no promise of it
        return _drop(ranking, "promise_to_pay")
    if intent == "already_paid" and not PAID_VOCABULARY.search(fold(text)):
        return _drop(ranking, "already_paid")  # "já fiz BO", "já tô resolvendo"
    if intent == "already_paid" and NOT_PAID.search(fold(text)) and not is_question(text):
        return _demote(ranking, "already_paid")  # "não paguei ainda porque esqueci"
    if intent not in DECISIVE and "relative" in names:
        return promote(ranking, "wrong_person", 0.7)  # "sou a mãe dele": not the debtor
    if "hardship" in names and (intent in _NOT_A_STANCE or conf < CLAUSE_MIN_CONFIDENCE):
        return promote(ranking, "cannot_pay", 0.6)  # "meu pai faleceu mês passado"
    if intent == "cannot_pay" and "no_payment_method" in names:
        return promote(ranking, "ask_payment_method", 0.7)  # "não tenho pix": how else?
    topics = [e.value for e in entities if e.entity == "topic" and e.value in TOPIC_INTENTS]
    if topics and conf < TOPIC_OVERRIDES_BELOW:
        implied, compatible = TOPIC_INTENTS[str(topics[0])]
        if intent not in compatible:
            return promote(ranking, implied, 0.65)
    return ranking


def promote(
    ranking: list[tuple[str, float]], intent: str, at_least: float
) -> list[tuple[str, float]]:
    """``intent`` first with at least ``at_least``; the others scaled to keep the sum."""
    conf = max(dict(ranking).get(intent, 0.0), at_least)
    rest = [(name, c) for name, c in ranking if name != intent]
    total = sum(c for _, c in rest) or 1.0
    return [(intent, conf), *[(name, c * (1.0 - conf) / total) for name, c in rest]]


def _demote(ranking: list[tuple[str, float]], intent: str) -> list[tuple[str, float]]:
    rest = [(name, c) for name, c in ranking if name != intent]
    if not rest:
        return [("out_of_scope", 1.0)]
    total = sum(c for _, c in rest) or 1.0
    return [(name, c / total) for name, c in rest]


def _drop(ranking: list[tuple[str, float]], intent: str) -> list[tuple[str, float]]:
    """``intent`` ruled out without crowning the runner-up: its share goes to out_of_scope.
    (Scaling the rest up, as ``_demote`` does, made "i told you already" a sure dispute once
    it was no payment claim.)"""
    mass = dict(ranking).get(intent, 0.0)
    kept = {name: c for name, c in ranking if name != intent}
    kept["out_of_scope"] = kept.get("out_of_scope", 0.0) + mass
    return sorted(kept.items(), key=lambda item: -item[1])
