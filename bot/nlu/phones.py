"""Phone numbers in a message ("11 98765-4321", "(11) 3333-4444", "+55 11 987654321",
"(555) 123-4567"): found first so that no other extractor reads their digits.

"manda pro número dela, 11 98765-4321" is a number to write to, never R$ 11,00, option 1 or
11 installments. A phone is 10 or 11 digits in Brazil (area code, an optional leading 9,
eight digits) or 10 in the US, written with spaces, dots, dashes or brackets; a country code
may lead.
"""

from __future__ import annotations

import re

from bot.nlu.spans import Span

_PHONE = re.compile(
    r"(?<![\w.,$])(?:\+\s*\d{1,3}[\s.-]*)?"
    r"(?:"
    # Brazil: (11) 9 8765-4321, 11 98765 4321, 11987654321
    r"\(?\d{2}\)?[\s.-]*9?[\s.-]?\d{4}[\s.-]?\d{4}"
    r"|"
    # US: (555) 123-4567, 555-123-4567, 555.123.4567
    r"\(?\d{3}\)?[\s.-]*\d{3}[\s.-]\d{4}"
    r")(?![\w,]|\.\d)"
)
_LOCAL = re.compile(r"(?<![\w.,$/])9?\d{4}-\d{4}(?![\w,]|\.\d)")  # "98765-4321" alone


def extract_phones(folded: str) -> list[Span]:
    """Spans of phone numbers (value: the digits), at least 8 digits each."""
    found: list[Span] = []
    for pattern in (_PHONE, _LOCAL):
        for m in pattern.finditer(folded):
            digits = re.sub(r"\D", "", m[0])
            if len(digits) < 8 or any(s.start <= m.start() < s.end for s in found):
                continue
            found.append(Span("phone", digits, m.start(), m.end()))
    return found


def mask_phones(text: str) -> str:
    """``text`` with each phone number replaced by a placeholder word the models do not know
    (their digits otherwise read as "0 0 0", much like an option or a count)."""
    spans = extract_phones(text)
    for s in reversed(spans):
        text = text[: s.start] + " telefonex " + text[s.end :]
    return text
