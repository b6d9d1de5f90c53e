"""Every CSV the app hands out is written here, with formula cells neutralised.

A spreadsheet runs a cell that starts with ``= + - @`` (or a tab / carriage return) as a
formula: a debtor named ``=HYPERLINK(...)`` would execute on the manager's machine. Such
cells get a leading apostrophe; plain numbers (``-12.50``) are left alone.

For a pt-BR spreadsheet (``language="pt"``) cells are separated by ``;`` and decimals use a
comma; every file starts with a UTF-8 byte-order mark so Excel reads accents right.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from fastapi.responses import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will show it, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _localised(value: Any, language: str) -> Any:
    if language == "pt" and isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return value


def csv_text(rows: Iterable[Sequence[Any]], *, language: str = "en") -> str:
    """Rows (the first is usually the header) as CSV text, every cell through ``safe_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "pt" else ",")
    for row in rows:
        writer.writerow([safe_cell(_localised(cell, language)) for cell in row])
    return out.getvalue()


def csv_response(
    rows: Iterable[Sequence[Any]], filename: str, *, language: str = "en"
) -> Response:
    return Response(
        "\ufeff" + csv_text(rows, language=language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
