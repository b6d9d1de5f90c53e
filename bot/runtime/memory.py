"""In-process locks, de-duplication and live updates for the embedded (one process) mode."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.runtime.ports import Turn


class MemoryLockManager:
    """Per-name asyncio locks (FIFO), dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, name: str, *, wait_seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        self._users[name] += 1
        try:
            async with asyncio.timeout(wait_seconds):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[name] -= 1
            if self._users[name] == 0:
                self._locks.pop(name, None)
                self._users.pop(name, None)

    @asynccontextmanager
    async def take_or_note(self, name: str, *, wait_seconds: float = 30.0) -> AsyncIterator[Turn]:
        """One process: waiting costs nothing (FIFO asyncio lock), so it simply waits."""
        async with self.hold(name, wait_seconds=wait_seconds):
            yield Turn(held=True)


class MemoryDeduper:
    """Keys seen within their TTL, bounded and O(1) per message.

    Keys are kept in insertion order (an ``OrderedDict``), so expired ones are dropped from the
    front a few at a time instead of rebuilding the whole map on the event loop; past
    ``max_keys`` the oldest are evicted (a redelivery older than that many messages is
    treated as new, the same trade-off as Redis's ``maxmemory``).
    """

    def __init__(
        self, *, max_keys: int = 200_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._seen)

    async def first_time(self, key: str, *, ttl_seconds: int = 86400) -> bool:
        now = self._clock()
        self._expire(now)
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        self._seen[key] = now + ttl_seconds
        self._seen.move_to_end(key)
        while len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        return True

    async def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    def _expire(self, now: float, *, at_most: int = 64) -> None:
        """Drop expired keys from the front; bounded work per call keeps each message O(1)."""
        for _ in range(at_most):
            if not self._seen:
                return
            key, expires = next(iter(self._seen.items()))
            if expires > now:
                return
            del self._seen[key]


class MemoryLiveUpdates:
    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[dict[str, object]]]] = defaultdict(set)

    async def publish(self, topic: str, data: dict[str, object]) -> None:
        for queue in list(self._queues.get(topic, ())):
            queue.put_nowait(data)

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, object]]:
        queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
        self._queues[topic].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[topic].discard(queue)
