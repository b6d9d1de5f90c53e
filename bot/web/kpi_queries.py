"""The queries behind the results page: the period's rows within the filters, and what
the self-cure, recovery-by-days-past-due and recovered-share figures need besides."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.core.money import ZERO, money
from bot.store.tables import Conversation, Debt, Debtor, Event, Message, ReminderSend
from bot.web.kpi_compute import compute
from bot.web.kpi_rows import (
    FAILED,
    KINDS,
    SELF_CURE_DAYS,
    EventRow,
    Extra,
    Filters,
    MessageRow,
    Results,
    dpd_bucket,
    period_bounds,
)


def _oldest_open_due(session: Session, debtor_ids: set[int] | None = None) -> dict[int, date]:
    query = (
        select(Debt.debtor_id, func.min(Debt.due_date))
        .where(Debt.status.in_(("open", "in_agreement", "disputed")))
        .group_by(Debt.debtor_id)
    )
    if debtor_ids is not None:
        query = query.where(Debt.debtor_id.in_(debtor_ids))
    return {int(d): due for d, due in session.execute(query).all()}


def _scope(
    session: Session, f: Filters, end: date, until: datetime
) -> tuple[set[int], set[int]] | None:
    """(conversation ids, debtor ids) the filters allow, or ``None`` for everything."""
    if not f.any:
        return None
    query = select(Conversation.id, Conversation.debtor_id).outerjoin(
        Debtor, Debtor.id == Conversation.debtor_id
    )
    if f.channel:
        query = query.where(Conversation.channel == f.channel)
    if f.language:
        query = query.where(Conversation.language == f.language)
    if f.segment:
        query = query.where(Debtor.segment == f.segment)
    pairs = [(int(c), d) for c, d in session.execute(query).all()]
    if f.agent is not None:
        actor = f"agent:{f.agent}"
        touched = set(
            session.scalars(select(Event.conversation_id).where(Event.actor == actor))
        ) | set(
            session.scalars(select(Message.conversation_id).where(Message.agent_id == f.agent))
        )
        pairs = [(c, d) for c, d in pairs if c in touched]
    if f.dpd:
        oldest = _oldest_open_due(session)
        pairs = [
            (c, d)
            for c, d in pairs
            if d is not None and d in oldest and dpd_bucket((end - oldest[d]).days) == f.dpd
        ]
    if f.step:
        reminded = set(
            session.scalars(
                select(ReminderSend.debtor_id).where(
                    ReminderSend.template == f.step, ReminderSend.created_at < until
                )
            )
        )
        pairs = [(c, d) for c, d in pairs if d in reminded]
    conversations = {c for c, _ in pairs}
    debtors = {d for _, d in pairs if d is not None}
    if f.segment and not (f.channel or f.language or f.agent or f.step):
        debtors |= set(session.scalars(select(Debtor.id).where(Debtor.segment == f.segment)))
    return conversations, debtors


def cadence_steps(session: Session) -> list[str]:
    """The cadence steps (reminder templates) ever sent, for the results page's filter."""
    return sorted(set(session.scalars(select(ReminderSend.template).distinct())))


def load(
    session: Session,
    *,
    start: date,
    end: date,
    timezone: str,
    threshold: float,
    filters: Filters | None = None,
) -> Results:
    """The period's events and messages, within the filters, through ``compute``."""
    since, until = period_bounds(start, end, timezone)
    scope = _scope(session, filters or Filters(), end, until)
    events = [
        EventRow(e.kind, e.at, e.actor, e.conversation_id, dict(e.data or {}), e.debtor_id)
        for e in session.scalars(
            select(Event).where(Event.at >= since, Event.at < until, Event.kind.in_(KINDS))
        )
    ]
    messages = [
        MessageRow(*row)
        for row in session.execute(
            select(
                Message.conversation_id,
                Message.direction,
                Message.status,
                Message.intent,
                Message.confidence,
                Message.created_at,
            ).where(Message.created_at >= since, Message.created_at < until)
        )
    ]
    if scope is not None:
        conversations, debtors = scope
        events = [
            e
            for e in events
            if (e.conversation_id in conversations)
            or (e.conversation_id is None and e.debtor_id in debtors)
        ]
        messages = [m for m in messages if m.conversation_id in conversations]
    ids = {m.conversation_id for m in messages}
    debtor_of: dict[int, int | None] = {}
    if ids:
        debtor_of = dict(
            (row[0], row[1])
            for row in session.execute(
                select(Conversation.id, Conversation.debtor_id).where(Conversation.id.in_(ids))
            ).all()
        )
    payers = {int(e.debtor_id) for e in events if e.kind == "payment_received" and e.debtor_id}
    extra = Extra(
        contact_times=_contact_times(
            session, payers, since - timedelta(days=SELF_CURE_DAYS), until
        ),
        oldest_due=_oldest_due_any(session, payers),
        open_balance=_open_balance(session, None if scope is None else scope[1]),
    )
    return compute(
        events,
        messages,
        debtor_of,
        start=start,
        end=end,
        timezone=timezone,
        threshold=threshold,
        extra=extra,
    )


def _contact_times(
    session: Session, debtors: set[int], since: datetime, until: datetime
) -> dict[int, list[datetime]]:
    wanted = set(debtors)
    if not wanted:
        return {}
    rows = session.execute(
        select(Conversation.debtor_id, Message.created_at)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.debtor_id.in_(wanted),
            Message.created_at >= since,
            Message.created_at < until,
            or_(Message.direction == "in", Message.status.not_in(tuple(FAILED))),
        )
    ).all()
    found: dict[int, list[datetime]] = {}
    for debtor, when in rows:
        if debtor is not None:
            found.setdefault(debtor, []).append(when)
    return found


def _oldest_due_any(session: Session, debtors: set[int]) -> dict[int, date]:
    wanted = set(debtors)
    if not wanted:
        return {}
    rows = session.execute(
        select(Debt.debtor_id, func.min(Debt.due_date))
        .where(Debt.debtor_id.in_(wanted))
        .group_by(Debt.debtor_id)
    ).all()
    return {int(d): due for d, due in rows}


def _open_balance(session: Session, debtors: set[int] | None) -> Decimal:
    query = select(Debt.amount, Debt.paid).where(
        Debt.status.in_(("open", "in_agreement", "disputed"))
    )
    if debtors is not None:
        query = query.where(Debt.debtor_id.in_(debtors))
    return sum((money(a - p) for a, p in session.execute(query).all()), ZERO)
