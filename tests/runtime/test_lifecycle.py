"""What `quita serve` starts: the embedded scheduler is the one tests/cadence exercises."""

from __future__ import annotations

from pathlib import Path

from bot.cadence.scheduler import EmbeddedScheduler
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
