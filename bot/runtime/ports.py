"""Small ports the runtime depends on: locks, de-duplication, live updates, channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.channels.base import Channel, SendError


class LockManager(Protocol):
    def hold(self, name: str, *, wait_seconds: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold the named lock (one conversation at a time, across processes)."""
        ...


class Deduper(Protocol):
    async def first_time(self, key: str, *, ttl_seconds: int = 86400) -> bool:
        """True the first time ``key`` is seen (Redis ``SET NX EX``)."""
        ...

    async def forget(self, key: str) -> None:
        """Let ``key`` be seen again (its delivery was not stored, so a retry must pass)."""
        ...


class LiveUpdates(Protocol):
    """Pushes "something changed in conversation N" to consoles (Redis pub/sub in prod)."""

    async def publish(self, topic: str, data: dict[str, object]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, object]]: ...


# the edge contract lives with the channels; named here for the core's convenience
__all__ = ["Channel", "Deduper", "LiveUpdates", "LockManager", "SendError"]
