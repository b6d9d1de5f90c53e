"""What business-side operations share: their error and how they build a turn's effects.

Payments live in ``bot.conversation.payments``, agent actions in ``bot.conversation.agents``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.conversation.effects import Effects
from bot.conversation.turns import TurnDeps, turn_effects
from bot.store.tables import Contact, Conversation


class OperationError(ValueError):
    """An operation that cannot be done; the message says why (shown to the operator)."""


class NotAllowed(OperationError):
    """The user may not do this (not the chat's holder, not a manager)."""


class DoNotContact(OperationError):
    """The contact opted out or is invalid: no message goes to it (a manager may override
    for a legal reason, recorded)."""


class AlreadyTaken(OperationError):
    def __init__(self, agent_name: str) -> None:
        super().__init__(f"this chat is with {agent_name}")
        self.agent_name = agent_name


def business_effects(
    session: Session,
    conversation: Conversation,
    deps: TurnDeps,
    now: datetime,
    **options: Any,
) -> Effects:
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    return turn_effects(session, conversation, contact, deps, now, **options)
