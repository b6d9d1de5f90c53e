from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.dates import extract_dates
from bot.nlu.normalize import fold

TODAY = date(2026, 11, 23)  # a Monday


def dates_of(text: str, lang: str = "pt", today: date = TODAY) -> list[str]:
    return [str(s.value) for s in extract_dates(fold(text), today, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("pago hoje", "pt", ["2026-11-23"]),
        ("hj eu pago", "pt", ["2026-11-23"]),
        ("pago amanhã", "pt", ["2026-11-24"]),
        ("I'll pay tomorrow", "en", ["2026-11-24"]),
        ("depois de amanhã", "pt", ["2026-11-25"]),
        ("the day after tomorrow", "en", ["2026-11-25"]),
        ("pago na sexta", "pt", ["2026-11-27"]),
        ("sexta-feira", "pt", ["2026-11-27"]),
        ("Friday", "en", ["2026-11-27"]),
        ("segunda que vem", "pt", ["2026-11-30"]),  # today is Monday: next one, not today
        ("on Monday", "en", ["2026-11-30"]),
        ("dia 10", "pt", ["2026-12-10"]),
        ("dia 23", "pt", ["2026-11-23"]),  # today or later
        ("dia 22", "pt", ["2026-12-22"]),
        ("the 10th", "en", ["2026-12-10"]),
        ("dia 10 do mes que vem", "pt", ["2026-12-10"]),
        ("15/12", "pt", ["2026-12-15"]),
        ("10/11", "pt", ["2027-11-10"]),  # already past: next year
        ("December 5", "en", ["2026-12-05"]),
        ("Dec 2nd", "en", ["2026-12-02"]),
        ("5 de dezembro", "pt", ["2026-12-05"]),
        ("fim do mês", "pt", ["2026-11-30"]),
        ("end of the month", "en", ["2026-11-30"]),
        ("daqui 3 dias", "pt", ["2026-11-26"]),
        ("daqui a 3 dias", "pt", ["2026-11-26"]),
        ("in 3 days", "en", ["2026-11-26"]),
        ("em duas semanas", "pt", ["2026-12-07"]),
        ("in two weeks", "en", ["2026-12-07"]),
        ("2026-12-05", "en", ["2026-12-05"]),
        # a part of the day with no day named is today; a day named wins
        ("I'll swing by after work", "en", ["2026-11-23"]),
        ("pago depois do trabalho", "pt", ["2026-11-23"]),
        ("pago amanhã depois do trabalho", "pt", ["2026-11-24"]),
    ],
)
def test_resolution_rules(text: str, lang: str, expected: list[str]) -> None:
    assert dates_of(text, lang) == expected


@pytest.mark.parametrize(
    "text",
    [
        "semana que vem",
        "mês que vem",
        "quando receber",
        "next week",
        "next month",
        "3x",
        "",
        "de 15 em 15 dias",  # how often, not 15 days from now
    ],
)
def test_vague_expressions_give_no_date(text: str) -> None:
    assert dates_of(text) == []


def test_day_31_skips_short_months() -> None:
    assert dates_of("dia 31", today=date(2027, 2, 3)) == ["2027-03-31"]


def test_end_of_february() -> None:
    assert dates_of("fim do mes", today=date(2028, 2, 10)) == ["2028-02-29"]


def test_a_weekday_with_its_day_number_is_that_day() -> None:
    # 01/12/2026 is a Tuesday: "terça dia 1" is the 1st, not the next Tuesday (24/11)
    spans = extract_dates(fold("pode ser terça dia 1?"), TODAY, "pt")
    assert [s.value for s in spans] == ["2026-12-01"]


def test_a_weekday_and_a_day_number_that_disagree_are_both_kept() -> None:
    spans = extract_dates(fold("pode ser sexta dia 1?"), TODAY, "pt")
    assert sorted(s.value for s in spans) == ["2026-11-27", "2026-12-01"]
