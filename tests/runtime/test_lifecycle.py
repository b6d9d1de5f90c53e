"""What `quita serve` starts: the embedded scheduler is the one tests/cadence exercises."""

from __future__ import annotations

from pathlib import Path

from bot.cadence.scheduler import EmbeddedScheduler
from bot.channels.base import InboundSink, StartableChannel
from bot.channels.recording import RecordingChannel
from bot.config import load_settings
from bot.core.parse import Interpreter
from bot.runtime.service import build_runtime
from bot.store.db import fresh_sqlite


async def test_serve_runs_the_embedded_scheduler_without_redis(
    tmp_path: Path, interpreter: Interpreter
) -> None:
    settings = load_settings(
        overrides={"database_url": fresh_sqlite(tmp_path / "rt.db"), "redis_url": None},
        environ={},
    )
    runtime = build_runtime(
        settings,
        channels={"whatsapp": RecordingChannel("whatsapp")},  # type: ignore[dict-item]
        interpreter=interpreter,
    )
    try:
        await runtime.start(background=True)
        scheduler = runtime._scheduler
        assert isinstance(scheduler, EmbeddedScheduler)
        assert scheduler.running
        assert scheduler.interval_seconds == settings.cadence.interval_seconds
        report = await scheduler.run_once()  # a whole pass, housekeeping first
        assert report.errors == 0  # type: ignore[attr-defined]
    finally:
        await runtime.stop()
        runtime.engine.dispose()
    assert runtime._scheduler is None


class PollingChannel(RecordingChannel):
    """A channel that fetches its own messages: started and stopped by the runtime."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.inboxes: list[InboundSink] = []
        self.stops = 0

    async def start(self, inbox: InboundSink) -> None:
        self.inboxes.append(inbox)

    async def stop(self) -> None:
        self.stops += 1


async def test_the_runtime_starts_and_stops_every_startable_channel_once(
    tmp_path: Path, interpreter: Interpreter
) -> None:
    settings = load_settings(
        overrides={"database_url": fresh_sqlite(tmp_path / "rt.db"), "redis_url": None},
        environ={},
    )
    polling = PollingChannel("whatsapp")
    runtime = build_runtime(
        settings,
        # one object behind two names (as one Twilio client serves two) is started once
        channels={"whatsapp": polling, "sms": polling, "web": RecordingChannel("web")},  # type: ignore[dict-item]
        interpreter=interpreter,
    )
    assert isinstance(polling, StartableChannel)
    assert not isinstance(RecordingChannel("web"), StartableChannel)
    try:
        await runtime.start(background=True)
        assert len(polling.inboxes) == 1
        inbox = polling.inboxes[0]
        # what it fetches goes through the same turn (lock, dedupe) as a webhook's
        assert inbox.receive == runtime.inbound.receive
        assert inbox.now == runtime.clock.now
    finally:
        await runtime.stop()
        runtime.engine.dispose()
    assert polling.stops == 1
