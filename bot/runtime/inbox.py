"""Answer the webhook as soon as the delivery is stored; the turn runs after, in order per chat.

Before, the webhook ran the whole turn (NLU, dialogue, storage, outbox) before answering 200,
so the provider's connection (and its retry timer) waited on our slowest turn. Now:

1. ``store_delivery`` commits an ``inbox`` row (unique on channel and provider id: a
   redelivery is dropped here) and the webhook answers;
2. ``InboxWorkers.wake`` starts (or re-arms) the chat's worker, which holds the chat's lock
   and turns every pending row of that chat into a turn, oldest first, marking each done;
3. a crash after the 200 loses nothing: ``sweep`` (at start and every few seconds) wakes
   every chat that still has pending rows, in this process or any other.

Exactly once: a row is marked done in its turn's own transaction, so a turn and its "done"
commit together (and cost one commit, not two); the turn's unique (channel, provider_id) on
``messages`` still makes a second run of a committed turn a no-op.
A row whose turn keeps failing is marked ``failed`` after ``MAX_ATTEMPTS`` so it cannot hold
the chat's later messages; its message is kept as a dead letter (``bot.store.deadletters``),
where managers see it on the dashboard's dead-letters page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock, parse_iso
from bot.core.domain import InboundMessage, Media
from bot.runtime.dbwork import DatabaseWork
from bot.runtime.ports import LockManager
from bot.store import deadletters
from bot.store.coalesce import Coalescer
from bot.store.db import connection_for, plain_transaction, transaction
from bot.store.prepared import Prepared
from bot.store.tables import InboxDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ROWS_PER_HOLD = 20  # a chat's lock is let go now and then (its lease is finite)
PENDING, DONE, FAILED = "pending", "done", "failed"

# a turn gets its row's "done" mark to run in its own transaction (one commit for both);
# it returns True when that mark was committed with the turn, False when it was not run
# (a message set aside as a dead letter: the inbox marks it done on its own)
Finish = Callable[[Session], None]
Turn = Callable[[InboundMessage, Finish], Awaitable[bool]]
_Row = tuple[int, int, InboundMessage]  # (inbox id, attempts so far, the message)
LockName = Callable[[str, str], str]


def to_payload(msg: InboundMessage) -> dict[str, Any]:
    return {
        "text": msg.text,
        "received_at": msg.received_at.isoformat(),
        "media": [[m.kind, m.url, m.content_type] for m in msg.media],
        "button_payload": msg.button_payload,
        "contact_phone": msg.contact_phone,
        "start_token": msg.start_token,
        "profile_name": msg.profile_name,
    }


def from_row(channel: str, address: str, provider_id: str, data: Any) -> InboundMessage:
    """A stored delivery (its columns) as the message it carried."""
    return InboundMessage(
        channel=channel,
        address=address,
        provider_id=provider_id,
        text=str(data.get("text") or ""),
        received_at=parse_iso(str(data["received_at"])),
        media=tuple(Media(str(k), u, c) for k, u, c in data.get("media") or ()),
        button_payload=data.get("button_payload"),
        contact_phone=data.get("contact_phone"),
        start_token=data.get("start_token"),
        profile_name=data.get("profile_name"),
    )


def store_delivery(session: Session | Connection, msg: InboundMessage) -> bool:
    """Insert the delivery; False when the provider already delivered it."""
    values = {
        "channel": msg.channel,
        "address": msg.address,
        "provider_id": msg.provider_id,
        "payload": to_payload(msg),
        "status": PENDING,
        "attempts": 0,
        "received_at": msg.received_at,
    }
    connection = connection_for(session)
    # RETURNING, not rowcount: what a skipped row reports differs between drivers
    stmt = _store_statement(connection.dialect.name)
    return bool(stmt.rows(connection, values))


@functools.cache
def _store_statement(dialect: str) -> Prepared:
    """The delivery's ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``, built once per
    dialect: building it (ORM insert, values, cache key) cost more than running it."""
    table = cast(Table, InboxDelivery.__table__)
    columns = ("channel", "address", "provider_id", "payload", "status", "attempts")
    values: dict[str, Any] = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    values["received_at"] = bindparam("received_at", type_=table.c.received_at.type)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - the two supported databases are above
        raise RuntimeError(f"the inbox does not support {dialect}")
    return Prepared(stmt.returning(table.c.id))


def pending_for_chat(session: Session | Connection, channel: str, address: str) -> list[_Row]:
    """The chat's pending deliveries, oldest first (at most ``ROWS_PER_HOLD``)."""
    params = {"channel": channel, "address": address}
    return [
        (row_id, attempts, from_row(channel, address, provider_id, payload))
        for row_id, attempts, provider_id, payload in _PENDING.rows(
            connection_for(session), params
        )
    ]


_inbox = InboxDelivery.__table__.c
_PENDING = Prepared(
    select(_inbox.id, _inbox.attempts, _inbox.provider_id, _inbox.payload)
    .where(
        _inbox.channel == bindparam("channel"),
        _inbox.address == bindparam("address"),
        _inbox.status == PENDING,
    )
    .order_by(_inbox.id)
    .limit(ROWS_PER_HOLD)
)


def chats_with_pending(session: Session, limit: int = 1000) -> list[tuple[str, str]]:
    rows = session.execute(
        select(InboxDelivery.channel, InboxDelivery.address)
        .where(InboxDelivery.status == PENDING)
        .group_by(InboxDelivery.channel, InboxDelivery.address)
        .limit(limit)
    )
    return [(str(c), str(a)) for c, a in rows]


def finish(session: Session, row_id: int, status: str, now: datetime, error: str | None) -> None:
    finish_many(session, [(row_id, status, error)], now)


def finish_many(
    session: Session | Connection, rows: list[tuple[int, str, str | None]], now: datetime
) -> None:
    """Mark rows done or failed: one statement for any number of rows."""
    if not rows:
        return
    _finish_statement().run_many(
        connection_for(session),
        [
            {"row_id": r, "new_status": st, "new_error": e[:200] if e else None, "done_at": now}
            for r, st, e in rows
        ],
    )


@functools.cache
def _finish_statement() -> Prepared:
    table = InboxDelivery.__table__
    return Prepared(
        update(table)  # type: ignore[arg-type]  # Core, executemany
        .where(table.c.id == bindparam("row_id"))
        .values(
            status=bindparam("new_status"),
            processed_at=bindparam("done_at", type_=table.c.processed_at.type),
            error=bindparam("new_error"),
            attempts=table.c.attempts + 1,
        )
    )


class InboxWorkers:
    """One task per chat with pending deliveries; the chat's lock orders them across
    processes, the row ids within the chat."""

    def __init__(
        self,
        db: sessionmaker[Session],
        locks: LockManager,
        clock: Clock,
        turn: Turn,
        lock_name: LockName,
        dbwork: DatabaseWork,
    ) -> None:
        self._db = db
        self._locks = locks
        self._clock = clock
        self._turn = turn
        self._lock_name = lock_name
        self._dbwork = dbwork
        self._running: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._again: set[tuple[str, str]] = set()
        # the webhooks, chats and turns of a busy moment share their transactions
        self._store: Coalescer[InboundMessage, bool] = Coalescer(
            self._store_many, functools.partial(dbwork, urgent=True)
        )
        self._pending: Coalescer[tuple[str, str], list[_Row]] = Coalescer(
            self._pending_many, dbwork
        )
        self._finish: Coalescer[tuple[int, str, str | None], None] = Coalescer(
            self._finish_many, dbwork
        )

    async def accept(self, msg: InboundMessage) -> bool:
        """Store the delivery (committed when this returns) and wake its chat."""
        new = await self._store(msg)
        if new:
            self.wake(msg.channel, msg.address)
        return new

    def _store_many(self, messages: list[InboundMessage]) -> list[bool]:
        with plain_transaction(self._db) as connection:
            return [store_delivery(connection, msg) for msg in messages]

    def wake(self, channel: str, address: str) -> None:
        chat = (channel, address)
        task = self._running.get(chat)
        if task is not None and not task.done():
            self._again.add(chat)  # the running worker looks once more before it ends
            return
        self._running[chat] = asyncio.create_task(self._work(chat), name="quita-inbox-chat")

    async def idle(self) -> None:
        """Wait until every chat worker has finished (tests, shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def _work(self, chat: tuple[str, str]) -> None:
        try:
            while True:
                self._again.discard(chat)
                more = await self._one_hold(chat)
                if not more and chat not in self._again:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbox.chat_failed")  # the sweep tries the chat again
        finally:
            if self._running.get(chat) is asyncio.current_task():
                del self._running[chat]

    async def _one_hold(self, chat: tuple[str, str]) -> bool:
        """Under the chat's lock, run its pending deliveries; True when more may be left."""
        channel, address = chat
        # another process working this chat is left a note (it looks again before it lets
        # go) instead of being waited for: its turns and ours would only take turns
        async with self._locks.take_or_note(self._lock_name(channel, address)) as turn:
            if not turn.held:
                return False
            rows = await self._pending(chat)
            if not await self._run_rows(rows):
                return False  # later rows wait: the chat's order comes first (the sweep)
        return len(rows) >= ROWS_PER_HOLD or turn.again

    async def _run_rows(self, rows: list[_Row]) -> bool:
        """Turn each row, oldest first; False at the first that failed."""
        for row_id, attempts, msg in rows:
            try:
                finished = await self._turn(msg, functools.partial(self._done_in, row_id))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                status = FAILED if attempts + 1 >= MAX_ATTEMPTS else PENDING
                log.exception(
                    "inbox.turn_failed",
                    extra={"inbox_id": row_id, "attempt": attempts + 1, "status": status},
                )
                # the type only: a database error's text can quote the message and phone
                error = type(exc).__name__[:200]
                await self._finish((row_id, status, error))
                if status == FAILED:
                    await self._park(msg, exc)
                return False
            if not finished:
                await self._finish((row_id, DONE, None))
        return True

    def _done_in(self, row_id: int, session: Session) -> None:
        """The row's "done" mark, inside its turn's transaction."""
        finish_many(session, [(row_id, DONE, None)], self._clock.now())

    async def _park(self, msg: InboundMessage, error: BaseException) -> None:
        """A message no retry could turn: shown to managers as a dead letter."""
        try:
            await self._dbwork(functools.partial(self._park_now, msg, error))
        except asyncio.CancelledError:
            raise
        except Exception:  # the row is marked failed either way; the page just misses it
            log.exception("inbox.park_failed")

    def _park_now(self, msg: InboundMessage, error: BaseException) -> None:
        with transaction(self._db) as session:
            deadletters.park(session, msg, error, now=self._clock.now())

    def _pending_many(self, chats: list[tuple[str, str]]) -> list[list[_Row]]:
        with plain_transaction(self._db) as connection:
            return [pending_for_chat(connection, *chat) for chat in chats]

    def _finish_many(self, rows: list[tuple[int, str, str | None]]) -> list[None]:
        with plain_transaction(self._db) as connection:
            finish_many(connection, rows, self._clock.now())
        return [None] * len(rows)

    async def sweep(self) -> int:
        """Wake every chat with pending deliveries (after a crash, or a failed turn)."""
        chats = await self._dbwork(self._chats)
        for channel, address in chats:
            self.wake(channel, address)
        return len(chats)

    def _chats(self) -> list[tuple[str, str]]:
        with transaction(self._db) as session:
            return chats_with_pending(session)

    async def run_sweeps(self, interval: float = 5.0) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("inbox.sweep_failed")
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        for task in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._running.clear()
