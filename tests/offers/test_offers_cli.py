"""``quita offers check``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.commands.offers import register

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="quita")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def test_default_book_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = run("offers", "check", str(ROOT / "offers" / "default.yml"), "--today", "2026-11-23")

    out = capsys.readouterr().out
    assert code == 0
    assert "default.yml: OK" in out
    assert "tier recent: days overdue 0-30" in out
    assert "principal 1000.00, 1 days overdue, fee 20.00, interest 0.33, balance 1020.33" in out
    assert "full_no_fees" in out
    assert "up_to_6" in out
    assert "full_35" in out
    assert out.rstrip().splitlines()[-1].endswith("yes")


def test_bad_book_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "currency: BRL\n"
        "charges: {late_fee_percent: 5, monthly_interest_percent: 3}\n"
        "tiers:\n"
        "  - name: a\n"
        "    when: {days_overdue: [1, 10]}\n"
        "    offers: [{id: x, type: pay_in_full, colour: red}]\n"
        "  - name: b\n"
        "    when: {days_overdue: [20, 99]}\n"
        "    offers: [{id: y, type: pay_in_full}]\n",
        encoding="utf-8",
    )

    code = run("offers", "check", str(bad), str(ROOT / "offers" / "default.yml"))

    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad}: INVALID, 4 problem(s)" in out
    assert f"{bad}:2: charges.late_fee_percent 5 %" in out
    assert f"{bad}:2: charges.monthly_interest_percent 3 % is above the legal cap" in out
    assert f"{bad}:6: unknown key 'colour'" in out
    assert f"{bad}:8: days overdue 11 to 19 are not covered" in out
    assert "default.yml: OK" in out  # the other books are still checked


def test_group_without_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("offers") == 2
    assert "check" in capsys.readouterr().out
