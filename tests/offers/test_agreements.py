"""Agreement schedules: due items, matching payments, breaking after the grace period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.domain import ScheduledPayment
from bot.offers.agreements import (
    apply_payment,
    installments_due,
    is_broken,
    is_completed,
    next_due,
    remaining_amount,
)

SCHEDULE = (
    ScheduledPayment(0, date(2026, 11, 26), Decimal("100.00")),
    ScheduledPayment(1, date(2026, 12, 26), Decimal("90.00")),
    ScheduledPayment(2, date(2027, 1, 26), Decimal("90.00")),
    ScheduledPayment(3, date(2027, 2, 26), Decimal("90.02")),
)


def test_installments_due_are_unpaid_and_not_in_the_future() -> None:
    assert installments_due(SCHEDULE, (), date(2026, 11, 25)) == []
    assert installments_due(SCHEDULE, (), date(2026, 11, 26)) == [SCHEDULE[0]]
    assert installments_due(SCHEDULE, (0,), date(2027, 1, 26)) == [SCHEDULE[1], SCHEDULE[2]]


def test_next_due_remaining_and_completed() -> None:
    assert next_due(SCHEDULE, (0, 1)) == SCHEDULE[2]
    assert remaining_amount(SCHEDULE, (0, 1)) == Decimal("180.02")
    assert not is_completed(SCHEDULE, (0, 1, 2))
    assert is_completed(SCHEDULE, (0, 1, 2, 3))
    assert next_due(SCHEDULE, (0, 1, 2, 3)) is None


@pytest.mark.parametrize(
    ("paid", "amount", "newly", "leftover"),
    [
        ((), "100.00", (0,), "0.00"),
        ((), "190.00", (0, 1), "0.00"),
        ((), "150.00", (0,), "50.00"),
        ((), "99.99", (), "99.99"),
        ((0,), "90", (1,), "0.00"),
        ((0, 1, 2), "100.00", (3,), "9.98"),
        ((0, 1, 2, 3), "10.00", (), "10.00"),
        ((1,), "190.00", (0, 2), "0.00"),
    ],
)
def test_apply_payment(
    paid: tuple[int, ...], amount: str, newly: tuple[int, ...], leftover: str
) -> None:
    assert apply_payment(SCHEDULE, paid, Decimal(amount)) == (newly, Decimal(leftover))


def test_negative_payment_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        apply_payment(SCHEDULE, (), Decimal("-1"))


def test_broken_after_the_grace_period() -> None:
    assert not is_broken(SCHEDULE, (), date(2026, 12, 1), grace_days=5)
    assert is_broken(SCHEDULE, (), date(2026, 12, 2), grace_days=5)
    assert not is_broken(SCHEDULE, (0,), date(2026, 12, 31), grace_days=5)
    assert is_broken(SCHEDULE, (0,), date(2027, 1, 1), grace_days=5)
    assert not is_broken(SCHEDULE, (0, 1, 2, 3), date(2030, 1, 1), grace_days=0)
