"""Every event kind the code writes is an ``EventKind`` member.

Events are written only through ``EventLog.append`` and ``Effects.event`` (and the helpers
that wrap them), which take an ``EventKind``: ``mypy --strict`` refuses a plain string and
``EventLog.append`` refuses one at run time. The pure dialogue names the kinds it logs as
text (``LogEvent("wrong_person")``); this walks the source so a kind the dialogue invents
without an enum member fails here rather than in a turn.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.core.enums import EventKind

BOT = Path(__file__).resolve().parents[1] / "bot"


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    found.append((path, node))
    return found


def test_every_kind_the_dialogue_logs_is_a_member() -> None:
    logged = {
        call.args[0].value
        for _path, call in _calls("LogEvent")
        if call.args and isinstance(call.args[0], ast.Constant)
    }
    assert logged, "the dialogue logs no events? the walk found nothing"
    assert logged - {k.value for k in EventKind} == set()


def test_values_are_the_stored_strings() -> None:
    # the database and the JSON hold these strings: a member's value never changes
    assert all(kind.value == kind.name.lower() for kind in EventKind)
    assert len({kind.value for kind in EventKind}) == len(EventKind)
