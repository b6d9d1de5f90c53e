"""Facts that answer a debtor's question, as reply vars (JSON-friendly, like ``turn.py``'s).

Pure functions of the Context and the state: what was received and what is left, when the
next payment falls due, the best price in full, the totals of the plans being discussed.
The texts that use them live in ``dialogues/responses/*.yml`` (``answer_*``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.core.money import ZERO
from bot.dialogue.context import Context
from bot.dialogue.turn import Turn, debt_vars, money_str, plan_vars

# Topics answered without saying anything about the debt: safe before identity is confirmed.
SAFE_TOPICS = frozenset(
    {
        "business_identity",
        "number_source",
        "scam",
        "pay_at_store",
        "paid_to_person",
        "store_agreement",
        "store_hours",
        "product_issue",
    }
)


def next_payment(ctx: Context) -> tuple[Decimal, str | None]:
    """The amount we expect next and its due date (an installment, a promise or the balance)."""
    agreement = ctx.agreement
    if agreement is not None and agreement.status == "active":
        pending = list(agreement.pending)
        if pending:
            return pending[0].amount, pending[0].due.isoformat()
    promise = ctx.open_promise
    if promise is not None and promise.status == "open":
        return promise.still_owed(ctx.balance.total), promise.due.isoformat()
    return ctx.balance.total, None


def received_vars(ctx: Context) -> dict[str, Any]:
    """What the business has received on the debts still open, and what is left today."""
    debts = [d for d in ctx.debts if d.status == "open"]
    received = sum((d.paid for d in debts), ZERO)
    refs = {d.ref for d in debts}
    payments = [p for p in ctx.payments if p.debt_ref is None or p.debt_ref in refs]
    last = payments[0] if payments else None
    original = sum((d.amount for d in debts), ZERO)
    return {
        "received": money_str(received),
        "has_received": received > ZERO,
        "original": money_str(original),
        "remaining": money_str(ctx.balance.total),
        "remaining_has_charges": ctx.balance.total > original - received,
        "has_remaining": ctx.balance.total > ZERO,
        "last_payment_amount": money_str(last.amount) if last else None,
        "last_payment_date": last.paid_on.isoformat() if last else None,
        "payment_count": len(payments),
    }


def claimed_amount(t: Turn) -> Decimal | None:
    """The amount the person says they paid ("já paguei 200"), if any."""
    raw = t.parse.value("amount")
    try:
        return None if raw is None else Decimal(str(raw))
    except ArithmeticError:
        return None


def claim_is_recorded(ctx: Context, claimed: Decimal | None) -> bool:
    """Whether a payment of ``claimed`` (or any, when no amount was said) is on record."""
    if claimed is None:
        return bool(ctx.payments) or any(d.paid > ZERO for d in ctx.debts)
    return any(p.amount == claimed for p in ctx.payments)


def deadline_vars(ctx: Context) -> dict[str, Any]:
    """Due dates and the last day a single payment can still be arranged for."""
    debts = [d for d in ctx.debts if d.status == "open" and d.balance > ZERO]
    oldest = min((d.due for d in debts), default=None)
    latest_promise = ctx.today + timedelta(days=ctx.offers.promise_max_days)
    return {
        "oldest_due": oldest.isoformat() if oldest else None,
        "overdue": oldest is not None and oldest < ctx.today,
        "days_overdue": ctx.balance.days_overdue,
        "max_date": latest_promise.isoformat(),
        "total": money_str(ctx.balance.total),
    }


def plan_total_vars(t: Turn) -> dict[str, Any]:
    """Totals of what is being discussed: the plan awaiting "ok", the plans on screen, the
    agreement, or else the balance."""
    if t.state.pending_plan is not None:
        return {"source": "pending", "plans": [plan_vars(t.state.pending_plan)]}
    if t.state.on_screen:
        plans = [plan_vars(p, i + 1) for i, p in enumerate(t.state.on_screen)]
        return {"source": "on_screen", "plans": plans}
    agreement = t.ctx.agreement
    if agreement is not None and agreement.status in ("active", "pending_approval"):
        paid = sum(
            (p.amount for p in agreement.payments if p.number in agreement.paid_numbers), ZERO
        )
        return {
            "source": "agreement",
            "agreement_total": money_str(agreement.total),
            "agreement_paid": money_str(paid),
            "agreement_left": money_str(agreement.total - paid),
            "installments": sum(1 for p in agreement.payments if p.number > 0),
        }
    # "são duas compras né? qto dá tudo?": each purchase and the total
    return {
        "source": "balance",
        "total": money_str(t.ctx.balance.total),
        "debts": debt_vars(t.ctx)["debts"],
    }
