"""What a receipt (comprovante) says, read from a PDF's text layer: amount, time, E2E id.

No OCR: an image says nothing here, and a PDF without a text layer says nothing either.
Bank receipts write the amount as ``R$ 1.234,56`` and the time as ``23/11/2026 10:15``;
the Pix's end-to-end id is ``E`` followed by 31 letters and digits.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

MAX_PAGES = 5
AMOUNT = re.compile(r"R\$\s*(\d{1,3}(?:\.\d{3})*,\d{2}|\d+,\d{2})")
WHEN = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})(?:\D{1,6}(\d{2}):(\d{2})(?::(\d{2}))?)?")
E2E = re.compile(r"\b(E[A-Za-z0-9]{31})\b")


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt states; ``None`` where it says nothing we can read."""

    amount: Decimal | None = None
    at: datetime | None = None
    end_to_end_id: str | None = None


def pdf_text(data: bytes) -> str:
    """The text layer of the first pages of a PDF; empty when there is none or it is not
    a PDF we can read (a receipt is never worth failing a turn over)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PAGES])
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        log.info("receipt pdf unreadable", extra={"error": type(exc).__name__})
        return ""


def receipt_facts(text: str, timezone: str) -> ReceiptFacts:
    """The amount, time and E2E id ``text`` states. Several different amounts (a statement,
    not a receipt) give no amount: guessing would match the wrong Pix."""
    amounts = {_money(m) for m in AMOUNT.findall(text)}
    amounts.discard(None)
    amount = amounts.pop() if len(amounts) == 1 else None
    at = None
    when = WHEN.search(text)
    if when:
        day, month, year, hour, minute, second = when.groups()
        try:
            at = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 12),
                int(minute or 0),
                int(second or 0),
                tzinfo=ZoneInfo(timezone),
            )
        except ValueError:
            at = None
    e2e = E2E.search(text)
    return ReceiptFacts(amount=amount, at=at, end_to_end_id=e2e.group(1) if e2e else None)


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None
