"""Test doubles for the sender: a sleep that moves a fake clock instead of waiting."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import FixedClock


class FakeSleep:
    """Moves the fake clock instead of waiting; remembers every pause."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
