"""The clause splitter: boundaries, numbers kept whole, spans that cover the text in order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.clauses import MAX_CLAUSES, split_clauses


def parts(text: str) -> list[str]:
    return [text[a:b] for a, b in split_clauses(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "oi boa tarde, sou eu sim. olha vou ser sincera, meu marido ficou doente",
            ["oi boa tarde,", "sou eu sim.", "olha vou ser sincera,", "meu marido ficou doente"],
        ),
        ("tem juros?quanto fica", ["tem juros?", "quanto fica"]),
        ("vou pagar mas só sexta\nbeijos!!!", ["vou pagar", "mas só sexta", "beijos!!!"]),
        ("yes this is me but I cant pay", ["yes this is me", "but I cant pay"]),
        ("sim,sou eu", ["sim,", "sou eu"]),
        ("olha, não dá", ["olha, não dá"]),  # a marker alone joins what follows
        ("i cant pay, anyway", ["i cant pay, anyway"]),  # ... and a last one what precedes
        ("😂😂 que isso", ["😂😂 que isso"]),
    ],
)
def test_boundaries(text: str, expected: list[str]) -> None:
    assert parts(text) == expected


@pytest.mark.parametrize(
    "text",
    ["R$ 1.250,50 dia 15/12", "3x de 100 no dia 10", "pago 1.250,50", "$1,250.50 on the 5th"],
)
def test_numbers_are_never_cut(text: str) -> None:
    assert parts(text) == [text]


def test_blank_text_has_no_clause() -> None:
    assert split_clauses("  \n ") == []


def test_a_long_story_is_capped() -> None:
    story = ". ".join(f"frase numero {i}" for i in range(30))
    spans = split_clauses(story)
    assert len(spans) == MAX_CLAUSES
    assert spans[-1][1] == len(story)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_spans_cover_the_text_in_order(text: str) -> None:
    spans = split_clauses(text)
    position = 0
    for start, end in spans:
        assert position <= start < end <= len(text)
        assert text[position:start].strip() == ""  # only whitespace between clauses
        assert text[start] == text[start].strip()
        assert text[end - 1].strip()
        position = end
    assert text[position:].strip() == ""
