"""Receipts: under review, matched with a received Pix through the PSP, or a person decides."""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.domain import InboundMessage, Media
from bot.payments.receipt_text import pdf_text, receipt_facts
from bot.payments.receipts import (
    ReceiptError,
    confirm_receipt,
    receipts_under_review,
    reject_receipt,
)
from bot.store.tables import Debt, Debtor, Event, Payment, PixReceived, Receipt
from bot.testing.pdf import text_pdf
from tests.payments.conftest import NOW, PixStack
from tests.payments.test_pix_flow import PHONE, add_blender, add_debtor, say

TZ = "America/Sao_Paulo"
E2E = "E18236120202611221840s0123456789"  # E + 31 letters and digits


def pdf_url(*lines: str) -> str:
    return "data:application/pdf;base64," + base64.b64encode(text_pdf(list(lines))).decode()


async def send_receipt(stack: PixStack, media: Media) -> None:
    await stack.runtime.inbound.receive(
        InboundMessage(
            channel="whatsapp",
            address=PHONE,
            provider_id=uuid.uuid4().hex,
            text="",
            received_at=stack.clock.now(),
            media=(media,),
        )
    )
    await stack.runtime.drain_outbox()


def receipt_row(stack: PixStack) -> Receipt:
    def work(session: Any) -> Receipt:
        row = session.scalar(select(Receipt).order_by(Receipt.id.desc()))
        session.expunge(row)
        return row

    return stack.runtime.in_transaction(work)


def review_state(stack: PixStack) -> tuple[bool, date | None]:
    return stack.runtime.in_transaction(
        lambda s: (
            s.scalar(select(Debt.under_review)),
            s.scalar(select(Debtor.reminders_paused_until)),
        )
    )


def event_kinds(stack: PixStack) -> list[str]:
    return stack.runtime.in_transaction(lambda s: list(s.scalars(select(Event.kind))))


def test_a_pdf_text_layer_gives_amount_time_and_e2e_id() -> None:
    text = pdf_text(
        text_pdf(["Comprovante Pix", "Valor: R$ 1.234,56", "22/11/2026 18:40:05", f"ID: {E2E}"])
    )
    facts = receipt_facts(text, TZ)
    assert facts.amount == Decimal("1234.56")
    assert facts.at is not None
    assert facts.at.isoformat() == "2026-11-22T18:40:05-03:00"
    assert facts.end_to_end_id == E2E


def test_a_statement_with_several_amounts_or_no_pdf_states_nothing() -> None:
    facts = receipt_facts("Saldo R$ 10,00\nPix R$ 280,00", TZ)
    assert facts.amount is None  # guessing would match the wrong Pix
    assert pdf_text(b"not a pdf at all") == ""


async def test_a_receipt_puts_the_debt_under_review_and_holds_reminders(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "já paguei")
    await send_receipt(
        stack, Media(kind="image", url="https://media.invalid/x", content_type="image/jpeg")
    )
    under_review, paused = review_state(stack)
    assert under_review is True
    assert paused == date(2026, 11, 26)  # 3 business days (payments.receipt_review_days)
    receipt = receipt_row(stack)
    assert (receipt.status, receipt.lookups) == ("under_review", 1)  # the PSP had nothing
    assert "payment_needs_review" in event_kinds(stack)
    listed = stack.runtime.in_transaction(receipts_under_review)
    assert [(r["id"], r["debtor_ref"], r["left_to_pay"]) for r in listed] == [
        (receipt.id, "D-51", "300.00")
    ]


async def test_a_pix_to_the_key_is_matched_by_the_pdf_amount_and_thanked(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    stack.psp.pay_key("pagamentos@lojaexemplo.com.br", Decimal("120.00"), NOW - timedelta(hours=3))
    other = stack.psp.pay_key("x@y.z", Decimal("99.00"), NOW - timedelta(hours=2))  # not ours
    await say(stack, "já paguei")
    before = len(stack.channel.sent)
    await send_receipt(
        stack,
        Media(
            kind="document",
            url=pdf_url("Comprovante", "Valor R$ 120,00", "23/11/2026 07:01"),
            content_type="application/pdf",
        ),
    )
    receipt = receipt_row(stack)
    assert receipt.status == "matched"
    assert receipt.stated_amount == Decimal("120.00")
    assert receipt.end_to_end_id != other
    texts = [m.text for m in stack.channel.sent[before:]]
    # paid, and what is left: R$ 180,00 with its 2 % fine and interest (R$ 184,26), the figure
    # every later message gives
    assert any("R$ 120,00" in t and "R$ 184,26" in t for t in texts)
    paid = stack.runtime.in_transaction(lambda s: s.scalar(select(Debt.paid)))
    assert paid == Decimal("120.00")
    assert review_state(stack) == (False, None)  # reminders resume for the R$ 180,00
    row = stack.runtime.in_transaction(
        lambda s: (lambda p: (p.source, p.credited))(s.scalar(select(PixReceived)))
    )
    assert row == ("receipt", Decimal("120.00"))


async def test_the_e2e_id_in_the_pdf_is_fetched_directly(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    e2e = stack.psp.pay_key("pagamentos@lojaexemplo.com.br", Decimal("300.00"), NOW)
    await say(stack, "já paguei")
    await send_receipt(
        stack,
        Media(kind="document", url=pdf_url(f"ID {e2e}"), content_type="application/pdf"),
    )
    assert receipt_row(stack).end_to_end_id == e2e
    assert ("GET", f"/pix/{e2e}") in stack.psp.requests
    assert stack.runtime.in_transaction(lambda s: s.scalar(select(Debt.status))) == "paid"


async def test_two_pix_of_the_same_amount_are_left_to_a_person(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    for minutes in (10, 20):  # which one is hers? only a person can tell
        stack.psp.pay_key("k", Decimal("300.00"), NOW - timedelta(minutes=minutes))
    await say(stack, "já paguei")
    await send_receipt(
        stack, Media(kind="image", url="https://media.invalid/y", content_type="image/jpeg")
    )
    assert receipt_row(stack).status == "under_review"
    assert stack.runtime.in_transaction(lambda s: s.scalar(select(Debt.paid))) == Decimal("0.00")


async def test_a_person_confirms_once_or_rejects(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "já paguei")
    await send_receipt(
        stack, Media(kind="image", url="https://media.invalid/z", content_type="image/jpeg")
    )
    receipt_id = receipt_row(stack).id
    now = stack.clock.now()
    deps = stack.runtime.deps

    def confirm(session: Any, amount: Decimal | None) -> Any:
        return confirm_receipt(
            session, receipt_id, amount=amount, paid_at=None, user_id=None, now=now, deps=deps
        )

    with pytest.raises(ReceiptError, match="no amount"):  # an image states none
        stack.runtime.in_transaction(lambda s: confirm(s, None))
    before = len(stack.channel.sent)
    stack.runtime.in_transaction(lambda s: confirm(s, Decimal("300.00")))
    await stack.runtime.drain_outbox()
    assert any("R$ 300,00" in m.text for m in stack.channel.sent[before:])
    assert review_state(stack) == (False, None)
    with pytest.raises(ReceiptError, match="already confirmed"):  # decided once
        stack.runtime.in_transaction(
            lambda s: reject_receipt(s, receipt_id, reason="x", user_id=None, now=now)
        )
    payments = stack.runtime.in_transaction(lambda s: list(s.scalars(select(Payment.amount))))
    assert payments == [Decimal("300.00")]


async def test_a_rejected_receipt_credits_nothing_and_reminders_resume(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "já paguei")
    await send_receipt(
        stack, Media(kind="image", url="https://media.invalid/w", content_type="image/jpeg")
    )
    receipt_id = receipt_row(stack).id
    now = stack.clock.now()
    stack.runtime.in_transaction(
        lambda s: reject_receipt(
            s, receipt_id, reason="not on the statement", user_id=None, now=now
        )
    )
    assert review_state(stack) == (False, None)
    assert receipt_row(stack).status == "rejected"
    assert stack.runtime.in_transaction(lambda s: s.scalar(select(Debt.paid))) == Decimal("0.00")


async def _blender_receipt_confirmed(stack: PixStack, amount: str) -> dict[str, Any]:
    """Sofa (older) and blender open; "só o liquidificador" asked; a photo of a receipt a
    person confirms for ``amount``. The debts afterwards: ref -> (status, paid)."""
    add_debtor(stack, amount="900.00")  # the sofa, due 12/11
    add_blender(stack)
    await say(stack, "quero pagar so o liquidificador")
    await send_receipt(
        stack, Media(kind="image", url="https://media.invalid/b", content_type="image/jpeg")
    )
    receipt_id = receipt_row(stack).id
    now = stack.clock.now()
    deps = stack.runtime.deps
    stack.runtime.in_transaction(
        lambda s: confirm_receipt(
            s, receipt_id, amount=Decimal(amount), paid_at=None, user_id=None, now=now, deps=deps
        )
    )
    return dict(
        stack.runtime.in_transaction(
            lambda s: {d.ref: (d.status, d.paid) for d in s.scalars(select(Debt))}
        )
    )


async def test_a_receipt_for_one_of_two_purchases_pays_that_one(stack: PixStack) -> None:
    """Asked "só o liquidificador", paid and sent a photo of it: the person who confirms the
    receipt credits the blender, not the older sofa (oldest first, as it used to)."""
    debts = await _blender_receipt_confirmed(stack, "180.00")
    assert debts == {"C-51": ("open", Decimal("0.00")), "C-52": ("paid", Decimal("180.00"))}


async def test_a_receipt_for_more_than_the_one_purchase_asked_pays_oldest_first(
    stack: PixStack,
) -> None:
    """The debtor asked for the blender's Pix but paid R$ 500,00: more than the blender, so
    it is not the blender's payment; the oldest debt (the sofa) is paid first."""
    debts = await _blender_receipt_confirmed(stack, "500.00")
    assert debts == {"C-51": ("open", Decimal("500.00")), "C-52": ("open", Decimal("0.00"))}
