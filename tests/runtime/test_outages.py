"""PostgreSQL and Redis going away for a moment lose nothing (real servers)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis
from sqlalchemy import func, select, text

from bot.core.domain import InboundMessage
from bot.store.tables import Message
from tests.runtime.support import add_debtor

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


RUN = uuid.uuid4().hex[:8]  # Redis outlives a test run: keep provider ids unique


def message(runtime: Any, body: str, pid: str) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp",
        address="+5511990000001",
        provider_id=f"{pid}-{RUN}",
        text=body,
        received_at=runtime.clock.now(),
    )


async def test_a_dropped_database_connection_is_replaced(
    make_runtime: Any, postgres_server_url: str
) -> None:
    runtime = await make_runtime(database_url=postgres_server_url)
    add_debtor(runtime)
    assert await runtime.inbound.receive(message(runtime, "oi", "PG1"))
    database = postgres_server_url.rsplit("/", 1)[1]
    admin = runtime.engine.url.set(database="postgres")
    from bot.store.db import make_engine

    killer = make_engine(admin.render_as_string(hide_password=False))
    others = "FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
    with killer.begin() as conn:
        killed = conn.execute(
            text(f"SELECT count(pg_terminate_backend(pid)) {others}"), {"db": database}
        ).scalar()
    # the terminations are requests: wait until those backends have really gone (each look
    # its own transaction: within one, pg_stat_activity is a snapshot)
    for _ in range(1000):
        with killer.connect() as conn:
            left = conn.execute(text(f"SELECT count(*) {others}"), {"db": database}).scalar()
        if not left:
            break
        await asyncio.sleep(0.01)
    killer.dispose()
    assert killed >= 1  # the runtime's pooled connections really went away
    assert await runtime.inbound.receive(message(runtime, "quanto eu devo?", "PG2"))
    stored = runtime.in_transaction(
        lambda s: s.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
    )
    assert stored == 2


async def test_redis_connections_killed_between_messages(
    make_runtime: Any, redis_server_url: str
) -> None:
    runtime = await make_runtime(redis_url=redis_server_url)
    add_debtor(runtime)
    assert await runtime.inbound.receive(message(runtime, "oi", "RD1"))
    admin = redis.Redis.from_url(redis_server_url)
    try:
        admin.client_kill_filter(_type="normal", skipme=True)
    finally:
        admin.close()
    assert await runtime.inbound.receive(message(runtime, "quanto eu devo?", "RD2"))
    # the same delivery again is still recognised as a duplicate
    assert await runtime.inbound.receive(message(runtime, "quanto eu devo?", "RD2")) is False


async def test_redis_unreachable_still_dedupes_through_the_database(make_runtime: Any) -> None:
    """Redis going away after start: the unique constraint on (channel, provider id) is the
    last guard against a duplicate delivery."""
    from redis.asyncio import Redis

    from bot.runtime.redis_backends import RedisDeduper

    runtime = await make_runtime()
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    runtime.deduper = RedisDeduper(away)
    add_debtor(runtime)
    try:
        assert await runtime.inbound.receive(message(runtime, "oi", "NR1"))
        assert await runtime.inbound.receive(message(runtime, "oi", "NR1")) is False
    finally:
        await away.aclose()


async def test_start_up_fails_loudly_when_the_configured_redis_is_away(make_runtime: Any) -> None:
    with pytest.raises(RuntimeError, match="Redis cannot be reached"):
        await make_runtime(redis_url="redis://127.0.0.1:1/0")
