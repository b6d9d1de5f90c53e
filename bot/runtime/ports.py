"""Small ports the runtime depends on: locks, de-duplication, live updates, channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.core.domain import OutboundMessage, SendResult


class LockManager(Protocol):
    def hold(self, name: str, *, wait_seconds: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold the named lock (one conversation at a time, across processes)."""
        ...


class Deduper(Protocol):
    async def first_time(self, key: str, *, ttl_seconds: int = 86400) -> bool:
        """True the first time ``key`` is seen (Redis ``SET NX EX``)."""
        ...


class LiveUpdates(Protocol):
    """Pushes "something changed in conversation N" to consoles (Redis pub/sub in prod)."""

    async def publish(self, topic: str, data: dict[str, object]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, object]]: ...


class SendError(Exception):
    """A send that failed. ``transient`` ones are retried with backoff."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.code = code


class Channel(Protocol):
    """A way to reach debtors. Parses its own webhooks (in its module) and sends."""

    name: str

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; raise ``SendError`` on failure (never return on failure)."""
        ...
