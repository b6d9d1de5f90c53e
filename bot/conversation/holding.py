"""A short holding reply while a chat waits for an agent nobody has taken yet.

Silence after "I've asked a person" reads as being ignored ("hello??", "vou ter q pagar de
novo??"), and the debtor may write again and again. While the chat waits (status
``waiting_agent``) one warm line says the message is with the team, when the team works,
and that stop still works; at most once per ``console.holding_reply_minutes`` (default 30)
so a burst of messages gets one answer. Once an agent holds the chat (``with_agent``) the
agent answers: silence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation.effects import Effects
from bot.core.enums import ConversationStatus
from bot.dialogue.actions import Reply
from bot.dialogue.state import ConversationState
from bot.store.tables import Conversation

# the hand-off message itself just said a person will answer, and when: "oi?" right after it
# needs no second line saying the same
AFTER_HANDOFF = timedelta(minutes=5)
# Key of ``ConversationState.extra``: when the last holding reply was queued (ISO, tz-aware)
HOLDING_REPLY_AT = "holding_reply_at"


def holding_reply(effects: Effects, conversation: Conversation, now: datetime) -> bool:
    """Queue the holding reply when the chat waits for an agent and none was sent lately."""
    if conversation.status != ConversationStatus.WAITING_AGENT:
        return False
    since = conversation.waiting_since
    if since is not None and now - since < AFTER_HANDOFF:
        return False
    state = ConversationState.from_dict(conversation.state or {})
    last = state.extra.get(HOLDING_REPLY_AT)
    every = timedelta(minutes=effects.settings.console.holding_reply_minutes)
    if last is not None and now - datetime.fromisoformat(str(last)) < every:
        return False
    # the name only to the person we know we talk to (a relative may have asked for a person)
    known = state.verified or effects.settings.identity_check == "none"
    first_name = effects.situation.context.debtor.first_name if known else ""
    reply = Reply(response="holding_reply", vars={"first_name": first_name})
    effects.reply(reply, conversation.language)
    extra = {**state.extra, HOLDING_REPLY_AT: now.isoformat()}
    conversation.state = state.evolve(extra=extra).to_dict()
    return True


def confirm_opt_out(effects: Effects, conversation: Conversation) -> None:
    """ "pare de mandar mensagem" while a person holds the chat: the one confirmation the
    dialogue gives everywhere else (the bot says nothing more; the agent sees the event)."""
    state = ConversationState.from_dict(conversation.state or {})
    effects.reply(Reply(response="opt_out", vars={}), conversation.language)
    conversation.state = state.evolve(opted_out=True).to_dict()
