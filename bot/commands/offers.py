"""``quita offers check FILE...``: validate offer books and show what they would offer."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.core.domain import DebtView, Plan
from bot.core.money import money
from bot.offers.book import OfferBook, OfferBookError, Tier, load_offer_book


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``offers`` command group."""
    offers = subparsers.add_parser("offers", help="offer book commands")
    offers.set_defaults(handler=lambda _args: _help(offers))
    sub = offers.add_subparsers(dest="offers_command", metavar="COMMAND")
    check = sub.add_parser("check", help="validate offer books and print a summary")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--sample-balance",
        type=_amount,
        default=money("1000.00"),
        help="principal of the example debtor priced for each tier (default 1000.00)",
    )
    check.add_argument(
        "--today", type=date.fromisoformat, default=None, help="pricing date (YYYY-MM-DD)"
    )
    check.set_defaults(handler=run_check)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _amount(text: str) -> Decimal:
    try:
        return money(text.replace(",", "."))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    except InvalidOperation as exc:  # pragma: no cover - money() converts these
        raise argparse.ArgumentTypeError(text) from exc


def run_check(args: argparse.Namespace) -> int:
    """Print a summary of each valid book and every problem of each invalid one."""
    today: date = args.today or datetime.now(UTC).date()
    failed = False
    for path in args.files:
        try:
            book = load_offer_book(path)
        except OfferBookError as exc:
            failed = True
            print(f"{path}: INVALID, {len(exc.problems)} problem(s)")
            for line in exc.lines():
                print(f"  {line}")
            continue
        print("\n".join(summary(book, str(path), sample=args.sample_balance, today=today)))
    return 1 if failed else 0


def summary(book: OfferBook, source: str, *, sample: Decimal, today: date) -> list[str]:
    """Lines describing the book and pricing a sample debtor in every tier."""
    c, lim = book.charges, book.limits
    lines = [
        f"{source}: OK{f' ({book.name})' if book.name else ''}",
        f"  currency {book.currency}; late fee {c.late_fee_percent} %; interest "
        f"{c.monthly_interest_percent} % a month; promises up to {book.promise_max_days} days",
        f"  limits: rate <= {lim.max_monthly_rate_percent} % a month; agent approval above "
        f"{lim.human_approval_above_discount_percent} % discount",
        f"  {len(book.tiers)} tier(s), {sum(len(t.offers) for t in book.tiers)} offer(s)",
    ]
    for tier in book.tiers:
        lines.append(f"  tier {tier.name}: {_when(tier)}")
        days = _sample_days(tier)
        debt = DebtView(0, "SAMPLE", "sample", sample, today - timedelta(days=days))
        segment = tier.when.segment
        if book.tier_for([debt], today, segment=segment) != tier:
            lines.append("    (the sample debtor falls in an earlier tier)")
            continue
        balance = book.balance([debt], today)
        lines.append(
            f"    sample: principal {balance.principal}, {days} days overdue, fee "
            f"{balance.late_fee}, interest {balance.interest}, balance {balance.total}"
        )
        lines.append(
            f"    {'offer':<16} {'kind':<12} {'n':>3} {'entry':>10} {'each':>10} "
            f"{'total':>10} {'saves':>9}  approval"
        )
        plans = {p.offer_id: p for p in book.plans_for([debt], today, segment=segment)}
        for offer in tier.offers:
            plan = plans.get(offer.id)
            lines.append(_row(offer.id, plan) if plan else f"    {offer.id:<16} (not possible)")
    return lines


def _when(tier: Tier) -> str:
    parts = []
    if tier.when.days_overdue:
        parts.append(f"days overdue {tier.when.days_overdue[0]}-{tier.when.days_overdue[1]}")
    if tier.when.balance:
        parts.append(f"principal {tier.when.balance[0]}-{tier.when.balance[1]}")
    if tier.when.segment:
        parts.append(f"segment {tier.when.segment}")
    return ", ".join(parts) or "every debtor"


def _sample_days(tier: Tier) -> int:
    low, high = tier.when.days_overdue or (1, 1)
    return min(max(low, 1), high)


def _row(offer_id: str, plan: Plan) -> str:
    return (
        f"    {offer_id:<16} {plan.kind:<12} {plan.installments:>3} {plan.down_payment:>10} "
        f"{plan.installment_amount:>10} {plan.total:>10} {plan.savings:>9}  "
        f"{'yes' if plan.needs_approval else 'no'}"
    )
