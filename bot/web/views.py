"""Read models for the console and the API: the inbox, one chat with its side panel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
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
    ApprovalRequest,
    Contact,
    Conversation,
    ConversationNote,
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
    unread: int = 0
    last_message_at: datetime | None = None
    labels: tuple[str, ...] = ()
    snoozed: bool = False
    do_not_contact: bool = False
    address: str = ""  # the chat's number or id: what an agent has to go on for a stranger
    # what the debtor contests: not in ``balance`` (not collected), but what a dispute is about
    disputed: Decimal = Decimal("0.00")


VIEWS = ("mine", "unassigned", "all", "closed")
PAGE_SIZE = 100


@dataclass(frozen=True)
class Inbox:
    view: str
    q: str
    rows: list[InboxRow]
    counts: dict[str, int]
    unread_mine: int
    holders: list[tuple[str, int]]  # (agent name, chats held), for managers


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
    notes: list[ConversationNote] = field(default_factory=list)
    requests: list[ApprovalRequest] = field(default_factory=list)
    staff: list[tuple[int, str]] = field(default_factory=list)  # active agents, for transfer

    @property
    def do_not_contact(self) -> str | None:
        """opted_out | invalid | None: nothing may be sent to this contact."""
        if self.contact.opted_out:
            return "opted_out"
        if self.contact.invalid:
            return "invalid"
        return None

    @property
    def pending_requests(self) -> list[ApprovalRequest]:
        return [r for r in self.requests if r.status == "pending"]

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


def disputed_total(debts: Iterable[Debt]) -> Decimal:
    """What is left of the debts the debtor contests (the balance leaves them out)."""
    return sum((d.amount - d.paid for d in debts if d.status == "disputed"), Decimal("0.00"))


def agent_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in session.scalars(select(User))}


def _unread(session: Session, conversation: Conversation) -> int:
    seen = conversation.seen_message_id or 0
    found = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == "in",
            Message.id > seen,
        )
    )
    return int(found or 0)


def _search(query: Any, q: str) -> Any:
    """Name, ref, phone (any spelling of its digits) or the text of any message."""
    text = q.strip()[:200]
    if not text:
        return query
    like = f"%{text.lower()}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [
        func.lower(Debtor.name).like(like),
        func.lower(Debtor.ref).like(like),
        Conversation.id.in_(
            select(Message.conversation_id).where(func.lower(Message.text).like(like))
        ),
    ]
    if len(digits) >= 4:
        conditions.append(Contact.address.like(f"%{digits}%"))
    return query.where(or_(*conditions))


def _view_filter(query: Any, view: str, user_id: int) -> Any:
    if view == "mine":
        return query.where(
            Conversation.status == "with_agent", Conversation.assigned_agent_id == user_id
        ).order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id)
    # a chat the bot still holds but a person should look at (a locked portal page)
    notice = and_(Conversation.status == "bot", Conversation.handoff_reason.in_(NOTICE_REASONS))
    if view == "unassigned":
        return query.where(
            or_(
                and_(
                    Conversation.status.in_(["waiting_agent", "with_agent"]),
                    Conversation.assigned_agent_id.is_(None),
                ),
                notice,
            )
        ).order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.id)
    if view == "waiting":  # the API's inbox: every chat that concerns a person
        return query.where(
            or_(Conversation.status.in_(["waiting_agent", "with_agent"]), notice)
        ).order_by(Conversation.waiting_since.asc().nulls_last(), Conversation.id)
    if view == "closed":
        return query.where(Conversation.status == "closed").order_by(
            Conversation.updated_at.desc(), Conversation.id.desc()
        )
    return query.order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())


def inbox(
    session: Session,
    *,
    now: datetime,
    book: OfferBook,
    timezone: str,
    view: str = "unassigned",
    user_id: int = 0,
    q: str = "",
) -> Inbox:
    """One of the inbox's views (mine, unassigned, all, closed), searched by ``q``."""
    view = view if view in (*VIEWS, "waiting") else "unassigned"
    today = today_in(now, timezone)
    names = agent_names(session)
    base = (
        select(Conversation, Debtor, Contact)
        .outerjoin(Debtor, Debtor.id == Conversation.debtor_id)
        .join(Contact, Contact.id == Conversation.contact_id)
    )
    query = _search(_view_filter(base, view, user_id), q).limit(PAGE_SIZE)
    rows: list[InboxRow] = []
    for conversation, debtor, contact in session.execute(query):
        last = session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
        since = conversation.waiting_since
        debts = PortfolioRepository(session).debts_of(debtor.id) if debtor else []
        balance = book.balance([debt_view(d) for d in debts], today).total
        disputed = disputed_total(debts)
        unread = _unread(session, conversation) if conversation.assigned_agent_id else 0
        snoozed = bool(
            conversation.snoozed_until and conversation.snoozed_until > now and not unread
        )
        if view == "mine" and snoozed:
            continue
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
                disputed=disputed,
                agent_id=conversation.assigned_agent_id,
                agent_name=names.get(conversation.assigned_agent_id or 0),
                last_text=(last.text if last else "")[:140],
                unread=unread,
                last_message_at=conversation.last_message_at,
                labels=tuple(conversation.labels or ()),
                snoozed=snoozed,
                do_not_contact=contact.opted_out or contact.invalid,
                address=contact.address,
            )
        )
    return Inbox(
        view=view,
        q=q,
        rows=rows,
        counts=_counts(session, user_id),
        unread_mine=_unread_mine(session, user_id),
        holders=_holders(session, names),
    )


def _counts(session: Session, user_id: int) -> dict[str, int]:
    def count(*conditions: Any) -> int:
        found = session.scalar(select(func.count()).select_from(Conversation).where(*conditions))
        return int(found or 0)

    return {
        "mine": count(
            Conversation.status == "with_agent", Conversation.assigned_agent_id == user_id
        ),
        "unassigned": count(
            Conversation.status.in_(["waiting_agent", "with_agent"]),
            Conversation.assigned_agent_id.is_(None),
        ),
    }


def _unread_mine(session: Session, user_id: int) -> int:
    mine = session.scalars(
        select(Conversation).where(
            Conversation.status == "with_agent", Conversation.assigned_agent_id == user_id
        )
    )
    return sum(_unread(session, c) for c in mine)


def _holders(session: Session, names: dict[int, str]) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Conversation.assigned_agent_id, func.count())
        .where(Conversation.status == "with_agent", Conversation.assigned_agent_id.is_not(None))
        .group_by(Conversation.assigned_agent_id)
    ).all()
    return sorted((names.get(agent or 0, "?"), int(n)) for agent, n in rows)


def waiting_inbox(
    session: Session, *, now: datetime, book: OfferBook, timezone: str
) -> list[InboxRow]:
    """Chats waiting for a person or held by one, the longest waiting first (the API's)."""
    return inbox(session, now=now, book=book, timezone=timezone, view="waiting").rows


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
    notes = list(
        session.scalars(
            select(ConversationNote)
            .where(ConversationNote.conversation_id == conversation_id)
            .order_by(ConversationNote.created_at, ConversationNote.id)
        )
    )
    requests = list(
        session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.conversation_id == conversation_id)
            .order_by(ApprovalRequest.requested_at.desc(), ApprovalRequest.id.desc())
        )
    )
    staff = [
        (u.id, u.name)
        for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    ]
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
        notes=notes,
        requests=requests,
        staff=staff,
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


def statuses_of(session: Session, conversation_id: int, limit: int = 50) -> dict[int, str]:
    """The delivery status of the chat's latest outbound messages (the page updates them
    live: queued → sent → delivered → read)."""
    rows = session.execute(
        select(Message.id, Message.status)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    return {int(i): str(status) for i, status in rows}


def messages_after(session: Session, conversation_id: int, after: int) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id)
        )
    )
