"""An explicit ask for a language ("pode falar em português?") switches the conversation."""

from __future__ import annotations

import pytest

from bot.dialogue.engine import asked_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pode falar em portugues? meu ingles é ruim", "pt"),
        ("sorry my portuguese is bad, can we talk in english?", "en"),
        ("fala em inglês comigo", "en"),
        ("can you write in Portuguese please", "pt"),
        ("meu ingles é ruim", None),  # no ask, only a remark
        ("vou pagar sexta", None),
        ("em português ou in english, tanto faz", None),  # both: no single ask
    ],
)
def test_the_language_asked_for(text: str, expected: str | None) -> None:
    assert asked_language(text) == expected
