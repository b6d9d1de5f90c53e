"""Extractor and normalisation fixes found with tests/nlu/heldout2.yml (slang, typos, clipping)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.entities import extract, squeeze
from bot.nlu.evaluate import evaluate, load_cases

TODAY = date(2026, 11, 23)  # a Monday
HELDOUT2 = Path(__file__).with_name("heldout2.yml")


def values(text: str, name: str, lang: str = "pt") -> list[str | int]:
    return [e.value for e in extract(text, TODAY, lang) if e.entity == name]


def test_squeeze_keeps_offsets() -> None:
    squeezed, index = squeeze("amanhaaa eu pagooo sextaa")
    assert squeezed == "amanha eu pago sexta"
    assert len(index) == len(squeezed)
    assert [index[i] for i in (0, 7, 15)] == [0, 9, 19]
    assert squeeze("kkkk aa")[0] == "kkkk aa"  # no letter before the run: not a stretched word
    assert squeeze("see you tomorrow")[0] == "see you tomorrow"  # real doubled letters stay


@pytest.mark.parametrize(
    ("text", "expected", "span"),
    [
        ("pago sextaa", "2026-11-27", "sextaa"),
        ("amanhaaa eu pago", "2026-11-24", "amanhaaa"),
        ("blzzz, amanhaa", "2026-11-24", "amanhaa"),
    ],
)
def test_stretched_words_are_dates(text: str, expected: str, span: str) -> None:
    entities = [e for e in extract(text, TODAY, "pt") if e.entity == "date"]
    assert [(e.value, e.text) for e in entities] == [(expected, span)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("i'll pay on the first", "en", "2026-12-01"),
        ("I'll pay on december first", "en", "2026-12-01"),
        ("by the fifteenth", "en", "2026-12-15"),
        ("the twenty-first of december", "en", "2026-12-21"),
        ("the first of december", "en", "2026-12-01"),
        ("in a couple days", "en", "2026-11-25"),
        ("in a couple of days", "en", "2026-11-25"),
        ("in a fortnight", "en", "2026-12-07"),
        ("within a month", "en", "2026-12-23"),
        ("pago daqui um mes", "pt", "2026-12-23"),
        ("pago em 2 meses", "pt", "2027-01-23"),
        ("dia 10/01 eu pago", "pt", "2027-01-10"),  # the slash date, not "dia 10"
        ("dia 05/12 eu pago", "pt", "2026-12-05"),
    ],
)
def test_more_dates(text: str, lang: str, expected: str) -> None:
    assert values(text, "date", lang) == [expected]


@pytest.mark.parametrize("text", ["i'll take the first one", "the first", "in a few days"])
def test_not_dates(text: str) -> None:
    assert values(text, "date", "en") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quero pagar em 3 meses", 3),
        ("posso pagar em 10 meses?", 10),
        ("can i pay it over 6 months", 6),
    ],
)
def test_months_as_installments_not_dates(text: str, expected: int) -> None:
    assert values(text, "installments") == [expected]
    assert values(text, "date") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("posso pagar 2 mil e quinhentos", ["2500.00"]),
        ("3 mil e cem reais", ["3100.00"]),
        ("1 mil e 200 reais", ["1200.00"]),  # once, not also "200 reais"
        ("2 mil e depois o resto", ["2000.00"]),
        ("pago 5 reais", ["5.00"]),
        ("pago R$ 5", ["5.00"]),
        ("pode ser em 3?", []),  # a bare small digit is a count, not money
        ("amanha cedo mando 50 conto", ["50.00"]),
    ],
)
def test_more_amounts(text: str, expected: list[str]) -> None:
    assert values(text, "amount") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vou na primeira", 1),  # the longest ordinal was dropped from the whole-message rule
        ("fico com a primeira", 1),
        ("opção B", 2),
        ("option c please", 3),
        ("quero a opção a", 1),
        ("n°2", 2),
        ("1️⃣", 1),
    ],
)
def test_more_options(text: str, expected: int) -> None:
    assert values(text, "option") == [expected]


def test_letter_option_needs_the_message_end() -> None:
    assert values("opcao a vista tem desconto?", "option") == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("nope", "en"),
        ("nah", "en"),
        ("no", "en"),
        ("nops", "pt"),
        ("não", "pt"),
        ("👍", "pt"),
        ("ok", "pt"),
        ("lol", "en"),
        ("kkkkk", "pt"),
    ],
)
def test_short_answers_language(interpreter: EmbeddedInterpreter, text: str, lang: str) -> None:
    from datetime import datetime

    now = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    assert interpreter.parse(text, now).language == lang


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("n°2", "choose_option"),
        ("quero a 2", "choose_option"),
        ("numero 3 por favor", "choose_option"),
    ],
)
def test_bare_option_rule(interpreter: EmbeddedInterpreter, text: str, intent: str) -> None:
    from datetime import datetime

    now = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    assert interpreter.parse(text, now).intent == intent


def test_heldout2_has_enough_examples() -> None:
    cases, now = load_cases(HELDOUT2)
    assert now is not None
    assert len(cases) >= 250
    assert {c.language for c in cases} == {"pt", "en"}
    assert len({c.intent for c in cases}) == 20


def test_heldout2_accuracy(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(HELDOUT2)
    assert now is not None
    report = evaluate(interpreter, cases, now)
    assert report["accuracy"] >= 0.975, report["errors"]
    assert report["rates"]["language"] >= 0.98, report["errors"]
    for name in ("date", "amount", "installments", "option"):
        assert report["rates"][name] >= 0.97, report["errors"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("pago terça da semana que vem", "pt", "2026-12-01"),
        ("semana que vem na terça eu pago", "pt", "2026-12-01"),
        ("sexta da semana q vem", "pt", "2026-12-04"),
        ("i'll pay tuesday next week", "en", "2026-12-01"),
        ("next week on friday", "en", "2026-12-04"),
        ("segunda que vem", "pt", "2026-11-30"),  # still the design's "next occurrence"
        ("pago no natal", "pt", "2026-12-25"),
        ("on christmas eve", "en", "2026-12-24"),
        ("até o ano novo", "pt", "2027-01-01"),
    ],
)
def test_next_week_weekdays_and_holidays(text: str, lang: str, expected: str) -> None:
    assert values(text, "date", lang) == [expected]


@pytest.mark.parametrize(
    "text", ["depois do natal eu pago", "i'll pay after christmas", "semana que vem eu pago"]
)
def test_vague_holiday_and_week_give_no_date(text: str) -> None:
    assert values(text, "date") == []


@pytest.mark.parametrize("text", ["qwerty uiop", "zxcvb", "blablabla"])
def test_keyboard_mashing_is_out_of_scope(interpreter: EmbeddedInterpreter, text: str) -> None:
    from datetime import datetime

    now = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    assert interpreter.parse(text, now).intent == "out_of_scope"


def test_classifier_sees_stretched_endings_collapsed() -> None:
    from bot.nlu.normalize import for_classifier

    assert for_classifier("pago sextaa, simmm") == "pago sexta sim"
    assert for_classifier("see you tomorrow") == "see you tomorrow"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pago os quatrocentos dia 8", ["400.00"]),  # "dia 8" is a date, not "400 days"
        ("pago 400 dia 8", ["400.00"]),
        ("vou pagar 100 dia 5 e 100 dia 20", ["100.00", "100.00"]),
        ("i'll pay two grand", ["2000.00"]),
        ("i can pay a grand", ["1000.00"]),
        ("pago em 30 dias", []),
        ("what's the grand total", []),
    ],
)
def test_amounts_before_day_and_grand(text: str, expected: list[str]) -> None:
    assert values(text, "amount", "en" if text.startswith(("i", "w")) else "pt") == expected


@pytest.mark.parametrize(("text", "expected"), [("a 2 pfv", 2), ("a 3 entao", 3), ("1 ok", 1)])
def test_whole_message_option_with_a_tail(text: str, expected: int) -> None:
    assert values(text, "option") == [expected]


def test_heldout3_untuned_set(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(HELDOUT2.with_name("heldout3.yml"))
    assert now is not None
    assert len(cases) >= 100
    report = evaluate(interpreter, cases, now)
    assert report["accuracy"] >= 0.95, report["errors"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pago 6ª feira", "2026-11-27"),
        ("pago na 5a feira", "2026-11-26"),
        ("2a-feira eu pago", "2026-11-30"),
        ("pago sab", "2026-11-28"),
        ("dps d amanha", "2026-11-25"),
        ("day after tmrw", "2026-11-25"),
        ("pago amnha", "2026-11-24"),
        ("pago dia vinte e cinco", "2026-11-25"),  # not "dia vinte"
        ("pago dia vinte", "2026-12-20"),
        ("pago no dia 1° de dezembro", "2026-12-01"),  # a degree sign for the ordinal
        ("pago em 1° de dezembro", "2026-12-01"),
    ],
)
def test_weekday_numbers_typos_and_compound_days(text: str, expected: str) -> None:
    assert values(text, "date") == [expected]


def test_colloquial_training_files_do_not_copy_held_out_sentences() -> None:
    from bot.nlu.data import read_rasa_file

    root = HELDOUT2.parents[2] / "nlu_data"
    training = {
        e.text.strip().lower()
        for path in (root / "pt" / "coloquial.yml", root / "en" / "colloquial.yml")
        for e in read_rasa_file(path, language="")
    }
    for name in ("heldout.yml", "heldout2.yml", "heldout3.yml"):
        cases, _ = load_cases(HELDOUT2.with_name(name))
        copied = [c.text for c in cases if c.text.strip().lower() in training]
        assert not copied, (name, copied)


@pytest.mark.parametrize("word", ["blorp", "zorp", "flibbet"])
def test_an_unknown_word_never_opts_out_or_escalates(word: str) -> None:
    """An intent that changes things for good is never read from a word never seen."""
    from bot.config import load_settings
    from bot.nlu import build_interpreter

    now = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    parse = build_interpreter(load_settings(environ={})).parse(word, now)
    assert parse.intent not in ("opt_out", "wrong_person", "dispute", "insult", "request_human")
