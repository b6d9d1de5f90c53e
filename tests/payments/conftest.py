"""A runtime whose payments go through the stand-in Bacen API Pix (httpx MockTransport)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.channels.recording import RecordingChannel
from bot.config import load_settings
from bot.core.clock import FixedClock
from bot.core.parse import Interpreter
from bot.offers.book import load_offer_book
from bot.payments.pix_api import BacenPixApi
from bot.payments.provider import build_payment_provider
from bot.payments.standin import StandInPsp
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import fresh_sqlite

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday
WEBHOOK_SECRET = "pix-hook-0123456789abcdef"


@pytest.fixture(scope="session")
def interpreter() -> Interpreter:
    from bot.nlu import build_interpreter

    return build_interpreter(load_settings(environ={}))


def stand_in_api(psp: StandInPsp, sleeps: list[float] | None = None) -> BacenPixApi:
    client = httpx.Client(base_url="https://psp.test", transport=httpx.MockTransport(psp.handle))
    waits = sleeps if sleeps is not None else []
    return BacenPixApi(
        client, client_id=psp.client_id, client_secret=psp.client_secret, sleep=waits.append
    )


@dataclass
class PixStack:
    runtime: Runtime
    psp: StandInPsp
    channel: RecordingChannel
    clock: FixedClock


@pytest.fixture
async def stack(tmp_path: Path, interpreter: Interpreter) -> AsyncIterator[PixStack]:
    settings = load_settings(
        overrides={
            "database_url": fresh_sqlite(tmp_path / "pay.db"),
            "identity_check": "none",
            "payments": {"provider": "bacen_pix"},
        },
        environ={"PIX_WEBHOOK_SECRET": WEBHOOK_SECRET},
    )
    psp = StandInPsp()
    book = load_offer_book(Path(settings.offers.path))
    provider = build_payment_provider(settings, book, api=stand_in_api(psp))
    channel = RecordingChannel("whatsapp")
    clock = FixedClock(NOW)
    runtime = build_runtime(
        settings,
        clock=clock,
        channels={"whatsapp": channel},  # type: ignore[dict-item]
        interpreter=interpreter,
        book=book,
        payments=provider,
    )
    await runtime.start(background=False)
    try:
        yield PixStack(runtime, psp, channel, clock)
    finally:
        await runtime.stop()
        runtime.engine.dispose()
