"""Pure helpers over an agreement's schedule: what is due, matching payments, breaking.

A schedule is a sequence of ``ScheduledPayment`` (number 0 is the down payment); the
numbers already paid are given separately, as stored on the agreement.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from decimal import Decimal

from bot.core.domain import ScheduledPayment
from bot.core.money import ZERO, money


def unpaid(
    payments: Sequence[ScheduledPayment], paid_numbers: Collection[int]
) -> list[ScheduledPayment]:
    """The payments not yet paid, in schedule order (down payment first)."""
    return sorted((p for p in payments if p.number not in paid_numbers), key=lambda p: p.number)


def installments_due(
    payments: Sequence[ScheduledPayment], paid_numbers: Collection[int], today: date
) -> list[ScheduledPayment]:
    """Unpaid payments whose due date is today or earlier: what the cadence reminds about."""
    return [p for p in unpaid(payments, paid_numbers) if p.due <= today]


def next_due(
    payments: Sequence[ScheduledPayment], paid_numbers: Collection[int]
) -> ScheduledPayment | None:
    """The first unpaid payment, or ``None`` when the agreement is paid off."""
    remaining = unpaid(payments, paid_numbers)
    return remaining[0] if remaining else None


def remaining_amount(
    payments: Sequence[ScheduledPayment], paid_numbers: Collection[int]
) -> Decimal:
    return sum((p.amount for p in unpaid(payments, paid_numbers)), ZERO)


def is_completed(payments: Sequence[ScheduledPayment], paid_numbers: Collection[int]) -> bool:
    return not unpaid(payments, paid_numbers)


def apply_payment(
    agreement_payments: Sequence[ScheduledPayment],
    paid_numbers: Collection[int],
    amount: Decimal,
) -> tuple[tuple[int, ...], Decimal]:
    """Match a payment to the agreement's installments, oldest first.

    Each unpaid installment the amount covers in full is marked paid, in order; the
    matching stops at the first installment the rest does not cover. Returns the numbers
    newly paid and the leftover (an amount below the next installment, or an overpayment
    after the last), which the caller keeps as credit or reports.
    """
    left = money(amount)
    if left < 0:
        raise ValueError("a payment cannot be negative")
    newly: list[int] = []
    for payment in unpaid(agreement_payments, paid_numbers):
        if payment.amount > left:
            break
        newly.append(payment.number)
        left -= payment.amount
    return tuple(newly), left


def is_broken(
    payments: Sequence[ScheduledPayment],
    paid_numbers: Collection[int],
    today: date,
    grace_days: int,
) -> bool:
    """Whether an unpaid payment is more than ``grace_days`` past its due date."""
    return any(p.due + timedelta(days=grace_days) < today for p in unpaid(payments, paid_numbers))
