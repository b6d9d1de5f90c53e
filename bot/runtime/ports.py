"""Small ports the runtime depends on: locks, de-duplication, live updates, channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.channels.base import Channel, SendError


@dataclass
class Turn:
    """``LockManager.take_or_note``'s answer: ``held`` when the lock is ours; ``again`` (set
    when it is let go) when another process noted work for it while we held it."""

    held: bool
    again: bool = False


class LockManager(Protocol):
    def hold(self, name: str, *, wait_seconds: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold the named lock (one conversation at a time, across processes)."""
        ...

    def take_or_note(
        self, name: str, *, wait_seconds: float = 30.0
    ) -> AbstractAsyncContextManager[Turn]:
        """Hold the lock, or, when another ``take_or_note`` holds it, leave a note instead of
        waiting: its holder looks again before it ends (``Turn.again``). Held by ``hold``, it
        is waited for as ``hold``. For work any holder can do (a chat's pending deliveries)."""
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
__all__ = ["Channel", "Deduper", "LiveUpdates", "LockManager", "SendError", "Turn"]
