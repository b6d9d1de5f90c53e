"""Splitting a chat message into clauses ("sou eu sim. olha, não consigo pagar" -> 2 parts).

Real debtors write several things in one message: a greeting, a confirmation, a story, a
question. The classifier is trained on single sentences, so each part is classified on its
own. Boundaries: sentence punctuation, line breaks, commas followed by a space, and
discourse markers that open a new thought ("olha", "mas", "só que", "but", "anyway").
Numbers keep their separators ("R$ 1.250,50", "15/12", "3x de 100" are never cut).
"""

from __future__ import annotations

import re

from bot.nlu.normalize import fold

MAX_CLAUSES = 10  # a long story is read as at most this many parts (the rest joins the last)

# Where one part ends: ".!?;…" (not inside a number), a line break, ", " (not between digits).
_HARD = re.compile(r"[.!?;…]+(?=\s|$|[^\w\s])|(?<=[?!])(?=\w)|\n+|\s[-–—]+\s")
_COMMA = re.compile(r",(?=\s|[^\W\d_])")
# Words that open a new thought; the marker belongs to the part it opens.
_MARKERS = re.compile(
    # "nothing but thieves", "anything but fair": "but" there means "only"/"not", no new thought
    r"(?<=\s)(?<!nothing\s)(?<!anything\s)(?<!everything\s)(?<!nobody\s)(?<!\ball\s)"
    r"(?:olha|olhe|mas|porem|so\s+que|entretanto|contudo|alias|enfim|inclusive|"
    r"e\s+outra|tipo\s+assim|but|look|anyway|however|btw)\b(?!\s*[?!])|"
    # "pago amanhã e para de me mandar msg": a promise, then an opt-out
    r"(?<=\s)(?:e|and)\s+(?=(?:para|pare|parem|parar|stop|quit)\s+(?:de\s+|with\s+)?"
    r"(?:me\s+)?(?:mandar|manda|cobrar|encher|ligar|texting|messaging|sending|calling)\b)"
)
_ONLY_MARKER = re.compile(
    r"^\W*(?:olha|olhe|mas|porem|so que|enfim|alias|ah|entao|bom|bem|tipo|e|"
    r"but|look|anyway|well|so|and|also|btw|ok so|"
    # "hold on, stop, how much do i owe?": the stop belongs to the pause, not a stop request
    r"hold on|wait|pera|perai|espera|calma)\W*$"
)
_WORD = re.compile(r"[^\W\d_]{2,}|\d")


def _cuts(folded: str) -> list[int]:
    """Offsets where a new part may start (sorted, without 0)."""
    cuts: set[int] = set()
    for m in _HARD.finditer(folded):
        cuts.add(m.end())
    for m in _COMMA.finditer(folded):
        cuts.add(m.end())
    for m in _MARKERS.finditer(folded):
        cuts.add(m.start())
    return sorted(c for c in cuts if 0 < c < len(folded))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_clauses(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each clause of ``text``, in order; never raises.

    The spans do not overlap, hold no leading or trailing whitespace, and together with
    the whitespace between them cover the whole text. A text without a boundary is one
    clause; a blank text has none.
    """
    try:
        return _split(text)
    except Exception:  # noqa: BLE001 - understanding must never fail on odd input
        start, end = _trim(text, 0, len(text))
        return [(start, end)] if end > start else []


def _split(text: str) -> list[tuple[int, int]]:
    folded = fold(text)
    bounds = [0, *_cuts(folded), len(text)]
    pieces = [_trim(text, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    pieces = [(a, b) for a, b in pieces if b > a]
    merged: list[tuple[int, int]] = []
    pending: int | None = None  # start of a marker-only piece waiting for its clause
    for i, (start, end) in enumerate(pieces):
        piece = folded[start:end]
        last = i == len(pieces) - 1
        if pending is not None:
            start, pending = pending, None
        if _ONLY_MARKER.match(piece):
            if merged and last and pending is None:
                merged[-1] = (merged[-1][0], end)  # "..., anyway" ends the clause before it
                continue
            if not last:
                pending = start  # "olha," joins what follows
                continue
        if not _WORD.search(piece) and merged:
            merged[-1] = (merged[-1][0], end)  # "!!!", "😂", "..." stay with their clause
            continue
        merged.append((start, end))
    if pending is not None:
        merged.append(_trim(text, pending, len(text)))
    if len(merged) > MAX_CLAUSES:
        merged = [*merged[: MAX_CLAUSES - 1], (merged[MAX_CLAUSES - 1][0], merged[-1][1])]
    return _join_wordless_first(merged, folded)


def _join_wordless_first(spans: list[tuple[int, int]], folded: str) -> list[tuple[int, int]]:
    # a first part with no word ("👋", "...") belongs to the one after it
    if len(spans) > 1 and not _WORD.search(folded[spans[0][0] : spans[0][1]]):
        return [(spans[0][0], spans[1][1]), *spans[2:]]
    return spans
