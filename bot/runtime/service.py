"""The Runtime: every way in (webhooks, cadence, agents, payments) and the sender, wired.

Database work runs off the event loop (``bot.runtime.dbwork``: worker threads, or one thread
for SQLite); one conversation's turns run one at a time under ``locks.hold``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.deps import CadenceDeps
from bot.cadence.scheduler import EmbeddedScheduler, embedded_scheduler
from bot.channels.base import ChannelPolicy, Inbox, WebhookEndpoint
from bot.channels.lifecycle import start_channels, stop_channels
from bot.channels.policies import policy_of
from bot.config import Settings
from bot.conversation import agents, approvals, payments
from bot.conversation import operations as ops
from bot.conversation.effects import TurnOutcome
from bot.conversation.turns import TurnDeps, inbound_turn, reminder_turn
from bot.core.clock import Clock, SystemClock
from bot.core.domain import InboundMessage, StatusUpdate
from bot.core.parse import Interpreter
from bot.dialogue.responses import ResponseBook
from bot.offers.book import OfferBook, load_offer_book
from bot.offers.payments import PaymentProvider
from bot.portal.chat import offer_link as offer_portal_link
from bot.portal.chat import reminder_link as portal_reminder_link
from bot.resources import resource_path
from bot.runtime import poison
from bot.runtime.dbwork import DatabaseWork, ThreadedDatabaseWork, database_work_for
from bot.runtime.inbox import InboxWorkers
from bot.runtime.memory import MemoryDeduper, MemoryLiveUpdates, MemoryLockManager
from bot.runtime.ports import Channel, Deduper, LiveUpdates, LockManager
from bot.store import deadletters
from bot.store.conversations import MessageRepository
from bot.store.db import make_engine, make_sessionmaker, ping, transaction
from bot.store.tables import Contact, Conversation

log = logging.getLogger(__name__)
T = TypeVar("T")

DIALOGUES_DIR = Path("dialogues")  # resolved by bot.resources, not the working directory


def privacy_housekeeping(session: Session, now: datetime, settings: Settings) -> None:
    """Wrong numbers leave their debtor; bodies past the retention period are blanked."""
    from bot.store import privacy

    privacy.purge_wrong_numbers(session, now=now)
    days = settings.privacy.message_retention_days
    if days:
        privacy.blank_old_bodies(session, now=now, days=days)


def chat_lock(channel: str, address: str) -> str:
    """One lock per chat (channel and address): known before any database access."""
    return f"chat:{channel}:{address}"


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    db: sessionmaker[Session]
    deps: TurnDeps
    channels: dict[str, Channel]
    webhooks: dict[str, WebhookEndpoint] = field(default_factory=dict)
    locks: LockManager = field(default_factory=MemoryLockManager)
    deduper: Deduper = field(default_factory=MemoryDeduper)
    live: LiveUpdates = field(default_factory=MemoryLiveUpdates)
    redis: Any = None
    dbwork: DatabaseWork = field(default_factory=ThreadedDatabaseWork)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _outbox_ready: asyncio.Event | None = None
    _sender: Any = None
    _inbox: InboxWorkers | None = None
    _scheduler: EmbeddedScheduler | None = None

    # --- plumbing -----------------------------------------------------------------------

    async def _hold_conversation(self, conversation_id: int) -> Any:
        def address(session: Session) -> tuple[str, str]:
            row = session.get(Conversation, conversation_id)
            contact = session.get(Contact, row.contact_id) if row else None
            if contact is None:
                raise ops.OperationError(f"no conversation {conversation_id}")
            return contact.channel, contact.address

        channel, addr = await self._in_transaction(address)
        return self.locks.hold(chat_lock(channel, addr))

    async def _in_transaction(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with transaction(self.db) as session:
                return work(session)

        return await self.dbwork(run)

    def in_transaction(self, work: Callable[[Session], T]) -> T:
        with transaction(self.db) as session:
            return work(session)

    def _after(self, outcome: TurnOutcome | None, conversation_id: int | None = None) -> None:
        if outcome is None:
            return
        if outcome.queued and self._outbox_ready is not None:
            if self._sender is not None:
                self._sender.notify(outcome.queued)  # sent by this process, at once
            else:
                self._outbox_ready.set()

    async def _notify(self, conversation_id: int | None, kind: str, *, inbox: bool = True) -> None:
        """Tell open consoles; the inbox only hears about chats that concern agents."""
        if conversation_id is None:
            return
        await self.live.publish(f"conversation:{conversation_id}", {"kind": kind})
        if inbox:
            await self.live.publish("inbox", {"conversation_id": conversation_id, "kind": kind})

    async def announce(self, outcome: TurnOutcome | None, kind: str) -> None:
        """Work done outside a turn (the self-service page): send what it queued and tell
        the consoles and the agents' inbox about the chat."""
        self._after(outcome)
        if outcome is not None:
            await self._notify(outcome.conversation_id, kind)

    def policy(self, channel: str) -> ChannelPolicy:
        """What the channel may do (its configured adapter's, else the default one's)."""
        return policy_of(self.channels.get(channel), channel)

    # --- inbound ------------------------------------------------------------------------

    async def receive(self, msg: InboundMessage) -> bool:
        """Handle one inbound message. False when it was a duplicate delivery.

        The chat's lock is taken first, before any I/O, so one chat's messages are handled
        in the order they arrived."""
        try:
            msg = poison.sanitise(msg, now=self.clock.now())
        except poison.PoisonMessage as exc:
            await self._park(msg, exc)
            return False
        async with self.locks.hold(chat_lock(msg.channel, msg.address)):
            key = f"in:{msg.channel}:{msg.provider_id}"
            if not await self.deduper.first_time(key):
                return False
            try:
                outcome = await self._in_transaction(lambda s: inbound_turn(s, msg, self.deps))
            except BaseException as exc:
                # nothing was committed for this delivery: let the provider's retry through,
                # unless a retry would fail the same way (then it is kept as a dead letter)
                if not poison.is_poison(exc):
                    await self.deduper.forget(key)
                    raise
                try:
                    await self._park(msg, exc)
                except BaseException:
                    await self.deduper.forget(key)
                    raise exc from None
                return False
        return await self._turn_done(outcome)

    async def _turn_done(self, outcome: TurnOutcome | None) -> bool:
        if outcome is None:
            return False  # the database already had this delivery
        self._after(outcome)
        await self._notify(outcome.conversation_id, "message", inbox=outcome.status != "bot")
        if "receipt_received" in outcome.events:
            from bot.payments.service import review_new_receipts

            # a Pix the PSP already has is thanked at once
            for review in await review_new_receipts(self):
                self._after(review.turn)
        return True

    async def accept(self, msg: InboundMessage) -> bool:
        """A webhook's message: stored (committed) when this returns, its turn run after.

        Started in the background, the turn runs in the chat's inbox worker
        (``bot.runtime.inbox``) so the webhook answers at once; otherwise (tests, tools) the
        turn runs here, as ``receive``. False when it was a duplicate delivery."""
        if self._inbox is None:
            return await self.receive(msg)
        try:
            msg = poison.sanitise(msg, now=self.clock.now())
        except poison.PoisonMessage as exc:
            await self._park(msg, exc)
            return False
        return await self._inbox.accept(msg)

    async def _inbox_turn(self, msg: InboundMessage) -> bool:
        """One inbox delivery's turn; the inbox worker holds the chat's lock. The inbox row
        already de-duplicated the delivery and ``messages`` is unique on it, so the Redis
        de-duplication is not asked (it would drop a turn interrupted by a crash)."""
        try:
            outcome = await self._in_transaction(lambda s: inbound_turn(s, msg, self.deps))
        except Exception as exc:
            if not poison.is_poison(exc):
                raise  # the inbox retries it, then marks it failed
            await self._park(msg, exc)  # a retry would fail the same way: kept, not looped
            return False
        return await self._turn_done(outcome)

    async def _park(self, msg: InboundMessage, error: BaseException) -> None:
        now = self.clock.now()
        await self._in_transaction(lambda s: deadletters.park(s, msg, error, now=now))

    async def record_status(self, update: StatusUpdate) -> bool:
        """A delivery status from the provider; late or repeated ones never move it back."""
        from bot.outbox.sender import requeue_as_template

        now = self.clock.now()
        requeued = False

        def work(session: Session) -> int | None:
            nonlocal requeued
            messages = MessageRepository(session)
            row = messages.by_provider_id(update.channel, update.provider_id)
            if row is None:
                return None
            messages.apply_status(row, update.status, update.at)
            if update.error_code:
                row.error = f"provider error {update.error_code}"
            if self.policy(update.channel).means_resend_as_template(update.error_code):
                requeued = requeue_as_template(session, row.id, now)
            return row.conversation_id

        conversation_id = await self._in_transaction(work)
        if requeued and self._outbox_ready is not None:
            self._outbox_ready.set()
        await self._notify(conversation_id, "status", inbox=False)
        return conversation_id is not None

    # --- business-initiated -------------------------------------------------------------

    def remind_sync(self, debtor_id: int, template: str, key: str, vars: dict[str, str]) -> bool:
        """Send one cadence reminder, at most once per ``key`` (enforced by the database)."""
        now = self.clock.now()
        outcome = self.in_transaction(
            lambda s: reminder_turn(
                s,
                debtor_id=debtor_id,
                template=template,
                key=key,
                vars=vars,
                now=now,
                deps=self.deps,
            )
        )
        self._after(outcome)
        return outcome is not None

    async def remind(self, debtor_id: int, template: str, key: str, vars: dict[str, str]) -> bool:
        return await asyncio.to_thread(self.remind_sync, debtor_id, template, key, vars)

    async def confirm_payment(
        self,
        debt_ref: str,
        amount: Decimal,
        paid_at: datetime,
        *,
        source: str = "api",
        dedupe_key: str | None = None,
    ) -> bool:
        key = dedupe_key or f"{source}:{debt_ref}:{amount}:{paid_at.isoformat()}"
        now = self.clock.now()
        outcome = await self._in_transaction(
            lambda s: payments.confirm_payment(
                s,
                debt_ref=debt_ref,
                amount=amount,
                paid_at=paid_at,
                source=source,
                dedupe_key=key,
                now=now,
                deps=self.deps,
            )
        )
        self._after(outcome)
        if outcome is not None:  # open chats, the inbox and dashboards show it at once
            await self._notify(outcome.conversation_id, "payment")
            await self.live.publish("payments", {"kind": "paid"})
        return outcome is not None

    def housekeeping_sync(
        self, now: datetime | None = None, *, loop: asyncio.AbstractEventLoop | None = None
    ) -> list[str]:
        """Break promises and agreements whose time has passed; fetch Pix the PSP has.
        ``loop`` runs the channels (a receipt is downloaded through its channel there)."""
        from bot.payments.service import periodic_sync

        when = now or self.clock.now()
        changed = self.in_transaction(
            lambda s: payments.expire_promises_and_agreements(s, when, self.deps)
        )
        self.in_transaction(lambda s: privacy_housekeeping(s, when, self.settings))
        return changed + periodic_sync(self, when, loop=loop)  # Pix whose webhook never came

    async def housekeeping(self) -> list[str]:
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(lambda: self.housekeeping_sync(loop=loop))

    # --- agents -------------------------------------------------------------------------

    async def agent_take(self, conversation_id: int, agent_id: int) -> None:
        now = self.clock.now()
        await self._in_transaction(lambda s: agents.agent_take(s, conversation_id, agent_id, now))
        await self._notify(conversation_id, "taken")

    async def agent_transfer(self, conversation_id: int, agent_id: int, to_agent_id: int) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.agent_transfer(s, conversation_id, agent_id, to_agent_id, now)
        )
        await self._notify(conversation_id, "taken")

    async def agent_reply(
        self,
        conversation_id: int,
        agent_id: int,
        text: str,
        *,
        template: str | None = None,
        override_reason: str | None = None,
    ) -> int:
        now = self.clock.now()
        async with await self._hold_conversation(conversation_id):
            message_id = await self._in_transaction(
                lambda s: agents.agent_reply(
                    s,
                    conversation_id,
                    agent_id,
                    text,
                    now,
                    template=template,
                    override_reason=override_reason,
                )
            )
        self._after(TurnOutcome(queued=[message_id]))
        await self._notify(conversation_id, "message")
        return message_id

    async def agent_release(
        self, conversation_id: int, agent_id: int, *, resume_message: bool = True
    ) -> None:
        now = self.clock.now()
        async with await self._hold_conversation(conversation_id):
            outcome = await self._in_transaction(
                lambda s: agents.agent_release(
                    s, conversation_id, agent_id, now, self.deps, resume_message=resume_message
                )
            )
        self._after(outcome)
        await self._notify(conversation_id, "released")

    async def agent_close(self, conversation_id: int, agent_id: int) -> None:
        now = self.clock.now()
        await self._in_transaction(lambda s: agents.agent_close(s, conversation_id, agent_id, now))
        await self._notify(conversation_id, "closed")

    async def agent_record_promise(
        self, conversation_id: int, agent_id: int, due: date, amount: Decimal
    ) -> agents.ActionResult:
        now = self.clock.now()
        result = await self._in_transaction(
            lambda s: agents.agent_record_promise(
                s, conversation_id, agent_id, due, amount, now, self.deps
            )
        )
        await self._notify(conversation_id, "promise")
        return result

    async def agent_approve_agreement(
        self, conversation_id: int, agent_id: int, agreement_id: int
    ) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.agent_approve_agreement(
                s, conversation_id, agent_id, agreement_id, now, self.deps
            )
        )
        if self._outbox_ready is not None:
            self._outbox_ready.set()
        await self._notify(conversation_id, "agreement")

    async def agent_create_agreement(
        self,
        conversation_id: int,
        agent_id: int,
        installments: int,
        *,
        discount_percent: Decimal = Decimal("0"),
        first_due: date | None = None,
    ) -> agents.ActionResult:
        now = self.clock.now()
        result = await self._in_transaction(
            lambda s: agents.agent_create_agreement(
                s,
                conversation_id,
                agent_id,
                installments,
                now,
                self.deps,
                discount_percent=discount_percent,
                first_due=first_due,
            )
        )
        await self._notify(conversation_id, "agreement")
        return result

    async def agent_resolve_dispute(
        self, conversation_id: int, agent_id: int, outcome: str
    ) -> agents.ActionResult:
        now = self.clock.now()
        result = await self._in_transaction(
            lambda s: agents.agent_resolve_dispute(s, conversation_id, agent_id, outcome, now)
        )
        await self._notify(conversation_id, "dispute")
        return result

    async def agent_mark_invalid(self, conversation_id: int, agent_id: int) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.agent_mark_invalid(s, conversation_id, agent_id, now)
        )
        await self._notify(conversation_id, "invalid")

    async def decide_request(
        self, request_id: int, manager_id: int, *, approve: bool, note: str = ""
    ) -> int:
        """A manager approves (does it now) or rejects an agent's request; the chat's id."""
        now = self.clock.now()

        def work(session: Session) -> tuple[int, TurnOutcome | None]:
            request = approvals.decide(
                session, request_id, manager_id, approve=approve, note=note, now=now,
                deps=self.deps,
            )  # fmt: skip
            return request.conversation_id, None

        conversation_id, _ = await self._in_transaction(work)
        if self._outbox_ready is not None:
            self._outbox_ready.set()
        await self._notify(conversation_id, "approval")
        await self.live.publish("approvals", {"request_id": request_id})
        return conversation_id

    async def agent_note(self, conversation_id: int, agent_id: int, text: str) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.add_note(s, conversation_id, agent_id, text, now)
        )
        await self._notify(conversation_id, "note", inbox=False)

    async def agent_labels(self, conversation_id: int, agent_id: int, labels: list[str]) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.set_labels(s, conversation_id, agent_id, labels, now)
        )
        await self._notify(conversation_id, "labels")

    async def agent_snooze(self, conversation_id: int, agent_id: int, until: datetime) -> None:
        now = self.clock.now()
        await self._in_transaction(
            lambda s: agents.snooze(s, conversation_id, agent_id, until, now)
        )
        await self._notify(conversation_id, "snoozed")

    async def agent_seen(self, conversation_id: int, agent_id: int, last_id: int) -> None:
        await self._in_transaction(
            lambda s: agents.mark_seen(s, conversation_id, agent_id, last_id)
        )

    # --- simulator ----------------------------------------------------------------------

    async def simulate_inbound(self, address: str, text: str, *, provider_id: str) -> bool:
        """A message typed in the web simulator, as if from the debtor's phone."""
        msg = InboundMessage(
            channel="web",
            address=address,
            provider_id=provider_id,
            text=text[:4000],
            received_at=self.clock.now(),
        )
        accepted = await self.receive(msg)
        await self.drain_outbox()
        return accepted

    async def simulate_reminder(self, address: str) -> str | None:
        """The demo's "receive a reminder" button: the reminder that fits this simulator
        debtor now, sent at once to the web chat. Returns the template, or None."""
        from bot.conversation.reminders import reminder_for_now
        from bot.store.portfolio import PortfolioRepository

        now = self.clock.now()

        def work(session: Session) -> tuple[str | None, TurnOutcome | None]:
            contact = PortfolioRepository(session).contact("web", address)
            if contact is None or contact.debtor_id is None:
                return None, None
            planned = reminder_for_now(session, contact.debtor_id, now, self.settings)
            if planned is None:
                return None, None
            _at, template = planned
            outcome = reminder_turn(
                session,
                debtor_id=contact.debtor_id,
                template=template,
                key=f"simulator:{address}:{now.isoformat()}",
                vars={},
                now=now,
                deps=self.deps,
                contact=contact,
                respect_contact_hours=False,  # the demo button sends at once
            )
            return template, outcome

        template, outcome = await self._in_transaction(work)
        self._after(outcome)
        await self.drain_outbox()
        return template

    # --- sending ------------------------------------------------------------------------

    def _outbox_sender(self) -> Any:
        from bot.outbox.ratelimit import MemoryRateLimiter, RedisRateLimiter
        from bot.outbox.sender import OutboxSender

        if self._sender is None:
            # provider rate limits are about real seconds, whatever the business clock says
            wall = SystemClock()
            limiter = RedisRateLimiter(self.redis, wall) if self.redis else MemoryRateLimiter(wall)
            self._sender = OutboxSender(
                self.db,
                self.channels,
                self.settings,
                clock=self.clock,
                limiter=limiter,
                # quick and what the debtor waits for: before the turns queued on SQLite
                database=functools.partial(self.dbwork, urgent=True),
            )
        return self._sender

    async def drain_outbox(self) -> int:
        """Send every queued message that is due; returns how many were sent."""
        sent: int = await self._outbox_sender().drain()
        return sent

    async def _sender_loop(self) -> None:
        assert self._outbox_ready is not None
        while True:
            try:
                await self._outbox_sender().run(self._outbox_ready)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender.run_failed")
                await asyncio.sleep(1.0)

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self, *, background: bool = True) -> None:
        """Start the sender (and, embedded, the scheduler). A configured Redis that cannot be
        reached stops start-up: falling back to memory would lose locks and dedupe."""
        self._outbox_ready = asyncio.Event()
        if self.redis is not None:
            try:
                await self.redis.ping()
            except Exception as exc:
                raise RuntimeError(f"redis_url is set but Redis cannot be reached: {exc}") from exc
        if not background:
            return
        self._inbox = InboxWorkers(
            self.db, self.locks, self.clock, self._inbox_turn, chat_lock, self.dbwork
        )
        self._tasks.append(asyncio.create_task(self._inbox.run_sweeps(), name="quita-inbox"))
        self._tasks.append(asyncio.create_task(self._sender_loop(), name="quita-sender"))
        if self.settings.cadence.enabled and self.redis is None:
            # with Redis, `quita worker` runs the same passes (bot.cadence.worker)
            self._scheduler = embedded_scheduler(cadence_deps(self))
            self._scheduler.start()
        await start_channels(self.channels, Inbox(receive=self.receive, now=self.clock.now))

    async def stop(self) -> None:
        if self._inbox is not None:
            await self._inbox.stop()
            self._inbox = None
        if self._scheduler is not None:
            await self._scheduler.stop()
            self._scheduler = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await stop_channels(self.channels)
        self.dbwork.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await asyncio.to_thread(ping, self.engine)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if self.redis is not None:
            try:
                await self.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        return checks

    def conversation(self, session: Session, conversation_id: int) -> Conversation | None:
        return session.get(Conversation, conversation_id)


def cadence_deps(runtime: Runtime) -> CadenceDeps:
    """What a cadence pass needs, from the runtime: the embedded scheduler, ``quita worker``
    and ``quita cadence run`` all run this same pass (housekeeping first)."""
    return CadenceDeps(
        sessions=runtime.db,
        settings=runtime.settings,
        clock=runtime.clock,
        remind=runtime.remind_sync,
        before_pass=runtime.housekeeping_sync,
    )


def redis_client(url: str) -> Any:
    """A Redis client that reconnects and retries when a connection drops for a moment."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=5),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=15,
        socket_connect_timeout=3,
    )


_RESPONSES: dict[tuple[str, float], ResponseBook] = {}


def load_responses(directory: Path) -> ResponseBook:
    """The response book, compiled once per process and again only when a file changed."""
    stamp = max((p.stat().st_mtime for p in directory.rglob("*.yml")), default=0.0)
    key = (str(directory.resolve()), stamp)
    if key not in _RESPONSES:
        _RESPONSES.clear()
        _RESPONSES[key] = ResponseBook.load(directory)
    return _RESPONSES[key]


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    channels: dict[str, Channel] | None = None,
    interpreter: Interpreter | None = None,
    book: OfferBook | None = None,
    payments: PaymentProvider | None = None,
    dialogues_dir: Path | None = None,
) -> Runtime:
    """Wire a Runtime from settings. Fails loudly on a bad offer book or unreachable Redis
    configuration (never falls back to memory when Redis is configured)."""
    from bot.nlu import build_interpreter

    engine = make_engine(settings.database_url)
    book = book or load_offer_book(resource_path(settings.offers.path))
    responses = load_responses(resource_path(dialogues_dir or DIALOGUES_DIR))
    if payments is None:
        from bot.payments.provider import build_payment_provider

        payments = build_payment_provider(settings, book)
    deps = TurnDeps(
        settings=settings,
        interpreter=interpreter or build_interpreter(settings),
        book=book,
        responses=responses,
        payments=payments,
        after_dialogue=(offer_portal_link,),
        reminder_vars=(portal_reminder_link,),
    )
    if channels is None:
        from bot.channels.registry import build_channels

        channels = build_channels(settings)
    from bot.channels.registry import webhook_endpoints

    runtime = Runtime(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        db=make_sessionmaker(engine),
        deps=deps,
        channels=channels,
        webhooks=webhook_endpoints(settings, channels),
        dbwork=database_work_for(settings.database_url),
    )
    if settings.redis_url:
        from bot.runtime.redis_backends import RedisDeduper, RedisLiveUpdates, RedisLockManager

        client = redis_client(settings.redis_url)
        runtime.redis = client
        runtime.locks = RedisLockManager(client)
        runtime.deduper = RedisDeduper(client)
        runtime.live = RedisLiveUpdates(client)
    return runtime
