"""Fixtures for the sender tests: a fake clock and a sleep that only moves it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FixedClock
from tests.outbox.fakes import FakeSleep

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def fake_sleep(clock: FixedClock) -> FakeSleep:
    return FakeSleep(clock)
