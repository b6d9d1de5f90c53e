"""When a plan's first payment falls (``bot.core.domain.first_payment_days``): the configured
days ahead, and never before a due date still to come (nothing is asked before it is due)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.core.domain import DebtView, first_payment_days

TODAY = date(2026, 11, 23)


def debt(due_in_days: int, *, status: str = "open", paid: str = "0") -> DebtView:
    return DebtView(1, "D1", "Sofá", Decimal("900.00"), TODAY + timedelta(days=due_in_days),
                    Decimal(paid), status)  # fmt: skip


def test_overdue_or_due_today_takes_the_configured_days() -> None:
    assert first_payment_days([debt(-10)], TODAY, 3) == 3
    assert first_payment_days([debt(0)], TODAY, 3) == 3
    assert first_payment_days([debt(-1), debt(20)], TODAY, 3) == 3  # something is late


def test_nothing_due_yet_waits_for_the_earliest_due_date() -> None:
    assert first_payment_days([debt(7)], TODAY, 3) == 7
    assert first_payment_days([debt(2)], TODAY, 3) == 3  # sooner than configured: configured
    assert first_payment_days([debt(30), debt(12)], TODAY, 3) == 12


def test_paid_and_disputed_debts_do_not_set_the_day() -> None:
    assert first_payment_days([debt(-5, paid="900.00"), debt(9)], TODAY, 3) == 9
    assert first_payment_days([debt(-5, status="disputed"), debt(9)], TODAY, 3) == 9
    assert first_payment_days([], TODAY, 3) == 3


@given(
    st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=5),
    st.integers(min_value=0, max_value=30),
)
def test_never_before_the_configured_day_nor_a_due_date_to_come(
    dues: list[int], configured: int
) -> None:
    days = first_payment_days([debt(d) for d in dues], TODAY, configured)
    assert days >= configured
    if min(dues) > 0:
        assert days == max(configured, min(dues))  # never asked before it is due
    else:
        assert days == configured  # something is late: as configured
