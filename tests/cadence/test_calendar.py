"""Contact windows, holidays and profiles."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.cadence.calendar import (
    CalendarError,
    ContactCalendar,
    calendar_for,
    is_allowed,
    next_allowed,
    parse_window,
)
from bot.config import CadenceSettings, ContactHours

from .support import TZ, at

BR = CadenceSettings()
US = CadenceSettings(profile="us")


@pytest.mark.parametrize(
    ("instant", "allowed"),
    [
        (at(2026, 11, 23, 7, 59), False),  # Monday before 08:00
        (at(2026, 11, 23, 8, 0), True),
        (at(2026, 11, 23, 19, 59), True),
        (at(2026, 11, 23, 20, 0), False),  # the end is exclusive
        (at(2026, 11, 28, 13, 59), True),  # Saturday
        (at(2026, 11, 28, 14, 0), False),
        (at(2026, 11, 29, 10, 0), False),  # Sunday
        (at(2026, 11, 20, 10, 0), False),  # Consciência Negra, national holiday
        (at(2026, 12, 25, 10, 0), False),  # Christmas
    ],
)
def test_brazilian_default_hours(instant: datetime, allowed: bool) -> None:
    assert is_allowed(instant, BR, TZ) is allowed


def test_next_allowed_moves_to_the_next_window() -> None:
    assert next_allowed(at(2026, 11, 23, 6, 0), BR, TZ) == at(2026, 11, 23, 8, 0)
    assert next_allowed(at(2026, 11, 23, 10, 30), BR, TZ) == at(2026, 11, 23, 10, 30)
    assert next_allowed(at(2026, 11, 23, 20, 0), BR, TZ) == at(2026, 11, 24, 8, 0)
    # Saturday afternoon -> Monday morning
    assert next_allowed(at(2026, 11, 28, 15, 0), BR, TZ) == at(2026, 11, 30, 8, 0)
    # Thursday night before the Friday holiday -> Saturday
    assert next_allowed(at(2026, 11, 19, 21, 0), BR, TZ) == at(2026, 11, 21, 8, 0)


def test_next_allowed_accepts_any_timezone_and_answers_in_local_time() -> None:
    utc_night = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 22:00 Monday in São Paulo
    result = next_allowed(utc_night, BR, TZ)
    assert result == at(2026, 11, 24, 8, 0)
    assert result.utcoffset() == at(2026, 11, 24).utcoffset()


def test_state_holidays_apply_when_the_state_is_known() -> None:
    revolution_day = at(2026, 7, 9, 10, 0)  # São Paulo state holiday
    assert is_allowed(revolution_day, BR, TZ, None)
    assert not is_allowed(revolution_day, BR, TZ, "SP")
    assert is_allowed(revolution_day, BR, TZ, "RJ")


def test_an_unknown_state_falls_back_to_national_holidays() -> None:
    assert not is_allowed(at(2026, 12, 25, 10), BR, TZ, "ZZ")
    assert is_allowed(at(2026, 12, 24, 10), BR, TZ, "ZZ")


def test_us_profile_is_eight_to_nine_monday_to_saturday_with_us_holidays() -> None:
    ny = "America/New_York"
    monday_evening = datetime(2026, 11, 23, 20, 30, tzinfo=calendar_for(US, ny, None).zone)
    assert is_allowed(monday_evening, US, ny)
    assert not is_allowed(monday_evening.replace(hour=21), US, ny)
    assert is_allowed(monday_evening.replace(day=28, hour=18), US, ny)  # Saturday
    assert not is_allowed(monday_evening.replace(day=29, hour=12), US, ny)  # Sunday
    assert not is_allowed(monday_evening.replace(day=26, hour=12), US, ny)  # Thanksgiving


def test_explicit_hours_win_over_the_profile() -> None:
    hours = ContactHours(sat=None, sun="10:00-12:00")
    custom = CadenceSettings(profile="us", contact_hours=hours, holidays_country="BR")
    assert is_allowed(at(2026, 11, 29, 11, 0), custom, TZ)
    assert not is_allowed(at(2026, 11, 28, 11, 0), custom, TZ)


def test_bad_hours_are_refused() -> None:
    with pytest.raises(CalendarError, match="08:00-20:00"):
        parse_window("8 to 20")
    with pytest.raises(CalendarError, match="before"):
        parse_window("20:00-08:00")
    with pytest.raises(CalendarError, match="no day"):
        ContactCalendar(timezone=TZ, windows=(None,) * 7)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_allowed(datetime(2026, 11, 23, 10, 0), BR, TZ)  # noqa: DTZ001


def test_window_on_gives_local_bounds() -> None:
    cal = calendar_for(BR, TZ, None)
    assert cal.window_on(date(2026, 11, 28)) == (at(2026, 11, 28, 8), at(2026, 11, 28, 14))
    assert cal.window_on(date(2026, 11, 29)) is None


def test_business_days_skip_weekends_and_the_calendars_holidays() -> None:
    from bot.core.business_days import add_business_days

    friday = date(2026, 11, 13)  # Friday 20 November (Consciência Negra) is a holiday
    assert add_business_days(friday, 5) == date(2026, 11, 20)  # weekends only
    sao_paulo = calendar_for(BR, TZ, "SP")
    assert date(2026, 11, 20) in sao_paulo.holidays_in(2026)
    assert sao_paulo.add_business_days(friday, 5) == date(2026, 11, 23)
    assert sao_paulo.add_business_days(date(2026, 12, 23), 2) == date(2026, 12, 28)  # Christmas
