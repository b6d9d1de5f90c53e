"""Redis-backed locks, de-duplication and live updates, for several processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from bot.runtime import keys


class RedisLockManager:
    """Redis's atomic lock (SET NX PX with a token; release by Lua compare-and-delete)."""

    def __init__(self, client: Redis, *, lease_seconds: float = 60.0) -> None:
        self._client = client
        self._lease = lease_seconds

    @asynccontextmanager
    async def hold(self, name: str, *, wait_seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self._client.lock(
            keys.lock(name), timeout=self._lease, blocking_timeout=wait_seconds, sleep=0.01
        )
        if not await lock.acquire():
            raise TimeoutError(f"could not take lock {name!r} within {wait_seconds}s")
        try:
            yield
        finally:
            # a lease that expired is harmless: the work is already committed
            with suppress(LockError):
                await lock.release()


class RedisDeduper:
    def __init__(self, client: Redis) -> None:
        self._client = client

    async def first_time(self, key: str, *, ttl_seconds: int = 86400) -> bool:
        try:
            return bool(await self._client.set(keys.dedupe(key), "1", nx=True, ex=ttl_seconds))
        except RedisError:
            # Redis is away for a moment: the database's unique constraint still guards.
            return True

    async def forget(self, key: str) -> None:
        with suppress(RedisError):
            await self._client.delete(keys.dedupe(key))


class RedisLiveUpdates:
    def __init__(self, client: Redis) -> None:
        self._client = client

    async def publish(self, topic: str, data: dict[str, object]) -> None:
        # live updates are a convenience; the console also refreshes on load
        with suppress(RedisError):
            await self._client.publish(keys.live(topic), json.dumps(data, default=str))

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, object]]:
        pubsub = self._client.pubsub()
        await pubsub.subscribe(keys.live(topic))
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    await asyncio.sleep(0)
                    continue
                yield json.loads(message["data"])
        finally:
            await pubsub.unsubscribe(keys.live(topic))
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
