"""The wiring: the ports, the database work and the plumbing every service shares.

``Wiring`` holds what is configured once per process (settings, clock, database, the turn's
dependencies, channels, locks, de-duplication, live updates, the outbox sender) and the few
moves every way in needs: run work in a transaction off the event loop, wake the sender,
tell open consoles. The services (``inbound``, ``desk``, ``outreach``, ``simulator``) each
take one ``Wiring``; ``bot.runtime.service.Runtime`` is a ``Wiring`` that also starts and
stops the background loops.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import ChannelPolicy, WebhookEndpoint
from bot.channels.policies import policy_of
from bot.config import Settings
from bot.conversation import operations as ops
from bot.conversation.effects import TurnOutcome
from bot.conversation.turns import TurnDeps
from bot.core.clock import Clock, SystemClock
from bot.runtime.dbwork import DatabaseWork, ThreadedDatabaseWork
from bot.runtime.memory import MemoryDeduper, MemoryLiveUpdates, MemoryLockManager
from bot.runtime.ports import Channel, Deduper, LiveUpdates, LockManager
from bot.store.db import transaction
from bot.store.tables import Contact, Conversation

if TYPE_CHECKING:
    from bot.outbox.sender import OutboxSender
    from bot.runtime.inbox import InboxWorkers

T = TypeVar("T")


def chat_lock(channel: str, address: str) -> str:
    """One lock per chat (channel and address): known before any database access."""
    return f"chat:{channel}:{address}"


@dataclass
class Wiring:
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
    redis: Any = None  # redis.asyncio.Redis when configured (untyped library)
    dbwork: DatabaseWork = field(default_factory=ThreadedDatabaseWork)
    # set by Runtime.start: the sender's wake-up, and the inbox workers (background mode)
    outbox_ready: asyncio.Event | None = None
    inbox: InboxWorkers | None = None
    _sender: OutboxSender | None = None

    # --- transactions -------------------------------------------------------------------

    def in_transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction, here (callers already off the event loop)."""
        with transaction(self.db) as session:
            return work(session)

    async def run_in_transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction off the event loop (``bot.runtime.dbwork``)."""
        return await self.dbwork(functools.partial(self.in_transaction, work))

    async def hold_conversation(self, conversation_id: int) -> AbstractAsyncContextManager[None]:
        """The chat's lock, for work that starts from a conversation id (agents)."""

        def address(session: Session) -> tuple[str, str]:
            row = session.get(Conversation, conversation_id)
            contact = session.get(Contact, row.contact_id) if row else None
            if contact is None:
                raise ops.OperationError(f"no conversation {conversation_id}")
            return contact.channel, contact.address

        channel, addr = await self.run_in_transaction(address)
        return self.locks.hold(chat_lock(channel, addr))

    def conversation(self, session: Session, conversation_id: int) -> Conversation | None:
        return session.get(Conversation, conversation_id)

    # --- after the work -----------------------------------------------------------------

    def wake_sender(self) -> None:
        if self.outbox_ready is not None:
            self.outbox_ready.set()

    def after(self, outcome: TurnOutcome | None) -> None:
        """Hand what the work queued to this process's sender (it sends those rows at once,
        without a look at the whole outbox); before the sender runs, just wake it."""
        if outcome is not None and outcome.queued:
            if self._sender is not None and self.outbox_ready is not None:
                self._sender.notify(outcome.queued, outcome.routes)
            else:
                self.wake_sender()

    async def notify(self, conversation_id: int | None, kind: str, *, inbox: bool = True) -> None:
        """Tell open consoles; the inbox only hears about chats that concern agents."""
        if conversation_id is None:
            return
        await self.live.publish(f"conversation:{conversation_id}", {"kind": kind})
        if inbox:
            await self.live.publish("inbox", {"conversation_id": conversation_id, "kind": kind})

    async def announce(self, outcome: TurnOutcome | None, kind: str) -> None:
        """Work done outside a turn (the self-service page): send what it queued and tell
        the consoles and the agents' inbox about the chat."""
        self.after(outcome)
        if outcome is not None:
            await self.notify(outcome.conversation_id, kind)

    def policy(self, channel: str) -> ChannelPolicy:
        """What the channel may do (its configured adapter's, else the default one's)."""
        return policy_of(self.channels.get(channel), channel)

    # --- the outbox ---------------------------------------------------------------------

    def outbox_sender(self) -> OutboxSender:
        from bot.outbox.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
        from bot.outbox.sender import OutboxSender

        if self._sender is None:
            # provider rate limits are about real seconds, whatever the business clock says
            wall = SystemClock()
            limiter: RateLimiter = (
                RedisRateLimiter(self.redis, wall) if self.redis else MemoryRateLimiter(wall)
            )
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
        return await self.outbox_sender().drain()
