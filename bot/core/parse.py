"""The result of understanding one message (Rasa's ``/model/parse`` shape plus language)."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Entity:
    """One extracted entity; ``value`` is resolved (ISO date, "150.00", 3, "pix")."""

    entity: str
    value: str | int
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
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
        }


class Interpreter(Protocol):
    """Turns text into a Parse. ``now`` is aware; relative dates resolve against it."""

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse: ...
