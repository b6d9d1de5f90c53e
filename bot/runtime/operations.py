"""Turns started by the business: payments confirmed, agent actions, broken agreements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.money import ZERO
from bot.dialogue.actions import Reply
from bot.dialogue.context import AgentReleased, PaymentConfirmed
from bot.dialogue.state import ConversationState
from bot.offers.agreements import apply_payment, is_broken, is_completed
from bot.runtime.effects import Effects, TurnOutcome
from bot.runtime.turns import (
    TurnDeps,
    conversation_language,
    preferred_contact,
    run_dialogue,
    turn_effects,
)
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    Debt,
    Payment,
    Promise,
    User,
)


class OperationError(ValueError):
    """An operation that cannot be done; the message says why (shown to the operator)."""


def _effects(
    session: Session,
    conversation: Conversation,
    deps: TurnDeps,
    now: datetime,
    **options: Any,
) -> Effects:
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    return turn_effects(session, conversation, contact, deps, now, **options)


def confirm_payment(
    session: Session,
    *,
    debt_ref: str,
    amount: Decimal,
    paid_at: datetime,
    source: str,
    dedupe_key: str,
    now: datetime,
    deps: TurnDeps,
) -> TurnOutcome | None:
    """Record a payment the business confirmed; ``None`` if it was already recorded."""
    portfolio = PortfolioRepository(session)
    debt = portfolio.debt_by_ref(debt_ref)
    if debt is None:
        raise OperationError(f"unknown debt {debt_ref!r}")
    if debt.agreement_id is not None and debt.status == "in_agreement":
        payment = _pay_agreement(session, debt, amount, paid_at, source, dedupe_key, now)
    else:
        payment = portfolio.record_payment(
            debt, amount, paid_at, source=source, dedupe_key=dedupe_key, now=now
        )
    if payment is None:
        return None
    debtor_id = debt.debtor_id
    events = EventLog(session)
    events.append(
        "payment_received",
        at=now,
        actor="business",
        debtor_id=debtor_id,
        data={"debt_ref": debt_ref, "amount": str(amount), "paid_at": paid_at.isoformat()},
    )
    _settle_promise(session, debtor_id, now)
    debts = portfolio.debts_of(debtor_id)
    settled_all = all(d.status in ("paid", "written_off") for d in debts)
    contact = preferred_contact(session, debtor_id)
    if contact is None:
        return TurnOutcome(events=["payment_received"])
    debtor = portfolio.debtor(debtor_id)
    conversation = ConversationRepository(session).for_contact(
        contact, now, conversation_language(debtor, deps.settings)
    )
    # the thank-you may come days after the person last wrote: outside WhatsApp's window
    # it has to go as the approved "thank_you" template
    effects = _effects(
        session,
        conversation,
        deps,
        now,
        actor="business",
        business_initiated=True,
        template="thank_you",
    )
    if conversation.status in ("waiting_agent", "with_agent"):
        return effects.outcome  # the agent tells the person
    event = PaymentConfirmed(amount=amount, debt_ref=debt_ref, settled_all=settled_all)
    run_dialogue(effects, effects.situation, event)
    return effects.outcome


def _pay_agreement(
    session: Session,
    debt: Debt,
    amount: Decimal,
    paid_at: datetime,
    source: str,
    dedupe_key: str,
    now: datetime,
) -> Payment | None:
    if PortfolioRepository(session).payment_seen(dedupe_key):
        return None
    agreement = session.get(Agreement, debt.agreement_id)
    assert agreement is not None
    ledger = LedgerRepository(session)
    rows = ledger.installments(agreement.id)
    from bot.store.ledger import agreement_view

    view = agreement_view(agreement, rows)
    newly, _left = apply_payment(view.payments, view.paid_numbers, amount)
    for row in rows:
        if row.number in newly:
            row.status = "paid"
            row.paid_amount = row.amount
            row.paid_at = paid_at
    payment = PortfolioRepository(session).add_payment(
        debt,
        amount,
        paid_at,
        source=source,
        dedupe_key=dedupe_key,
        now=now,
        agreement_id=agreement.id,
    )
    paid_numbers = set(view.paid_numbers) | set(newly)
    if is_completed(view.payments, paid_numbers):
        agreement.status = "completed"
        agreement.updated_at = now
        for covered in session.scalars(select(Debt).where(Debt.agreement_id == agreement.id)):
            covered.status = "paid"
            covered.paid = covered.amount
            covered.updated_at = now
        EventLog(session).append(
            "agreement_completed",
            at=now,
            actor="system",
            debtor_id=debt.debtor_id,
            data={"agreement_id": agreement.id},
        )
    session.flush()
    return payment


def _settle_promise(session: Session, debtor_id: int, now: datetime) -> None:
    """A promise is kept when what was paid since it was made covers it (or all is paid)."""
    promise = LedgerRepository(session).open_promise(debtor_id)
    if promise is None:
        return
    paid_since = sum(
        (
            p.amount
            for p in session.scalars(
                select(Payment).where(
                    Payment.debtor_id == debtor_id, Payment.created_at >= promise.created_at
                )
            )
        ),
        ZERO,
    )
    debts = PortfolioRepository(session).debts_of(debtor_id)
    if paid_since >= promise.amount or all(d.status == "paid" for d in debts):
        promise.status = "kept"
        promise.resolved_at = now
        EventLog(session).append(
            "promise_kept",
            at=now,
            actor="system",
            debtor_id=debtor_id,
            data={"promise_id": promise.id, "amount": str(promise.amount)},
        )


def expire_promises_and_agreements(session: Session, now: datetime, deps: TurnDeps) -> list[str]:
    """Mark promises past their day as broken and agreements past the grace as broken."""
    tz = ZoneInfo(deps.settings.business.timezone)
    today = now.astimezone(tz).date()
    changed: list[str] = []
    for promise in session.scalars(
        select(Promise).where(Promise.status == "open", Promise.due < today)
    ):
        promise.status = "broken"
        promise.resolved_at = now
        EventLog(session).append(
            "promise_broken",
            at=now,
            actor="system",
            debtor_id=promise.debtor_id,
            data={"promise_id": promise.id, "due": promise.due.isoformat()},
        )
        changed.append(f"promise:{promise.id}")
    grace = deps.settings.cadence.agreement_grace_days
    ledger = LedgerRepository(session)
    for agreement in session.scalars(select(Agreement).where(Agreement.status == "active")):
        from bot.store.ledger import agreement_view

        view = agreement_view(agreement, ledger.installments(agreement.id))
        if is_broken(view.payments, view.paid_numbers, today, grace):
            agreement.status = "broken"
            agreement.updated_at = now
            for debt in session.scalars(select(Debt).where(Debt.agreement_id == agreement.id)):
                if debt.status == "in_agreement":
                    debt.status = "open"
                    debt.agreement_id = None
            EventLog(session).append(
                "agreement_broken",
                at=now,
                actor="system",
                debtor_id=agreement.debtor_id,
                data={"agreement_id": agreement.id},
            )
            changed.append(f"agreement:{agreement.id}")
    return changed


# --- agent actions ------------------------------------------------------------------------


class AlreadyTaken(OperationError):
    def __init__(self, agent_name: str) -> None:
        super().__init__(f"this chat is with {agent_name}")
        self.agent_name = agent_name


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = ConversationRepository(session).lock_row(conversation_id)
    if conversation is None:
        raise OperationError(f"no conversation {conversation_id}")
    return conversation


def agent_take(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = _conversation(session, conversation_id)
    holder = conversation.assigned_agent_id
    if conversation.status == "with_agent" and holder not in (None, agent_id):
        other = session.get(User, holder)
        raise AlreadyTaken(other.name if other else f"agent {holder}")
    conversation.status = "with_agent"
    conversation.assigned_agent_id = agent_id
    conversation.updated_at = now
    EventLog(session).append(
        "agent_took",
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
        data={"reason": conversation.handoff_reason},
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
    if conversation.status != "with_agent" or conversation.assigned_agent_id != agent_id:
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
    effects = _effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event("agent_released", agent_id=agent_id)
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
    EventLog(session).append(
        "conversation_closed",
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
    )


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
    effects = _effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
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
    effects = _effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event("agreement_approved", agreement_id=agreement_id)
    effects.event(
        "agreement_created",
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
    effects = _effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
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
    effects.event("agreement_approved", offer_id="agent", approved_by=agent_id)
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
    EventLog(session).append(
        "dispute_resolved",
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
        data={"outcome": outcome},
    )


def agent_mark_invalid(
    session: Session, conversation_id: int, agent_id: int, now: datetime
) -> None:
    conversation = _conversation(session, conversation_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    contact.invalid = True
    EventLog(session).append(
        "contact_invalid",
        at=now,
        actor=f"agent:{agent_id}",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
    )


def today_in(tz: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
