"""Polling mode: a small loop over ``getUpdates`` feeding the runtime (local use)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_parse import MalformedUpdate, callback_query_id, parse_update
from bot.core.domain import InboundMessage

log = logging.getLogger(__name__)

Receive = Callable[[InboundMessage], Awaitable[object]]
Sleep = Callable[[float], Awaitable[None]]


class TelegramPoller:
    """Reads updates and hands each to ``receive``; the offset moves only once handled.

    A crash between handling and the next ``getUpdates`` redelivers updates; the runtime's
    de-duplication by ``update_id`` makes that harmless.
    """

    def __init__(
        self,
        channel: TelegramChannel,
        receive: Receive,
        *,
        timeout: int = 25,
        now: Callable[[], datetime] | None = None,
        sleep: Sleep = asyncio.sleep,
        error_backoff: float = 2.0,
    ) -> None:
        self._channel = channel
        self._receive = receive
        self._timeout = timeout
        self._now = now or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._error_backoff = error_backoff
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def poll_once(self) -> int:
        """One ``getUpdates`` round; returns how many updates were handled."""
        updates = await self._channel.get_updates(offset=self._offset, poll_seconds=self._timeout)
        for payload in updates:
            await self.handle(payload)
            self._offset = int(payload["update_id"]) + 1
        return len(updates)

    async def handle(self, payload: dict[str, Any]) -> None:
        query_id = callback_query_id(payload)
        if query_id is not None:
            await self._channel.answer_callback(query_id)
        try:
            messages = parse_update(payload, now=self._now())
        except MalformedUpdate as exc:
            log.warning("telegram update skipped", extra={"error": str(exc)})
            return
        for message in messages:
            await self._receive(message)

    async def run(self) -> None:
        """Poll until cancelled; errors are logged and retried after a pause."""
        await self._channel.delete_webhook()  # getUpdates is refused while a webhook is set
        failures = 0
        while True:
            try:
                await self.poll_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(self._error_backoff * 2 ** (failures - 1), 60.0)
                log.warning(
                    "telegram polling failed", extra={"error": str(exc), "retry_in": delay}
                )
                await self._sleep(delay)

    def start(self) -> asyncio.Task[None]:
        """Run in a background task (``stop`` cancels it)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="telegram-poller")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
