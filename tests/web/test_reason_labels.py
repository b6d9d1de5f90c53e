"""Every reason a chat can be handed to a person for is shown in words in both languages
(the console showed codes like "unknown contact" in English on Portuguese pages)."""

from __future__ import annotations

import re
from pathlib import Path

import bot
from bot.core.enums import HANDOFF_REASONS
from bot.web.i18n import STRINGS, label

SOURCES = Path(bot.__file__).parent
# the shapes a hand-off reason is written in: an action, a dialogue step, the Effects call
SHAPES = (
    r'HandOff\((?:reason=)?"([a-z_]+)"\)',
    r'_?hand_off\(\s*t,\s*"([a-z_]+)"',  # also split over lines
    r'\.hand_off\("([a-z_]+)"\)',
    r'handoff_reason ?= ?"([a-z_]+)"',
    r'why = "([a-z_]+)" if .* else "([a-z_]+)"',
)


def _reasons_in_the_code() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for shape in SHAPES:
            for match in re.finditer(shape, text):
                found.update(g for g in match.groups() if g)
    return found


def test_every_reason_in_the_code_is_listed() -> None:
    found = _reasons_in_the_code()
    assert len(found) >= 10  # the scan sees the code it is meant to see
    assert found <= set(HANDOFF_REASONS)


def test_every_reason_has_words_in_both_languages() -> None:
    for reason in HANDOFF_REASONS:
        assert f"reason.{reason}" in STRINGS, reason
        pt, en = label("pt", "reason", reason), label("en", "reason", reason)
        assert pt
        assert en
        assert "_" not in pt + en
