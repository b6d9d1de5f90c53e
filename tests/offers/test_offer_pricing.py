"""Balance maths, priced plans and the debtor's own proposals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.domain import DebtView
from bot.offers.book import OfferBook, parse_offer_book
from bot.offers.pricing import add_months, installment_amounts, tabela_price_payment

TODAY = date(2026, 11, 23)

EXAMPLE = """\
currency: BRL
charges: {late_fee_percent: 2.0, monthly_interest_percent: 1.0}
promise: {max_days: 10}
tiers:
  - name: recent
    when: {days_overdue: [0, 30]}
    offers:
      - {id: full_no_fees, type: pay_in_full, waive: [late_fee, interest]}
      - {id: up_to_6, type: installments, max_installments: 6, min_installment: "50.00",
         monthly_rate_percent: 0, waive: [late_fee, interest]}
  - name: late
    when: {days_overdue: [31, 100000]}
    offers:
      - {id: full_10, type: pay_in_full, discount_percent: 10, waive: [late_fee, interest]}
      - {id: up_to_10, type: installments, max_installments: 10, min_installment: "40.00",
         monthly_rate_percent: 1.0}
      - {id: six_x, type: installments, max_installments: 6, min_installment: "40.00",
         down_payment_percent: 10, monthly_rate_percent: 1.0}
      - {id: full_40, type: pay_in_full, discount_percent: 40, waive: [late_fee, interest]}
  - name: hardship
    when: {segment: hardship, days_overdue: [0, 100000]}
    offers:
      - {id: hs_full, type: pay_in_full, discount_percent: 5}
limits: {max_monthly_rate_percent: 1.0, human_approval_above_discount_percent: 30}
"""


@pytest.fixture(scope="module")
def book() -> OfferBook:
    return parse_offer_book(EXAMPLE)


def debt(
    amount: str, due: date, *, paid: str = "0.00", status: str = "open", n: int = 1
) -> DebtView:
    return DebtView(n, f"D-{n}", "compra", Decimal(amount), due, Decimal(paid), status)


P02 = [debt("450.00", date(2026, 11, 12))]


def test_balance_of_p02(book: OfferBook) -> None:
    breakdown = book.balance(P02, TODAY)

    assert breakdown.days_overdue == 11
    assert breakdown.principal == Decimal("450.00")
    assert breakdown.late_fee == Decimal("9.00")  # 2 % once
    assert breakdown.interest == Decimal("1.65")  # 450 x 1 % x 11/30
    assert breakdown.total == Decimal("460.65")


def test_balance_counts_from_the_oldest_unpaid_and_skips_closed_debts(book: OfferBook) -> None:
    debts = [
        debt("300.00", date(2026, 10, 24), paid="100.00", n=1),  # 30 days, 200 left
        debt("100.00", date(2026, 11, 13), n=2),  # 10 days
        debt("500.00", date(2026, 12, 10), n=3),  # not due yet: principal, no charges
        debt("999.00", date(2026, 1, 1), status="paid", n=4),
        debt("80.00", date(2026, 1, 1), paid="80.00", n=5),
        debt("70.00", date(2026, 1, 1), status="disputed", n=6),
    ]

    breakdown = book.balance(debts, TODAY)

    assert breakdown.days_overdue == 30
    assert breakdown.principal == Decimal("800.00")
    assert breakdown.late_fee == Decimal("6.00")  # 2 % of the 300 overdue
    # 200 x 1 % x 30/30 + 100 x 1 % x 10/30 = 2.00 + 0.3333 = 2.33
    assert breakdown.interest == Decimal("2.33")


def test_nothing_overdue_and_nothing_open(book: OfferBook) -> None:
    assert book.balance([debt("50.00", TODAY)], TODAY).total == Decimal("50.00")
    assert book.balance([], TODAY).total == Decimal("0.00")
    assert book.tier_for([], TODAY) is None
    assert book.plans_for([], TODAY) == []
    assert book.propose([], TODAY, installments=3).reason == "nothing_due"


def test_tier_selection(book: OfferBook) -> None:
    assert book.tier_for(P02, TODAY).name == "recent"  # type: ignore[union-attr]
    old = [debt("450.00", date(2026, 9, 1))]
    assert book.tier_for(old, TODAY).name == "late"  # type: ignore[union-attr]
    # the first matching tier wins: segment tiers must come first to apply
    assert book.tier_for(old, TODAY, segment="hardship").name == "late"  # type: ignore[union-attr]


def test_p02_plans_in_book_order(book: OfferBook) -> None:
    full, split = book.plans_for(P02, TODAY)

    assert (full.offer_id, full.total, full.savings) == (
        "full_no_fees",
        Decimal("450.00"),
        Decimal("10.65"),
    )
    assert full.first_due == date(2026, 11, 26)
    assert full.waived == ("late_fee", "interest")
    # the installments offer is shown with the lowest payment the minimum allows
    assert (split.offer_id, split.installments, split.installment_amount) == (
        "up_to_6",
        6,
        Decimal("75.00"),
    )
    assert split.total == Decimal("450.00")


def test_p02_em_5x_is_five_installments_of_90(book: OfferBook) -> None:
    proposal = book.propose(P02, TODAY, installments=5)

    assert proposal.exact
    assert proposal.reason == "ok"
    plan = proposal.plan
    assert plan is not None
    assert (plan.installments, plan.installment_amount, plan.total) == (
        5,
        Decimal("90.00"),
        Decimal("450.00"),
    )
    assert [p.due for p in plan.payments] == [
        date(2026, 11, 26),
        date(2026, 12, 26),
        date(2027, 1, 26),
        date(2027, 2, 26),
        date(2027, 3, 26),
    ]
    assert plan.down_payment == Decimal("0.00")
    assert not plan.needs_approval


@pytest.mark.parametrize(
    ("kwargs", "exact", "reason", "installments", "amount"),
    [
        ({"monthly_amount": Decimal("150")}, True, "ok", 3, "150.00"),
        ({"monthly_amount": Decimal("100")}, True, "ok", 5, "90.00"),
        ({"monthly_amount": Decimal("40")}, False, "below_min_installment", 6, "75.00"),
        ({"installments": 12}, False, "too_many_installments", 6, "75.00"),
        ({"installments": 1}, True, "pay_in_full", 1, "450.00"),
        (
            {"installments": 3, "monthly_amount": Decimal("100")},
            False,
            "above_monthly_amount",
            3,
            "150.00",
        ),
        ({"down_payment": Decimal("100")}, True, "ok", 6, "58.33"),
        ({"down_payment": Decimal("150"), "installments": 2}, True, "ok", 2, "150.00"),
        ({}, True, "ok", 6, "75.00"),
    ],
)
def test_proposals_in_the_recent_tier(
    book: OfferBook,
    kwargs: dict[str, object],
    exact: bool,
    reason: str,
    installments: int,
    amount: str,
) -> None:
    proposal = book.propose(P02, TODAY, **kwargs)  # type: ignore[arg-type]

    assert (proposal.exact, proposal.reason) == (exact, reason)
    assert proposal.plan is not None
    assert proposal.plan.installments == installments
    assert proposal.plan.installment_amount == Decimal(amount)


def test_down_payment_plan_schedule(book: OfferBook) -> None:
    plan = book.propose(P02, TODAY, down_payment=Decimal("150"), installments=2).plan
    assert plan is not None

    assert [(p.number, p.due, p.amount) for p in plan.payments] == [
        (0, date(2026, 11, 26), Decimal("150")),
        (1, date(2026, 12, 26), Decimal("150.00")),
        (2, date(2027, 1, 26), Decimal("150.00")),
    ]
    assert plan.total == Decimal("450.00")


def test_down_payment_that_covers_everything_gives_pay_in_full(book: OfferBook) -> None:
    proposal = book.propose(P02, TODAY, down_payment=Decimal("450.00"))

    assert (proposal.exact, proposal.reason) == (False, "down_payment_covers_balance")
    assert proposal.plan is not None
    assert proposal.plan.kind == "pay_in_full"


def test_late_tier_interest_down_payment_and_approval(book: OfferBook) -> None:
    old = [debt("1000.00", date(2026, 8, 25))]  # 90 days
    breakdown = book.balance(old, TODAY)
    assert (breakdown.late_fee, breakdown.interest, breakdown.total) == (
        Decimal("20.00"),
        Decimal("30.00"),
        Decimal("1050.00"),
    )

    full_10, ten, six, full_40 = book.plans_for(old, TODAY)

    assert full_10.total == Decimal("900.00")  # waivers, then 10 %
    assert not full_10.needs_approval  # saves 14.3 %
    assert full_40.total == Decimal("600.00")
    assert full_40.needs_approval  # saves 42.9 % > 30 %
    assert ten.installments == 10
    assert ten.installment_amount == Decimal("110.86")  # 1050 at 1 % over 10 months
    assert ten.total == sum(p.amount for p in ten.payments)
    assert six.down_payment == Decimal("105.00")  # 10 % of 1050
    assert [p.number for p in six.payments] == [0, 1, 2, 3, 4, 5, 6]
    assert six.installment_amount == Decimal("163.06")  # 945 at 1 % over 6 months


def test_down_payment_below_the_books_minimum(book: OfferBook) -> None:
    old = [debt("1000.00", date(2026, 8, 25))]

    # up_to_10 has no down-payment rule, so 50 of entry is exact there
    assert book.propose(old, TODAY, down_payment=Decimal("50")).plan.offer_id == "up_to_10"  # type: ignore[union-attr]
    proposal = book.propose(old, TODAY, down_payment=Decimal("50"), installments=10)
    assert proposal.exact
    assert proposal.plan is not None
    assert proposal.plan.down_payment == Decimal("50")


def test_tabela_price_known_values() -> None:
    assert tabela_price_payment(Decimal("1000"), Decimal("0"), 4) == Decimal("250")
    pmt = tabela_price_payment(Decimal("1000"), Decimal("1"), 12)
    assert pmt.quantize(Decimal("0.01")) == Decimal("88.85")
    assert installment_amounts(Decimal("100.00"), Decimal("0"), 3) == (
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    )
    assert installment_amounts(Decimal("200.00"), Decimal("0"), 3) == (
        Decimal("66.67"),
        Decimal("66.67"),
        Decimal("66.66"),
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2028, 1, 30), 1, date(2028, 2, 29)),
        (date(2026, 11, 26), 0, date(2026, 11, 26)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_first_due_days_is_configurable(book: OfferBook) -> None:
    plan = book.plans_for(P02, TODAY, first_due_days=7)[1]

    assert plan.first_due == date(2026, 11, 30)
    assert plan.payments[1].due == date(2026, 12, 30)


def test_a_balance_too_small_for_installments_leaves_the_offer_out(book: OfferBook) -> None:
    small = [debt("60.00", date(2026, 11, 20))]

    assert [p.offer_id for p in book.plans_for(small, TODAY)] == ["full_no_fees"]
    proposal = book.propose(small, TODAY, installments=2)
    assert (proposal.exact, proposal.reason) == (False, "below_min_installment")
    assert proposal.plan is not None
    assert proposal.plan.kind == "pay_in_full"
