"""Every limit of one send reserved at once: the longest wait, the same in memory and Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.core.clock import FixedClock
from bot.outbox.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

CLOCK = FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))


async def _check(limiter: RateLimiter) -> None:
    tag = uuid.uuid4().hex[:12]
    account, number = f"test-acct-{tag}", f"test-num-{tag}"
    limits = [(account, 10.0, 2), (number, 1.0, 1)]
    assert await limiter.reserve_all(limits) == pytest.approx(0.0)
    # the number allows one a second: the second send waits for it, not for the account
    assert await limiter.reserve_all(limits) == pytest.approx(1.0)
    # each key was reserved as ``reserve`` would: the account's burst of two is spent
    assert await limiter.reserve(account, rate=10.0, burst=2) == pytest.approx(0.1)
    assert await limiter.reserve_all([]) == 0.0
    assert await limiter.reserve_all([(f"test-free-{tag}", 0.0, 1)]) == 0.0


async def test_memory_reserve_all() -> None:
    await _check(MemoryRateLimiter(CLOCK))


@pytest.mark.redis
async def test_redis_reserve_all(redis_server_url: str) -> None:
    client = Redis.from_url(redis_server_url)
    try:
        await _check(RedisRateLimiter(client, CLOCK))
    finally:
        await client.aclose()
