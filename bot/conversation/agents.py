"""What agents do from the console: take, reply, release, close, promises, agreements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.effects import TurnOutcome
from bot.conversation.operations import AlreadyTaken, OperationError, business_effects
from bot.conversation.turns import (
    TurnDeps,
    run_dialogue,
)
from bot.core.enums import ConversationStatus, EventKind, taken
from bot.core.money import ZERO
from bot.dialogue.actions import Reply
from bot.dialogue.context import AgentReleased
from bot.dialogue.state import ConversationState
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    User,
)


def _agent_event(
    session: Session,
    conversation: Conversation,
    agent_id: int,
    kind: EventKind,
    now: datetime,
    **data: object,
) -> None:
    """An agent's action in the event log, tied to the chat and its debtor."""
    EventLog(session).append(
        kind,
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
        data=dict(data),
    )


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = ConversationRepository(session).lock_row(conversation_id)
    if conversation is None:
        raise OperationError(f"no conversation {conversation_id}")
    return conversation


def agent_take(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = _conversation(session, conversation_id)
    holder = conversation.assigned_agent_id
    if conversation.status == ConversationStatus.WITH_AGENT and holder not in (None, agent_id):
        other = session.get(User, holder)
        raise AlreadyTaken(other.name if other else f"agent {holder}")
    conversation.status = taken()
    conversation.assigned_agent_id = agent_id
    conversation.updated_at = now
    _agent_event(
        session,
        conversation,
        agent_id,
        EventKind.AGENT_TOOK,
        now,
        reason=conversation.handoff_reason,
    )


def agent_reply(
    session: Session,
    conversation_id: int,
    agent_id: int,
    text: str,
    now: datetime,
    *,
    template: str | None = None,
) -> int:
    conversation = _conversation(session, conversation_id)
    if not text.strip():
        raise OperationError("the reply is empty")
    if (
        conversation.status != ConversationStatus.WITH_AGENT
        or conversation.assigned_agent_id != agent_id
    ):
        agent_take(session, conversation_id, agent_id, now)
    row = MessageRepository(session).queue_outbound(
        conversation,
        text=text.strip()[:4000],
        at=now,
        sender="agent",
        agent_id=agent_id,
        template=template,
        business_initiated=template is not None,
    )
    conversation.last_message_at = now
    return row.id


def agent_release(
    session: Session, conversation_id: int, agent_id: int, now: datetime, deps: TurnDeps
) -> TurnOutcome:
    """Hand the chat back to the bot, which resumes with context."""
    conversation = _conversation(session, conversation_id)
    conversation.status = "bot"
    conversation.assigned_agent_id = None
    conversation.handoff_reason = None
    conversation.waiting_since = None
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event(EventKind.AGENT_RELEASED, agent_id=agent_id)
    if conversation.debtor_id is not None:
        run_dialogue(effects, effects.situation, AgentReleased())
    return effects.outcome


def agent_close(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = _conversation(session, conversation_id)
    conversation.status = "closed"
    conversation.assigned_agent_id = None
    conversation.waiting_since = None
    state = ConversationState.from_dict(conversation.state or {})
    conversation.state = state.evolve(phase="open").to_dict()
    _agent_event(session, conversation, agent_id, EventKind.CONVERSATION_CLOSED, now)


def agent_record_promise(
    session: Session,
    conversation_id: int,
    agent_id: int,
    due: date,
    amount: Decimal,
    now: datetime,
    deps: TurnDeps,
) -> None:
    conversation = _conversation(session, conversation_id)
    if conversation.debtor_id is None:
        raise OperationError("this chat is not linked to a debtor")
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.record_promise(due, amount)


def agent_approve_agreement(
    session: Session,
    conversation_id: int,
    agent_id: int,
    agreement_id: int,
    now: datetime,
    deps: TurnDeps,
) -> None:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or agreement.status != "pending_approval":
        raise OperationError("no agreement waiting for approval")
    agreement.status = "active"
    agreement.approved_by = agent_id
    agreement.updated_at = now
    conversation = _conversation(session, conversation_id)
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
    if first is not None:
        from bot.dialogue.actions import SendPaymentInfo

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
) -> int:
    """An agreement an agent sets up (and so approves), possibly beyond the bot's limits:
    the debt's updated balance less the discount, in equal monthly installments (0 %)."""
    from datetime import timedelta

    from bot.core.domain import Plan, ScheduledPayment
    from bot.core.money import money
    from bot.offers.pricing import add_months, installment_amounts

    if not 1 <= installments <= 60:
        raise OperationError("installments must be between 1 and 60")
    if not Decimal(0) <= discount_percent < Decimal(100):
        raise OperationError("the discount must be between 0 and 100 %")
    conversation = _conversation(session, conversation_id)
    if conversation.debtor_id is None:
        raise OperationError("this chat is not linked to a debtor")
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    context = effects.situation.context
    balance = context.balance.total
    if balance <= ZERO:
        raise OperationError("nothing is owed")
    total = money(balance * (Decimal(100) - discount_percent) / Decimal(100))
    start = first_due or (context.today + timedelta(days=deps.settings.offers.first_due_days))
    amounts = installment_amounts(total, Decimal("0"), installments)
    plan = Plan(
        offer_id="agent",
        kind="installments" if installments > 1 else "pay_in_full",
        balance=balance,
        total=total,
        payments=tuple(
            ScheduledPayment(number=n + 1, due=add_months(start, n), amount=amount)
            for n, amount in enumerate(amounts)
        ),
        discount_percent=discount_percent,
    )
    effects.create_agreement(plan, needs_approval=False)
    effects.event(EventKind.AGREEMENT_APPROVED, offer_id="agent", approved_by=agent_id)
    agreement = LedgerRepository(session).current_agreement(conversation.debtor_id)
    assert agreement is not None
    agreement.approved_by = agent_id
    return agreement.id


def agent_resolve_dispute(
    session: Session, conversation_id: int, agent_id: int, outcome: str, now: datetime
) -> None:
    """``outcome``: "upheld" (the debt stands, collection resumes) or "cancelled"."""
    if outcome not in ("upheld", "cancelled"):
        raise OperationError("outcome must be upheld or cancelled")
    conversation = _conversation(session, conversation_id)
    if conversation.debtor_id is None:
        raise OperationError("this chat is not linked to a debtor")
    for debt in PortfolioRepository(session).debts_of(conversation.debtor_id):
        if debt.status == "disputed":
            debt.status = "open" if outcome == "upheld" else "written_off"
            debt.updated_at = now
    _agent_event(session, conversation, agent_id, EventKind.DISPUTE_RESOLVED, now, outcome=outcome)


def agent_mark_invalid(
    session: Session, conversation_id: int, agent_id: int, now: datetime
) -> None:
    conversation = _conversation(session, conversation_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    contact.invalid = True
    _agent_event(session, conversation, agent_id, EventKind.CONTACT_INVALID, now)
