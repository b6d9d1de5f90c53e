"""Rate limits as reservations (GCRA): ask for a slot, get how long to wait for it.

``MemoryRateLimiter`` for one process, ``RedisRateLimiter`` shared by every worker (an
atomic Lua script). Both take time from the injected clock so tests never sleep.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.clock import Clock
from bot.runtime import keys


class RateLimiter(Protocol):
    async def reserve(self, key: str, *, rate: float, burst: int = 1) -> float:
        """Take the next slot of ``key`` (``rate`` per second, bursts of ``burst``).

        Returns the seconds to wait before using it (0 when it is free now).
        """
        ...

    async def reserve_all(self, limits: Sequence[tuple[str, float, int]]) -> float:
        """A slot of each (key, rate, burst) at once; the longest of their waits."""
        ...


def _gcra(tat: float | None, now: float, rate: float, burst: int) -> tuple[float, float]:
    """(wait, new theoretical arrival time) for one reservation."""
    interval = 1.0 / rate
    tolerance = (max(burst, 1) - 1) * interval
    start = max(tat if tat is not None else now, now)
    return max(start - tolerance - now, 0.0), start + interval


class MemoryRateLimiter:
    """In-process token buckets (the embedded default)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}

    async def reserve(self, key: str, *, rate: float, burst: int = 1) -> float:
        if rate <= 0:
            return 0.0
        now = self._clock.now().timestamp()
        wait, self._tat[key] = _gcra(self._tat.get(key), now, rate, burst)
        return wait

    async def reserve_all(self, limits: Sequence[tuple[str, float, int]]) -> float:
        waits = [await self.reserve(key, rate=rate, burst=burst) for key, rate, burst in limits]
        return max(waits, default=0.0)


_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new), 'PX',
           math.ceil((new - now) * 1000) + 1000)
return string.format('%.6f', wait)
"""


# the sends of one moment in one round trip: for each send (a count of its keys, then each
# key's interval and tolerance) the reservation ``reserve`` makes per key, in order, and the
# longest wait of that send; a key two sends share is reserved twice, one after the other
_SCRIPT_MANY = """
local now = tonumber(ARGV[1])
local a, k = 2, 1
local waits = {}
while a <= #ARGV do
  local count = tonumber(ARGV[a])
  a = a + 1
  local longest = 0
  for _ = 1, count do
    local key = KEYS[k]
    local interval = tonumber(ARGV[a])
    local tolerance = tonumber(ARGV[a + 1])
    k, a = k + 1, a + 2
    local tat = tonumber(redis.call('GET', key) or ARGV[1])
    if tat < now then tat = now end
    local wait = tat - tolerance - now
    if wait > longest then longest = wait end
    local new = tat + interval
    redis.call('SET', key, string.format('%.6f', new), 'PX',
               math.ceil((new - now) * 1000) + 1000)
  end
  waits[#waits + 1] = string.format('%.6f', longest)
end
return waits
"""

_Limits = list[tuple[str, float, int]]


class RedisRateLimiter:
    """The same reservations in Redis, atomic across processes (production)."""

    def __init__(self, redis: Any, clock: Clock) -> None:
        """``redis`` is a ``redis.asyncio.Redis``."""
        self._redis = redis
        self._clock = clock
        self._script = redis.register_script(_SCRIPT)
        self._script_many = redis.register_script(_SCRIPT_MANY)
        self._batch: list[tuple[_Limits, asyncio.Future[float]]] = []
        self._sending: set[asyncio.Future[None]] = set()

    async def reserve(self, key: str, *, rate: float, burst: int = 1) -> float:
        if rate <= 0:
            return 0.0
        interval = 1.0 / rate
        tolerance = (max(burst, 1) - 1) * interval
        now = self._clock.now().timestamp()
        wait = await self._script(
            keys=[keys.rate(key)], args=[f"{now:.6f}", f"{interval:.6f}", f"{tolerance:.6f}"]
        )
        value = float(wait.decode() if isinstance(wait, bytes) else wait)
        return 0.0 if math.isnan(value) else value

    async def reserve_all(self, limits: Sequence[tuple[str, float, int]]) -> float:
        """Joined with the other sends of this moment: under load the sender starts many
        conversations' sends at once, and one script call per send was a round trip (and a
        twentieth of a web process's CPU) each."""
        limits = [limit for limit in limits if limit[1] > 0]
        if not limits:
            return 0.0
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[float] = loop.create_future()
        self._batch.append((limits, waiting))
        if len(self._batch) == 1:  # the first of this moment: the others join before it goes
            loop.call_soon(self._send_batch)
        return await waiting

    def _send_batch(self) -> None:
        batch, self._batch = self._batch, []
        task = asyncio.ensure_future(self._reserve_many(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _reserve_many(self, batch: list[tuple[_Limits, asyncio.Future[float]]]) -> None:
        keys_: list[str] = []
        args = [f"{self._clock.now().timestamp():.6f}"]
        for limits, _waiting in batch:
            args.append(str(len(limits)))
            for key, rate, burst in limits:
                interval = 1.0 / rate
                keys_.append(keys.rate(key))
                args += [f"{interval:.6f}", f"{(max(burst, 1) - 1) * interval:.6f}"]
        try:
            waits = await self._script_many(keys=keys_, args=args)
        except asyncio.CancelledError:
            for _limits, waiting in batch:
                waiting.cancel()
            raise
        except Exception as exc:  # every send of the batch hears it (Redis away, ...)
            for _limits, waiting in batch:
                if not waiting.done():
                    waiting.set_exception(exc)
            return
        for (_limits, waiting), wait in zip(batch, waits, strict=True):
            value = float(wait.decode() if isinstance(wait, bytes) else wait)
            if not waiting.done():  # its sender may have been cancelled meanwhile
                waiting.set_result(0.0 if math.isnan(value) else value)
