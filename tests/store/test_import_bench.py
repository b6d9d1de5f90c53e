"""``quita bench import``: the generated file is realistic and imports like a real one."""

from __future__ import annotations

from pathlib import Path

from bot.store.import_bench import run_import_bench, write_portfolio
from bot.store.importer import decode_csv, read_portfolio


def test_the_generated_file_has_good_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.csv"
    write_portfolio(path, 2000)
    rows, errors = read_portfolio(decode_csv(path.read_bytes()))
    assert len(rows) + len(errors) == 2000
    assert 5 <= len(errors) <= 40  # about 1%, of every kind
    reasons = " ".join(reason for _, reason in errors)
    for kind in ("amount is empty", "does not exist", "cannot be reached", "not a Brazilian"):
        assert kind in reasons
    assert {row.debtor.state for row in rows} > {"SP", "RJ"}
    assert any(row.debtor.segment for row in rows)


def test_the_bench_imports_twice_and_the_second_run_changes_nothing() -> None:
    figures = run_import_bench(600)
    assert figures["database"] == "sqlite"
    assert figures["changed"] + figures["rejected"] == 600
    assert figures["reimport_changed"] == 0
    assert figures["reimport_unchanged"] == figures["changed"]
    assert figures["rss_mb"] > 0
