"""The result of understanding one message (Rasa's ``/model/parse`` shape plus language)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "ask_identity",
    "promise_to_pay",
    "cannot_pay",
    "negotiate",
    "already_paid",
    "ask_debt_details",
    "ask_payment_method",
    "dispute",
    "wrong_person",
    "request_human",
    "opt_out",
    "callback_later",
    "choose_option",
    "insult",
    "out_of_scope",
)

ENTITY_NAMES: tuple[str, ...] = ("date", "amount", "installments", "option", "payment_method")

# Entities beyond the design's five (the contract says "extend freely"). Values:
# - topic: what a question is about (QUESTION_TOPICS), so the dialogue answers it from data
# - hardship: illness | unemployment | death | divorce | hospital | money_tight
# - relative: who answered instead of the debtor: mother | father | spouse | child | sibling |
#   relative (a family member, unspecified) | friend | colleague | carer (caregiver, nurse,
#   guardian)
# - no_payment_method: a method the person says they do not have ("não tenho pix" -> pix)
# - soft_yes: "soft" when the whole message is a bare acknowledgement ("ok", "👍", "hm")
# - other_contact: another number to write to: "phone" (a phone number in the message, its
#   digits never read as an amount, option or count) | "request" ("manda pro número dela")
EXTRA_ENTITY_NAMES: tuple[str, ...] = (
    "topic",
    "hardship",
    "relative",
    "no_payment_method",
    "soft_yes",
    "other_contact",
)

# What a debtor's question is about; the dialogue answers each from dialogues/ and config.
QUESTION_TOPICS: tuple[str, ...] = (
    "options",  # what are my options / quais as opções
    "breakdown",  # why is it more / is there interest / pq ta mais caro
    "charge_origin",  # what is this charge / que compra é essa / I thought it was paid
    "business_identity",  # CNPJ / which shop / quem é a loja
    "number_source",  # how did you get my number
    "scam",  # is this a scam / é golpe / como sei que é verdade
    "status",  # will you stop charging me / so we're good / tá tudo certo?
    "credit_bureau",  # SPC / Serasa / negativação / nome sujo
    "deadline",  # até quando posso pagar / prazo
    "pay_at_store",  # posso pagar na loja / at the store
    "discount",  # tem desconto à vista / best price if I pay it all today
    "plan_total",  # qual o total no final / how much in total
    "partial_payment",  # já paguei 200 mês passado, pq ta cobrando tudo?
    "paid_to_person",  # paid a salesperson's personal PIX
    "plan_dates",  # a segunda vence qdo? / quais as datas das outras? / when is the last one due
    "installment_amount",  # qual o valor de cada parcela? / how much is the first payment?
    "pay_early",  # posso pagar a segunda antes? / can I pay the second one early?
    "late_payment",  # e se eu atrasar uma parcela? / what if I miss a payment?
    "product_issue",  # mas ele quebrou na primeira semana / the TV stopped working
    "store_hours",  # vcs abrem domingo? / what time do you open / onde fica a loja
    "consequences",  # e se eu não pagar, o que acontece? / are you going to sue me?
    "store_agreement",  # já fiz acordo com a moça da loja / I made a deal at the store
    "privacy_request",  # apaguem meus dados / what data do you have on me (LGPD: a person)
    "other_question",  # a question none of the above answers: a person answers it
)


@dataclass(frozen=True)
class Entity:
    """One extracted entity; ``value`` is resolved (ISO date, "150.00", 3, "pix")."""

    entity: str
    value: str | int
    start: int
    end: int
    text: str
    # Rasa's entity role: "after" for a date that only bounds the one meant ("depois do dia
    # 5"); the dialogue reads ``Parse.acted_on()``, without such entities
    role: str | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.role is not None:
            found["role"] = self.role
        return found


@dataclass(frozen=True)
class Clause:
    """One part of a longer message ("sou eu sim." / "meu marido ficou doente" / ...).

    ``start``/``end`` index into the whole message's text; entities are the ones inside it.
    """

    text: str
    start: int
    end: int
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "entities": [e.to_json() for e in self.entities],
        }


@dataclass(frozen=True)
class Parse:
    """What a message means: intent with confidence, language and resolved entities."""

    text: str
    language: str
    intent: str
    confidence: float
    intent_ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    # Each clause of a longer message with what was found in it (empty: one clause, the
    # whole message). Additive to Rasa's shape: the fields above keep their meaning.
    clauses: tuple[Clause, ...] = ()

    def acted_on(self) -> Parse:
        """This parse without the entities that only qualify others (a ``role``, as "after"
        on "depois do dia 5"): what the dialogue decides on. The log keeps the whole."""
        if not any(e.role for e in self.entities):
            return self
        return replace(
            self,
            entities=tuple(e for e in self.entities if e.role is None),
            clauses=tuple(
                replace(c, entities=tuple(e for e in c.entities if e.role is None))
                for c in self.clauses
            ),
        )

    def first(self, name: str) -> Entity | None:
        """The first entity called ``name``, if any."""
        return next((e for e in self.entities if e.entity == name), None)

    def value(self, name: str) -> str | int | None:
        found = self.first(name)
        return None if found is None else found.value

    def to_json(self) -> dict[str, Any]:
        """The ``quita nlu parse`` contract shape."""
        return {
            "text": self.text,
            "language": self.language,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "intent_ranking": [
                {"name": name, "confidence": round(conf, 4)} for name, conf in self.intent_ranking
            ],
            "entities": [e.to_json() for e in self.entities],
            "clauses": [c.to_json() for c in self.clauses],
        }

    def all_values(self, name: str) -> tuple[str | int, ...]:
        """Every value of entity ``name`` in the message, in order, without repeats."""
        seen: list[str | int] = []
        for e in self.entities:
            if e.entity == name and e.value not in seen:
                seen.append(e.value)
        return tuple(seen)

    def clause_intents(self, min_confidence: float = 0.0) -> tuple[str, ...]:
        """The intents of the clauses (in order, no repeats) at ``min_confidence`` or more."""
        found: list[str] = []
        for c in self.clauses:
            if c.confidence >= min_confidence and c.intent not in found:
                found.append(c.intent)
        return tuple(found)


class Interpreter(Protocol):
    """Turns text into a Parse. ``now`` is aware; relative dates resolve against it."""

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse: ...
