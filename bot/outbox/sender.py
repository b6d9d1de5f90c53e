"""The sender: drains the outbox with retries, backoff and rate limits; each message once.

One message's life: rate-limit reservation (asked *before* the message is claimed, so a
Redis blip leaves it unclaimed and due: it goes on the next pass, not after a lease) ->
claim (an atomic, short lease, renewed every third of it while the provider call is in
flight) -> ``channel.send`` -> the provider's id recorded at once (``mark_sent``, only from
``queued``). A transient ``SendError`` goes back to the outbox with exponential backoff (at
least the provider's ``Retry-After``) until ``channels.send_max_attempts``; a permanent one
fails the message. Messages of one conversation go out in order (one that waits blocks the
later ones); different conversations are sent concurrently, and ``run`` never waits for a
slow one before starting the others.

At-least-once window (what is left): a process killed after the provider accepted a message
and before its id was committed leaves the message queued; when its lease runs out (30 s by
default, since it is renewed while alive) another sender sends it again. The window is the
provider call's round trip plus one small commit; WhatsApp and Telegram offer no
idempotency key to close it.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.channels.base import Channel, ChannelPolicy, SendError
from bot.channels.masking import mask_address
from bot.channels.policies import policy_of
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.domain import Button, DeliveryStatus, OutboundMessage
from bot.outbox.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.store.coalesce import Coalescer
from bot.store.conversations import MessageRepository
from bot.store.db import plain_transaction, transaction
from bot.store.prepared import Prepared
from bot.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 900.0
COALESCE_SECONDS = 0.01

Sleep = Callable[[float], Awaitable[None]]


def backoff_seconds(attempts: int, base: float, retry_after: float | None = None) -> float:
    """``base * 2^(attempts-1)``, capped, and never sooner than the provider asked."""
    delay: float = min(base * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return max(delay, retry_after or 0.0)


def _by_conversation(due: list[Due]) -> dict[int, list[Due]]:
    groups: dict[int, list[Due]] = {}
    for item in due:
        groups.setdefault(item.conversation_id, []).append(item)
    return groups


class OutboxRow(Protocol):
    """What ``outbound_from_row`` reads of a message: a ``Message`` or the claim's columns."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def extra(self) -> dict[str, Any] | None: ...
    @property
    def template(self) -> str | None: ...


def outbound_from_row(
    message: OutboxRow, address: str, *, as_template: bool, images: bool = False
) -> OutboundMessage:
    """Our outbox row as an ``OutboundMessage``.

    ``extra`` may hold ``buttons`` ([{"title", "payload", "description"?}] or
    [[title, payload]]) with ``choice_kind`` and ``choices_button``,
    ``template_vars`` ({str: str}), ``image_png`` (base64) and ``pix_code`` (rendered as a
    QR code image where the channel can show one: ``images``).
    """
    extra: Mapping[str, Any] = message.extra or {}
    buttons = []
    for item in extra.get("buttons") or ():
        if isinstance(item, Mapping):
            description = str(item.get("description") or "")
            buttons.append(Button(str(item["title"]), str(item["payload"]), description))
        else:
            buttons.append(Button(str(item[0]), str(item[1])))
    image = extra.get("image_png")
    png = base64.b64decode(image) if isinstance(image, str) else None
    pix_code = extra.get("pix_code")
    if png is None and isinstance(pix_code, str) and images:
        png = qr_png(pix_code)
    return OutboundMessage(
        channel=message.channel,
        address=address,
        text=message.text,
        buttons=tuple(buttons),
        choice_kind=_text_or_none(extra.get("choice_kind")),
        choices_button=_text_or_none(extra.get("choices_button")),
        image_png=png,
        template=message.template if as_template else None,
        template_vars={str(k): str(v) for k, v in (extra.get("template_vars") or {}).items()},
        message_id=message.id,
    )


def qr_png(text: str) -> bytes:
    """A PNG QR code of ``text`` (the PIX copy-and-paste code)."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def requeue_as_template(session: Session, message_id: int, now: datetime) -> bool:
    """After the provider said "outside the reply window": send again as its template.

    For ``record_status`` when a failed status carries such an error code (see
    ``ChannelPolicy.resend_as_template``). Returns False (and leaves the message failed)
    when it has no template to fall back to or already went as one.
    """
    message = session.get(Message, message_id)
    if message is None or message.template is None:
        return False
    extra = dict(message.extra or {})
    if extra.get("force_template"):
        return False
    extra["force_template"] = True
    message.extra = extra
    message.status = DeliveryStatus.QUEUED
    message.next_attempt_at = now
    message.error = "outside the reply window, re-sent as template"
    return True


@dataclass(frozen=True)
class _Job:
    """What a claimed message needs outside the database."""

    outbound: OutboundMessage | None  # None: do not send (see ``refusal``)
    refusal: str | None
    attempts: int  # including this claim: the lease is ours while it still matches
    can_requeue_template: bool


@dataclass(frozen=True)
class Due:
    """A due message and what the rate limiter needs, before any claim."""

    message_id: int
    conversation_id: int
    channel: str
    address: str


@dataclass(frozen=True)
class _Claimed:
    """The columns of a claimed message a send needs (the claim's RETURNING, in order)."""

    id: int
    conversation_id: int
    channel: str
    text: str
    extra: dict[str, Any] | None
    template: str | None
    business_initiated: bool
    attempts: int  # after the claim


@dataclass(frozen=True)
class _To:
    """The columns of a claimed message's contact."""

    address: str
    opted_out: bool
    invalid: bool
    last_inbound_at: datetime | None


def _contacts_of(connection: Connection, conversation_ids: set[int]) -> dict[int, _To]:
    statement = _contacts_statement(_on_postgres(connection.dialect.name))
    rows = statement.rows(connection, {"ids": sorted(conversation_ids)})
    return {int(c): _To(str(a), bool(o), bool(i), at) for c, a, o, i, at in rows}


def _paid_reminders(connection: Connection, message_ids: list[int]) -> set[int]:
    """Which of these messages we started are reminders a payment overtook. Their checks
    read ORM rows: a session joins the transaction for them only (a reply, most of what is
    sent, has none, and a session of its own cost a fifth of a claim)."""
    if not message_ids:
        return set()
    from bot.payments.guard import paid_since_queued

    with Session(bind=connection) as session:  # joins, and leaves the transaction open
        found = (session.get(Message, message_id) for message_id in message_ids)
        return {m.id for m in found if m is not None and paid_since_queued(session, m)}


def _on_postgres(dialect_name: str) -> bool:
    return dialect_name == "postgresql"


def _one_of(column: Any, name: str, postgres: bool) -> Any:
    """``column`` is one of the ids bound as ``name``, given as one parameter whatever
    their number, so the statement is prepared once (``bot.store.prepared``): PostgreSQL
    gets an array (``= ANY``), SQLite a JSON list it reads with ``json_each``. An expanded
    ``IN`` of a batch's hundreds of ids was a new statement each time (psycopg re-parsed it
    on every run: a twentieth of a web process's CPU)."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(name, type_=JSON)).table_valued("value")
    return column.in_(select(listed.c.value))


@functools.cache
def _contacts_statement(postgres: bool) -> Prepared:
    """The claimed messages' contacts (ids bound as ``ids``), built once."""
    conversations, contacts = Conversation.__table__, Contact.__table__
    return Prepared(
        select(
            conversations.c.id,
            contacts.c.address,
            contacts.c.opted_out,
            contacts.c.invalid,
            contacts.c.last_inbound_at,
        )
        .join_from(conversations, contacts, contacts.c.id == conversations.c.contact_id)
        .where(_one_of(conversations.c.id, "ids", postgres))
    )


DatabaseCall = Callable[[Callable[[], Any]], Awaitable[Any]]


async def _in_thread(work: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(work)


class OutboxSender:
    """Drains the outbox. Several senders (processes or tasks) may run at once.

    ``redis`` (a ``redis.asyncio.Redis``) shares the rate limits across processes; without
    it they are in-process. ``sleep`` and ``clock`` are injected so tests never wait.
    """

    def __init__(
        self,
        db: sessionmaker[Session],
        channels: Mapping[str, Channel],
        settings: Settings,
        *,
        clock: Clock,
        limiter: RateLimiter | None = None,
        redis: Any = None,
        sleep: Sleep = asyncio.sleep,
        lease: timedelta = timedelta(seconds=30),
        concurrency: int = 32,
        batch: int = 500,
        database: DatabaseCall = _in_thread,
    ) -> None:
        self._db = db
        self._channels = channels
        self._settings = settings
        self._clock = clock
        if limiter is None:
            limiter = RedisRateLimiter(redis, clock) if redis is not None else None
        self._limiter = limiter or MemoryRateLimiter(clock)
        self._sleep = sleep
        self._lease = lease
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._db_call = database
        self._pushed: set[int] = set()  # see ``notify``
        self._routes: dict[int, Due] = {}  # of those, the ones handed over with their route
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pushed_ready = asyncio.Event()
        # the claims and the "sent" marks of conversations sending at the same moment share
        # one transaction each (a claim is one UPDATE ... RETURNING for the whole batch)
        self._claims: Coalescer[int, _Job | None] = Coalescer(self._claim_many, database)
        self._sent: Coalescer[tuple[int, str], None] = Coalescer(self._sent_many, database)

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were sent."""
        sent = 0
        while True:
            due = await self._db_call(self._due)
            if not due:
                return sent
            results = await asyncio.gather(
                *(self._conversation(items) for items in _by_conversation(due).values())
            )
            sent += sum(n for n, _ in results)
            if not any(tried for _, tried in results):
                return sent

    def notify(
        self,
        message_ids: Iterable[int],
        routes: Mapping[int, tuple[int, str, str]] | None = None,
    ) -> None:
        """Messages this process just queued (a turn's replies): ``run`` sends them after a
        look at these rows only, not at the whole outbox. With several processes, each then
        sends what its own turns queued instead of every process racing for every reply.

        ``routes`` (message id -> conversation id, channel, address) are the ones the caller
        knows to be due now: they need no look at all, their claim checks the rest."""
        loop = self._loop
        if loop is not None and not _running_in(loop):  # a cadence thread: hand it over
            loop.call_soon_threadsafe(self.notify, list(message_ids), dict(routes or {}))
            return
        self._pushed.update(message_ids)
        for message_id, (conversation_id, channel, address) in (routes or {}).items():
            self._routes[message_id] = Due(message_id, conversation_id, channel, address)
        self._pushed_ready.set()

    async def run(self, wake: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Send forever: what ``notify`` hands over; everything due after ``wake`` is set
        and every ``idle_seconds`` (retries, other processes' leftovers); and a
        conversation's next messages when it finishes. Each conversation runs in its own
        task: a slow send holds its own chat only."""
        active: dict[int, asyncio.Task[tuple[int, bool]]] = {}
        held_back: set[int] = set()  # due, but their conversation's task was still running
        loop = self._loop = asyncio.get_running_loop()
        last_full = -idle_seconds
        try:
            while True:
                full = wake.is_set() or loop.time() - last_full >= idle_seconds
                wake.clear()
                self._pushed_ready.clear()
                pushed, self._pushed = self._pushed, set()
                routed = [self._routes.pop(i) for i in sorted(pushed) if i in self._routes]
                try:
                    if full:  # it sees the routed ones too
                        last_full = loop.time()
                        due = await self._db_call(self._due)
                    else:
                        due = routed
                        rest = sorted(pushed.difference(item.message_id for item in routed))
                        if rest:
                            looked = await self._db_call(partial(self._due, rest))
                            due = sorted([*routed, *looked], key=lambda item: item.message_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox due query failed")
                    due = []
                    self._pushed |= pushed  # the next look tries them again
                    self._routes.update((item.message_id, item) for item in routed)
                held_back.clear()
                for conversation_id, items in _by_conversation(due).items():
                    task = active.get(conversation_id)
                    if task is None or task.done():
                        active[conversation_id] = asyncio.create_task(self._conversation(items))
                    else:
                        held_back.add(conversation_id)
                        self._pushed.update(item.message_id for item in items)
                        self._routes.update((item.message_id, item) for item in items)
                for conversation_id in [c for c, t in active.items() if t.done()]:
                    finished = active.pop(conversation_id)
                    if not finished.cancelled() and finished.exception() is not None:
                        log.error("outbox conversation failed", exc_info=finished.exception())
                # look again when woken or handed messages, or when a conversation that has
                # more waiting is free; a full look at least every idle_seconds
                waiters = {
                    asyncio.ensure_future(wake.wait()),
                    asyncio.ensure_future(self._pushed_ready.wait()),
                }
                try:
                    await asyncio.wait(
                        {*waiters, *(active[c] for c in held_back if c in active)},
                        timeout=max(last_full + idle_seconds - loop.time(), 0.0),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                await asyncio.sleep(COALESCE_SECONDS)  # replies of turns ending together
        finally:
            for task in active.values():
                task.cancel()

    def _due(self, only: list[int] | None = None) -> list[Due]:
        """Due messages (of ``only``, when given) with their chat's address: columns only,
        one query."""
        params: dict[str, Any] = {"now": self._clock.now(), "batch": self._batch}
        if only is not None:
            if not only:
                return []
            params["only"] = only
        with plain_transaction(self._db) as connection:
            # plain statements: the ORM's execution path cost more than the query
            statement = _due_statement(only is not None, _on_postgres(connection.dialect.name))
            rows = statement.rows(connection, params)
            return [Due(int(i), int(c), str(ch), str(a)) for i, c, ch, a in rows]

    async def _conversation(self, items: list[Due]) -> tuple[int, bool]:
        """One conversation's due messages, in order; stops at the first that must wait."""
        sent, tried = 0, False
        async with self._slots:
            for item in items:
                outcome = await self.deliver(item.message_id, due=item)
                # "deferred": the limiter could not answer; the next pass tries again
                tried = tried or outcome not in ("skipped", "deferred")
                if outcome == "sent":
                    sent += 1
                elif outcome != "failed":
                    break
        return sent, tried

    async def deliver(self, message_id: int, *, due: Due | None = None) -> str:
        """Try one message: "sent", "retry", "failed", "skipped" (not ours to send now) or
        "deferred" (the rate limiter could not answer; nothing was claimed)."""
        if due is not None:
            # the rate limit first: a limiter that cannot answer leaves nothing claimed
            try:
                await self._wait_for_slot(due.channel, due.address)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "rate limiter unavailable; the message stays due",
                    extra={"message_id": message_id, "error": type(exc).__name__},
                )
                return "deferred"
        job = await self._claims(message_id)
        if job is None:
            return "skipped"
        if job.outbound is None:
            await self._db_call(lambda: self._finish_failed(message_id, job.refusal or "refused"))
            return "failed"
        message = job.outbound
        channel = self._channels.get(message.channel)
        if channel is None:
            error = f"channel {message.channel!r} is not configured"
            await self._db_call(lambda: self._finish_failed(message_id, error))
            return "failed"
        if due is None:
            await self._wait_for_slot(message.channel, message.address)
        renewal = asyncio.create_task(self._renew_lease(message_id, job.attempts))
        try:
            result = await channel.send(message)
        except SendError as exc:
            renewal.cancel()
            return str(await self._db_call(partial(self._after_error, message_id, job, exc)))
        except Exception as exc:  # a bug or an unexpected SDK error: retry, loudly
            renewal.cancel()
            log.exception("send crashed", extra={"message_id": message_id})
            crash = SendError(f"{type(exc).__name__}: {exc}", transient=True, code="crash")
            return str(await self._db_call(partial(self._after_error, message_id, job, crash)))
        except BaseException:
            renewal.cancel()
            raise
        renewal.cancel()
        # the provider's id first, before anything else: it closes the at-least-once window
        await self._sent((message_id, result.provider_id))
        log.info(
            "message sent",
            extra={
                "message_id": message_id,
                "channel": message.channel,
                "to": mask_address(message.address),
                "template": message.template is not None,
            },
        )
        return "sent"

    async def _renew_lease(self, message_id: int, attempts: int) -> None:
        """Keep our claim while the provider call lasts, so the lease can be short."""
        every = max(self._lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(every)
            try:
                await self._db_call(lambda: self._extend(message_id, attempts))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lease renewal failed", extra={"message_id": message_id})

    def _extend(self, message_id: int, attempts: int) -> None:
        with transaction(self._db) as session:
            session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.status == DeliveryStatus.QUEUED,
                    Message.attempts == attempts,
                )
                .values(next_attempt_at=self._clock.now() + self._lease)
            )

    async def _wait_for_slot(self, channel: str, address: str) -> None:
        limits = self._policy(channel).limits(address)
        # one round trip for every limit of the send (Redis: one script)
        wait = await self._limiter.reserve_all([(lim.key, lim.rate, lim.burst) for lim in limits])
        if wait > 0:
            await self._sleep(wait)

    def _policy(self, channel: str) -> ChannelPolicy:
        return policy_of(self._channels.get(channel), channel)

    def _claim(self, message_id: int) -> _Job | None:
        return self._claim_many([message_id])[0]

    def _claim_many(self, message_ids: list[int]) -> list[_Job | None]:
        """Claim messages in one transaction: one UPDATE ... RETURNING for them all (the
        ones still queued and due with no older message of their conversation waiting)
        hands back the columns a send needs, then one query for their contacts' columns.
        Plain columns, not ORM rows: loading entities cost more than the statements."""
        now = self._clock.now()
        with plain_transaction(self._db) as connection:
            claimed = self._claim_rows(connection, sorted(set(message_ids)), now)
            jobs: dict[int, _Job] = {}
            if claimed:
                contacts = _contacts_of(connection, {row.conversation_id for row in claimed})
                overtaken = _paid_reminders(
                    connection, [r.id for r in claimed if r.business_initiated]
                )
                for row in claimed:
                    if row.id in overtaken:
                        reason = "a payment arrived after this reminder was queued"
                        jobs[row.id] = _Job(None, reason, row.attempts, False)
                    else:
                        jobs[row.id] = self._job(row, contacts.get(row.conversation_id), now)
            # an id asked for twice in one batch (two drains at once) is sent once
            return [jobs.pop(i, None) for i in message_ids]

    def _claim_rows(self, connection: Connection, ids: list[int], now: datetime) -> list[_Claimed]:
        if not ids:
            return []
        params = {"ids": ids, "now": now, "lease_until": now + self._lease}
        statement = _claim_statement(_on_postgres(connection.dialect.name))
        return [_Claimed(*row) for row in statement.rows(connection, params)]

    def _job(self, row: _Claimed, contact: _To | None, now: datetime) -> _Job:
        if contact is None:
            return _Job(None, "the conversation has no contact", row.attempts, False)
        if row.business_initiated and (contact.opted_out or contact.invalid):
            reason = "contact opted out" if contact.opted_out else "contact is invalid"
            return _Job(None, reason, row.attempts, False)
        policy = self._policy(row.channel)
        forced = bool((row.extra or {}).get("force_template"))
        as_template = False
        if policy.has_window:
            as_template = forced or not policy.window_open(contact.last_inbound_at, now)
            if as_template and row.template is None:
                hours = policy.reply_window // timedelta(hours=1) if policy.reply_window else 0
                refusal = (
                    f"outside the channel's {hours}-hour window and the message has no "
                    "template to send instead"
                )
                return _Job(None, refusal, row.attempts, False)
        outbound = outbound_from_row(
            row, contact.address, as_template=as_template, images=policy.supports_images
        )
        can_requeue = policy.has_window and row.template is not None and not forced
        job = _Job(outbound, None, row.attempts, can_requeue)
        return job

    def _finish_sent(self, message_id: int, provider_id: str) -> None:
        self._sent_many([(message_id, provider_id)])

    def _sent_many(self, sent: list[tuple[int, str]]) -> list[None]:
        """The providers' ids of messages just sent, one statement for them all (only
        from ``queued``, as ``MessageRepository.mark_sent``)."""
        now = self._clock.now()
        with plain_transaction(self._db) as connection:
            _sent_statement().run_many(
                connection,
                [{"sent_id": i, "sent_provider_id": p, "sent_at": now} for i, p in sent],
            )
        return [None] * len(sent)

    def _finish_failed(self, message_id: int, error: str) -> None:
        log.warning("message failed", extra={"message_id": message_id, "error": error})
        with transaction(self._db) as session:
            MessageRepository(session).mark_failed(message_id, error)

    def _after_error(self, message_id: int, job: _Job, exc: SendError) -> str:
        now = self._clock.now()
        error = f"{exc.code}: {exc}" if exc.code else str(exc)
        with transaction(self._db) as session:
            policy = self._policy(job.outbound.channel) if job.outbound else None
            resend = policy is not None and policy.means_resend_as_template(exc.code)
            if resend and job.can_requeue_template:
                requeue_as_template(session, message_id, now)
                return "retry"
            repo = MessageRepository(session)
            if exc.transient and job.attempts < self._settings.channels.send_max_attempts:
                delay = backoff_seconds(
                    job.attempts, self._settings.channels.send_backoff_seconds, exc.retry_after
                )
                repo.retry_later(message_id, now + timedelta(seconds=delay), error)
                log.info(
                    "send will be retried",
                    extra={"message_id": message_id, "attempt": job.attempts, "in": delay},
                )
                return "retry"
        self._finish_failed(message_id, error)
        return "failed"


@functools.cache
def _sent_statement() -> Prepared:
    """Messages just sent (executemany over ``sent_id``, ``sent_provider_id``, ``sent_at``):
    only from ``queued``, as ``MessageRepository.mark_sent``; built once."""
    table = Message.__table__
    return Prepared(
        update(table)  # type: ignore[arg-type]  # Core: one executemany
        .where(table.c.id == bindparam("sent_id"), table.c.status == DeliveryStatus.QUEUED)
        .values(
            status=DeliveryStatus.SENT,
            provider_id=bindparam("sent_provider_id"),
            sent_at=bindparam("sent_at", type_=table.c.sent_at.type),
            error=None,
        )
    )


@functools.cache
def _due_statement(only: bool, postgres: bool) -> Prepared:
    """Due messages (of the ids bound as ``only``) with their chat's address, built once."""
    messages, conversations, contacts = (
        Message.__table__,
        Conversation.__table__,
        Contact.__table__,
    )
    now = bindparam("now", type_=messages.c.next_attempt_at.type)
    query = (
        select(messages.c.id, messages.c.conversation_id, messages.c.channel, contacts.c.address)
        .select_from(
            messages.join(conversations, conversations.c.id == messages.c.conversation_id).join(
                contacts, contacts.c.id == conversations.c.contact_id
            )
        )
        .where(
            messages.c.direction == "out",
            messages.c.status == DeliveryStatus.QUEUED,
            or_(messages.c.next_attempt_at.is_(None), messages.c.next_attempt_at <= now),
        )
        .order_by(messages.c.id)
        .limit(bindparam("batch"))
    )
    if only:
        query = query.where(_one_of(messages.c.id, "only", postgres))
    return Prepared(query)


@functools.cache
def _claim_statement(postgres: bool) -> Prepared:
    """The claim of a batch, built once (building it cost more than running it): the
    messages still queued and due, with no older message of their conversation waiting."""
    now = bindparam("now", type_=Message.__table__.c.next_attempt_at.type)
    earlier = aliased(Message)
    return Prepared(
        update(Message)
        .where(
            _one_of(Message.id, "ids", postgres),
            Message.status == DeliveryStatus.QUEUED,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            ~exists().where(_earlier_pending(earlier, Message, now)),
        )
        .values(
            next_attempt_at=bindparam("lease_until", type_=now.type),
            attempts=Message.attempts + 1,
        )
        .returning(
            Message.id,
            Message.conversation_id,
            Message.channel,
            Message.text,
            Message.extra,
            Message.template,
            Message.business_initiated,
            Message.attempts,
        )
        .execution_options(synchronize_session=False)
    )


def _earlier_pending(earlier: Any, message: Any, now: Any) -> Any:
    """An older message of the same conversation still in the outbox holds this one back.

    A message held for contact hours (never tried, due later) does not hold back the
    replies that come after it: the person is writing now and gets answered now."""
    return and_(
        earlier.conversation_id == message.conversation_id,
        earlier.direction == "out",
        earlier.status == DeliveryStatus.QUEUED,
        earlier.id < message.id,
        or_(
            earlier.attempts > 0,
            earlier.next_attempt_at.is_(None),
            earlier.next_attempt_at <= now,
        ),
    )


def _running_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
