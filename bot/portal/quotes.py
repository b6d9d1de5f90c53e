"""What the page shows and simulates, priced by the same offer book as the chat. Pure.

The chat shows each offer at one point (pay in full; installments at the lowest payment);
the page lets the debtor move the number of installments and the first due date within the
book's limits and the deployment's ``offers.first_due_days``, and ask for a monthly amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.core.domain import BalanceBreakdown, DebtView, Plan
from bot.core.money import ZERO
from bot.offers.book import OfferBook
from bot.offers.model import Offer, Proposal, Tier
from bot.offers.pricing import Pricing, largest_plan, price_installments, price_pay_in_full


@dataclass(frozen=True)
class DebtLine:
    """One open debt in plain words: what was bought, how late, and what it adds up to."""

    ref: str
    description: str
    due: date
    days_late: int
    principal: Decimal
    fine: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest


@dataclass(frozen=True)
class OfferChoice:
    """An offer of the debtor's tier with the range of installments it can be priced at."""

    offer: Offer
    min_installments: int  # 1 for pay in full
    max_installments: int
    default: Plan

    @property
    def in_full(self) -> bool:
        return not self.offer.is_installments


@dataclass(frozen=True)
class Terms:
    """Everything the page prices against: the debts, the date and the limits."""

    book: OfferBook
    debts: tuple[DebtView, ...]
    today: date
    segment: str | None
    max_first_due_days: int

    @property
    def breakdown(self) -> BalanceBreakdown:
        return self.book.balance(self.debts, self.today)

    @property
    def tier(self) -> Tier | None:
        return self.book.tier_for(self.debts, self.today, segment=self.segment)

    @property
    def earliest_first_due(self) -> date:
        return self.today

    @property
    def latest_first_due(self) -> date:
        return self.today + timedelta(days=self.max_first_due_days)

    @property
    def default_first_due(self) -> date:
        return self.latest_first_due  # what the chat uses

    def clamp_first_due(self, wanted: date | None) -> date:
        if wanted is None:
            return self.default_first_due
        return min(max(wanted, self.earliest_first_due), self.latest_first_due)

    def pricing(self, first_due: date) -> Pricing:
        return Pricing(
            self.breakdown,
            self.today,
            (self.clamp_first_due(first_due) - self.today).days,
            self.book.limits.human_approval_above_discount_percent,
        )


def debt_lines(terms: Terms) -> list[DebtLine]:
    """Each debt's own fine and interest; the last line takes the cent the book's rounding
    on the whole leaves, so the lines add up to exactly the balance the offers start from."""
    lines: list[DebtLine] = []
    for debt in sorted(terms.debts, key=lambda d: (d.due, d.ref)):
        own = terms.book.balance([debt], terms.today)
        lines.append(
            DebtLine(
                debt.ref,
                debt.description,
                debt.due,
                max((terms.today - debt.due).days, 0),
                own.principal,
                own.late_fee,
                own.interest,
            )
        )
    if lines:
        whole = terms.breakdown
        fine_gap = whole.late_fee - sum((line.fine for line in lines), ZERO)
        interest_gap = whole.interest - sum((line.interest for line in lines), ZERO)
        last = lines[-1]
        lines[-1] = DebtLine(
            last.ref,
            last.description,
            last.due,
            last.days_late,
            last.principal,
            last.fine + fine_gap,
            last.interest + interest_gap,
        )
    return lines


def choices(terms: Terms, first_due: date | None = None) -> list[OfferChoice]:
    """The offers the book allows this debtor, in book order, each with its range."""
    tier = terms.tier
    if tier is None:
        return []
    pricing = terms.pricing(terms.clamp_first_due(first_due))
    found: list[OfferChoice] = []
    for offer in tier.offers:
        if not offer.is_installments:
            found.append(OfferChoice(offer, 1, 1, price_pay_in_full(offer, pricing)))
            continue
        longest = largest_plan(offer, pricing)
        if longest is None:
            continue
        shortest = offer.min_installments
        found.append(OfferChoice(offer, shortest, longest.installments, longest))
    return found


def simulate(
    terms: Terms, offer_id: str, installments: int | None, first_due: date | None
) -> Plan | None:
    """The plan of one offer at ``installments`` (clamped to its range) from ``first_due``
    (clamped to the allowed dates); ``None`` when the offer is not the debtor's."""
    choice = next((c for c in choices(terms, first_due) if c.offer.id == offer_id), None)
    if choice is None:
        return None
    pricing = terms.pricing(terms.clamp_first_due(first_due))
    if choice.in_full:
        return price_pay_in_full(choice.offer, pricing)
    n = min(
        max(installments or choice.max_installments, choice.min_installments),
        choice.max_installments,
    )
    return price_installments(choice.offer, pricing, n) or choice.default


def fit_monthly(terms: Terms, monthly_amount: Decimal, first_due: date | None) -> Proposal:
    """ "I can only pay X a month": the plan the book allows, or the nearest with a reason."""
    clamped = terms.clamp_first_due(first_due)
    return terms.book.propose(
        terms.debts,
        terms.today,
        monthly_amount=monthly_amount,
        segment=terms.segment,
        first_due_days=(clamped - terms.today).days,
    )


def collectable(debts: Sequence[DebtView]) -> tuple[DebtView, ...]:
    """The debts the offers are about: open, with something left to pay (as the chat)."""
    return tuple(d for d in debts if d.status == "open" and d.balance > ZERO)
