"""Round trips: format a value in a supported style, parse it back, get the same value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.amounts import extract_amounts
from bot.nlu.dates import extract_dates
from bot.nlu.entities import extract
from bot.nlu.normalize import fold

TODAY = date(2026, 11, 23)
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_PT = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
]
WEEKDAYS_PT = ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

cents = st.integers(min_value=1, max_value=99_999_999)


def _group(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


def format_pt(value: Decimal, style: int) -> str:
    whole, frac = divmod(int(value * 100), 100)
    number = f"{_group(whole, '.')},{frac:02d}"
    plain = f"{whole},{frac:02d}"
    return [f"R$ {number}", f"R${number}", f"{number} reais", f"R$ {plain}", f"{plain} reais"][
        style
    ]


def format_en(value: Decimal, style: int) -> str:
    whole, frac = divmod(int(value * 100), 100)
    number = f"{_group(whole, ',')}.{frac:02d}"
    plain = f"{whole}.{frac:02d}"
    return [f"${number}", f"$ {number}", f"{number} dollars", f"${plain}", f"{plain} bucks"][style]


@settings(max_examples=150, deadline=None)
@given(cents, st.integers(0, 4), st.booleans())
def test_amount_round_trip(value_cents: int, style: int, english: bool) -> None:
    value = Decimal(value_cents) / 100
    text = format_en(value, style) if english else format_pt(value, style)
    sentence = f"{'I can pay' if english else 'posso pagar'} {text} ok"
    found = extract_amounts(fold(sentence), [])
    assert [Decimal(str(s.value)) for s in found] == [value]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 364), st.integers(0, 3))
def test_date_round_trip(offset: int, style: int) -> None:
    target = TODAY + timedelta(days=offset)
    text = [
        f"{target.day:02d}/{target.month:02d}",
        f"{target.day} de {MONTHS_PT[target.month - 1]}",
        f"{MONTHS_EN[target.month - 1]} {target.day}",
        target.isoformat(),
    ][style]
    lang = "en" if style == 2 else "pt"
    found = extract_dates(fold(f"pago {text} ok"), TODAY, lang)
    assert [s.value for s in found] == [target.isoformat()]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 28))
def test_dia_n_round_trip(day: int) -> None:
    found = extract_dates(fold(f"pago dia {day}"), TODAY, "pt")
    (span,) = found
    resolved = date.fromisoformat(str(span.value))
    assert resolved.day == day
    assert TODAY <= resolved < TODAY + timedelta(days=32)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6), st.booleans())
def test_weekday_round_trip(weekday: int, english: bool) -> None:
    name = WEEKDAYS_EN[weekday] if english else WEEKDAYS_PT[weekday]
    entities = extract(
        f"{'I pay on' if english else 'pago na'} {name}", TODAY, "en" if english else "pt"
    )
    (entity,) = [e for e in entities if e.entity == "date"]
    resolved = date.fromisoformat(str(entity.value))
    assert resolved.weekday() == weekday
    assert TODAY < resolved <= TODAY + timedelta(days=7)
