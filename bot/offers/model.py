"""Typed pieces of an offer book, as loaded and validated. Frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.core.domain import Plan
from bot.core.money import CENT, ZERO

PAY_IN_FULL = "pay_in_full"
INSTALLMENTS = "installments"
OFFER_TYPES = (PAY_IN_FULL, INSTALLMENTS)
WAIVABLE = ("late_fee", "interest")

# Stores selling on their own credit are not financial institutions: the Usury Law
# (Decreto 22.626/1933, art. 1) with Civil Code art. 591 caps their interest at 1 % a month.
LEGAL_MAX_MONTHLY_RATE_PERCENT = Decimal("1.0")
# CDC art. 52 §1: the late fee (multa de mora) is at most 2 % of the instalment.
LEGAL_MAX_LATE_FEE_PERCENT = Decimal("2.0")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a book; ``line`` is 1-based, ``None`` when unknown."""

    line: int | None
    message: str


class OfferBookError(ValueError):
    """A book that cannot be used. ``problems`` lists every problem found, in line order."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Each problem as ``file:line: message`` (``file: message`` without a line)."""
        return [
            f"{self.source}:{p.line}: {p.message}" if p.line else f"{self.source}: {p.message}"
            for p in self.problems
        ]


@dataclass(frozen=True)
class Charges:
    """Charges on overdue principal: a one-off late fee and simple monthly interest."""

    late_fee_percent: Decimal = ZERO
    monthly_interest_percent: Decimal = ZERO


@dataclass(frozen=True)
class Limits:
    max_monthly_rate_percent: Decimal = LEGAL_MAX_MONTHLY_RATE_PERCENT
    human_approval_above_discount_percent: Decimal = Decimal(100)


@dataclass(frozen=True)
class When:
    """Conditions of a tier; ``None`` matches anything. Ranges are inclusive."""

    days_overdue: tuple[int, int] | None = None
    balance: tuple[Decimal, Decimal] | None = None  # compared with the unpaid principal
    segment: str | None = None

    def matches(self, days_overdue: int, principal: Decimal, segment: str | None) -> bool:
        if self.days_overdue and not self.days_overdue[0] <= days_overdue <= self.days_overdue[1]:
            return False
        if self.balance and not self.balance[0] <= principal <= self.balance[1]:
            return False
        return self.segment is None or self.segment == segment


@dataclass(frozen=True)
class Offer:
    """One way to settle. ``type`` is ``pay_in_full`` or ``installments``."""

    id: str
    type: str
    discount_percent: Decimal = ZERO
    waive: tuple[str, ...] = ()
    max_installments: int = 1
    min_installments: int = 2
    min_installment: Decimal = CENT
    monthly_rate_percent: Decimal = ZERO
    down_payment_percent: Decimal = ZERO
    label: str | None = None

    @property
    def is_installments(self) -> bool:
        return self.type == INSTALLMENTS


@dataclass(frozen=True)
class Tier:
    name: str
    when: When
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class Proposal:
    """Answer to a debtor's own proposal.

    ``exact`` is true when ``plan`` meets every condition the debtor stated (the number of
    installments, at most the monthly amount, the down payment). Otherwise ``plan`` is the
    nearest plan the book allows (or ``None``) and ``reason`` says why, as a short code.
    """

    plan: Plan | None
    exact: bool
    reason: str


# Reason codes of ``Proposal.reason``.
OK = "ok"
PAY_IN_FULL_REQUESTED = "pay_in_full"
NOTHING_DUE = "nothing_due"
NO_TIER = "no_tier"
NO_INSTALLMENT_OFFERS = "no_installment_offers"
TOO_MANY_INSTALLMENTS = "too_many_installments"
BELOW_MIN_INSTALLMENT = "below_min_installment"
ABOVE_MONTHLY_AMOUNT = "above_monthly_amount"
DOWN_PAYMENT_TOO_LOW = "down_payment_too_low"
DOWN_PAYMENT_COVERS_BALANCE = "down_payment_covers_balance"
TOO_FEW_INSTALLMENTS = "too_few_installments"
