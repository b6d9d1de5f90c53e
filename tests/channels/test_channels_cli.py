"""``quita telegram link``: the deep link and QR code that tie a chat to a debtor."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_deep_link_and_qr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'q.db'}\n"
        "channels:\n  telegram:\n    bot_username: LojaExemploBot\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("QUITA_CONFIG", str(config))
    csv = tmp_path / "p.csv"
    csv.write_text(
        "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,amount,due_date\n"
        "D-1,Maria Souza,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n",
        encoding="utf-8",
    )
    assert main(["db", "upgrade"]) == 0
    assert main(["import", "portfolio", str(csv)]) == 0
    capsys.readouterr()
    qr = tmp_path / "d1.png"
    assert main(["telegram", "link", "--debtor", "D-1", "--qr", str(qr)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("https://t.me/LojaExemploBot?start=")
    assert qr.read_bytes().startswith(b"\x89PNG")
    assert main(["telegram", "link", "--debtor", "D-1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == first  # the same link every time
    assert main(["telegram", "link", "--debtor", "nope"]) == 1
