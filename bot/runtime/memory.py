"""In-process locks, de-duplication and live updates for the embedded (one process) mode."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


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


class MemoryDeduper:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    async def first_time(self, key: str, *, ttl_seconds: int = 86400) -> bool:
        now = time.monotonic()
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        self._seen[key] = now + ttl_seconds
        if len(self._seen) > 100_000:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
        return True

    async def forget(self, key: str) -> None:
        self._seen.pop(key, None)


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
