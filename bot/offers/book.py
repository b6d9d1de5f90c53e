"""The offer book: loading, tier selection and priced plans.

A book is loaded once (``load_offer_book``) and refused with every problem and its line
when it breaks its own limits or the legal caps. ``OfferBook`` then answers, purely, what
a debtor owes today, which tier applies, which plans to show, and whether a debtor's own
proposal ("em 5x", "150 por mês", "100 de entrada") can be made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.core.domain import BalanceBreakdown, DebtView, Plan
from bot.offers import model as m
from bot.offers.model import (
    Charges,
    Limits,
    Offer,
    OfferBookError,
    Problem,
    Proposal,
    Tier,
    When,
)
from bot.offers.pricing import (
    Pricing,
    balance_breakdown,
    open_debts,
    plans_for_tier,
    propose_plan,
)
from bot.offers.validation import parse_book

__all__ = [
    "Charges",
    "Limits",
    "Offer",
    "OfferBook",
    "OfferBookError",
    "Problem",
    "Proposal",
    "Tier",
    "When",
    "load_offer_book",
    "parse_offer_book",
]


@dataclass(frozen=True)
class OfferBook:
    """A validated offer book. Every method is pure."""

    currency: str
    charges: Charges
    promise_max_days: int
    limits: Limits
    tiers: tuple[Tier, ...]
    name: str | None = None

    def balance(self, debts: Sequence[DebtView], today: date) -> BalanceBreakdown:
        """What the open debts amount to today, with the book's late fee and interest."""
        return balance_breakdown(self.charges, debts, today)

    def tier_for(
        self, debts: Sequence[DebtView], today: date, *, segment: str | None = None
    ) -> Tier | None:
        """The first tier whose ``when`` matches (days overdue, principal, segment)."""
        if not open_debts(debts):
            return None
        breakdown = self.balance(debts, today)
        for tier in self.tiers:
            if tier.when.matches(breakdown.days_overdue, breakdown.principal, segment):
                return tier
        return None

    def offer(self, offer_id: str) -> Offer | None:
        """The offer with this id, in any tier."""
        return next((o for t in self.tiers for o in t.offers if o.id == offer_id), None)

    def plans_for(
        self,
        debts: Sequence[DebtView],
        today: date,
        *,
        segment: str | None = None,
        first_due_days: int = 3,
    ) -> list[Plan]:
        """One priced plan per offer of the debtor's tier, in book order.

        A pay-in-full offer is priced with its waivers and discount. An installments offer
        is shown with the most installments its minimum installment allows, i.e. the
        lowest monthly payment: the book's order already puts what is best for the creditor
        first, and the long plan is the one a debtor in hardship can accept. Other counts
        come from ``propose``. An offer that cannot be priced (balance too small for two
        installments) is left out.
        """
        tier = self.tier_for(debts, today, segment=segment)
        if tier is None:
            return []
        return plans_for_tier(tier, self._pricing(debts, today, first_due_days))

    def propose(
        self,
        debts: Sequence[DebtView],
        today: date,
        *,
        installments: int | None = None,
        monthly_amount: Decimal | None = None,
        down_payment: Decimal | None = None,
        segment: str | None = None,
        first_due_days: int = 3,
    ) -> Proposal:
        """The debtor's own proposal if the tier allows it, else the nearest plan.

        ``installments`` counts the installments after any down payment; 1 (or fewer)
        asks to pay in full. ``monthly_amount`` picks the fewest installments whose
        payments are all at most that amount. ``down_payment`` must be at least the
        offer's ``down_payment_percent``. See ``Proposal`` for ``exact`` and ``reason``.
        """
        if not open_debts(debts):
            return Proposal(None, False, m.NOTHING_DUE)
        tier = self.tier_for(debts, today, segment=segment)
        if tier is None:
            return Proposal(None, False, m.NO_TIER)
        return propose_plan(
            tier,
            self._pricing(debts, today, first_due_days),
            installments=installments,
            monthly_amount=monthly_amount,
            down_payment=down_payment,
        )

    def _pricing(self, debts: Sequence[DebtView], today: date, first_due_days: int) -> Pricing:
        return Pricing(
            self.balance(debts, today),
            today,
            first_due_days,
            self.limits.human_approval_above_discount_percent,
        )


def parse_offer_book(text: str, *, source: str = "<offer book>") -> OfferBook:
    """Validate a book given as YAML text; raise ``OfferBookError`` with every problem."""
    parts = parse_book(text, source)
    return OfferBook(
        currency=parts.currency,
        charges=parts.charges,
        promise_max_days=parts.promise_max_days,
        limits=parts.limits,
        tiers=parts.tiers,
        name=parts.name,
    )


def load_offer_book(path: Path) -> OfferBook:
    """Read and validate ``path``; raise ``OfferBookError`` naming each problem's line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise OfferBookError(str(path), [Problem(None, f"cannot read the book: {exc}")]) from exc
    return parse_offer_book(text, source=str(path))
