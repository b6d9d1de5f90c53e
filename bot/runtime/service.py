"""The Runtime: the wiring (``bot.runtime.wiring``), its services and their background loops.

Every way in goes through one service, each in its own module:

- ``runtime.inbound`` (``bot.runtime.inbound``): debtors' messages and delivery statuses;
- ``runtime.desk`` (``bot.runtime.desk``): what agents and managers do from the console;
- ``runtime.outreach`` (``bot.runtime.outreach``): reminders, payments, housekeeping;
- ``runtime.simulator`` (``bot.runtime.simulator``): the demo's web chat.

``Runtime.start`` starts the inbox workers, the sender loop, the embedded scheduler (without
Redis) and the channels; ``stop`` stops them. ``build_runtime`` wires it all from settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.cadence.scheduler import EmbeddedScheduler, embedded_scheduler
from bot.channels.base import InboundSink
from bot.channels.lifecycle import start_channels, stop_channels
from bot.config import Settings
from bot.conversation.turns import TurnDeps
from bot.core.clock import Clock, SystemClock
from bot.core.parse import Interpreter
from bot.dialogue.responses import ResponseBook
from bot.offers.book import OfferBook, load_offer_book
from bot.offers.payments import PaymentProvider
from bot.portal.chat import offer_link as offer_portal_link
from bot.portal.chat import reminder_link as portal_reminder_link
from bot.resources import resource_path
from bot.runtime.dbwork import (
    DatabaseWork,
    SerialDatabaseWork,
    ThreadedDatabaseWork,
    database_work_for,
)
from bot.runtime.desk import AgentDesk
from bot.runtime.inbound import Inbound
from bot.runtime.inbox import InboxWorkers
from bot.runtime.outreach import Outreach
from bot.runtime.ports import Channel
from bot.runtime.simulator import Simulator
from bot.runtime.wiring import Wiring, chat_lock
from bot.store.db import make_engine, make_sessionmaker, ping

__all__ = ["Runtime", "build_runtime", "chat_lock"]

log = logging.getLogger(__name__)

DIALOGUES_DIR = Path("dialogues")  # resolved by bot.resources, not the working directory


@dataclass
class Runtime(Wiring):
    inbound: Inbound = field(init=False)
    desk: AgentDesk = field(init=False)
    outreach: Outreach = field(init=False)
    simulator: Simulator = field(init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _scheduler: EmbeddedScheduler | None = None

    def __post_init__(self) -> None:
        self.inbound = Inbound(self)
        self.desk = AgentDesk(self)
        self.outreach = Outreach(self)
        self.simulator = Simulator(self, self.inbound)

    async def _sender_loop(self) -> None:
        assert self.outbox_ready is not None
        while True:
            try:
                await self.outbox_sender().run(self.outbox_ready)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender.run_failed")
                await asyncio.sleep(1.0)

    async def start(self, *, background: bool = True) -> None:
        """Start the sender (and, embedded, the scheduler). A configured Redis that cannot be
        reached stops start-up: falling back to memory would lose locks and dedupe."""
        self.outbox_ready = asyncio.Event()
        if self.redis is not None:
            try:
                await self.redis.ping()
            except Exception as exc:
                raise RuntimeError(f"redis_url is set but Redis cannot be reached: {exc}") from exc
        if not background:
            return
        self.inbox = InboxWorkers(
            self.db, self.locks, self.clock, self.inbound.inbox_turn, chat_lock, self.dbwork
        )
        self._tasks.append(asyncio.create_task(self.inbox.run_sweeps(), name="quita-inbox"))
        self._tasks.append(asyncio.create_task(self._sender_loop(), name="quita-sender"))
        if self.settings.cadence.enabled and self.redis is None:
            # with Redis, `quita worker` runs the same passes (bot.cadence.worker)
            self._scheduler = embedded_scheduler(self.outreach.cadence_deps())
            self._scheduler.start()
        if not self.deps.responses.codes:
            # once per change to dialogues/: the next start needs no compile (a thread of its
            # own, so the event loop and the database thread are not held)
            threading.Thread(
                target=cache_responses,
                args=(self.deps.responses, Path(self.settings.responses_cache)),
                name="quita-responses-cache",
                daemon=True,
            ).start()
        inbox = InboundSink(receive=self.inbound.receive, now=self.clock.now)
        await start_channels(self.channels, inbox)

    async def stop(self) -> None:
        if self.inbox is not None:
            await self.inbox.stop()
            self.inbox = None
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
_CACHING = threading.Lock()


def load_responses(directory: Path, cache: Path | None = None) -> ResponseBook:
    """The response book, read once per process and again only when a file changed. With
    ``cache`` (``bot.dialogue.compiled_cache``) holding its texts' compiled code, neither
    the check nor a compile is needed; otherwise every text is checked now and compiled at
    first use (``cache_responses`` keeps the code for the next start)."""
    stamp = max((p.stat().st_mtime for p in directory.rglob("*.yml")), default=0.0)
    key = (str(directory.resolve()), stamp)
    if key not in _RESPONSES:
        from bot.dialogue import compiled_cache

        book = ResponseBook.load(directory, check=False)
        if cache is None or not compiled_cache.load_cached(book, cache):
            book.check_all()
        _RESPONSES.clear()
        _RESPONSES[key] = book
    return _RESPONSES[key]


def cache_responses(book: ResponseBook, cache: Path) -> None:
    """Compile every text of ``book`` now and keep the code in ``cache``, unless it is
    there already (a few seconds of CPU once per change to ``dialogues/``)."""
    from bot.dialogue import compiled_cache

    if not _CACHING.acquire(blocking=False):
        return  # another start of this process is compiling them
    try:
        if not book.codes:
            compiled_cache.save(book, cache)
    finally:
        _CACHING.release()


def pool_options(dbwork: DatabaseWork) -> dict[str, int]:
    """A connection per database thread, a few for the rest (logins, the cadence's thread);
    the pool opens them as they are asked for, so an idle process holds few."""
    if not isinstance(dbwork, ThreadedDatabaseWork):
        return {}
    return {"pool_size": dbwork.pool_size + 4, "max_overflow": 8}


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

    dbwork = database_work_for(settings.database_url, settings.database_threads)
    engine = make_engine(settings.database_url, **pool_options(dbwork))
    if isinstance(dbwork, SerialDatabaseWork):
        dbwork.keep(engine)
    book = book or load_offer_book(resource_path(settings.offers.path))
    responses = load_responses(
        resource_path(dialogues_dir or DIALOGUES_DIR), Path(settings.responses_cache)
    )
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
        dbwork=dbwork,
    )
    if settings.redis_url:
        from bot.runtime.redis_backends import RedisDeduper, RedisLiveUpdates, RedisLockManager

        client = redis_client(settings.redis_url)
        runtime.redis = client
        runtime.locks = RedisLockManager(client)
        runtime.deduper = RedisDeduper(client)
        runtime.live = RedisLiveUpdates(client)
    return runtime
