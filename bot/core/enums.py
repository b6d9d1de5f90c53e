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
# every ``handoff_reason`` a conversation can get (the console shows each in words)
HANDOFF_REASONS = (
    "request_human",
    "dispute",
    "approval",
    "insult",
    "not_understood",
    "hardship",
    "already_paid",
    "refused",
    "offers_refused",
    "no_offers",
    "question",
    "paid_to_person",
    "store_agreement",
    "reply_failed",
    "unknown_contact",
    "payment_method",
    "portal_locked",
    "portal_request",
    "other_contact",  # "manda pro número dela": we never write to someone else on our own
)


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


def manages(role: str) -> bool:
    """Managers and admins see the dashboard and the team; an agent sees the console."""
    return role in (Role.MANAGER, Role.ADMIN)


class EventKind(StrEnum):
    """Kinds in the append-only event log (the audit trail and the analytics' source).

    Every event is written through ``EventLog.append`` / ``Effects.event``, which take only
    a member: a kind missing here is a type error, and a stray string fails at run time."""

    # promises and agreements
    PROMISE_RECORDED = "promise_recorded"
    PROMISE_KEPT = "promise_kept"
    PROMISE_BROKEN = "promise_broken"
    PROMISE_WITHDRAWN = "promise_withdrawn"  # the person said that day is off
    AGREEMENT_CREATED = "agreement_created"
    AGREEMENT_PENDING_APPROVAL = "agreement_pending_approval"
    AGREEMENT_APPROVED = "agreement_approved"
    AGREEMENT_COMPLETED = "agreement_completed"
    AGREEMENT_BROKEN = "agreement_broken"
    # offers
    OFFERS_PRESENTED = "offers_presented"
    OFFERS_REFUSED = "offers_refused"
    OFFER_ACCEPTED = "offer_accepted"
    PROPOSAL = "proposal"  # the debtor's own proposal and what the offer book made of it
    # getting paid
    PAYMENT_INSTRUCTIONS_SENT = "payment_instructions_sent"
    PAYMENT_RECEIVED = "payment_received"
    PAID_TO_PERSON = "paid_to_person"  # the debtor says they paid someone in person
    STORE_AGREEMENT_CLAIMED = "store_agreement_claimed"  # says a deal was made at the shop
    PAYMENT_NEEDS_REVIEW = "payment_needs_review"
    RECEIPT_RECEIVED = "receipt_received"
    RECEIPT_MATCHED = "receipt_matched"
    RECEIPT_CONFIRMED = "receipt_confirmed"
    RECEIPT_REJECTED = "receipt_rejected"
    INSTALLMENT_REOPENED = "installment_reopened"
    PAYMENT_UNDER_REVIEW = "payment_under_review"
    PIX_CHARGE_CREATED = "pix_charge_created"
    PIX_CHARGE_CANCELLED = "pix_charge_cancelled"
    PIX_CHARGE_FAILED = "pix_charge_failed"
    PIX_RECEIVED = "pix_received"
    PIX_UNMATCHED = "pix_unmatched"
    PIX_REFUNDED = "pix_refunded"
    # contact and the chat
    REMINDER_SENT = "reminder_sent"
    REMINDERS_PAUSED = "reminders_paused"
    CONTACT_SCHEDULED = "contact_scheduled"
    CONTACT_LINKED = "contact_linked"
    CONTACT_INVALID = "contact_invalid"
    CONTACT_PURGED = "contact_purged"
    IDENTITY_CONFIRMED = "identity_confirmed"
    RELATIVE_ANSWERED = "relative_answered"  # someone else answered for the debtor
    IDENTITY_DENIED = "identity_denied"
    WRONG_PERSON = "wrong_person"
    OPT_OUT = "opt_out"
    DO_NOT_CONTACT_OVERRIDE = "do_not_contact_override"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    # people
    HANDOFF = "handoff"
    AGENT_TOOK = "agent_took"
    AGENT_RELEASED = "agent_released"
    AUTO_ASSIGNED = "auto_assigned"  # a hand-off given to the next agent online
    AGENT_TRANSFERRED = "agent_transferred"
    SNOOZED = "snoozed"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_REQUEST = "approval_request"  # the dialogue asks a manager to approve a plan
    APPROVAL_GRANTED = "approval_granted"
    APPROVAL_REFUSED = "approval_refused"
    CONVERSATION_CLOSED = "conversation_closed"
    # the self-service page
    PORTAL_LINK_ISSUED = "portal_link_issued"
    PORTAL_LINKS_REVOKED = "portal_links_revoked"
    PORTAL_LINK_SENT = "portal_link_sent"
    PORTAL_OPENED = "portal_opened"
    PORTAL_VIEWED = "portal_viewed"
    PORTAL_SIMULATED = "portal_simulated"
    PORTAL_VERIFIED = "portal_verified"
    PORTAL_IDENTITY_FAILED = "portal_identity_failed"
    PORTAL_LOCKED = "portal_locked"
    PORTAL_AGREEMENT = "portal_agreement"
    PORTAL_HANDOFF = "portal_handoff"
    # privacy (LGPD)
    PRIVACY_EXPORTED = "privacy_exported"
    PRIVACY_ERASED = "privacy_erased"
