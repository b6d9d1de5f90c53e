"""Read models for the console and the API: the inbox, one chat with its side panel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.channels.base import ChannelPolicy
from bot.channels.policies import policy_for
from bot.core.domain import BalanceBreakdown
from bot.core.enums import NOTICE_REASONS
from bot.offers.book import OfferBook
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository, debt_view
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    Debt,
    Debtor,
    Event,
    Message,
    Promise,
    User,
)


@dataclass(frozen=True)
class InboxRow:
    conversation_id: int
    status: str
    reason: str | None
    waiting_since: datetime | None
    waiting: timedelta
    debtor_name: str
    debtor_ref: str
    channel: str
    balance: Decimal
    agent_id: int | None
    agent_name: str | None
    last_text: str


@dataclass
class ChatView:
    conversation: Conversation
    contact: Contact
    debtor: Debtor | None
    messages: list[Message]
    debts: list[Debt]
    balance: BalanceBreakdown | None
    promises: list[Promise]
    agreements: list[tuple[Agreement, list[AgreementInstallment]]]
    events: list[Event]
    agent_name: str | None
    window_open: bool
    agents: dict[int, str] = field(default_factory=dict)

    @property
    def pending_agreements(self) -> list[Agreement]:
        return [a for a, _ in self.agreements if a.status == "pending_approval"]

    @property
    def disputed(self) -> bool:
        return any(d.status == "disputed" for d in self.debts)


def today_in(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def debtor_balance(
    session: Session, debtor_id: int, book: OfferBook, today: date
) -> BalanceBreakdown:
    debts = PortfolioRepository(session).debts_of(debtor_id)
    return book.balance([debt_view(d) for d in debts], today)


def agent_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in session.scalars(select(User))}


def inbox(session: Session, *, now: datetime, book: OfferBook, timezone: str) -> list[InboxRow]:
    """Chats waiting for a person or held by one, the longest waiting first."""
    today = today_in(now, timezone)
    names = agent_names(session)
    query = (
        select(Conversation, Debtor)
        .outerjoin(Debtor, Debtor.id == Conversation.debtor_id)
        .where(
            or_(
                Conversation.status.in_(["waiting_agent", "with_agent"]),
                and_(
                    Conversation.status == "bot",
                    Conversation.handoff_reason.in_(NOTICE_REASONS),
                ),
            )
        )
        .order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.id)
    )
    rows: list[InboxRow] = []
    for conversation, debtor in session.execute(query):
        last = session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.direction == "in")
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
        since = conversation.waiting_since
        balance = (
            debtor_balance(session, debtor.id, book, today).total if debtor else Decimal("0.00")
        )
        rows.append(
            InboxRow(
                conversation_id=conversation.id,
                status=conversation.status,
                reason=conversation.handoff_reason,
                waiting_since=since,
                waiting=(now - since) if since else timedelta(0),
                debtor_name=debtor.name if debtor else "",
                debtor_ref=debtor.ref if debtor else "",
                channel=conversation.channel,
                balance=balance,
                agent_id=conversation.assigned_agent_id,
                agent_name=names.get(conversation.assigned_agent_id or 0),
                last_text=(last.text if last else "")[:140],
            )
        )
    return rows


def chat(
    session: Session,
    conversation_id: int,
    *,
    now: datetime,
    book: OfferBook,
    timezone: str,
    policies: Mapping[str, ChannelPolicy] | None = None,
) -> ChatView | None:
    """One chat for the console; ``policies`` (the runtime's channels') say whether the
    channel's reply window is open."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    debtor = session.get(Debtor, conversation.debtor_id) if conversation.debtor_id else None
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.id)
        )
    )
    names = agent_names(session)
    debts: list[Debt] = []
    promises: list[Promise] = []
    agreements: list[tuple[Agreement, list[AgreementInstallment]]] = []
    events: list[Event] = []
    balance = None
    if debtor is not None:
        ledger = LedgerRepository(session)
        debts = PortfolioRepository(session).debts_of(debtor.id)
        balance = book.balance([debt_view(d) for d in debts], today_in(now, timezone))
        promises = ledger.promises_of(debtor.id)
        agreements = [(a, ledger.installments(a.id)) for a in ledger.agreements_of(debtor.id)]
        events = EventLog(session).for_debtor(debtor.id)
    else:
        events = list(
            session.scalars(
                select(Event)
                .where(Event.conversation_id == conversation_id)
                .order_by(Event.at, Event.id)
            )
        )
    policy = (policies or {}).get(conversation.channel) or policy_for(conversation.channel)
    window_open = policy.window_open(contact.last_inbound_at, now)
    return ChatView(
        conversation=conversation,
        contact=contact,
        debtor=debtor,
        messages=messages,
        debts=debts,
        balance=balance,
        promises=promises,
        agreements=agreements,
        events=events[-50:],
        agent_name=names.get(conversation.assigned_agent_id or 0),
        window_open=window_open,
        agents=names,
    )


def message_json(
    message: Message, *, agents: dict[int, str] | None = None, timezone: str | None = None
) -> dict[str, Any]:
    """One message for the browser or the API (text is data: the page sets textContent)."""
    extra = message.extra or {}
    local = message.created_at.astimezone(ZoneInfo(timezone)) if timezone else None
    return {
        "id": message.id,
        "direction": message.direction,
        "sender": message.sender,
        "agent": (agents or {}).get(message.agent_id or 0) if message.agent_id else None,
        "text": message.text,
        "status": message.status,
        "intent": message.intent,
        "confidence": message.confidence,
        "template": message.template,
        "buttons": [b.get("title", "") for b in extra.get("buttons", [])],
        "pix_code": extra.get("pix_code"),
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "when": local.strftime("%d/%m %H:%M") if local else None,
    }


def messages_after(session: Session, conversation_id: int, after: int) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id)
        )
    )
