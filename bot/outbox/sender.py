"""The sender: drains the outbox with retries, backoff and rate limits; each message once.

One message's life: claim (an atomic lease, so one sender wins) -> rate-limit wait ->
``channel.send`` -> ``mark_sent`` (only from ``queued``). A transient ``SendError`` goes back
to the outbox with exponential backoff (at least the provider's ``Retry-After``) until
``channels.send_max_attempts``; a permanent one fails the message. Messages of one
conversation go out in order: one that waits blocks the later ones.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import Channel, ChannelPolicy, SendError
from bot.channels.masking import mask_address
from bot.channels.policies import policy_of
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.domain import Button, DeliveryStatus, OutboundMessage
from bot.outbox.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.store.conversations import MessageRepository
from bot.store.db import transaction
from bot.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 900.0

Sleep = Callable[[float], Awaitable[None]]


def backoff_seconds(attempts: int, base: float, retry_after: float | None = None) -> float:
    """``base * 2^(attempts-1)``, capped, and never sooner than the provider asked."""
    delay: float = min(base * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return max(delay, retry_after or 0.0)


def outbound_from_row(
    message: Message, address: str, *, as_template: bool, images: bool = False
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
    attempts: int
    can_requeue_template: bool


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
        lease: timedelta = timedelta(minutes=5),
        concurrency: int = 16,
        batch: int = 500,
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

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were sent."""
        sent = 0
        while True:
            due = await asyncio.to_thread(self._due)
            if not due:
                return sent
            by_conversation: dict[int, list[int]] = {}
            for message_id, conversation_id in due:
                by_conversation.setdefault(conversation_id, []).append(message_id)
            results = await asyncio.gather(
                *(self._conversation(ids) for ids in by_conversation.values())
            )
            sent += sum(n for n, _ in results)
            if not any(tried for _, tried in results):
                return sent

    async def run(self, wake: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Drain forever: after ``wake`` is set, or every ``idle_seconds`` (retries)."""
        while True:
            wake.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox drain failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), idle_seconds)

    def _due(self) -> list[tuple[int, int]]:
        with transaction(self._db) as session:
            rows = MessageRepository(session).due_outbox(self._clock.now(), limit=self._batch)
            return [(m.id, m.conversation_id) for m in rows]

    async def _conversation(self, message_ids: list[int]) -> tuple[int, bool]:
        """One conversation's due messages, in order; stops at the first that must wait."""
        sent, tried = 0, False
        async with self._slots:
            for message_id in message_ids:
                outcome = await self.deliver(message_id)
                tried = tried or outcome != "skipped"
                if outcome == "sent":
                    sent += 1
                elif outcome != "failed":
                    break
        return sent, tried

    async def deliver(self, message_id: int) -> str:
        """Try one message: "sent", "retry", "failed" or "skipped" (not ours to send now)."""
        job = await asyncio.to_thread(self._claim, message_id)
        if job is None:
            return "skipped"
        if job.outbound is None:
            await asyncio.to_thread(self._finish_failed, message_id, job.refusal or "refused")
            return "failed"
        message = job.outbound
        channel = self._channels.get(message.channel)
        if channel is None:
            error = f"channel {message.channel!r} is not configured"
            await asyncio.to_thread(self._finish_failed, message_id, error)
            return "failed"
        await self._wait_for_slot(message)
        try:
            result = await channel.send(message)
        except SendError as exc:
            return await asyncio.to_thread(self._after_error, message_id, job, exc)
        except Exception as exc:  # a bug or an unexpected SDK error: retry, loudly
            log.exception("send crashed", extra={"message_id": message_id})
            crash = SendError(f"{type(exc).__name__}: {exc}", transient=True, code="crash")
            return await asyncio.to_thread(self._after_error, message_id, job, crash)
        await asyncio.to_thread(self._finish_sent, message_id, result.provider_id)
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

    async def _wait_for_slot(self, message: OutboundMessage) -> None:
        waits = [
            await self._limiter.reserve(limit.key, rate=limit.rate, burst=limit.burst)
            for limit in self._policy(message.channel).limits(message.address)
        ]
        wait = max(waits, default=0.0)
        if wait > 0:
            await self._sleep(wait)

    def _policy(self, channel: str) -> ChannelPolicy:
        return policy_of(self._channels.get(channel), channel)

    def _claim(self, message_id: int) -> _Job | None:
        now = self._clock.now()
        with transaction(self._db) as session:
            if self._earlier_pending(session, message_id, now):
                return None
            if not MessageRepository(session).claim(message_id, now, self._lease):
                return None
            row = session.get(Message, message_id)
            if row is None:
                return None
            from bot.payments.guard import paid_since_queued

            if paid_since_queued(session, row):
                reason = "a payment arrived after this reminder was queued"
                return _Job(None, reason, row.attempts, False)
            contact = session.scalar(
                select(Contact)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .where(Conversation.id == row.conversation_id)
            )
            return self._job(row, contact, now)

    def _job(self, row: Message, contact: Contact | None, now: datetime) -> _Job:
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

    def _earlier_pending(self, session: Session, message_id: int, now: datetime) -> bool:
        """True when an older message of the same conversation is still in the outbox.

        A message held for contact hours (never tried, due later) does not hold back the
        replies that come after it: the person is writing now and gets answered now."""
        conversation_id = select(Message.conversation_id).where(Message.id == message_id)
        earlier = session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == conversation_id.scalar_subquery(),
                Message.direction == "out",
                Message.status == DeliveryStatus.QUEUED,
                Message.id < message_id,
                or_(
                    Message.attempts > 0,
                    Message.next_attempt_at.is_(None),
                    Message.next_attempt_at <= now,
                ),
            )
            .limit(1)
        )
        return earlier is not None

    def _finish_sent(self, message_id: int, provider_id: str) -> None:
        with transaction(self._db) as session:
            MessageRepository(session).mark_sent(message_id, provider_id, self._clock.now())

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


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
