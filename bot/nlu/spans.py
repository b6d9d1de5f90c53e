"""A resolved span found by an extractor, before it becomes an ``Entity``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """``value`` found at ``text[start:end]`` (offsets of the original message)."""

    entity: str
    value: str | int
    start: int
    end: int
    role: str | None = None  # as Rasa's: "after" for a day that only bounds the one meant

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def keep_longest(spans: list[Span]) -> list[Span]:
    """Drop spans that overlap a longer (or earlier equally long) one."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if not any(span.overlaps(c) for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def free_of(span: Span, taken: list[Span]) -> bool:
    return not any(span.overlaps(t) for t in taken)
