"""Plan maths: updated balance, concessions, Tabela Price schedules and proposals. Pure."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.core.domain import BalanceBreakdown, DebtView, Plan, ScheduledPayment
from bot.core.money import CENT, ZERO, money, percent_of
from bot.offers import model as m
from bot.offers.model import Charges, Offer, Proposal, Tier

_HUNDRED = Decimal(100)
_DAYS_IN_MONTH = Decimal(30)


def open_debts(debts: Sequence[DebtView]) -> list[DebtView]:
    """Debts that still count: open (or under agreement) with a positive balance."""
    return [d for d in debts if d.is_open]


def balance_breakdown(
    charges: Charges, debts: Sequence[DebtView], today: date
) -> BalanceBreakdown:
    """What is owed today under ``charges``.

    Days overdue count from the oldest unpaid due date. The late fee is charged once on the
    overdue principal; interest is simple, per day, on a 30-day month, on each overdue
    debt for its own days overdue, rounded once on the sum.
    """
    owed = open_debts(debts)
    principal = sum((d.balance for d in owed), ZERO)
    overdue = [d for d in owed if d.due < today]
    if not overdue:
        return BalanceBreakdown(money(principal), ZERO, ZERO, 0)
    days = (today - min(d.due for d in overdue)).days
    overdue_principal = sum((d.balance for d in overdue), ZERO)
    late_fee = percent_of(overdue_principal, charges.late_fee_percent)
    rate = charges.monthly_interest_percent / _HUNDRED / _DAYS_IN_MONTH
    interest = money(sum((d.balance * rate * (today - d.due).days for d in overdue), ZERO))
    return BalanceBreakdown(money(principal), late_fee, interest, days)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def tabela_price_payment(present_value: Decimal, monthly_rate_percent: Decimal, n: int) -> Decimal:
    """Exact (unrounded) Tabela Price payment: PV·i/(1−(1+i)^−n); PV/n when i is 0."""
    if n < 1:
        raise ValueError("at least one installment")
    i = monthly_rate_percent / _HUNDRED
    if i == 0:
        return present_value / n
    return present_value * i / (1 - (1 + i) ** -n)


def installment_amounts(
    financed: Decimal, monthly_rate_percent: Decimal, n: int
) -> tuple[Decimal, ...]:
    """``n`` equal payments in cents that amortise ``financed`` at the monthly rate.

    Every payment but the last is the Tabela Price payment rounded to the cent; the loan
    is amortised month by month with the interest rounded to the cent, and the last
    payment settles what is left, so it absorbs the rounding.
    """
    i = monthly_rate_percent / _HUNDRED
    payment = money(tabela_price_payment(financed, monthly_rate_percent, n))
    remaining = money(financed)
    for _ in range(n - 1):
        remaining = remaining + money(remaining * i) - payment
    last = remaining + money(remaining * i)
    return (payment,) * (n - 1) + (last,)


def concession_base(breakdown: BalanceBreakdown, offer: Offer) -> Decimal:
    """The updated balance after the offer's waivers and discount (at least one cent)."""
    base = breakdown.total
    if "late_fee" in offer.waive:
        base -= breakdown.late_fee
    if "interest" in offer.waive:
        base -= breakdown.interest
    discount = percent_of(base, offer.discount_percent)
    return base - min(discount, max(base - CENT, ZERO))  # a discount never zeroes the debt


def required_down_payment(breakdown: BalanceBreakdown, offer: Offer) -> Decimal:
    return percent_of(concession_base(breakdown, offer), offer.down_payment_percent)


@dataclass(frozen=True)
class Pricing:
    """What pricing needs besides the offer: the balance, the date and the book's limits."""

    breakdown: BalanceBreakdown
    today: date
    first_due_days: int
    approval_above_percent: Decimal

    @property
    def first_due(self) -> date:
        return self.today + timedelta(days=self.first_due_days)

    def needs_approval(self, total: Decimal) -> bool:
        balance = self.breakdown.total
        if balance <= 0 or total >= balance:
            return False
        return (balance - total) * _HUNDRED / balance > self.approval_above_percent


def price_pay_in_full(offer: Offer, pricing: Pricing) -> Plan:
    total = concession_base(pricing.breakdown, offer)
    return Plan(
        offer_id=offer.id,
        kind=m.PAY_IN_FULL,
        balance=pricing.breakdown.total,
        total=total,
        payments=(ScheduledPayment(1, pricing.first_due, total),),
        discount_percent=offer.discount_percent,
        waived=offer.waive,
        needs_approval=pricing.needs_approval(total),
    )


def price_installments(
    offer: Offer, pricing: Pricing, n: int, *, down_payment: Decimal | None = None
) -> Plan | None:
    """The offer as ``n`` installments, or ``None`` when that breaks its minimum installment.

    ``down_payment`` defaults to the offer's ``down_payment_percent``; a larger one may be
    given. The down payment (number 0) is due on the first due date and the installments
    monthly after it; without one, installment 1 is due on the first due date.
    """
    present_value = concession_base(pricing.breakdown, offer)
    entry = max(down_payment or ZERO, required_down_payment(pricing.breakdown, offer))
    financed = present_value - entry
    if n < 1 or financed <= 0 or entry < 0:
        return None
    amounts = installment_amounts(financed, offer.monthly_rate_percent, n)
    if min(amounts) < max(offer.min_installment, CENT):
        return None
    first = pricing.first_due
    payments: list[ScheduledPayment] = []
    if entry > 0:
        payments.append(ScheduledPayment(0, first, entry))
    offset = 1 if entry > 0 else 0
    payments += [
        ScheduledPayment(k, add_months(first, k - 1 + offset), amount)
        for k, amount in enumerate(amounts, start=1)
    ]
    total = entry + sum(amounts, ZERO)
    return Plan(
        offer_id=offer.id,
        kind=m.INSTALLMENTS,
        balance=pricing.breakdown.total,
        total=total,
        payments=tuple(payments),
        down_payment=entry,
        discount_percent=offer.discount_percent,
        monthly_rate_percent=offer.monthly_rate_percent,
        waived=offer.waive,
        needs_approval=pricing.needs_approval(total),
    )


def largest_plan(
    offer: Offer, pricing: Pricing, *, down_payment: Decimal | None = None
) -> Plan | None:
    """The plan with the most installments the offer allows (the lowest payment)."""
    for n in range(offer.max_installments, offer.min_installments - 1, -1):
        plan = price_installments(offer, pricing, n, down_payment=down_payment)
        if plan is not None:
            return plan
    return None


def price_offer(offer: Offer, pricing: Pricing) -> Plan | None:
    """The plan shown for an offer: pay in full, or installments with the lowest payment."""
    if offer.is_installments:
        return largest_plan(offer, pricing)
    return price_pay_in_full(offer, pricing)


def plans_for_tier(tier: Tier, pricing: Pricing) -> list[Plan]:
    """Every offer of the tier that can be priced, in book order."""
    plans = [price_offer(offer, pricing) for offer in tier.offers]
    return [plan for plan in plans if plan is not None]


@dataclass(frozen=True)
class _Attempt:
    plan: Plan | None
    exact: bool
    reason: str
    distance: Decimal


def _regular_max(plan: Plan) -> Decimal:
    return max(p.amount for p in plan.payments if p.number > 0)


def _attempt(
    offer: Offer,
    pricing: Pricing,
    installments: int | None,
    monthly_amount: Decimal | None,
    down_payment: Decimal | None,
) -> _Attempt:
    present_value = concession_base(pricing.breakdown, offer)
    if down_payment is not None and down_payment >= present_value:
        return _Attempt(None, False, m.DOWN_PAYMENT_COVERS_BALANCE, Decimal(0))
    low_entry = down_payment is not None and down_payment < required_down_payment(
        pricing.breakdown, offer
    )
    entry_reason = m.DOWN_PAYMENT_TOO_LOW if low_entry else m.OK
    fallback = largest_plan(offer, pricing, down_payment=down_payment)
    if fallback is None:
        return _Attempt(None, False, m.BELOW_MIN_INSTALLMENT, Decimal(0))
    if installments is not None:
        if installments > offer.max_installments:
            reason = m.TOO_MANY_INSTALLMENTS
        elif installments < offer.min_installments:
            reason = m.TOO_FEW_INSTALLMENTS
        else:
            plan = price_installments(offer, pricing, installments, down_payment=down_payment)
            if plan is None:
                reason = m.BELOW_MIN_INSTALLMENT
            elif monthly_amount is not None and _regular_max(plan) > monthly_amount:
                return _Attempt(plan, False, m.ABOVE_MONTHLY_AMOUNT, Decimal(0))
            else:
                return _Attempt(plan, entry_reason == m.OK, entry_reason, Decimal(0))
        nearest = fallback
        if installments < offer.min_installments:
            nearest = (
                price_installments(
                    offer, pricing, offer.min_installments, down_payment=down_payment
                )
                or fallback
            )
        return _Attempt(nearest, False, reason, Decimal(abs(nearest.installments - installments)))
    if monthly_amount is not None:
        for n in range(offer.min_installments, offer.max_installments + 1):
            plan = price_installments(offer, pricing, n, down_payment=down_payment)
            if plan is not None and _regular_max(plan) <= monthly_amount:
                return _Attempt(plan, entry_reason == m.OK, entry_reason, Decimal(0))
        below = monthly_amount < offer.min_installment
        reason = m.BELOW_MIN_INSTALLMENT if below else m.TOO_MANY_INSTALLMENTS
        return _Attempt(fallback, False, reason, abs(_regular_max(fallback) - monthly_amount))
    return _Attempt(fallback, entry_reason == m.OK, entry_reason, Decimal(0))


def propose_plan(
    tier: Tier,
    pricing: Pricing,
    *,
    installments: int | None = None,
    monthly_amount: Decimal | None = None,
    down_payment: Decimal | None = None,
) -> Proposal:
    """Build the debtor's own proposal from the tier's offers, or the nearest that fits.

    The installments offers are tried in book order and the first that allows the proposal
    wins. Otherwise the nearest plan is the one closest to what was asked (number of
    installments, or monthly amount), ties going to the earlier offer.
    """
    full = [o for o in tier.offers if not o.is_installments]
    split = [o for o in tier.offers if o.is_installments]
    best_full = price_pay_in_full(full[0], pricing) if full else None
    if installments is not None and installments <= 1 and not down_payment:
        if best_full is not None:
            return Proposal(best_full, True, m.PAY_IN_FULL_REQUESTED)
        installments = 2
    if down_payment is not None and down_payment <= 0:
        down_payment = None
    if not split:
        return Proposal(best_full, False, m.NO_INSTALLMENT_OFFERS)
    attempts = [
        _attempt(offer, pricing, installments, monthly_amount, down_payment) for offer in split
    ]
    for attempt in attempts:
        if attempt.exact:
            return Proposal(attempt.plan, True, m.OK)
    priced = [a for a in attempts if a.plan is not None]
    if not priced:
        if any(a.reason == m.DOWN_PAYMENT_COVERS_BALANCE for a in attempts):
            return Proposal(best_full, False, m.DOWN_PAYMENT_COVERS_BALANCE)
        return Proposal(best_full, False, attempts[0].reason)
    nearest = min(priced, key=lambda a: a.distance)
    return Proposal(nearest.plan, False, nearest.reason)
