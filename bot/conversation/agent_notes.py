"""What staff keep on a chat for themselves: private notes, labels, snooze, what was seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversation.agent_access import agent_event, locked_conversation, require_holder, staff
from bot.conversation.operations import OperationError
from bot.store.tables import Conversation, ConversationNote


def add_note(
    session: Session, conversation_id: int, agent_id: int, text: str, now: datetime
) -> int:
    """A private note any staff member may leave; never sent."""
    staff(session, agent_id)
    conversation = locked_conversation(session, conversation_id)
    if not text.strip():
        raise OperationError("the note is empty")
    note = ConversationNote(
        conversation_id=conversation.id, author_id=agent_id, text=text.strip()[:2000],
        created_at=now,
    )  # fmt: skip
    session.add(note)
    session.flush()
    return note.id


def set_labels(
    session: Session, conversation_id: int, agent_id: int, labels: list[str], now: datetime
) -> None:
    staff(session, agent_id)
    conversation = locked_conversation(session, conversation_id)
    clean = sorted({x.strip().lower()[:24] for x in labels if x.strip()})[:8]
    conversation.labels = clean or None
    conversation.updated_at = now


def snooze(
    session: Session, conversation_id: int, agent_id: int, until: datetime, now: datetime
) -> None:
    """Hide a held chat from "mine" until ``until`` (a debtor's message brings it back)."""
    conversation = locked_conversation(session, conversation_id)
    require_holder(session, conversation, agent_id)
    if until <= now:
        raise OperationError("snooze until a later day")
    conversation.snoozed_until = until
    agent_event(session, conversation, agent_id, "snoozed", now, until=until.isoformat())


def mark_seen(session: Session, conversation_id: int, agent_id: int, last_id: int) -> None:
    """The holder has seen every message up to ``last_id`` (unread counts)."""
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is not None
        and conversation.assigned_agent_id == agent_id
        and (conversation.seen_message_id or 0) < last_id
    ):
        conversation.seen_message_id = last_id
