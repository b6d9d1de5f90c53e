from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.entities import extract

TODAY = date(2026, 11, 23)  # a Monday


def values(text: str, name: str, lang: str = "pt") -> list[str | int]:
    return [e.value for e in extract(text, TODAY, lang) if e.entity == name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3x", 3),
        ("em 5 vezes", 5),
        ("três parcelas", 3),
        ("4 payments", 4),
        ("dá pra dividir em 3?", 3),
        ("can I split it into six installments", 6),
    ],
)
def test_installments(text: str, expected: int) -> None:
    assert values(text, "installments") == [expected]


def test_installments_and_amount() -> None:
    entities = extract("em 5x de 90", TODAY, "pt")
    assert [(e.entity, e.value) for e in entities] == [("installments", 5), ("amount", "90.00")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("2", 2),
        ("opção 2", 2),
        ("a segunda", 2),
        ("option three", 3),
        ("the first one", 1),
        ("quero a terceira opção", 3),
    ],
)
def test_options(text: str, expected: int) -> None:
    assert values(text, "option") == [expected]


def test_bare_number_in_a_sentence_is_not_an_option() -> None:
    assert values("vou pagar 2 parcelas", "option") == []
    assert values("pago na segunda", "option") == []
    assert values("pago na segunda", "date") == ["2026-11-30"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me manda o pix", "pix"),
        ("quero o boleto", "boleto"),
        ("pago no cartão", "card"),
        ("send me a link", "link"),
        ("faço uma transferência", "transfer"),
        ("posso pagar em dinheiro?", "cash"),
    ],
)
def test_payment_methods(text: str, expected: str) -> None:
    assert values(text, "payment_method") == [expected]


def test_spans_point_into_the_original_text() -> None:
    text = "vou pagar 100 na sexta"
    entities = extract(text, TODAY, "pt")
    assert [(e.start, e.end, e.text) for e in entities] == [(10, 13, "100"), (17, 22, "sexta")]
    assert all(text[e.start : e.end] == e.text for e in entities)


@pytest.mark.parametrize(
    ("text", "option", "day"),
    [("quinta", 5, "2026-11-26"), ("sexta", 6, "2026-11-27"), ("segunda", 2, "2026-11-30")],
)
def test_a_bare_weekday_is_both_a_day_and_an_ordinal(text: str, option: int, day: str) -> None:
    """The dialogue's state decides: a day was asked for, or options are on screen."""
    found = {(e.entity, e.value) for e in extract(text, TODAY)}
    assert found == {("option", option), ("date", day)}


@pytest.mark.parametrize("text", ["can I pay 150 a month?", "I could do 150 a month"])
def test_an_amount_a_month_in_english(text: str) -> None:
    amounts = [e.value for e in extract(text, TODAY, "en") if e.entity == "amount"]
    assert amounts == ["150.00"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("I can pay friday the 27th", "2026-11-27"),
        ("on friday the 27th", "2026-11-27"),
        ("friday 27th", "2026-11-27"),
        ("the 4th of december", "2026-12-04"),
    ],
)
def test_an_ordinal_inside_a_weekday_or_month_date_is_that_day_not_an_option(
    text: str, day: str
) -> None:
    assert values(text, "date", "en") == [day]
    assert values(text, "option", "en") == []


def test_a_bare_ordinal_keeps_both_readings() -> None:
    # "the 2nd" alone: the second option on screen, or the 2nd of the month
    assert values("the 2nd", "option", "en") == [2]
    assert values("the 2nd", "date", "en") == ["2026-12-02"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("when is the first one due?", "en"),
        ("when is the first payment?", "en"),
        ("quando vence a primeira?", "pt"),
        ("a primeira parcela vence quando?", "pt"),
    ],
)
def test_asking_when_an_installment_is_due_chooses_no_option(text: str, lang: str) -> None:
    assert values(text, "option", lang) == []


@pytest.mark.parametrize(
    "text", ["the first one", "I'll take the first one", "a primeira", "quero a primeira opção"]
)
def test_choosing_the_first_option_still_does(text: str) -> None:
    assert values(text, "option") == [1]
