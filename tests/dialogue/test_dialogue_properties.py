"""Properties over random conversations: no crash, every reply renders, nothing disclosed
before identity is confirmed, and the state always survives JSON."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dialogue_helpers import ROOT, Conversation, make_ctx, make_parse
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.domain import Media
from bot.core.parse import INTENTS
from bot.dialogue.actions import (
    CreateAgreement,
    OpenDispute,
    PresentOffers,
    RecordPromise,
    SendPaymentInfo,
)
from bot.dialogue.context import AgentReleased, PaymentConfirmed, Reminder, UserTurn
from bot.dialogue.responses import ResponseBook

ENTITIES = {
    "date": st.sampled_from(["2026-11-20", "2026-11-23", "2026-11-27", "2026-12-20"]),
    "amount": st.sampled_from(["50.00", "150.00", "1000.00"]),
    "installments": st.integers(min_value=1, max_value=30),
    "option": st.integers(min_value=0, max_value=6),
    "payment_method": st.sampled_from(["pix", "boleto", "card"]),
}


@st.composite
def turns(draw: Any) -> Any:
    kind = draw(st.sampled_from(["user"] * 8 + ["media", "reminder", "payment", "release"]))
    if kind == "reminder":
        return Reminder(draw(st.sampled_from(["overdue", "due_soon", "promise_day", "x"])))
    if kind == "payment":
        return PaymentConfirmed(amount=make_ctx().balance.total)
    if kind == "release":
        return AgentReleased()
    if kind == "media":
        media = Media(draw(st.sampled_from(["audio", "image", "document", "sticker"])))
        return UserTurn(make_parse("out_of_scope", conf=0.0, text=""), (media,))
    names = draw(st.lists(st.sampled_from(sorted(ENTITIES)), max_size=2, unique=True))
    entities = {n: draw(ENTITIES[n]) for n in names}
    intent = draw(st.sampled_from(INTENTS))
    conf = draw(st.sampled_from([0.2, 0.5, 0.9]))
    lang = draw(st.sampled_from(["pt", "en"]))
    return UserTurn(make_parse(intent, conf=conf, lang=lang, text="texto da mensagem", **entities))


@lru_cache(maxsize=1)
def _book() -> ResponseBook:
    return ResponseBook.load(ROOT / "dialogues", strict=True)


SECRETS = ("450", "460", "Guarda-roupa")
DISCLOSING = (RecordPromise, PresentOffers, CreateAgreement, SendPaymentInfo, OpenDispute)


@settings(max_examples=150, deadline=None)
@given(st.lists(turns(), min_size=1, max_size=12), st.sampled_from(["none", "confirm_name"]))
def test_random_conversations(events: list[Any], check: str) -> None:
    c = Conversation(make_ctx(identity_check=check), _book())
    for event in events:
        before = c.state
        count = len(c.texts)
        decision = c.send(event)  # renders every reply strictly, checks the JSON round trip
        if check == "confirm_name" and not decision.state.verified:
            new_texts = c.texts[count:]
            assert not any(s in t for s in SECRETS for t in new_texts), new_texts
            assert not any(isinstance(a, DISCLOSING) for a in decision.actions)
        if before.phase == "with_agent" and isinstance(event, UserTurn):
            assert c.texts[count:] == [] or event.parse.intent == "opt_out"
