"""Every limit of one send reserved at once: the longest wait, the same in memory and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

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


@pytest.mark.redis
async def test_redis_sends_of_one_moment_share_a_round_trip(redis_server_url: str) -> None:
    """Sends started together reserve in one script call, with the waits they would have got
    one after the other (a key they share is reserved in their order)."""
    client = Redis.from_url(redis_server_url)
    calls: list[int] = []
    real_evalsha = client.evalsha

    async def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return await real_evalsha(*args, **kwargs)  # type: ignore[arg-type]

    client.evalsha = counted  # type: ignore[method-assign]
    tag = uuid.uuid4().hex[:12]
    sender = f"test-sender-{tag}"
    try:
        together = RedisRateLimiter(client, CLOCK)
        sends = [[(sender, 10.0, 2), (f"test-chat-{tag}-{n % 3}", 1.0, 1)] for n in range(6)]
        waits = await asyncio.gather(*(together.reserve_all(limits) for limits in sends))
        assert len(calls) == 1
        # the sender's burst of two, then 0.1 s apart; each chat's second send a second later
        assert waits == pytest.approx([0.0, 0.0, 0.1, 1.0, 1.0, 1.0])
        memory = MemoryRateLimiter(CLOCK)
        expected = [await memory.reserve_all(limits) for limits in sends]
        assert waits == pytest.approx(expected)
        # after the moment, the next send goes alone and sees what the batch reserved
        assert await together.reserve_all(sends[0]) == pytest.approx(2.0)
        assert await memory.reserve_all(sends[0]) == pytest.approx(2.0)
        assert len(calls) == 2
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_redis_away_fails_every_send_of_the_moment() -> None:
    client = Redis.from_url("redis://127.0.0.1:18139/0", socket_connect_timeout=0.5)
    try:
        limiter = RedisRateLimiter(client, CLOCK)
        results = await asyncio.gather(
            *(limiter.reserve_all([(f"k{n}", 1.0, 1)]) for n in range(3)),
            return_exceptions=True,
        )
        assert all(isinstance(r, RedisError) for r in results), results
    finally:
        await client.aclose()
