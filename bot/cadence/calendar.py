"""When the business may write: contact windows per weekday and holidays, in local time.

Pure: no I/O. A :class:`ContactCalendar` is built once per (settings, timezone, state) and
answers :meth:`~ContactCalendar.is_allowed` and :meth:`~ContactCalendar.next_allowed` for
aware instants. Windows are half-open, ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from bot.config import CadenceSettings, ContactHours
from bot.config import parse_window as config_parse_window
from bot.core.business_days import add_business_days

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The US profile: 08:00-21:00 Monday to Saturday (TCPA hours), US holidays.
US_HOURS = ContactHours(
    mon="08:00-21:00",
    tue="08:00-21:00",
    wed="08:00-21:00",
    thu="08:00-21:00",
    fri="08:00-21:00",
    sat="08:00-21:00",
    sun=None,
)


def _weekdays(hours: str, saturday: str | None = None) -> ContactHours:
    return ContactHours(mon=hours, tue=hours, wed=hours, thu=hours, fri=hours, sat=saturday)


# State laws on collection contact hours (the debtor's state, from the portfolio import).
# They narrow the configured hours (the intersection applies); they never widen them.
STATE_HOURS: dict[str, tuple[str, ContactHours]] = {
    "SP": ("Lei 15.426/2014", _weekdays("08:00-20:00", "08:00-14:00")),
    "RJ": ("Lei 7.868/2018", _weekdays("09:00-19:00")),
    "ES": ("state law (ES)", _weekdays("08:00-19:00")),
    "AL": ("state law (AL)", _weekdays("08:00-20:00", "08:00-14:00")),
}

# how far next_allowed looks ahead before declaring that no contact is ever possible
_SEARCH_DAYS = 400

Window = tuple[time, time]
_MIDNIGHT = time(0, 0)


class CalendarError(ValueError):
    """The contact hours cannot be used (bad format, or no day at all with a window)."""


def parse_window(text: str) -> Window:
    """``"08:00-20:00"`` -> (08:00, 20:00); the end must be after the start."""
    try:
        return config_parse_window(text)
    except ValueError as exc:
        raise CalendarError(str(exc)) from None


def _intersect(a: Window | None, b: Window | None) -> Window | None:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def effective_hours(settings: CadenceSettings) -> ContactHours:
    """The profile's hours, unless ``contact_hours`` was set explicitly."""
    if settings.profile == "us" and "contact_hours" not in settings.model_fields_set:
        return US_HOURS
    return settings.contact_hours


def effective_country(settings: CadenceSettings) -> str:
    """The holidays country: the profile's unless ``holidays_country`` was set explicitly."""
    if settings.profile == "us" and "holidays_country" not in settings.model_fields_set:
        return "US"
    return settings.holidays_country


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    try:
        table = holidays_lib.country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError:
        if subdiv is None:
            raise CalendarError(f"unknown holidays country {country!r}") from None
        # an unknown state in the data must not stop the cadence: national holidays only
        table = holidays_lib.country_holidays(country, years=year)
    return frozenset(table.keys())


@lru_cache(maxsize=256)
def _holidays_of_years(
    country: str, subdiv: str | None, years: tuple[int, ...]
) -> frozenset[date]:
    # every turn asks for this year's and next year's: the union was made afresh each time
    return frozenset().union(*(_holiday_dates(country, subdiv, y) for y in years))


@dataclass(frozen=True)
class ContactCalendar:
    """Contact windows per weekday (Monday = 0) in ``timezone``, minus holidays."""

    timezone: str
    windows: tuple[Window | None, ...]  # 7 entries, Monday first
    country: str | None = "BR"
    subdiv: str | None = None

    def __post_init__(self) -> None:
        if len(self.windows) != 7:
            raise CalendarError("contact hours need one entry per weekday")
        if all(window is None for window in self.windows):
            raise CalendarError("contact hours allow no day of the week")
        # looked up on every call otherwise (the planner asks hundreds of thousands of times)
        object.__setattr__(self, "_zone", _zone(self.timezone))

    @classmethod
    def from_settings(
        cls, settings: CadenceSettings, timezone: str, state: str | None = None
    ) -> ContactCalendar:
        hours: Mapping[str, str | None] = effective_hours(settings).model_dump()
        windows = tuple(
            None if hours[day] is None else parse_window(str(hours[day])) for day in WEEKDAYS
        )
        law = STATE_HOURS.get(state.upper()) if state and settings.profile == "br" else None
        if law is not None:
            limits = law[1].model_dump()
            windows = tuple(
                _intersect(window, None if limits[day] is None else parse_window(limits[day]))
                for day, window in zip(WEEKDAYS, windows, strict=True)
            )
            if all(window is None for window in windows):
                raise CalendarError(f"contact hours leave no day of the week under {law[0]}")
        return cls(
            timezone=timezone,
            windows=windows,
            country=effective_country(settings) or None,
            subdiv=state.upper() if state else None,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._zone  # type: ignore[attr-defined,no-any-return]

    def is_holiday(self, day: date) -> bool:
        if self.country is None:
            return False
        return day in _holiday_dates(self.country, self.subdiv, day.year)

    def holidays_in(self, *years: int) -> frozenset[date]:
        """Every holiday of these years (for ``bot.core.business_days``)."""
        if self.country is None:
            return frozenset()
        return _holidays_of_years(self.country, self.subdiv, years)

    def add_business_days(self, start: date, days: int) -> date:
        """``start`` plus ``days`` business days, this calendar's holidays skipped."""
        years = range(start.year, start.year + 2 + days // 200)
        return add_business_days(start, days, self.holidays_in(*years))

    def window_on(self, day: date) -> tuple[datetime, datetime] | None:
        """The aware [start, end) of contact on ``day`` (local), or None for no contact."""
        window = self.windows[day.weekday()]
        if window is None or self.is_holiday(day):
            return None
        zone = self.zone
        return (
            datetime.combine(day, window[0], tzinfo=zone),
            datetime.combine(day, window[1], tzinfo=zone),
        )

    def local_date(self, instant: datetime) -> date:
        return self.localize(instant).date()

    def localize(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("the cadence works on timezone-aware datetimes only")
        return instant.astimezone(self._zone)  # type: ignore[attr-defined]

    def start_of_day(self, day: date) -> datetime:
        """Local midnight of ``day``, aware."""
        return datetime.combine(day, _MIDNIGHT, tzinfo=self._zone)  # type: ignore[attr-defined]

    def is_allowed(self, instant: datetime) -> bool:
        """True when a business-initiated message may go at ``instant``."""
        local = self.localize(instant)
        window = self.window_on(local.date())
        return window is not None and window[0] <= local < window[1]

    def next_allowed(self, instant: datetime) -> datetime:
        """The earliest allowed instant at or after ``instant`` (aware, local timezone)."""
        local = self.localize(instant)
        day = local.date()
        for offset in range(_SEARCH_DAYS):
            window = self.window_on(day + timedelta(days=offset))
            if window is None:
                continue
            start, end = window
            if local < start:
                return start
            if local < end:
                return local
        raise CalendarError(f"no allowed contact time within {_SEARCH_DAYS} days")

    def allowed_on(self, day: date) -> bool:
        return self.window_on(day) is not None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def calendar_for(settings: CadenceSettings, timezone: str, state: str | None) -> ContactCalendar:
    """A cached calendar for these settings, timezone and state."""
    # the planner asks once per debtor, always with the same settings object: hashing a
    # pydantic model each time cost more than the rest of the look-up. One tuple, swapped
    # whole, so a thread never pairs one settings object with another's calendars.
    global _memo
    memo = _memo
    if memo[0] is not settings:
        memo = _memo = (settings, {})
    found = memo[1].get((timezone, state))
    if found is None:
        found = memo[1][(timezone, state)] = _calendar_for(settings, timezone, state)
    return found


_memo: tuple[CadenceSettings | None, dict[tuple[str, str | None], ContactCalendar]] = (None, {})


@lru_cache(maxsize=1024)
def _calendar_for(settings: CadenceSettings, timezone: str, state: str | None) -> ContactCalendar:
    return ContactCalendar.from_settings(settings, timezone, state)


def is_allowed(
    instant: datetime, settings: CadenceSettings, timezone: str, state: str | None = None
) -> bool:
    """True when a business-initiated message may go at ``instant``."""
    return calendar_for(settings, timezone, state).is_allowed(instant)


def next_allowed(
    instant: datetime, settings: CadenceSettings, timezone: str, state: str | None = None
) -> datetime:
    """The earliest allowed instant at or after ``instant``, aware, in ``timezone``."""
    return calendar_for(settings, timezone, state).next_allowed(instant)
