"""Statuses, channel names, roles and event kinds as enums, with their transitions.

``StrEnum`` values are exactly the strings the database and JSON have always held, so a
member compares equal to its string and nothing stored changes.
"""

from __future__ import annotations

from enum import StrEnum


class ChannelName(StrEnum):
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    SMS = "sms"
    WEB = "web"  # the simulator
    TEST = "test"


class ChoiceKind(StrEnum):
    """What a set of tappable answers asks; a channel may map each to its own template."""

    YES_NO = "yes_no"
    IDENTITY = "identity"  # "is this Maria?"
    OPTIONS = "options"  # the plans on screen


class ConversationStatus(StrEnum):
    BOT = "bot"
    WAITING_AGENT = "waiting_agent"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    RECEIVED = "received"  # inbound

    @property
    def rank(self) -> int:
        """Order of progress, so an out-of-order callback never moves a status back."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.UNDELIVERED: 4,
    DeliveryStatus.FAILED: 5,
    DeliveryStatus.RECEIVED: 0,
}


def holds_the_bot(status: str) -> bool:
    """True while a person has (or is about to have) the chat: the bot stays quiet."""
    return status in (ConversationStatus.WAITING_AGENT, ConversationStatus.WITH_AGENT)


# Reasons a chat is shown to agents while the bot keeps answering it (nothing is muted):
# the inbox lists it until an agent takes it (and, releasing it, clears the reason).
NOTICE_REASONS = ("portal_locked",)


def handed_off(status: str) -> ConversationStatus:
    """The bot hands the chat to a person: it waits for an agent (unless one has it)."""
    if status == ConversationStatus.WITH_AGENT:
        return ConversationStatus.WITH_AGENT
    return ConversationStatus.WAITING_AGENT


def taken() -> ConversationStatus:
    """An agent takes the chat."""
    return ConversationStatus.WITH_AGENT


class Role(StrEnum):
    """Staff roles in the console and dashboard."""

    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


class EventKind(StrEnum):
    """Kinds in the append-only event log (the audit trail and the analytics' source)."""

    PROMISE_RECORDED = "promise_recorded"
    PROMISE_KEPT = "promise_kept"
    PROMISE_BROKEN = "promise_broken"
    AGREEMENT_CREATED = "agreement_created"
    AGREEMENT_APPROVED = "agreement_approved"
    AGREEMENT_BROKEN = "agreement_broken"
    OFFERS_SHOWN = "offers_shown"
    OFFERS_REFUSED = "offers_refused"
    PAYMENT_INSTRUCTIONS_SENT = "payment_instructions_sent"
    PAYMENT_RECEIVED = "payment_received"
    RECEIPT_RECEIVED = "receipt_received"
    REMINDER_SENT = "reminder_sent"
    HANDOFF = "handoff"
    AGENT_RELEASED = "agent_released"
    CONVERSATION_CLOSED = "conversation_closed"
    OPT_OUT = "opt_out"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    CONTACT_INVALID = "contact_invalid"
