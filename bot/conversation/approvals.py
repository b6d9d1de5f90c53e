"""The managers' approval queue: requests agents filed for actions beyond the offer book.

Approving does what the agent asked, now (with today's balance), and records the manager as
the approver; rejecting records who and why. Either way the request is decided only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation import agents
from bot.conversation.operations import NotAllowed, OperationError, business_effects
from bot.conversation.turns import TurnDeps
from bot.core.enums import EventKind
from bot.core.money import ZERO, money
from bot.store.conversations import ConversationRepository
from bot.store.tables import ApprovalRequest, Conversation, Debtor, User


@dataclass(frozen=True)
class QueueRow:
    request: ApprovalRequest
    debtor_name: str
    debtor_ref: str
    requested_by: str
    decided_by: str | None


def queue(session: Session, *, status: str = "pending", limit: int = 200) -> list[QueueRow]:
    """Requests with this status, the oldest pending first (the newest decided first)."""
    order = (
        ApprovalRequest.requested_at.asc()
        if status == "pending"
        else ApprovalRequest.decided_at.desc()
    )
    names = {u.id: u.name for u in session.scalars(select(User))}
    rows = []
    query = (
        select(ApprovalRequest, Debtor)
        .outerjoin(Debtor, Debtor.id == ApprovalRequest.debtor_id)
        .where(ApprovalRequest.status == status)
        .order_by(order, ApprovalRequest.id)
        .limit(limit)
    )
    for request, debtor in session.execute(query):
        rows.append(
            QueueRow(
                request=request,
                debtor_name=debtor.name if debtor else "",
                debtor_ref=debtor.ref if debtor else "",
                requested_by=names.get(request.requested_by, "?"),
                decided_by=names.get(request.decided_by or 0),
            )
        )
    return rows


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    found = session.scalar(
        select(func.count())
        .select_from(ApprovalRequest)
        .where(ApprovalRequest.status == "pending")
    )
    return int(found or 0)


def requests_of(session: Session, conversation_id: int) -> list[ApprovalRequest]:
    return list(
        session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.conversation_id == conversation_id)
            .order_by(ApprovalRequest.requested_at.desc(), ApprovalRequest.id.desc())
        )
    )


def decide(
    session: Session,
    request_id: int,
    manager_id: int,
    *,
    approve: bool,
    note: str,
    now: datetime,
    deps: TurnDeps,
) -> ApprovalRequest:
    manager = agents.staff(session, manager_id)
    if not agents.is_manager(manager):
        raise NotAllowed("only a manager decides approval requests")
    request = session.get(ApprovalRequest, request_id, with_for_update=True)
    if request is None or request.status != "pending":
        raise OperationError("no pending request with that number")
    conversation = ConversationRepository(session).lock_row(request.conversation_id)
    assert conversation is not None
    if approve:
        _carry_out(session, request, conversation, manager_id, now, deps)
    request.status = "approved" if approve else "rejected"
    request.decided_by = manager_id
    request.decided_at = now
    request.note = note.strip()[:300] or None
    agents.agent_event(
        session,
        conversation,
        manager_id,
        EventKind.APPROVAL_GRANTED if approve else EventKind.APPROVAL_REFUSED,
        now,
        request_id=request.id,
        note=request.note or "",
    )
    return request


def _carry_out(
    session: Session,
    request: ApprovalRequest,
    conversation: Conversation,
    manager_id: int,
    now: datetime,
    deps: TurnDeps,
) -> None:
    data = request.payload or {}
    if request.kind == "dispute":
        agents.settle_dispute(session, conversation, manager_id, str(data["outcome"]), now)
        return
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{manager_id}")
    context = effects.situation.context
    if request.kind == "promise":
        due = date.fromisoformat(str(data["due"]))
        if due < context.today:
            raise OperationError("the promise's day has passed: reject the request")
        effects.record_promise(due, money(Decimal(str(data["amount"]))))
        return
    if request.kind == "agreement":
        if context.balance.total <= ZERO:
            raise OperationError("nothing is owed any more: reject the request")
        start = date.fromisoformat(str(data["first_due"]))
        if start < context.today:
            start = context.today + timedelta(days=deps.settings.offers.first_due_days)
        plan = agents.agent_plan(
            context.balance.total,
            int(data["installments"]),
            Decimal(str(data["discount_percent"])),
            start,
        )
        agents.make_agreement(session, conversation, plan, manager_id, now, deps)
        return
    raise OperationError(f"unknown request kind {request.kind!r}")
