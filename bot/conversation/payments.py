"""Payments the business confirms, and promises or agreements whose time has passed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.effects import TurnOutcome
from bot.conversation.operations import OperationError, business_effects
from bot.conversation.turns import (
    TurnDeps,
    conversation_language,
    preferred_contact,
    run_dialogue,
)
from bot.core.enums import EventKind, holds_the_bot
from bot.core.money import ZERO
from bot.dialogue.context import PaymentConfirmed
from bot.offers.agreements import apply_payment, is_broken, is_completed
from bot.store.conversations import ConversationRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Agreement,
    Debt,
    Payment,
    Promise,
)


def _system_event(
    session: Session, kind: EventKind, now: datetime, debtor_id: int, **data: object
) -> None:
    """What the system concluded (a promise kept or broken, an agreement done or broken)."""
    EventLog(session).append(kind, at=now, actor="system", debtor_id=debtor_id, data=dict(data))


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
    announced: Decimal | None = None,
) -> TurnOutcome | None:
    """Record a payment the business confirmed; ``None`` if it was already recorded.

    ``announced`` is the amount the thank-you names when this call is the last part of a
    payment spread over several debts (a Pix for the whole balance)."""
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
        EventKind.PAYMENT_RECEIVED,
        at=now,
        actor="business",
        debtor_id=debtor_id,
        data={"debt_ref": debt_ref, "amount": str(amount), "paid_at": paid_at.isoformat()},
    )
    _settle_promise(session, debtor_id, now)
    debts = portfolio.debts_of(debtor_id)
    settled_all = all(d.status in ("paid", "written_off") for d in debts)
    if settled_all and source != "pix":
        _cancel_pix_charges(session, debtor_id, now, deps)  # paid at the counter
    contact = preferred_contact(session, debtor_id)
    if contact is None:
        return TurnOutcome(events=["payment_received"])
    debtor = portfolio.debtor(debtor_id)
    conversation = ConversationRepository(session).for_contact(
        contact, now, conversation_language(debtor, deps.settings)
    )
    # the thank-you may come days after the person last wrote: outside WhatsApp's window
    # it has to go as the approved "thank_you" template
    effects = business_effects(
        session,
        conversation,
        deps,
        now,
        actor="business",
        business_initiated=True,
        template="thank_you",
    )
    if holds_the_bot(conversation.status):
        return effects.outcome  # the agent tells the person
    event = PaymentConfirmed(
        amount=announced or amount,
        debt_ref=debt_ref,
        settled_all=settled_all,
        left=None if settled_all else left_to_pay(session, debtor_id),
    )
    run_dialogue(effects, effects.situation, event)
    return effects.outcome


def left_to_pay(session: Session, debtor_id: int) -> Decimal:
    """What the debtor still owes: the agreement's unpaid installments less any credit
    towards them, plus open debts outside it (principal, as the business books it)."""
    left = ZERO
    agreement = LedgerRepository(session).current_agreement(debtor_id)
    if agreement is not None and agreement.status == "active":
        rows = LedgerRepository(session).installments(agreement.id)
        unpaid = sum((r.amount for r in rows if r.status != "paid"), ZERO)
        paid_rows = sum((r.amount for r in rows if r.status == "paid"), ZERO)
        received = sum(
            (
                p.amount
                for p in session.scalars(
                    select(Payment).where(Payment.agreement_id == agreement.id)
                )
            ),
            ZERO,
        )
        left += max(ZERO, unpaid - max(ZERO, received - paid_rows))
    for debt in PortfolioRepository(session).debts_of(debtor_id):
        if debt.status == "open":
            left += max(ZERO, debt.amount - debt.paid)
    return left


def _cancel_pix_charges(session: Session, debtor_id: int, now: datetime, deps: TurnDeps) -> None:
    from bot.payments.charges import cancel_open_charges
    from bot.payments.provider import PixChargeProvider

    if isinstance(deps.payments, PixChargeProvider):
        cancel_open_charges(session, deps.payments.api, debtor_id, now)


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
        _system_event(
            session, EventKind.AGREEMENT_COMPLETED, now, debt.debtor_id, agreement_id=agreement.id
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
        _system_event(
            session,
            EventKind.PROMISE_KEPT,
            now,
            debtor_id,
            promise_id=promise.id,
            amount=str(promise.amount),
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
        _system_event(
            session,
            EventKind.PROMISE_BROKEN,
            now,
            promise.debtor_id,
            promise_id=promise.id,
            due=promise.due.isoformat(),
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
            _system_event(
                session,
                EventKind.AGREEMENT_BROKEN,
                now,
                agreement.debtor_id,
                agreement_id=agreement.id,
            )
            changed.append(f"agreement:{agreement.id}")
    return changed
