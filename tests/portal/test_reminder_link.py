"""``portal.in_reminders``: which reminders carry the page's link (the whole stack, through
the conversation-script runner)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.testing.scripts import run_script

NOW = "2026-11-23T10:00:00-03:00"
DEBT = {"ref": "R-1", "description": "Sofá", "amount": "300.00", "due": "2026-11-16"}


def reminder_texts(tmp_path: Path, *, settings: dict[str, Any], debtor: dict[str, Any]) -> str:
    script = {
        "name": "reminder link",
        "now": NOW,
        "settings": settings,
        "debtor": {"name": "Rita Lopes", "language": "pt", "debts": [DEBT], **debtor},
        "steps": [{"send_reminder": {}}, {"expect": {"bot_said": ["Loja Exemplo", "SAIR"]}}],
    }
    path = tmp_path / "script.yml"
    path.write_text(yaml.safe_dump(script, allow_unicode=True), encoding="utf-8")
    result = run_script(path)
    assert result.passed, result.failures
    return "\n".join(line for line in result.transcript if line.startswith("bot:"))


CPF = {"document": "529.982.247-25"}
BORN = {"birth_date": "1984-03-25"}


@pytest.mark.parametrize(
    ("settings", "debtor", "carries"),
    [
        ({"identity_check": "none", "portal": {"in_reminders": True}}, CPF, True),
        ({"identity_check": "none", "portal": {"in_reminders": True}}, BORN, True),
        ({"identity_check": "none", "portal": {"in_reminders": True}}, {}, False),  # no check
        ({"identity_check": "none", "portal": {"in_reminders": False}}, CPF, False),
        (
            {"identity_check": "none", "portal": {"enabled": False, "in_reminders": True}},
            CPF,
            False,
        ),
        # not yet confirmed who it is: the reminder only asks, with no link
        ({"identity_check": "confirm_name", "portal": {"in_reminders": True}}, CPF, False),
    ],
)
def test_which_reminders_carry_the_link(
    tmp_path: Path, settings: dict[str, Any], debtor: dict[str, Any], carries: bool
) -> None:
    said = reminder_texts(tmp_path, settings=settings, debtor=debtor)
    assert ("/p/" in said) is carries
    assert "CNPJ" in said  # the first contact names the business either way
