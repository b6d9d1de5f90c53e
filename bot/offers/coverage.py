"""Checks across tiers: overlapping or missing days-overdue ranges, unreachable tiers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from yaml.nodes import Node

from bot.offers.model import Tier, When

_OPEN_END = 10**9

AddProblem = Callable[[Node | None, str], None]


def _days(when: When) -> tuple[int, int]:
    return when.days_overdue or (0, _OPEN_END)


def _covers(outer: When, inner: When) -> bool:
    """Whether every debtor ``inner`` matches is already matched by ``outer``."""
    low, high = _days(outer)
    in_low, in_high = _days(inner)
    if not low <= in_low <= in_high <= high:
        return False
    if outer.balance is not None:
        if inner.balance is None:
            return False
        if not outer.balance[0] <= inner.balance[0] <= inner.balance[1] <= outer.balance[1]:
            return False
    return outer.segment is None or outer.segment == inner.segment


def _show(days: tuple[int, int]) -> str:
    return f"[{days[0]}, {days[1]}]" if days[1] < _OPEN_END else f"[{days[0]}, ...]"


def check_tiers(add: AddProblem, tiers: list[tuple[Tier, Node, Node | None]]) -> None:
    """Report tier problems through ``add(node, message)``.

    Tiers are grouped by their other conditions (segment and balance range). Within a
    group, days-overdue ranges may not overlap and may leave no gap, and the first range
    must start at day 0 or 1. A tier matched entirely by an earlier one can never apply.
    At least one tier must apply to debtors without a segment.
    """
    names: set[str] = set()
    for tier, node, _ in tiers:
        if tier.name in names:
            add(node, f"tier name {tier.name!r} is used twice")
        names.add(tier.name)
    groups: dict[tuple[str | None, tuple[Decimal, Decimal] | None], list[int]] = {}
    for index, (tier, _, _) in enumerate(tiers):
        groups.setdefault((tier.when.segment, tier.when.balance), []).append(index)
    for members in groups.values():
        ordered = sorted(members, key=lambda i: _days(tiers[i][0].when))
        first, first_node, first_days = tiers[ordered[0]]
        start = _days(first.when)[0]
        if start > 1:
            add(
                first_days or first_node,
                f"tier {first.name!r}: days overdue 1 to {start - 1} are not covered by any tier",
            )
        for before, after in zip(ordered, ordered[1:], strict=False):
            prev, _, _ = tiers[before]
            tier, node, days_node = tiers[after]
            (_, prev_high), (low, high) = _days(prev.when), _days(tier.when)
            if low <= prev_high:
                add(
                    days_node or node,
                    f"tier {tier.name!r} days_overdue {_show((low, high))} overlaps tier "
                    f"{prev.name!r} {_show(_days(prev.when))}",
                )
            elif low > prev_high + 1:
                add(
                    days_node or node,
                    f"days overdue {prev_high + 1} to {low - 1} are not covered by any tier "
                    f"(gap between tier {prev.name!r} and tier {tier.name!r})",
                )
    for index, (tier, node, _) in enumerate(tiers):
        shadow = next(
            (t for t, _, _ in tiers[:index] if _covers(t.when, tier.when) and t.when != tier.when),
            None,
        )
        if shadow is not None:
            add(node, f"tier {tier.name!r} can never apply: tier {shadow.name!r} comes first")
    if tiers and all(t.when.segment is not None for t, _, _ in tiers):
        add(tiers[0][1], "no tier applies to debtors without a segment")
