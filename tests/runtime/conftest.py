"""A whole in-process runtime on a temporary database, with recording channels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels.recording import RecordingChannel
from bot.config import load_settings
from bot.core.clock import FixedClock
from bot.core.parse import Interpreter
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import fresh_sqlite, upgrade

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday


@pytest.fixture(scope="session")
def interpreter() -> Interpreter:
    from bot.nlu import build_interpreter

    return build_interpreter(load_settings(environ={}))


RuntimeFactory = Callable[..., Any]


@pytest.fixture
async def make_runtime(tmp_path: Path, interpreter: Interpreter) -> AsyncIterator[RuntimeFactory]:
    made: list[Runtime] = []

    async def factory(
        *,
        database_url: str | None = None,
        redis_url: str | None = None,
        overrides: dict[str, Any] | None = None,
        now: datetime = NOW,
    ) -> Runtime:
        settings = load_settings(
            overrides={
                "database_url": database_url or fresh_sqlite(tmp_path / "rt.db"),
                "redis_url": redis_url,
                "identity_check": "none",
                **(overrides or {}),
            },
            environ={},
        )
        if database_url:
            upgrade(settings.database_url)
        channels = {name: RecordingChannel(name) for name in ("whatsapp", "telegram", "sms")}
        runtime = build_runtime(
            settings,
            clock=FixedClock(now),
            channels=dict(channels),  # type: ignore[arg-type]
            interpreter=interpreter,
        )
        try:
            await runtime.start(background=False)
        except BaseException:
            await runtime.stop()
            runtime.engine.dispose()
            raise
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        await runtime.stop()
        runtime.engine.dispose()
