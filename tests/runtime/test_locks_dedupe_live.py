"""One contract for locks, de-duplication and live updates: in memory and on the real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.runtime import keys
from bot.runtime.memory import MemoryDeduper, MemoryLiveUpdates, MemoryLockManager
from bot.runtime.redis_backends import RedisDeduper, RedisLiveUpdates, RedisLockManager

UNREACHABLE = "redis://127.0.0.1:1/0"


@dataclass
class Backend:
    name: str
    locks: Any
    deduper: Any
    live: Any
    client: Redis | None = None


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield Backend("memory", MemoryLockManager(), MemoryDeduper(), MemoryLiveUpdates())
        return
    client = Redis.from_url(request.getfixturevalue("redis_server_url"))
    try:
        yield Backend(
            "redis",
            RedisLockManager(client, lease_seconds=10),
            RedisDeduper(client),
            RedisLiveUpdates(client),
            client,
        )
    finally:
        await client.aclose()


def unique(prefix: str) -> str:
    """Names no other test (or test run sharing the Redis) uses."""
    return f"test-{prefix}-{uuid.uuid4().hex[:12]}"


# --- locks -----------------------------------------------------------------------------------


async def test_hold_serialises_the_same_name(backend: Backend) -> None:
    name = unique("conv")
    inside = 0
    most_inside = 0
    order: list[str] = []

    async def turn(label: str) -> None:
        nonlocal inside, most_inside
        async with backend.locks.hold(name, wait_seconds=5):
            inside += 1
            most_inside = max(most_inside, inside)
            order.append(f"{label} in")
            await asyncio.sleep(0.05)
            order.append(f"{label} out")
            inside -= 1

    async with asyncio.timeout(5):
        await asyncio.gather(turn("a"), turn("b"), turn("c"))
    assert most_inside == 1
    assert [entry.split()[1] for entry in order] == ["in", "out"] * 3


async def test_hold_does_not_serialise_different_names(backend: Backend) -> None:
    first_inside = asyncio.Event()
    second_inside = asyncio.Event()

    async def first() -> None:
        async with backend.locks.hold(unique("x"), wait_seconds=1):
            first_inside.set()
            await second_inside.wait()  # would deadlock if the names shared a lock

    async def second() -> None:
        await first_inside.wait()
        async with backend.locks.hold(unique("y"), wait_seconds=1):
            second_inside.set()

    async with asyncio.timeout(3):
        await asyncio.gather(first(), second())


async def test_hold_times_out_then_frees(backend: Backend) -> None:
    name = unique("busy")
    taken = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with backend.locks.hold(name):
            taken.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await taken.wait()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with backend.locks.hold(name, wait_seconds=0.2):
            pytest.fail("the lock was taken twice")
    assert 0.15 <= time.monotonic() - started < 2
    release.set()
    await task
    async with asyncio.timeout(2), backend.locks.hold(name, wait_seconds=1):
        pass


async def test_an_error_inside_releases_the_lock(backend: Backend) -> None:
    name = unique("err")
    with pytest.raises(RuntimeError, match="boom"):
        async with backend.locks.hold(name):
            raise RuntimeError("boom")
    async with asyncio.timeout(2), backend.locks.hold(name, wait_seconds=0.5):
        pass
    if backend.client is not None:
        assert await backend.client.exists(keys.lock(name)) == 0
    else:
        assert backend.locks._locks == {}  # nothing kept for names nobody holds


# --- de-duplication --------------------------------------------------------------------------


@pytest.mark.redis
async def test_take_or_note_leaves_a_note_instead_of_waiting(redis_server_url: str) -> None:
    """A second taker (another process) does not wait: it notes work, and the holder hears
    of it when it lets go; the note is taken with it."""
    client = Redis.from_url(redis_server_url)
    try:
        one, two = RedisLockManager(client), RedisLockManager(client)
        name = unique("chat")
        async with one.take_or_note(name) as first:
            assert first.held
            async with two.take_or_note(name) as second:
                assert not second.held
        assert first.again
        assert await client.exists(keys.lock(name), keys.note(name)) == 0
        async with one.take_or_note(name) as again:
            assert again.held
        assert not again.again  # no note this time
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_take_or_note_waits_for_a_plain_hold(redis_server_url: str) -> None:
    """A plain ``hold`` (an agent, a reminder) is never left a note: the taker waits."""
    client = Redis.from_url(redis_server_url)
    try:
        locks = RedisLockManager(client)
        name = unique("chat")
        order: list[str] = []
        held = asyncio.Event()

        async def agent() -> None:
            async with locks.hold(name):
                held.set()
                await asyncio.sleep(0.05)
                order.append("agent")

        task = asyncio.create_task(agent())
        await held.wait()
        async with locks.take_or_note(name, wait_seconds=5) as turn:
            assert turn.held
            order.append("inbox")
        await task
        assert order == ["agent", "inbox"]
        assert await client.exists(keys.note(name)) == 0
    finally:
        await client.aclose()


async def test_memory_take_or_note_holds_in_turn() -> None:
    """One process: the taker waits (in order) and is always the holder."""
    locks = MemoryLockManager()
    async with locks.take_or_note("c") as turn:
        assert turn.held
    assert not turn.again


async def test_first_time_is_true_once_and_forget_reenables(backend: Backend) -> None:
    key = unique("whatsapp:SM")
    other = unique("telegram:1")
    assert await backend.deduper.first_time(key)
    assert not await backend.deduper.first_time(key)
    assert not await backend.deduper.first_time(key)
    assert await backend.deduper.first_time(other)
    await backend.deduper.forget(key)
    assert await backend.deduper.first_time(key)
    assert not await backend.deduper.first_time(key)
    await backend.deduper.forget(unique("never-seen"))  # forgetting an unknown key is fine


async def test_first_time_under_concurrency_has_one_winner(backend: Backend) -> None:
    key = unique("race")
    results = await asyncio.gather(*(backend.deduper.first_time(key) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]


@pytest.mark.redis
async def test_redis_dedupe_keys_expire(redis_server_url: str) -> None:
    client = Redis.from_url(redis_server_url)
    try:
        key = unique("ttl")
        assert await RedisDeduper(client).first_time(key, ttl_seconds=600)
        assert 0 < await client.ttl(keys.dedupe(key)) <= 600
    finally:
        await client.aclose()


# --- live updates ----------------------------------------------------------------------------


async def first_message(live: Any, topic: str) -> tuple[AsyncIterator[Any], dict[str, Any]]:
    """Subscribe, publishing a probe until the subscription is live (it starts lazily)."""
    stream = live.subscribe(topic)
    receive = asyncio.create_task(anext(stream))
    async with asyncio.timeout(3):
        while not receive.done():
            await live.publish(topic, {"probe": True})
            await asyncio.sleep(0.02)
    return stream, receive.result()


async def test_publish_reaches_a_subscriber(backend: Backend) -> None:
    topic = unique("console")
    elsewhere = unique("other")
    stream, probe = await first_message(backend.live, topic)
    try:
        assert probe == {"probe": True}
        await backend.live.publish(elsewhere, {"n": -1})
        for n in range(3):
            await backend.live.publish(topic, {"n": n, "text": "olá", "conversation_id": 7})
        received = []
        async with asyncio.timeout(3):
            while len(received) < 3:
                message = await anext(stream)
                if message != {"probe": True}:
                    received.append(message)
        assert received == [{"n": n, "text": "olá", "conversation_id": 7} for n in range(3)]
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


async def test_publish_without_subscribers_is_fine(backend: Backend) -> None:
    await backend.live.publish(unique("nobody"), {"n": 1})


# --- Redis away ------------------------------------------------------------------------------


@pytest.fixture
async def unreachable() -> AsyncIterator[Redis]:
    client = Redis.from_url(UNREACHABLE, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        yield client
    finally:
        await client.aclose()


async def test_redis_deduper_lets_messages_through_when_redis_is_away(
    unreachable: Redis,
) -> None:
    deduper = RedisDeduper(unreachable)
    started = time.monotonic()
    assert await deduper.first_time("whatsapp:SM1")
    assert await deduper.first_time("whatsapp:SM1")  # the database's unique key still guards
    await deduper.forget("whatsapp:SM1")
    assert time.monotonic() - started < 5


async def test_redis_live_publish_survives_redis_away(unreachable: Redis) -> None:
    live = RedisLiveUpdates(unreachable)
    started = time.monotonic()
    for n in range(3):  # sent together in one pipeline, which fails: nothing raises
        await live.publish("console", {"n": n})
    await live.flush()
    assert time.monotonic() - started < 5
    await live.publish("console", {"n": 4})  # and the next ones still try
    await live.flush()


async def test_redis_locks_fail_loudly_when_redis_is_away(unreachable: Redis) -> None:
    with pytest.raises(RedisError):
        async with RedisLockManager(unreachable).hold("conv-1", wait_seconds=0.2):
            pytest.fail("a lock must never be assumed when Redis is away")
