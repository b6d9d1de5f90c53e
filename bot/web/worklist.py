"""The manager's work list: what to act on today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tables import Conversation, Debtor, Event, Promise
from bot.web.kpis import period_bounds


@dataclass(frozen=True)
class WorkItem:
    debtor_name: str
    debtor_ref: str
    amount: Decimal | None
    conversation_id: int | None
    since: datetime | None = None


@dataclass(frozen=True)
class WorkList:
    due_today: list[WorkItem]
    broken_yesterday: list[WorkItem]
    waiting_longest: list[WorkItem]
    pending_approvals: int


def _conversation_of(session: Session, debtor_id: int) -> int | None:
    return session.scalar(
        select(Conversation.id)
        .where(Conversation.debtor_id == debtor_id)
        .order_by(Conversation.last_message_at.desc().nulls_last())
        .limit(1)
    )


def work_list(session: Session, *, today: date, timezone: str, limit: int = 10) -> WorkList:
    from bot.conversation.approvals import pending_count

    due = session.execute(
        select(Promise, Debtor)
        .join(Debtor, Debtor.id == Promise.debtor_id)
        .where(Promise.status == "open", Promise.due == today)
        .order_by(Promise.amount.desc())
        .limit(limit)
    ).all()
    since, until = period_bounds(today - timedelta(days=1), today - timedelta(days=1), timezone)
    broken = session.execute(
        select(Event, Debtor)
        .join(Debtor, Debtor.id == Event.debtor_id)
        .where(Event.kind == "promise_broken", Event.at >= since, Event.at < until)
        .order_by(Event.at)
        .limit(limit)
    ).all()
    waiting = session.execute(
        select(Conversation, Debtor)
        .outerjoin(Debtor, Debtor.id == Conversation.debtor_id)
        .where(Conversation.status == "waiting_agent")
        .order_by(Conversation.waiting_since.asc().nulls_last())
        .limit(limit)
    ).all()
    return WorkList(
        due_today=[
            WorkItem(d.name, d.ref, p.amount, p.conversation_id or _conversation_of(session, d.id))
            for p, d in due
        ],
        broken_yesterday=[
            WorkItem(
                d.name,
                d.ref,
                Decimal(str(e.data.get("amount"))) if (e.data or {}).get("amount") else None,
                e.conversation_id or _conversation_of(session, d.id),
                e.at,
            )
            for e, d in broken
        ],
        waiting_longest=[
            WorkItem(d.name if d else "", d.ref if d else "", None, c.id, c.waiting_since)
            for c, d in waiting
        ],
        pending_approvals=pending_count(session),
    )
