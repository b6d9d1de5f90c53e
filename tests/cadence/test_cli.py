"""``quita cadence preview`` and ``quita cadence run``."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pytest

from bot.commands import cadence as cli

from .portfolio import add_debtor, migrated_sessions


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="quita")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    config = tmp_path / "config.yml"
    config.write_text("business: {timezone: America/Sao_Paulo}\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'quita.db'}"
    monkeypatch.setenv("QUITA_CONFIG", str(config))
    monkeypatch.setenv("QUITA_DATABASE_URL", url)
    sessions = migrated_sessions(url)
    with sessions() as session:
        add_debtor(session, "C-1", due=date(2026, 11, 10))
        session.commit()
    sessions.kw["bind"].dispose()
    return url


def test_preview_prints_the_plan(deployment: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("cadence", "preview", "--debtor", "C-1", "--now", "2026-11-01T00:00:00-03:00")
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Sat 2026-11-07 08:00 -0300  due_soon")
    assert [line.split()[4] for line in lines] == [
        "due_soon",
        "due_today",
        "overdue",
        "overdue",
        "overdue",
    ]


def test_preview_json_and_unknown_debtor(
    deployment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(
        "cadence", "preview", "--debtor", "C-1", "--days", "8", "--json",
        "--now", "2026-11-01T00:00:00-03:00",
    )  # fmt: skip
    assert args.handler(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "at": "2026-11-07T08:00:00-03:00",
            "template": "due_soon",
            "kind": "step",
            "key": "1:d-3:2026-11-07",
            "vars": {
                "due": "2026-11-10",
                "step": "d-3",
                "total": "600.00",
                "amount": "600.00",
                "days": "3",
            },
        }
    ]
    args = parse("cadence", "preview", "--debtor", "nobody")
    assert args.handler(args) == 1


def test_naive_now_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("cadence", "run", "--now", "2026-11-01T10:00:00")
    assert "timezone" in capsys.readouterr().err
