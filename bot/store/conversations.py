"""Conversations and their messages; outbound rows in status ``queued`` form the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.attributes import instance_state

from bot.core.domain import ConversationStatus, DeliveryStatus
from bot.store.db import connection_of
from bot.store.prepared import Prepared
from bot.store.tables import Contact, Conversation, Debtor, Message


# A turn's statements, built once: building one costs more CPU than running it on SQLite
# (each value coerced, the cache key worked out), and a built one keeps its cache key.
def _columns(model: type[Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """A model's attribute names and their columns, in the mapper's order."""
    props = inspect(model).column_attrs
    return tuple(p.key for p in props), tuple(p.columns[0] for p in props)


_CHAT_MODELS = (Contact, Conversation, Debtor)
_CHAT_COLUMNS = tuple(_columns(model) for model in _CHAT_MODELS)
CHAT = Prepared(
    select(*(column for _names, columns in _CHAT_COLUMNS for column in columns))
    .select_from(
        Contact.__table__.outerjoin(
            Conversation.__table__, Conversation.__table__.c.contact_id == Contact.__table__.c.id
        ).outerjoin(Debtor.__table__, Debtor.__table__.c.id == Contact.__table__.c.debtor_id)
    )
    .where(
        Contact.__table__.c.channel == bindparam("channel"),
        Contact.__table__.c.address == bindparam("address"),
    )
)


def _attached(session: Session, model: type[Any], names: tuple[str, ...], values: Any) -> Any:
    """The row of ``model`` with ``values`` as a persistent entity of ``session``, as the
    ORM loads one (the session's own object if it holds it already), built from plain
    columns: the ORM's loading of a turn's three rows was a tenth of its CPU under load.

    What ``make_transient_to_detached`` and ``Session.add`` would do, less what cannot
    apply to a row just read (history to clear, attributes to expire, relationships to
    cascade: these models have none): ``Session._update_impl`` attaches it, with the
    session's attach events, as ``Session.add`` does for an object that has a key."""
    key = (model, (values[0],), None)
    found = session.identity_map.get(key)
    if found is not None:
        return found
    row = _MANAGERS[model].new_instance()
    row.__dict__.update(zip(names, values, strict=True))  # loaded values: no history
    state = instance_state(row)
    state.key = key
    session._update_impl(state)
    return row


_MANAGERS = {model: class_mapper(model).class_manager for model in _CHAT_MODELS}


NEW_INBOUND = {
    dialect.__name__.rsplit(".", 1)[-1]: Prepared(
        dialect.insert(Message)
        .on_conflict_do_nothing(index_elements=[Message.channel, Message.provider_id])
        .returning(Message.id)
    )
    for dialect in (postgresql, sqlite)
}
SET_ACTIONS = Prepared(
    update(Message)
    .where(Message.id == bindparam("message_id"))
    .values(actions=bindparam("new_actions", type_=Message.__table__.c.actions.type))
)
NEW_OUTBOUND = Prepared(insert(Message).returning(Message.id))
NEW_CONVERSATION = Prepared(insert(Conversation).returning(Conversation.id))
_CONVERSATION_NAMES = _CHAT_COLUMNS[1][0]


def _first_values(contact: Contact, now: datetime, language: str) -> dict[str, Any]:
    """A contact's new conversation: with the bot, nothing said yet."""
    return {
        "debtor_id": contact.debtor_id,
        "contact_id": contact.id,
        "channel": contact.channel,
        "status": ConversationStatus.BOT,
        "state": {},
        "language": language,
        "created_at": now,
        "updated_at": now,
    }


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
            row = Conversation(**_first_values(contact, now, language))
            self.session.add(row)
            self.session.flush()
        return row

    def start(self, contact: Contact, now: datetime, language: str) -> Conversation:
        """The first conversation of a contact known to have none (``chat`` said so), in
        one INSERT: the ORM's flush of a new row cost as much as the rest of a turn's
        writes, and a tenth of the turns in a busy hour are someone's first."""
        values: dict[str, Any] = dict.fromkeys(_CONVERSATION_NAMES)
        values.update(_first_values(contact, now, language))
        del values["id"]
        new_id = NEW_CONVERSATION.scalar(connection_of(self.session), values)
        row: Conversation = _attached(
            self.session, Conversation, _CONVERSATION_NAMES, (new_id, *values.values())
        )
        return row

    def chat(
        self, channel: str, address: str
    ) -> tuple[Contact, Conversation | None, Debtor | None] | None:
        """A known contact with its conversation and debtor, in one query (a turn's first
        three reads); ``None`` for an address never seen."""
        rows = CHAT.rows(connection_of(self.session), {"channel": channel, "address": address})
        if not rows:
            return None
        found: list[Any] = []
        start = 0
        for model, (names, _columns) in zip(_CHAT_MODELS, _CHAT_COLUMNS, strict=True):
            values = rows[0][start : start + len(names)]
            start += len(names)
            found.append(
                None if values[0] is None else _attached(self.session, model, names, values)
            )
        contact, conversation, debtor = found
        return contact, conversation, debtor

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

    def insert_inbound(
        self,
        conversation: Conversation,
        *,
        channel: str,
        provider_id: str,
        text: str,
        at: datetime,
        media: list[dict[str, Any]] | None = None,
        intent: str | None = None,
        confidence: float | None = None,
        entities: list[Any] | None = None,
    ) -> int | None:
        """Store an inbound message already read; its id, or ``None`` if that provider id
        was already stored. One statement: the unique (channel, provider_id) decides, without
        a savepoint around an insert that may fail."""
        values = {
            "conversation_id": conversation.id,
            "direction": "in",
            "sender": "debtor",
            "channel": channel,
            "text": text,
            "provider_id": provider_id,
            "status": DeliveryStatus.RECEIVED,
            "intent": intent,
            "confidence": confidence,
            "entities": entities,
            "media": media or None,
            "business_initiated": False,
            "attempts": 0,
            "created_at": at,
        }
        connection = connection_of(self.session)
        statement = NEW_INBOUND[
            "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
        ]
        # on the session's connection: no autoflush (the turn's changes go in one flush)
        found: int | None = statement.scalar(connection, values)
        return found

    def set_actions(self, message_id: int, actions: list[Any]) -> None:
        """What the bot did about an inbound message, for the log."""
        SET_ACTIONS.run(
            connection_of(self.session), {"message_id": message_id, "new_actions": actions}
        )

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
    ) -> int:
        """Queue a message in the outbox; its id (the outbox's order)."""
        values: dict[str, Any] = {
            "conversation_id": conversation.id,
            "direction": "out",
            "sender": sender,
            "channel": conversation.channel,
            "text": text,
            "status": DeliveryStatus.QUEUED,
            "template": template,
            "extra": extra or None,
            "business_initiated": business_initiated,
            "agent_id": agent_id,
            "attempts": 0,
            "next_attempt_at": send_after or at,
            "created_at": at,
        }
        # One INSERT on the session's connection, so the turn's other changes are not
        # flushed with it (they go in one flush at commit), and no ORM row: callers need its
        # id, and building one cost a third of the reply's storage
        new_id: int = NEW_OUTBOUND.scalar(connection_of(self.session), values)
        return new_id

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
