"""An agent's money actions: promises, agreements, approvals of the bot's plans, disputes.

Within the offer book's limits (``bot.conversation.limits``, the bot's own maths) they are
done at once; beyond them, and for every dispute outcome, an agent files an approval request
a manager decides (``bot.conversation.approvals``); a manager's own action beyond the book
is recorded as a request approved by that manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation import limits
from bot.conversation.agent_access import (
    agent_event,
    do_not_contact,
    is_manager,
    locked_conversation,
    require_debtor,
    require_holder,
    staff,
)
from bot.conversation.operations import NotAllowed, OperationError, business_effects
from bot.conversation.turns import TurnDeps
from bot.core.domain import Plan, ScheduledPayment, first_payment_days
from bot.core.enums import EventKind
from bot.core.money import ZERO, money
from bot.dialogue.actions import Reply, SendPaymentInfo
from bot.offers.pricing import add_months, installment_amounts
from bot.store.ledger import LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    ApprovalRequest,
    Contact,
    Conversation,
    User,
)


@dataclass(frozen=True)
class ActionResult:
    """What a money action did: done now, or filed as an approval request."""

    request_id: int | None = None
    agreement_id: int | None = None

    @property
    def needs_approval(self) -> bool:
        return self.request_id is not None


def file_request(
    session: Session,
    conversation: Conversation,
    user: User,
    kind: str,
    why: str,
    payload: dict[str, Any],
    now: datetime,
) -> ApprovalRequest:
    """An action beyond the book, filed for a manager; a manager's own is approved at once
    (by them, recorded), and the caller then does it."""
    manager = is_manager(user)
    row = ApprovalRequest(
        conversation_id=conversation.id,
        debtor_id=conversation.debtor_id,
        kind=kind,
        payload=payload,
        why=why,
        status="approved" if manager else "pending",
        requested_by=user.id,
        requested_at=now,
        decided_by=user.id if manager else None,
        decided_at=now if manager else None,
    )
    session.add(row)
    session.flush()
    agent_event(
        session, conversation, user.id, "approval_requested", now, request_id=row.id,
        request_kind=kind, why=why, **payload,
    )  # fmt: skip
    if manager:
        agent_event(session, conversation, user.id, "approval_granted", now, request_id=row.id)
    return row


def agent_record_promise(
    session: Session,
    conversation_id: int,
    agent_id: int,
    due: date,
    amount: Decimal,
    now: datetime,
    deps: TurnDeps,
) -> ActionResult:
    conversation = locked_conversation(session, conversation_id)
    user = require_holder(session, conversation, agent_id)
    require_debtor(conversation)
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    context = effects.situation.context
    if due < context.today:
        raise OperationError("the promise's day has passed")
    if amount <= ZERO:
        raise OperationError("the amount must be positive")
    amount = min(money(amount), context.balance.total) if context.balance.total > 0 else amount
    why = limits.promise_beyond_book(deps.book, context, due=due, amount=amount)
    if why is not None:
        payload = {"due": due.isoformat(), "amount": str(amount)}
        request = file_request(session, conversation, user, "promise", why, payload, now)
        if request.status == "pending":
            return ActionResult(request_id=request.id)
    effects.record_promise(due, amount)
    return ActionResult()


def agent_plan(
    total_balance: Decimal, installments: int, discount_percent: Decimal, start: date
) -> Plan:
    """The agent's plan: the updated balance less the discount, in equal monthly parts."""
    total = money(total_balance * (Decimal(100) - discount_percent) / Decimal(100))
    amounts = installment_amounts(total, Decimal("0"), installments)
    return Plan(
        offer_id="agent",
        kind="installments" if installments > 1 else "pay_in_full",
        balance=total_balance,
        total=total,
        payments=tuple(
            ScheduledPayment(number=n + 1, due=add_months(start, n), amount=amount)
            for n, amount in enumerate(amounts)
        ),
        discount_percent=discount_percent,
    )


def agent_create_agreement(
    session: Session,
    conversation_id: int,
    agent_id: int,
    installments: int,
    now: datetime,
    deps: TurnDeps,
    *,
    discount_percent: Decimal = Decimal("0"),
    first_due: date | None = None,
) -> ActionResult:
    """An agreement the agent sets up: made at once within the book, else a request."""
    if not 1 <= installments <= 60:
        raise OperationError("installments must be between 1 and 60")
    if not Decimal(0) <= discount_percent < Decimal(100):
        raise OperationError("the discount must be between 0 and 100 %")
    conversation = locked_conversation(session, conversation_id)
    user = require_holder(session, conversation, agent_id)
    require_debtor(conversation)
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    context = effects.situation.context
    if context.balance.total <= ZERO:
        raise OperationError("nothing is owed")
    # as the chat: the configured days ahead, and not before a due date still to come
    first_due_days = first_payment_days(
        limits.collectable(context), context.today, deps.settings.offers.first_due_days
    )
    start = first_due or (context.today + timedelta(days=first_due_days))
    if start < context.today:
        raise OperationError("the first payment's day has passed")
    plan = agent_plan(context.balance.total, installments, discount_percent, start)
    why = limits.agreement_beyond_book(
        deps.book,
        context,
        installments=installments,
        total=plan.total,
        first_due=start,
        first_due_days=first_due_days,
    )
    if why is not None:
        payload = {
            "installments": installments,
            "discount_percent": str(discount_percent),
            "first_due": start.isoformat(),
            "total": str(plan.total),
        }
        request = file_request(session, conversation, user, "agreement", why, payload, now)
        if request.status == "pending":
            return ActionResult(request_id=request.id)
    made = make_agreement(session, conversation, plan, agent_id, now, deps)
    return ActionResult(agreement_id=made)


def make_agreement(
    session: Session,
    conversation: Conversation,
    plan: Plan,
    approver: int,
    now: datetime,
    deps: TurnDeps,
) -> int:
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{approver}")
    effects.create_agreement(plan, needs_approval=False)
    effects.event(EventKind.AGREEMENT_APPROVED, offer_id=plan.offer_id, approved_by=approver)
    agreement = LedgerRepository(session).current_agreement(require_debtor(conversation))
    assert agreement is not None
    agreement.approved_by = approver
    return agreement.id


def agent_approve_agreement(
    session: Session,
    conversation_id: int,
    agent_id: int,
    agreement_id: int,
    now: datetime,
    deps: TurnDeps,
) -> None:
    """A plan the bot offered beyond the approval limit: only a manager approves it."""
    user = staff(session, agent_id)
    if not is_manager(user):
        raise NotAllowed("only a manager approves an agreement beyond the book's limits")
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or agreement.status != "pending_approval":
        raise OperationError("no agreement waiting for approval")
    if agreement.conversation_id not in (None, conversation_id):
        raise OperationError("that agreement belongs to another chat")
    agreement.status = "active"
    agreement.approved_by = agent_id
    agreement.updated_at = now
    conversation = locked_conversation(session, conversation_id)
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event(EventKind.AGREEMENT_APPROVED, agreement_id=agreement_id)
    effects.event(
        EventKind.AGREEMENT_CREATED,
        agreement_id=agreement_id,
        offer_id=agreement.offer_id,
        total=agreement.total,
        installments=agreement.installments,
    )
    first = session.scalar(
        select(AgreementInstallment)
        .where(AgreementInstallment.agreement_id == agreement_id)
        .order_by(AgreementInstallment.number)
    )
    contact = session.get(Contact, conversation.contact_id)
    if first is not None and contact is not None and do_not_contact(contact) is None:
        effects.apply(
            SendPaymentInfo(amount=first.amount, reference=f"A{agreement_id}-{first.number}"),
            conversation.language,
        )
        effects.apply(
            Reply(
                response="agreement_approved",
                vars={"amount": first.amount, "due": first.due.isoformat()},
                attach_pix_qr=True,
            ),
            conversation.language,
        )


def agent_resolve_dispute(
    session: Session, conversation_id: int, agent_id: int, outcome: str, now: datetime
) -> ActionResult:
    """``outcome``: "upheld" (the debt stands, collection resumes) or "cancelled" (written
    off). Either way a manager decides: an agent's choice is a request."""
    if outcome not in ("upheld", "cancelled"):
        raise OperationError("outcome must be upheld or cancelled")
    conversation = locked_conversation(session, conversation_id)
    user = require_holder(session, conversation, agent_id)
    require_debtor(conversation)
    request = file_request(
        session, conversation, user, "dispute", limits.DISPUTE_OUTCOME, {"outcome": outcome}, now
    )
    if request.status == "pending":
        return ActionResult(request_id=request.id)
    settle_dispute(session, conversation, agent_id, outcome, now)
    return ActionResult()


def settle_dispute(
    session: Session, conversation: Conversation, decided_by: int, outcome: str, now: datetime
) -> None:
    for debt in PortfolioRepository(session).debts_of(require_debtor(conversation)):
        if debt.status == "disputed":
            debt.status = "open" if outcome == "upheld" else "written_off"
            debt.updated_at = now
    agent_event(session, conversation, decided_by, "dispute_resolved", now, outcome=outcome)
