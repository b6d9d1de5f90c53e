"""The day said for "the rest" ("150 hj e o resto dia 10", "150 today and the rest on the 10th").

A part on one day and the rest on another is two dates in one message: the one said after
"o resto / the rest" is when the rest is paid, the one before it (or today) is the part's.
Reading only the first date loses the rest's day ("o resto a gente combina depois").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.dialogue.turn import Turn, as_amount, as_date

_REST_WORD = re.compile(
    r"\b(?:o\s+resto|o\s+restante|o\s+que\s+falta|the\s+rest|the\s+remainder|"
    r"the\s+balance|what'?s\s+left|"
    # "200 now and the other 200 on dec 1" / "200 hj e os outros 200 dia 1"
    r"the\s+other|(?:os|as)\s+outr[oa]s|a\s+outra\s+(?:parte|metade)|o\s+outro)\b",
    re.IGNORECASE,
)


def split_days(t: Turn) -> tuple[date, date] | None:
    """(the part's day, the rest's day) when the message gives the rest a day of its own."""
    rest = _REST_WORD.search(t.parse.text)
    if rest is None:
        return None
    dates = sorted(
        (e for e in t.parse.entities if e.entity == "date" and as_date(e.value) is not None),
        key=lambda e: e.start,
    )
    before = [as_date(e.value) for e in dates if e.end <= rest.start()]
    after = [as_date(e.value) for e in dates if e.start >= rest.end()]
    if not after or after[0] is None:
        return None
    part = before[-1] if before and before[-1] is not None else t.ctx.today
    if after[0] <= part:
        return None
    return part, after[0]


def split_parts(t: Turn) -> tuple[list[tuple[Decimal, date]], date] | None:
    """ "300 hoje e 300 sexta e o resto dia 10": each part's amount with its day (in the order
    said, each amount before its day), and the rest's day; None unless two parts or more."""
    split = split_days(t)
    rest = _REST_WORD.search(t.parse.text)
    if split is None or rest is None:
        return None
    before = sorted(
        (e for e in t.parse.entities if e.entity in ("amount", "date") and e.end <= rest.start()),
        key=lambda e: e.start,
    )
    amounts = [e for e in before if e.entity == "amount"]
    days = [e for e in before if e.entity == "date"]
    if len(amounts) < 2 or len(amounts) != len(days):
        return None
    parts: list[tuple[Decimal, date]] = []
    for amount, day in zip(amounts, days, strict=True):
        value, when = as_amount(amount.value), as_date(day.value)
        if value is None or when is None or amount.start > day.start:
            return None
        parts.append((value, when))
    if any(b[1] < a[1] for a, b in zip(parts, parts[1:], strict=False)):
        return None
    return parts, split[1]
