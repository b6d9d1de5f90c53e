"""Fixtures for the channel tests: stand-in servers, a fake clock and a fake sleep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

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
