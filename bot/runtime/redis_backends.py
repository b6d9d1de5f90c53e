"""Redis-backed locks, de-duplication and live updates, for several processes."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from bot.runtime import keys
from bot.runtime.ports import Turn

TAKER = "take:"  # the token prefix of a take_or_note holder: only those may be left a note

# take the lock (1); or, held by a take_or_note holder, note work for it (0); or held by a
# plain hold, nothing done (-1: wait for it). One script, so no note lands after its holder
# looked for notes and let go.
_TAKE_OR_NOTE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local holder = redis.call('get', KEYS[1])
if holder and string.sub(holder, 1, string.len(ARGV[3])) == ARGV[3] then
  redis.call('set', KEYS[2], '1', 'PX', ARGV[2])
  return 0
end
return -1
"""

# let go, and say whether a note was left meanwhile (taken with it); a lease that ran out
# (someone else holds it now) leaves the lock and the note to their holder
_LET_GO = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  return redis.call('del', KEYS[2])
end
return 0
"""


class RedisLockManager:
    """Redis's atomic lock (SET NX PX with a token; release by Lua compare-and-delete)."""

    def __init__(self, client: Redis, *, lease_seconds: float = 60.0) -> None:
        self._client = client
        self._lease = lease_seconds
        # EVALSHA: the scripts are sent once per connection, not with every call
        self._take = client.register_script(_TAKE_OR_NOTE)
        self._let_go = client.register_script(_LET_GO)

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

    @asynccontextmanager
    async def take_or_note(self, name: str, *, wait_seconds: float = 30.0) -> AsyncIterator[Turn]:
        """One round trip, no polling, when another process already works the chat: it is
        left a note and looks again before it lets go (``bot.runtime.inbox``)."""
        lock, note = keys.lock(name), keys.note(name)
        token = f"{TAKER}{uuid.uuid4().hex}"
        lease_ms = str(int(self._lease * 1000))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            taken = await self._take(keys=[lock, note], args=[token, lease_ms, TAKER])
            if int(taken) == 0:
                yield Turn(held=False)
                return
            if int(taken) == 1:
                break
            if loop.time() >= deadline:  # a plain ``hold`` keeps it
                raise TimeoutError(f"could not take lock {name!r} within {wait_seconds}s")
            await asyncio.sleep(0.01)
        turn = Turn(held=True)
        try:
            yield turn
        finally:
            turn.again = bool(await self._let_go(keys=[lock, note], args=[token]))


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
    """Live updates through Redis pub/sub. What is published in the same moment (the turns
    that end together) goes in one pipeline: one PUBLISH round trip per turn was a tenth of
    a web process's event loop under load."""

    MAX_WAITING = 10_000  # Redis away: the oldest updates go first (the console reloads)

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._waiting: list[tuple[str, str]] = []
        self._sending: asyncio.Task[None] | None = None

    async def publish(self, topic: str, data: dict[str, object]) -> None:
        # live updates are a convenience; the console also refreshes on load
        if len(self._waiting) >= self.MAX_WAITING:
            del self._waiting[0]
        self._waiting.append((keys.live(topic), json.dumps(data, default=str)))
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send())

    async def _send(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            with suppress(RedisError, OSError):
                async with self._client.pipeline(transaction=False) as pipe:
                    for channel, message in batch:
                        pipe.publish(channel, message)
                    await pipe.execute()

    async def flush(self) -> None:
        """Wait until what was published so far has gone (or failed)."""
        while self._sending is not None and not self._sending.done():
            await asyncio.shield(self._sending)

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
