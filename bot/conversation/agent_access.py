"""Who may act on a chat from the console, and the event an agent's action leaves.

The rules (``bot.conversation.agents`` explains them) are checked here, on the server, from
the user's stored role.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversation.operations import NotAllowed, OperationError
from bot.core.enums import ConversationStatus, EventKind, Role
from bot.store.conversations import ConversationRepository
from bot.store.ledger import EventLog
from bot.store.tables import Contact, Conversation, User

MIN_OVERRIDE_REASON = 10  # characters: a legal reason, not "ok"


def agent_event(
    session: Session,
    conversation: Conversation,
    agent_id: int,
    kind: str,
    now: datetime,
    **data: object,
) -> None:
    """An agent's action in the event log, tied to the chat and its debtor."""
    EventLog(session).append(
        EventKind(kind),  # a str from the callers; refused here unless it is a known kind
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
        data=dict(data),
    )


def locked_conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = ConversationRepository(session).lock_row(conversation_id)
    if conversation is None:
        raise OperationError(f"no conversation {conversation_id}")
    return conversation


def staff(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotAllowed("unknown or inactive user")
    return user


def is_manager(user: User) -> bool:
    return user.role in (Role.MANAGER, Role.ADMIN)


def holds(conversation: Conversation, user_id: int) -> bool:
    return (
        conversation.status == ConversationStatus.WITH_AGENT
        and conversation.assigned_agent_id == user_id
    )


def require_holder(session: Session, conversation: Conversation, user_id: int) -> User:
    """The user, when they hold the chat or are a manager; else ``NotAllowed``."""
    user = staff(session, user_id)
    if is_manager(user) or holds(conversation, user_id):
        return user
    raise NotAllowed("only the agent holding this chat (or a manager) may do this")


def require_debtor(conversation: Conversation) -> int:
    if conversation.debtor_id is None:
        raise OperationError("this chat is not linked to a debtor")
    return conversation.debtor_id


def do_not_contact(contact: Contact) -> str | None:
    """Why nothing may be sent to this contact, or ``None``."""
    if contact.opted_out:
        return "opted_out"
    if contact.invalid:
        return "invalid"
    return None
