"""What agents do from the console: take, transfer, reply, release, close (here), money
actions (``agent_money``), notes, labels and snooze (``agent_notes``).

Who may do what is decided on the server (``agent_access``), from the user's stored role:

- a chat's actions (reply, release, close, money, invalid, snooze) belong to its holder; a
  manager may act on any chat;
- money actions stay within the offer book's limits (``bot.conversation.limits``, the
  bot's own maths); beyond them, and for every dispute outcome, an agent files an approval
  request a manager decides (``bot.conversation.approvals``); a manager's own action beyond
  the book is recorded as a request approved by that manager;
- nothing is sent to an opted-out or invalid contact; a manager may override for a legal
  reason, which is recorded in the event log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversation.agent_access import (
    MIN_OVERRIDE_REASON,
    agent_event,
    do_not_contact,
    holds,
    is_manager,
    locked_conversation,
    require_debtor,
    require_holder,
    staff,
)
from bot.conversation.agent_money import (
    ActionResult,
    agent_approve_agreement,
    agent_create_agreement,
    agent_plan,
    agent_record_promise,
    agent_resolve_dispute,
    make_agreement,
    settle_dispute,
)
from bot.conversation.agent_notes import add_note, mark_seen, set_labels, snooze
from bot.conversation.effects import TurnOutcome
from bot.conversation.operations import (
    AlreadyTaken,
    DoNotContact,
    NotAllowed,
    OperationError,
    business_effects,
)
from bot.conversation.turns import TurnDeps, run_dialogue
from bot.core.enums import ConversationStatus, EventKind, taken
from bot.dialogue.context import AgentReleased
from bot.dialogue.state import ConversationState
from bot.store.conversations import MessageRepository
from bot.store.tables import Contact, User

# the console and the runtime call every agent action through this module
__all__ = [
    "ActionResult",
    "MIN_OVERRIDE_REASON",
    "add_note",
    "agent_approve_agreement",
    "agent_close",
    "agent_create_agreement",
    "agent_event",
    "agent_mark_invalid",
    "agent_plan",
    "agent_record_promise",
    "agent_release",
    "agent_reply",
    "agent_resolve_dispute",
    "agent_take",
    "agent_transfer",
    "do_not_contact",
    "holds",
    "is_manager",
    "make_agreement",
    "mark_seen",
    "require_debtor",
    "set_labels",
    "settle_dispute",
    "snooze",
    "staff",
]


# --- holding the chat -------------------------------------------------------------------


def agent_take(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = locked_conversation(session, conversation_id)
    staff(session, agent_id)
    holder = conversation.assigned_agent_id
    if conversation.status == ConversationStatus.WITH_AGENT and holder not in (None, agent_id):
        other = session.get(User, holder)
        raise AlreadyTaken(other.name if other else f"agent {holder}")
    conversation.status = taken()
    conversation.assigned_agent_id = agent_id
    conversation.snoozed_until = None
    conversation.updated_at = now
    agent_event(
        session, conversation, agent_id, "agent_took", now, reason=conversation.handoff_reason
    )


def agent_transfer(
    session: Session, conversation_id: int, agent_id: int, to_agent_id: int, now: datetime
) -> None:
    """The holder (or a manager) hands the chat to another agent, who then holds it."""
    conversation = locked_conversation(session, conversation_id)
    user = staff(session, agent_id)
    if not is_manager(user) and conversation.assigned_agent_id != agent_id:
        raise NotAllowed("only the agent holding this chat (or a manager) may transfer it")
    target = staff(session, to_agent_id)
    conversation.status = taken()
    conversation.assigned_agent_id = target.id
    conversation.seen_message_id = None
    conversation.updated_at = now
    agent_event(session, conversation, agent_id, "agent_transferred", now, to_agent=target.id)


def agent_reply(
    session: Session,
    conversation_id: int,
    agent_id: int,
    text: str,
    now: datetime,
    *,
    template: str | None = None,
    override_reason: str | None = None,
) -> int:
    conversation = locked_conversation(session, conversation_id)
    if not text.strip():
        raise OperationError("the reply is empty")
    user = staff(session, agent_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    blocked = do_not_contact(contact)
    reason = (override_reason or "").strip()
    if blocked is not None:
        if not is_manager(user):
            raise DoNotContact(f"do not contact: {blocked}")
        if len(reason) < MIN_OVERRIDE_REASON:
            raise DoNotContact(f"do not contact: {blocked}; a manager must give a legal reason")
    if not holds(conversation, agent_id):
        agent_take(session, conversation_id, agent_id, now)
    if blocked is not None:
        agent_event(
            session, conversation, agent_id, "do_not_contact_override", now, why=blocked,
            reason=reason[:300],
        )  # fmt: skip
    message_id = MessageRepository(session).queue_outbound(
        conversation,
        text=text.strip()[:4000],
        at=now,
        sender="agent",
        agent_id=agent_id,
        template=template,
        business_initiated=template is not None,
    )
    conversation.last_message_at = now
    conversation.seen_message_id = message_id
    return message_id


def agent_release(
    session: Session,
    conversation_id: int,
    agent_id: int,
    now: datetime,
    deps: TurnDeps,
    *,
    resume_message: bool = True,
) -> TurnOutcome:
    """Hand the chat back to the bot. With ``resume_message`` the bot writes first (with
    context); without, it stays quiet until the debtor writes, so nothing it says can
    contradict what the agent just told them."""
    conversation = locked_conversation(session, conversation_id)
    require_holder(session, conversation, agent_id)
    conversation.status = ConversationStatus.BOT
    conversation.assigned_agent_id = None
    conversation.handoff_reason = None
    conversation.waiting_since = None
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event(EventKind.AGENT_RELEASED, agent_id=agent_id, resume_message=resume_message)
    if resume_message and conversation.debtor_id is not None:
        contact = session.get(Contact, conversation.contact_id)
        if contact is not None and do_not_contact(contact) is None:
            run_dialogue(effects, effects.situation, AgentReleased())
    return effects.outcome


def agent_close(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = locked_conversation(session, conversation_id)
    require_holder(session, conversation, agent_id)
    conversation.status = ConversationStatus.CLOSED
    conversation.assigned_agent_id = None
    conversation.waiting_since = None
    state = ConversationState.from_dict(conversation.state or {})
    conversation.state = state.evolve(phase="open").to_dict()
    agent_event(session, conversation, agent_id, "conversation_closed", now)


def agent_mark_invalid(
    session: Session, conversation_id: int, agent_id: int, now: datetime
) -> None:
    conversation = locked_conversation(session, conversation_id)
    require_holder(session, conversation, agent_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    contact.invalid = True
    agent_event(session, conversation, agent_id, "contact_invalid", now)
