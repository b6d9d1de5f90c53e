"""A parse never raises, whatever comes in."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.parse import INTENTS
from bot.nlu.embedded import EmbeddedInterpreter

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")

CASES = [
    "",
    " ",
    "\n",
    "a" * 10_000,
    "pago dia 10 " * 900,
    "😡😡😡🙏🙏",
    "🤡",
    "\x00\x01\x02\xff\ufffe",
    "\ud800 lone surrogate",
    "R$ 9.999.999.999,99",
    "dia 99",
    "31/02",
    "99999999999999999999999 reais",
    "vou pagar sexta I will pay friday 100 reais $50",
    "٣ ١٢ ߃ 𝟙𝟚",
    "İstanbul ß ﬁ",
    bytes(range(256)).decode("latin-1"),
]


@pytest.mark.parametrize("text", CASES)
def test_specific_junk(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent in INTENTS
    assert parsed.language in ("pt", "en")
    parsed.to_json()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent in INTENTS
    for entity in parsed.entities:
        assert 0 <= entity.start <= entity.end <= len(text)
