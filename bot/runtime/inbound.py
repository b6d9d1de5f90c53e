"""Inbound: a debtor's message (webhook, polling, simulator) and a provider's delivery status.

The chat's lock is taken before any I/O, so one chat's messages are handled in the order
they arrived; the turn itself (``bot.conversation.turns.inbound_turn``) runs in one
transaction. A message no retry could handle is kept as a dead letter (``bot.runtime.poison``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.conversation.effects import TurnOutcome
from bot.conversation.turns import inbound_turn
from bot.core.domain import InboundMessage, StatusUpdate
from bot.core.enums import EventKind
from bot.runtime import poison
from bot.runtime.wiring import Wiring, chat_lock
from bot.store import deadletters
from bot.store.conversations import MessageRepository

log = logging.getLogger(__name__)


class Inbound:
    def __init__(self, wiring: Wiring) -> None:
        self.w = wiring

    async def receive(self, msg: InboundMessage) -> bool:
        """Handle one inbound message now. False when it was a duplicate delivery."""
        w = self.w
        try:
            msg = poison.sanitise(msg, now=w.clock.now())
        except poison.PoisonMessage as exc:
            await self.park(msg, exc)
            return False
        async with w.locks.hold(chat_lock(msg.channel, msg.address)):
            key = f"in:{msg.channel}:{msg.provider_id}"
            if not await w.deduper.first_time(key):
                return False
            try:
                outcome = await w.run_in_transaction(lambda s: inbound_turn(s, msg, w.deps))
            except BaseException as exc:
                # nothing was committed for this delivery: let the provider's retry through,
                # unless a retry would fail the same way (then it is kept as a dead letter)
                if not poison.is_poison(exc):
                    await w.deduper.forget(key)
                    raise
                try:
                    await self.park(msg, exc)
                except BaseException:
                    await w.deduper.forget(key)
                    raise exc from None
                return False
        return await self._turn_done(outcome)

    async def accept(self, msg: InboundMessage) -> bool:
        """A webhook's message: stored (committed) when this returns, its turn run after.

        Started in the background, the turn runs in the chat's inbox worker
        (``bot.runtime.inbox``) so the webhook answers at once; otherwise (tests, tools) the
        turn runs here, as ``receive``. False when it was a duplicate delivery."""
        if self.w.inbox is None:
            return await self.receive(msg)
        try:
            msg = poison.sanitise(msg, now=self.w.clock.now())
        except poison.PoisonMessage as exc:
            await self.park(msg, exc)
            return False
        return await self.w.inbox.accept(msg)

    async def inbox_turn(self, msg: InboundMessage, finish: Callable[[Session], None]) -> bool:
        """One inbox delivery's turn, its row marked done by ``finish`` in the turn's own
        transaction; True when that committed. The inbox worker holds the chat's lock. The
        inbox row already de-duplicated the delivery and ``messages`` is unique on it, so
        the Redis de-duplication is not asked (it would drop a turn interrupted by a crash).
        """
        w = self.w

        def turn_and_finish(session: Session) -> TurnOutcome | None:
            outcome = inbound_turn(session, msg, w.deps)
            finish(session)
            return outcome

        try:
            outcome = await w.run_in_transaction(turn_and_finish)
        except Exception as exc:
            if not poison.is_poison(exc):
                raise  # the inbox retries it, then marks it failed
            await self.park(msg, exc)  # a retry would fail the same way: kept, not looped
            return False
        # committed, row and all: what follows must not send the row back to be retried
        try:
            await self._turn_done(outcome)
        except Exception:
            log.exception("inbound.after_turn_failed")
        return True

    async def _turn_done(self, outcome: TurnOutcome | None) -> bool:
        if outcome is None:
            return False  # the database already had this delivery
        self.w.after(outcome)
        await self.w.notify(outcome.conversation_id, "message", inbox=outcome.status != "bot")
        if EventKind.RECEIPT_RECEIVED in outcome.events:
            from bot.payments.service import review_new_receipts

            # a Pix the PSP already has is thanked at once
            for review in await review_new_receipts(self.w):
                self.w.after(review.turn)
        return True

    async def park(self, msg: InboundMessage, error: BaseException) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(lambda s: deadletters.park(s, msg, error, now=now))

    async def record_status(self, update: StatusUpdate) -> bool:
        """A delivery status from the provider; late or repeated ones never move it back."""
        from bot.outbox.sender import requeue_as_template

        w = self.w
        now = w.clock.now()
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
            if w.policy(update.channel).means_resend_as_template(update.error_code):
                requeued = requeue_as_template(session, row.id, now)
            return row.conversation_id

        conversation_id = await w.run_in_transaction(work)
        if requeued:
            w.wake_sender()
        await w.notify(conversation_id, "status", inbox=False)
        return conversation_id is not None
