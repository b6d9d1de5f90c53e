"""Already paid, receipts, debt details and how to pay."""

from __future__ import annotations

from decimal import Decimal

from bot.core.business_days import add_business_days
from bot.dialogue.actions import KeepReceipt, PauseReminders, SendPaymentInfo
from bot.dialogue.handlers_identity import context_vars, identity_required
from bot.dialogue.turn import Step, Turn, money_str, payment_reference, say

RECEIPT_KINDS = ("image", "document")
METHODS = ("pix", "boleto", "card", "link", "transfer", "cash")


def already_paid(t: Turn) -> Step:
    """Thank, ask for the receipt, pause reminders while the business checks. With the
    receipt already attached ("segue o comprovante" and a photo), keep it and say so."""
    days = t.ctx.settings.already_paid_pause_business_days
    until = add_business_days(t.ctx.today, days, t.ctx.holidays)
    pause = PauseReminders(until=until, reason="already_paid")
    attached = _receipts(t)
    if attached:
        return t.step(pause, *attached, say("receipt_received", t.ctx), phase="open")
    return t.step(
        pause,
        # "ja paguei 200 mes passado": the amount said is repeated, so it is known it was heard
        say(
            "already_paid", t.ctx, until=until.isoformat(), days=days, paid=t.parse.value("amount")
        ),
        phase="awaiting_receipt",
        awaiting_receipt=True,
    )


def _receipts(t: Turn) -> list[KeepReceipt]:
    return [
        KeepReceipt(media_url=m.url, content_type=m.content_type)
        for m in t.media
        if m.kind in RECEIPT_KINDS
    ]


def media(t: Turn) -> Step:
    """A photo or a PDF in a collections chat is, nearly always, a payment receipt: kept for
    the team to check (and matched with the PSP's Pix), reminders paused as after "já paguei".
    Audio, stickers, and files from a chat with nothing to pay: text only, please."""
    keep = _receipts(t)
    if keep and t.state.awaiting_receipt:
        return t.step(*keep, say("receipt_received", t.ctx), awaiting_receipt=False, phase="open")
    if keep and (t.debts or t.ctx.agreement is not None):
        days = t.ctx.settings.already_paid_pause_business_days
        until = add_business_days(t.ctx.today, days, t.ctx.holidays)
        return t.step(
            PauseReminders(until=until, reason="receipt_sent"),
            *keep,
            # the phase stays: a file proves nobody's identity
            say("receipt_received_unprompted", t.ctx),
        )
    kinds = sorted({m.kind for m in t.media})
    return t.step(say("media_text_only", t.ctx, kinds=kinds))


def ask_debt_details(t: Turn) -> Step:
    """How much, since when, what for: only to a verified person."""
    if not t.can_disclose:
        return identity_required(t)
    if not t.debts and t.ctx.agreement is None:
        return t.step(say("debt_details_none", t.ctx))
    return t.step(say("debt_details", t.ctx, **context_vars(t.state, t.ctx)))


def _what_to_pay(t: Turn) -> tuple[Decimal, str, str | None]:
    """Amount, purpose and due date of the next payment we expect."""
    agreement = t.ctx.agreement
    if agreement is not None and agreement.status == "active":
        pending = [p for p in agreement.payments if p.number not in agreement.paid_numbers]
        if pending:
            return pending[0].amount, "installment", pending[0].due.isoformat()
    promise = t.ctx.open_promise
    if promise is not None and promise.status == "open":
        return promise.amount, "promise", promise.due.isoformat()
    return t.ctx.balance.total, "balance", None


def ask_payment_method(t: Turn) -> Step:
    """How to pay: the payment info for the next expected amount (PIX unless asked)."""
    if not t.can_disclose:
        return identity_required(t)
    if not t.debts and t.ctx.agreement is None:
        return t.step(say("debt_details_none", t.ctx))
    raw = t.parse.value("payment_method")
    method = str(raw) if raw in METHODS else "pix"
    amount, purpose, due = _what_to_pay(t)
    reference = payment_reference(t.ctx.debtor.ref, purpose[:3], t.ctx.today.strftime("%m%d"))
    return t.step(
        SendPaymentInfo(amount=amount, reference=reference, method=method),
        say(
            "payment_info",
            t.ctx,
            attach_pix_qr=method == "pix",
            method=method,
            amount=money_str(amount),
            due=due,
            purpose=purpose,
        ),
    )
