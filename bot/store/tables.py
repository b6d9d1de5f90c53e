"""The database schema. One table per domain record; ``events`` is the append-only audit log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import AwareDateTime, Money

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Debtor(Base):
    __tablename__ = "debtors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="pt")
    document: Mapped[str | None] = mapped_column(String(32))
    birth_date: Mapped[date | None] = mapped_column(Date)  # the portal's check without a CPF
    segment: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(2))
    link_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    reminders_paused_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class Contact(Base):
    """A way to reach a debtor: one channel and address."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class Debt(Base):
    __tablename__ = "debts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # open | paid | disputed | in_agreement | written_off
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    # a receipt was sent for it and waits for a match or a person: "payment under review"
    under_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    debt_id: Mapped[int | None] = mapped_column(ForeignKey("debts.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(AwareDateTime)
    source: Mapped[str] = mapped_column(String(32), default="import")
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # bot | waiting_agent | with_agent | closed
    status: Mapped[str] = mapped_column(String(16), default="bot", index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="pt")
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    waiting_since: Mapped[datetime | None] = mapped_column(AwareDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(AwareDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)
    # console bookkeeping: labels an agent puts on the chat, hidden from "mine" until
    # ``snoozed_until``, and the last message the holder has seen (unread counts)
    labels: Mapped[list[str] | None] = mapped_column(JSON)
    snoozed_until: Mapped[datetime | None] = mapped_column(AwareDateTime)
    seen_message_id: Mapped[int | None] = mapped_column(Integer)


class Message(Base):
    """Every message in and out. Outbound rows with status ``queued`` are the outbox."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_messages_outbox", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    sender: Mapped[str] = mapped_column(String(16))  # debtor | bot | agent | system
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    intent: Mapped[str | None] = mapped_column(String(32), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[list[Any] | None] = mapped_column(JSON)
    actions: Mapped[list[Any] | None] = mapped_column(JSON)
    media: Mapped[list[Any] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # buttons, template, vars
    template: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    business_initiated: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class Promise(Base):
    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    due: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(32), default="bot")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    offer_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    down_payment: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    installments: Mapped[int] = mapped_column(Integer)
    discount_percent: Mapped[str] = mapped_column(String(16), default="0")
    monthly_rate_percent: Mapped[str] = mapped_column(String(16), default="0")
    # pending_approval | active | completed | broken | cancelled
    status: Mapped[str] = mapped_column(String(20), index=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class AgreementInstallment(Base):
    __tablename__ = "agreement_installments"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 0 = down payment
    due: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | paid


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # agent | manager | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="pt")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so
    a copy of this table cannot be replayed. Logout, a password change or an admin revokes."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # the last request seen on it (about once a minute): who is online, for auto-assignment
    last_seen_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class ConversationNote(Base):
    """A private note staff leave on a chat; the debtor never sees it."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class ApprovalRequest(Base):
    """An agent's money or contact action beyond the offer book's limits, waiting for a
    manager: ``payload`` holds what to do once approved (see ``conversation.approvals``)."""

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    # agreement | promise | dispute
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    why: Mapped[str] = mapped_column(String(64))  # the limit it goes beyond, a short code
    # pending | approved | rejected
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    note: Mapped[str | None] = mapped_column(String(300))


class Event(Base):
    """Append-only: who did what when. Analytics and audits read only this."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(40))  # bot | debtor | agent:<id> | system
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScheduledContact(Base):
    """A contact the debtor asked for ("me chama depois") or the bot planned."""

    __tablename__ = "scheduled_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class ReminderSend(Base):
    """One business-initiated contact; the unique key makes a reminder go at most once."""

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)


class Receipt(Base):
    """Media a debtor sent as proof of payment, for an agent to check."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    media_url: Mapped[str | None] = mapped_column(Text)  # a data: URL for an inline PDF
    content_type: Mapped[str | None] = mapped_column(String(100))
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    # under_review | matched (a Pix the PSP received) | confirmed | rejected (by a person)
    status: Mapped[str] = mapped_column(String(16), default="under_review", index=True)
    # what the PDF's text layer says, when it says it
    stated_amount: Mapped[Decimal | None] = mapped_column(Money)
    stated_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    stated_end_to_end_id: Mapped[str | None] = mapped_column(String(40))
    end_to_end_id: Mapped[str | None] = mapped_column(String(40))  # the Pix it matched
    lookups: Mapped[int] = mapped_column(Integer, default=0)  # PSP searches so far
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class PixCharge(Base):
    """A PIX charge at the PSP (``cob`` or ``cobv``) with our own txid: one per payment asked."""

    __tablename__ = "pix_charges"
    __table_args__ = (UniqueConstraint("txid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txid: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(4))  # cob | cobv
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # installment | promise | balance
    reference: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    installment_number: Mapped[int | None] = mapped_column(Integer)
    # purpose "debts": the refs of the debts it pays, credited before any other
    debt_refs: Mapped[list[str] | None] = mapped_column(JSON)
    amount: Mapped[Decimal] = mapped_column(Money)
    due: Mapped[date | None] = mapped_column(Date)
    fine_percent: Mapped[str] = mapped_column(String(16), default="0")
    interest_percent: Mapped[str] = mapped_column(String(16), default="0")
    location: Mapped[str] = mapped_column(String(200))
    br_code: Mapped[str] = mapped_column(Text)
    # active | paid | partial | cancelled | expired
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class PixReceived(Base):
    """A Pix the PSP confirmed (fetched back by its endToEndId), once per endToEndId."""

    __tablename__ = "pix_received"
    __table_args__ = (UniqueConstraint("end_to_end_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    end_to_end_id: Mapped[str] = mapped_column(String(40))
    txid: Mapped[str | None] = mapped_column(String(35), index=True)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("pix_charges.id"))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    # paid | late | partial | overpaid | unmatched
    outcome: Mapped[str] = mapped_column(String(16))
    review: Mapped[str | None] = mapped_column(String(32))  # why a person must look
    reviewed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    source: Mapped[str] = mapped_column(String(16))  # webhook | sync
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)


class PortalAccess(Base):
    """A debtor's self-service page: the link version (bumped to revoke every link given so
    far) and the identity check's wrong answers (locked at the configured limit)."""

    __tablename__ = "portal_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), unique=True)
    link_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class InboxDelivery(Base):
    """An inbound delivery stored before the webhook is answered (``bot.runtime.inbox``).

    The unique (channel, provider_id) drops the provider's redeliveries; ``pending`` rows are
    turned into turns in ``id`` order per chat, and picked up again after a crash."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_inbox_chat_pending", "channel", "address", "status", "id"),
        Index("ix_inbox_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(AwareDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class DeadLetter(Base):
    """An inbound message that could not be processed even after sanitising: kept, not lost.

    The provider is answered 200 so it stops retrying; managers see these on the dashboard.
    """

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the sanitised message, as JSON
    error: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
