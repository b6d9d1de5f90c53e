"""Two processes' inbox workers on one chat (shared database and Redis): every delivery gets
exactly one turn, in the order it arrived, whichever process stored it. The process that
finds the chat taken leaves its holder a note instead of waiting (``take_or_note``)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from bot.core.clock import FixedClock
from bot.core.domain import InboundMessage
from bot.runtime.dbwork import ThreadedDatabaseWork
from bot.runtime.inbox import DONE, Finish, InboxWorkers
from bot.runtime.redis_backends import RedisLockManager
from bot.runtime.wiring import chat_lock
from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.tables import InboxDelivery

CLOCK = FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))

pytestmark = pytest.mark.redis


async def test_two_processes_turn_each_delivery_once_in_order(
    sqlite_url: str, redis_server_url: str
) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    db = make_sessionmaker(engine)
    client = Redis.from_url(redis_server_url)
    address = f"+5511{uuid.uuid4().int % 10**9:09d}"  # a chat no other run shares
    turned: list[str] = []
    gate = asyncio.Event()

    async def turn(msg: InboundMessage, finish: Finish) -> bool:
        await gate.wait()  # the first turn lasts until every delivery is stored
        turned.append(msg.provider_id)
        return False  # no transaction of its own: the inbox marks the row

    works = [ThreadedDatabaseWork(), ThreadedDatabaseWork()]
    processes = [
        InboxWorkers(db, RedisLockManager(client), CLOCK, turn, chat_lock, work) for work in works
    ]
    try:
        ids = [f"SM{i:03d}" for i in range(30)]
        for i, provider_id in enumerate(ids):
            msg = InboundMessage(
                channel="whatsapp",
                address=address,
                provider_id=provider_id,
                text=f"message {i}",
                received_at=CLOCK.now() + timedelta(seconds=i),
            )
            assert await processes[min(i, 1)].accept(msg)  # the first here, the rest there
        # the second process found the chat taken: it left a note and did not wait
        async with asyncio.timeout(20):
            await processes[1].idle()
        gate.set()
        # no sweep: a note left for the other process is what brings each row to a turn
        async with asyncio.timeout(20):
            while any(p._running for p in processes):
                await asyncio.gather(*(p.idle() for p in processes))
        with transaction(db) as session:
            statuses = session.scalars(
                select(InboxDelivery.status).where(InboxDelivery.address == address)
            ).all()
        assert statuses == [DONE] * len(ids)
        assert turned == ids
    finally:
        for p in processes:
            await p.stop()
        for work in works:
            work.close()
        await client.aclose()
        engine.dispose()
