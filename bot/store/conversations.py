"""Conversations and their messages; outbound rows in status ``queued`` form the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.domain import ConversationStatus, DeliveryStatus
from bot.store.tables import Contact, Conversation, Message


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, conversation_id: int) -> Conversation | None:
        return self.session.get(Conversation, conversation_id)

    def for_contact(self, contact: Contact, now: datetime, language: str) -> Conversation:
        """The one conversation of a contact, created on first use."""
        row = self.session.scalar(
            select(Conversation).where(Conversation.contact_id == contact.id)
        )
        if row is None:
            row = Conversation(
                debtor_id=contact.debtor_id,
                contact_id=contact.id,
                channel=contact.channel,
                status=ConversationStatus.BOT,
                state={},
                language=language,
                created_at=now,
                updated_at=now,
            )
            self.session.add(row)
            self.session.flush()
        return row

    def lock_row(self, conversation_id: int) -> Conversation | None:
        """Re-read a conversation with a row lock where the database has them."""
        return self.session.scalar(
            select(Conversation).where(Conversation.id == conversation_id).with_for_update()
        )

    def waiting(self) -> list[Conversation]:
        return list(
            self.session.scalars(
                select(Conversation)
                .where(
                    Conversation.status.in_(
                        [ConversationStatus.WAITING_AGENT, ConversationStatus.WITH_AGENT]
                    )
                )
                .order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.id)
            )
        )


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def inbound_seen(self, channel: str, provider_id: str) -> bool:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.channel == channel, Message.provider_id == provider_id)
            )
            or 0
        ) > 0

    def add_inbound(
        self,
        conversation: Conversation,
        *,
        channel: str,
        provider_id: str,
        text: str,
        at: datetime,
        media: list[dict[str, Any]] | None = None,
    ) -> Message | None:
        """Store an inbound message; ``None`` if that provider id was already stored."""
        row = Message(
            conversation_id=conversation.id,
            direction="in",
            sender="debtor",
            channel=channel,
            text=text,
            provider_id=provider_id,
            status=DeliveryStatus.RECEIVED,
            media=media or None,
            created_at=at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return row

    def queue_outbound(
        self,
        conversation: Conversation,
        *,
        text: str,
        at: datetime,
        sender: str = "bot",
        business_initiated: bool = False,
        template: str | None = None,
        extra: dict[str, Any] | None = None,
        agent_id: int | None = None,
        send_after: datetime | None = None,
    ) -> Message:
        row = Message(
            conversation_id=conversation.id,
            direction="out",
            sender=sender,
            channel=conversation.channel,
            text=text,
            status=DeliveryStatus.QUEUED,
            template=template,
            extra=extra or None,
            business_initiated=business_initiated,
            agent_id=agent_id,
            attempts=0,
            next_attempt_at=send_after or at,
            created_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def history(self, conversation_id: int, limit: int | None = None) -> list[Message]:
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.id)
        )
        rows = list(self.session.scalars(query))
        return rows[-limit:] if limit else rows

    def due_outbox(self, now: datetime, limit: int = 100) -> list[Message]:
        return list(
            self.session.scalars(
                select(Message)
                .where(
                    Message.direction == "out",
                    Message.status == DeliveryStatus.QUEUED,
                    or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
                )
                .order_by(Message.id)
                .limit(limit)
            )
        )

    def claim(self, message_id: int, now: datetime, lease: timedelta) -> bool:
        """Take a queued message for sending; only one sender wins (atomic UPDATE)."""
        result = self.session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.status == DeliveryStatus.QUEUED,
                or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + lease, attempts=Message.attempts + 1)
        )
        return (result.rowcount or 0) == 1  # type: ignore[attr-defined]

    def mark_sent(self, message_id: int, provider_id: str, at: datetime) -> None:
        self.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == DeliveryStatus.QUEUED)
            .values(status=DeliveryStatus.SENT, provider_id=provider_id, sent_at=at, error=None)
        )

    def mark_failed(self, message_id: int, error: str) -> None:
        self.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(status=DeliveryStatus.FAILED, error=error[:200])
        )

    def retry_later(self, message_id: int, when: datetime, error: str) -> None:
        self.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(next_attempt_at=when, error=error[:200])
        )

    def by_provider_id(self, channel: str, provider_id: str) -> Message | None:
        return self.session.scalar(
            select(Message).where(Message.channel == channel, Message.provider_id == provider_id)
        )

    def apply_status(self, message: Message, status: DeliveryStatus, at: datetime) -> bool:
        """Record a delivery status; an older status arriving late never moves it back."""
        current = DeliveryStatus(message.status)
        if status == DeliveryStatus.DELIVERED:
            message.delivered_at = message.delivered_at or at
        elif status == DeliveryStatus.READ:
            message.read_at = message.read_at or at
            message.delivered_at = message.delivered_at or at
        if status.rank <= current.rank and current != DeliveryStatus.QUEUED:
            return False
        message.status = status
        return True
