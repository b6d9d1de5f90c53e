"""SQLite's database thread keeps one connection (``keep_connection``): every unit of work on
that thread uses it, each still its own transaction, committed or rolled back as before."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from bot.store.db import (
    keep_connection,
    make_engine,
    make_sessionmaker,
    plain_transaction,
    transaction,
    upgrade,
)
from bot.store.tables import Contact

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def _contact(n: int) -> Contact:
    return Contact(channel="whatsapp", address=f"+55119000000{n:02d}", created_at=NOW)


def _on_a_thread(work: Any) -> Any:
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # handed back to the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _fails(db: Any) -> None:
    with transaction(db) as session:
        session.add(_contact(2))
        session.flush()
        raise RuntimeError("the turn failed")


def test_one_connection_each_transaction_its_own(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    db = make_sessionmaker(engine)
    other = make_sessionmaker(make_engine(sqlite_url))

    def work() -> list[int]:
        keep_connection(engine)
        try:
            seen = []
            with transaction(db) as session:
                session.add(_contact(1))
                seen.append(id(session.connection().connection.driver_connection))
            with pytest.raises(RuntimeError):
                _fails(db)
            with plain_transaction(db) as connection:
                seen.append(id(connection.connection.driver_connection))
                connection.execute(
                    Contact.__table__.insert().values(
                        channel="whatsapp", address="+5511900000003", created_at=NOW
                    )
                )
            with transaction(other) as session:  # another database's: not the kept one
                seen.append(id(session.connection().connection.driver_connection))
            return seen
        finally:
            keep_connection(None)

    kept, plain, elsewhere = _on_a_thread(work)
    assert kept == plain != elsewhere
    with other() as session:  # what was committed is there; the failed one is not
        addresses = set(session.scalars(select(Contact.address)))
    assert addresses == {"+5511900000001", "+5511900000003"}


def test_other_threads_and_a_stopped_keep_take_pooled_connections(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    db = make_sessionmaker(engine)
    checkouts: list[int] = []
    event.listen(engine, "checkout", lambda *_: checkouts.append(1))

    def units() -> None:
        for _ in range(3):
            with transaction(db) as session:
                session.execute(text("select 1"))

    def kept_then_stopped() -> tuple[int, int]:
        keep_connection(engine)
        units()
        kept = len(checkouts)
        keep_connection(None)  # gives it back to the pool
        units()
        return kept, len(checkouts) - kept

    assert _on_a_thread(kept_then_stopped) == (1, 3)
    before = len(checkouts)
    units()  # this thread keeps nothing
    assert len(checkouts) - before == 3
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
