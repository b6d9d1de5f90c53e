"""Business days: Monday to Friday, minus the holidays the caller knows of. Pure: the
holiday set comes in (``bot.cadence.calendar.ContactCalendar.holidays_in``), no I/O here."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

NO_HOLIDAYS: frozenset[date] = frozenset()


def is_business_day(day: date, holidays: Container[date] = NO_HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: Container[date] = NO_HOLIDAYS) -> date:
    """``start`` plus ``days`` business days (weekends and ``holidays`` skipped); ``start``
    itself never counts, and zero or fewer days gives ``start``."""
    current = start
    left = max(days, 0)
    while left:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            left -= 1
    return current
