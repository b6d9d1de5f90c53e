"""A delivery whose turn keeps failing: retried, then marked failed without holding the chat,
and kept as a dead letter that managers see."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.core.clock import FixedClock
from bot.core.domain import InboundMessage
from bot.runtime.dbwork import SerialDatabaseWork
from bot.runtime.inbox import DONE, FAILED, MAX_ATTEMPTS, PENDING, Finish, InboxWorkers
from bot.runtime.memory import MemoryLockManager
from bot.runtime.wiring import chat_lock
from bot.store import deadletters
from bot.store.db import fresh_sqlite, make_engine, make_sessionmaker, transaction
from bot.store.tables import InboxDelivery

CLOCK = FixedClock(datetime(2026, 12, 4, 13, 0, tzinfo=UTC))


def _message(provider_id: str, text: str) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp",
        address="+5511990000001",
        provider_id=provider_id,
        text=text,
        received_at=CLOCK.now(),
    )


async def test_a_turn_that_keeps_failing_becomes_a_dead_letter(tmp_path: Path) -> None:
    engine = make_engine(fresh_sqlite(tmp_path / "inbox.db"))
    db = make_sessionmaker(engine)
    turned: list[str] = []

    async def turn(msg: InboundMessage, finish: Finish) -> bool:
        if msg.text == "quebra":
            raise ValueError("the dialogue tripped on this message")
        turned.append(msg.text)
        return False  # nothing committed here: the inbox marks the row itself

    work = SerialDatabaseWork()
    inbox = InboxWorkers(db, MemoryLockManager(), CLOCK, turn, chat_lock, work)
    try:
        assert await inbox.accept(_message("SM1", "quebra"))
        await inbox.idle()
        for attempt in range(2, MAX_ATTEMPTS + 1):
            with transaction(db) as session:
                row = session.scalars(select(InboxDelivery)).one()
                assert (row.status, row.attempts) == (PENDING, attempt - 1)
                assert deadletters.count(session) == 0  # not before the last attempt
            await inbox.sweep()  # as the periodic sweep does
            await inbox.idle()
        assert await inbox.accept(_message("SM2", "vou pagar sexta"))
        await inbox.idle()
    finally:
        await inbox.stop()
        work.close()
    with transaction(db) as session:
        rows = {r.provider_id: r for r in session.scalars(select(InboxDelivery))}
        assert (rows["SM1"].status, rows["SM1"].attempts) == (FAILED, MAX_ATTEMPTS)
        assert rows["SM1"].error == "ValueError"
        assert rows["SM2"].status == DONE  # the chat goes on after the failed one
        [parked] = deadletters.recent(session)
        assert (parked.channel, parked.provider_id) == ("whatsapp", "SM1")
        assert parked.error.startswith("ValueError")
        assert '"quebra"' in parked.payload  # the message is kept for a person to read
    assert turned == ["vou pagar sexta"]
    engine.dispose()
