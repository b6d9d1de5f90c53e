"""The engine against the real offer books (offers/default.yml and the public example)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dialogue_helpers import ROOT, Conversation, make_ctx, of_type, replies

from bot.dialogue.actions import CreateAgreement, PresentOffers, RecordPromise, SendPaymentInfo
from bot.dialogue.context import Reminder
from bot.dialogue.responses import ResponseBook

offers_book = pytest.importorskip("bot.offers.book")

BOOKS = {
    "default": ROOT / "offers" / "default.yml",
    "example": Path("/work/shared/eval/conversations/offers_example.yml"),
}


def _conversation(book: ResponseBook, which: str, **kwargs: Any) -> Conversation:
    path = BOOKS[which]
    if not path.exists():
        pytest.skip(f"{path} is not here")
    offer_book = offers_book.load_offer_book(path)
    ctx = make_ctx(offers=offer_book, **kwargs)
    ctx = replace(ctx, balance=offer_book.balance(ctx.debts, ctx.today))
    return Conversation(ctx, book)


@pytest.mark.parametrize("which", ["default", "example"])
def test_hardship_to_five_installments(book: ResponseBook, which: str) -> None:
    c = _conversation(book, which)
    c.send(Reminder("overdue"))
    d = c.say("cannot_pay", text="to sem dinheiro esse mes")
    assert of_type(d, PresentOffers)
    assert not of_type(d, RecordPromise)
    c.say("negotiate", text="consigo em 5x?", installments=5)
    d = c.say("affirm", text="fechado")
    plan = of_type(d, CreateAgreement)[0].plan  # type: ignore[union-attr]
    assert plan.installments == 5
    assert plan.total == Decimal("450.00")
    assert plan.installment_amount == Decimal("90.00")
    assert of_type(d, SendPaymentInfo)[0].amount == Decimal("90.00")  # type: ignore[union-attr]


@pytest.mark.parametrize("which", ["default", "example"])
def test_promise_limit_comes_from_the_book(book: ResponseBook, which: str) -> None:
    c = _conversation(book, which)
    c.send(Reminder("overdue"))
    assert "R$ 460,65" in c.texts[-1]
    d = c.say("promise_to_pay", date="2026-11-26")
    assert of_type(d, RecordPromise)[0].amount == Decimal("460.65")  # type: ignore[union-attr]
    d = c.say("promise_to_pay", date="2026-12-20")
    assert replies(d) == ["promise_too_far", "offers"]
    assert len(of_type(d, PresentOffers)[0].plans) >= 2  # type: ignore[union-attr]


def test_refusals_walk_the_book_then_hand_off(book: ResponseBook) -> None:
    c = _conversation(book, "default")
    c.send(Reminder("overdue"))
    c.say("negotiate")
    d = c.say("deny")
    assert replies(d) == ["handoff_offers_refused"]
