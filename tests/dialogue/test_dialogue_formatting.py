"""Money and dates per language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogue.formatting import (
    format_date,
    format_day_of_month,
    format_money,
    format_ordinal,
    format_percent,
    format_weekday_date,
)


@pytest.mark.parametrize(
    ("value", "pt", "en"),
    [
        (Decimal("1234.56"), "R$ 1.234,56", "R$1,234.56"),
        (Decimal("0.5"), "R$ 0,50", "R$0.50"),
        ("450.00", "R$ 450,00", "R$450.00"),
        (Decimal("1234567.8"), "R$ 1.234.567,80", "R$1,234,567.80"),
        (3, "R$ 3,00", "R$3.00"),
    ],
)
def test_money_examples(value: Decimal | str | int, pt: str, en: str) -> None:
    assert format_money(value, "pt") == pt
    assert format_money(value, "en") == en


def test_money_refuses_float() -> None:
    with pytest.raises(TypeError):
        format_money(1.5, "pt")  # type: ignore[arg-type]


def test_dates() -> None:
    day = date(2026, 11, 27)
    assert format_weekday_date(day, "pt") == "sexta-feira, 27/11"
    assert format_weekday_date(day, "en") == "Friday, Nov 27"
    assert format_date(day, "pt") == "27/11/2026"
    assert format_date("2026-11-27", "en") == "Nov 27, 2026"
    assert format_weekday_date("2026-11-29", "pt") == "domingo, 29/11"


def test_percent() -> None:
    assert format_percent(Decimal("2.50"), "pt") == "2,5%"
    assert format_percent("1.0", "en") == "1%"
    assert format_percent(Decimal("10"), "pt") == "10%"


cents = st.integers(min_value=-(10**11), max_value=10**11)


@given(cents)
def test_money_round_trips_pt(c: int) -> None:
    amount = Decimal(c) / 100
    text = format_money(amount, "pt")
    back = text.replace("R$ ", "").replace(".", "").replace(",", ".")
    assert Decimal(back) == amount


@given(cents)
def test_money_round_trips_en(c: int) -> None:
    amount = Decimal(c) / 100
    text = format_money(amount, "en")
    assert "R$" in text
    back = text.replace("R$", "").replace(",", "")
    assert Decimal(back) == amount


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    d, m, y = format_date(day, "pt").split("/")
    assert date(int(y), int(m), int(d)) == day
    assert format_weekday_date(day, "pt").endswith(f"{day.day:02d}/{day.month:02d}")
    assert format_weekday_date(day, "en").startswith(day.strftime("%A"))


@pytest.mark.parametrize(
    ("day", "en"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th")]
    + [(21, "21st"), (22, "22nd"), (23, "23rd"), (26, "26th"), (31, "31st")],
)
def test_day_of_month_reads_as_people_say_it(day: int, en: str) -> None:
    assert format_day_of_month(date(2026, 1, day), "en") == en
    assert format_day_of_month(f"2026-01-{day:02d}", "pt") == str(day)


@pytest.mark.parametrize(
    ("number", "pt", "en"),
    [(1, "1ª", "1st"), (2, "2ª", "2nd"), (3, "3ª", "3rd"), (4, "4ª", "4th"), (11, "11ª", "11th")]
    + [(12, "12ª", "12th"), (21, "21ª", "21st"), (112, "112ª", "112th")],
)
def test_ordinal_of_an_installment(number: int, pt: str, en: str) -> None:
    assert format_ordinal(number, "pt") == pt
    assert format_ordinal(number, "en") == en
