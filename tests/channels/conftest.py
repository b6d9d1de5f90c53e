"""Fixtures for the channel tests: stand-in servers, a fake clock and a fake sleep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from standins import TelegramStandIn, TwilioStandIn

from bot.core.clock import FixedClock

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.fixture
def telegram_api() -> Iterator[TelegramStandIn]:
    server = TelegramStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def twilio_api() -> Iterator[TwilioStandIn]:
    server = TwilioStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


class FakeSleep:
    """Moves the fake clock instead of waiting; remembers every pause."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def fake_sleep(clock: FixedClock) -> FakeSleep:
    return FakeSleep(clock)
