"""The conversation log: filters, paging, each conversation's outcome, and transcripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from bot.store.tables import Contact, Conversation, Debtor, Event, Message
from bot.web.kpi_rows import period_bounds

PAGE_SIZE = 25

# outcome -> the event kinds that show it happened in the conversation (first match wins)
OUTCOMES: dict[str, tuple[str, ...]] = {
    "agreement": ("agreement_created",),
    "promise": ("promise_recorded",),
    "opt_out": ("opt_out",),
    "dispute": ("dispute_opened",),
    "wrong_person": ("wrong_person", "contact_invalid"),
    "handoff": ("handoff",),
}
OUTCOME_NAMES = (*OUTCOMES, "replied", "no_reply")


@dataclass(frozen=True)
class LogFilters:
    date_from: date | None = None
    date_to: date | None = None
    channel: str = ""
    language: str = ""
    status: str = ""
    intent: str = ""
    outcome: str = ""
    agent: int | None = None
    q: str = ""
    page: int = 1

    def query_string(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "channel": self.channel,
            "language": self.language,
            "status": self.status,
            "intent": self.intent,
            "outcome": self.outcome,
            "agent": str(self.agent or ""),
            "q": self.q,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class LogRow:
    id: int
    debtor_name: str
    debtor_ref: str
    address: str
    channel: str
    language: str
    status: str
    handoff_reason: str | None
    agent_id: int | None
    outcome: str
    messages: int
    last_message_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    total: int
    page: int
    pages: int


def _has_message(*conditions: Any) -> Any:
    return exists().where(Message.conversation_id == Conversation.id, *conditions)


def _has_event(*kinds: str) -> Any:
    return exists().where(Event.conversation_id == Conversation.id, Event.kind.in_(kinds))


def filtered(filters: LogFilters, *, timezone: str) -> Select[Conversation, Debtor, Contact]:
    query = (
        select(Conversation, Debtor, Contact)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Debtor, Debtor.id == Conversation.debtor_id)
    )
    if filters.date_from or filters.date_to:
        start = filters.date_from or date(2000, 1, 1)
        end = filters.date_to or date(2999, 12, 31)
        since, until = period_bounds(start, end, timezone)
        query = query.where(_has_message(Message.created_at >= since, Message.created_at < until))
    for column, value in (
        (Conversation.channel, filters.channel),
        (Conversation.language, filters.language),
        (Conversation.status, filters.status),
    ):
        if value:
            query = query.where(column == value)
    if filters.intent:
        query = query.where(_has_message(Message.intent == filters.intent))
    if filters.outcome in OUTCOME_NAMES:
        query = query.where(*_outcome_is(filters.outcome))
    if filters.agent:
        actor = f"agent:{filters.agent}"
        query = query.where(
            or_(
                Conversation.assigned_agent_id == filters.agent,
                _has_message(Message.agent_id == filters.agent),
                exists().where(Event.conversation_id == Conversation.id, Event.actor == actor),
            )
        )
    if filters.q.strip():
        like = f"%{_escape_like(filters.q.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(Debtor.name).like(like, escape="\\"),
                func.lower(Debtor.ref).like(like, escape="\\"),
                func.lower(Contact.address).like(like, escape="\\"),
                _has_message(func.lower(Message.text).like(like, escape="\\")),
            )
        )
    return query


def _outcome_is(outcome: str) -> list[Any]:
    """The same precedence as ``outcomes_of``: an outcome excludes every one before it."""
    conditions: list[Any] = []
    for name, kinds in OUTCOMES.items():
        if name == outcome:
            return [*conditions, _has_event(*kinds)]
        conditions.append(not_(_has_event(*kinds)))
    answered = _has_message(Message.direction == "in")
    return [*conditions, answered if outcome == "replied" else not_(answered)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def outcomes_of(session: Session, ids: list[int]) -> dict[int, str]:
    """Each conversation's outcome: the first of OUTCOMES that happened, else replied or not."""
    if not ids:
        return {}
    kinds: dict[int, set[str]] = {}
    for conversation_id, kind in session.execute(
        select(Event.conversation_id, Event.kind).where(Event.conversation_id.in_(ids))
    ):
        if conversation_id is not None:
            kinds.setdefault(conversation_id, set()).add(kind)
    answered = set(
        session.scalars(
            select(Message.conversation_id)
            .where(Message.conversation_id.in_(ids), Message.direction == "in")
            .distinct()
        )
    )
    result: dict[int, str] = {}
    for conversation_id in ids:
        seen = kinds.get(conversation_id, set())
        outcome = next((name for name, ks in OUTCOMES.items() if seen & set(ks)), None)
        result[conversation_id] = outcome or (
            "replied" if conversation_id in answered else "no_reply"
        )
    return result


def search(
    session: Session, filters: LogFilters, *, timezone: str, page_size: int | None = PAGE_SIZE
) -> LogPage:
    """One page of the log (``page_size=None``: every row, for the CSV export)."""
    query = filtered(filters, timezone=timezone)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(
        Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc()
    )
    page = max(filters.page, 1)
    pages = 1 if page_size is None else max((total + page_size - 1) // page_size, 1)
    if page_size is not None:
        query = query.offset((min(page, pages) - 1) * page_size).limit(page_size)
    found = [(row[0], row[1], row[2]) for row in session.execute(query)]
    ids = [c.id for c, _, _ in found]
    counts: dict[int, int] = {}
    if ids:
        counts = dict(
            (row[0], row[1])
            for row in session.execute(
                select(Message.conversation_id, func.count())
                .where(Message.conversation_id.in_(ids))
                .group_by(Message.conversation_id)
            ).all()
        )
    outcomes = outcomes_of(session, ids)
    rows = [
        LogRow(
            id=c.id,
            debtor_name=d.name if d else "",
            debtor_ref=d.ref if d else "",
            address=contact.address,
            channel=c.channel,
            language=c.language,
            status=c.status,
            handoff_reason=c.handoff_reason,
            agent_id=c.assigned_agent_id,
            outcome=outcomes.get(c.id, "no_reply"),
            messages=counts.get(c.id, 0),
            last_message_at=c.last_message_at,
            created_at=c.created_at,
        )
        for c, d, contact in found
    ]
    return LogPage(rows=rows, total=total, page=min(page, pages), pages=pages)


def known_intents(session: Session) -> list[str]:
    return sorted(
        i
        for i in session.scalars(
            select(Message.intent).where(Message.intent.is_not(None)).distinct()
        )
        if i
    )


def transcript_events(session: Session, conversation_id: int) -> list[Event]:
    conversation = session.get(Conversation, conversation_id)
    condition = Event.conversation_id == conversation_id
    if conversation is not None and conversation.debtor_id is not None:
        # the debtor's events outside the chat (payments, broken promises) belong here too
        condition = or_(
            condition,
            and_(Event.debtor_id == conversation.debtor_id, Event.conversation_id.is_(None)),
        )
    return list(session.scalars(select(Event).where(condition).order_by(Event.at, Event.id)))
