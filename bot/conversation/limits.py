"""What an agent may do alone: the offer book's limits, with the same maths as the bot.

An agent's agreement is within the book when the book itself would price a plan with that
many installments for this debtor, without a manager's approval, and the agent's total is
not below it (a smaller discount is always fine). A promise is within the book when its day
is no further than ``promise.max_days`` and its amount is at least the smallest installment
the debtor's tier accepts. Anything else goes to a manager as an approval request; the
functions here only say why (a short code, translated in the console) or ``None``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.core.domain import DebtView
from bot.core.money import ZERO
from bot.dialogue.context import Context
from bot.offers.book import OfferBook

# Reason codes (``ApprovalRequest.why``)
DISCOUNT_BEYOND_BOOK = "discount_beyond_book"
INSTALLMENTS_BEYOND_BOOK = "installments_beyond_book"
FIRST_DUE_BEYOND_BOOK = "first_due_beyond_book"
PROMISE_TOO_FAR = "promise_too_far"
PROMISE_TOO_SMALL = "promise_too_small"
DISPUTE_OUTCOME = "dispute_outcome"
NO_TIER = "no_tier"
WHY_CODES = (
    DISCOUNT_BEYOND_BOOK,
    INSTALLMENTS_BEYOND_BOOK,
    FIRST_DUE_BEYOND_BOOK,
    PROMISE_TOO_FAR,
    PROMISE_TOO_SMALL,
    DISPUTE_OUTCOME,
    NO_TIER,
)


def collectable(context: Context) -> list[DebtView]:
    return [d for d in context.debts if d.status == "open" and d.balance > ZERO]


def smallest_total(
    book: OfferBook, context: Context, installments: int, first_due_days: int
) -> Decimal | None:
    """The least the book accepts for ``installments`` payments without approval (or
    ``None`` when the debtor's tier has no such plan)."""
    debts = collectable(context)
    segment = context.debtor.segment
    if installments <= 1:
        totals = [
            p.total
            for p in book.plans_for(
                debts, context.today, segment=segment, first_due_days=first_due_days
            )
            if p.kind == "pay_in_full" and not p.needs_approval
        ]
        return min(totals) if totals else None
    proposal = book.propose(
        debts,
        context.today,
        installments=installments,
        segment=segment,
        first_due_days=first_due_days,
    )
    plan = proposal.plan
    if plan is None or not proposal.exact or plan.needs_approval:
        return None
    if plan.installments != installments:
        return None
    return plan.total


def agreement_beyond_book(
    book: OfferBook,
    context: Context,
    *,
    installments: int,
    total: Decimal,
    first_due: date,
    first_due_days: int,
) -> str | None:
    """Why this agent-made agreement needs a manager, or ``None`` when the book allows it."""
    if book.tier_for(collectable(context), context.today, segment=context.debtor.segment) is None:
        return NO_TIER
    if first_due > context.today + timedelta(days=max(book.promise_max_days, first_due_days)):
        return FIRST_DUE_BEYOND_BOOK
    floor = smallest_total(book, context, installments, first_due_days)
    if floor is None:
        return INSTALLMENTS_BEYOND_BOOK
    if total < floor:
        return DISCOUNT_BEYOND_BOOK
    return None


def smallest_promise(book: OfferBook, context: Context) -> Decimal:
    """The least a promise may be for: the smallest installment the debtor's tier accepts,
    or the whole balance when the tier only takes payment in full."""
    balance = context.balance.total
    tier = book.tier_for(collectable(context), context.today, segment=context.debtor.segment)
    minimums = [o.min_installment for o in (tier.offers if tier else ()) if o.is_installments]
    if not minimums:
        return balance
    return min(min(minimums), balance)


def promise_beyond_book(
    book: OfferBook, context: Context, *, due: date, amount: Decimal
) -> str | None:
    if due > context.today + timedelta(days=book.promise_max_days):
        return PROMISE_TOO_FAR
    if amount < smallest_promise(book, context):
        return PROMISE_TOO_SMALL
    return None
