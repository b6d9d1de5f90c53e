"""The portal's database side: links, the identity check, the debtor's terms, accepting a
plan and asking for a person. Each function works inside the caller's transaction.

Accepting runs the same actions the chat runs when a debtor says "fechado" (create the
agreement, confirm it in the chat, send the PIX of the first payment), through the same
``Effects``, so the chat, the cadence and the dashboard see a page agreement like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.conversation.effects import Effects, TurnOutcome
from bot.conversation.facts import behaviour_segment, debtor_timezone
from bot.conversation.jsonable import to_jsonable
from bot.conversation.operations import OperationError, business_effects
from bot.conversation.turns import TurnDeps, conversation_language, preferred_contact
from bot.core.domain import Plan, first_payment_days
from bot.core.enums import EventKind, holds_the_bot
from bot.dialogue.actions import Action, CreateAgreement, HandOff, Reply, SendPaymentInfo
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import payment_reference, plan_vars
from bot.portal.links import ACTOR, identity_matches
from bot.portal.quotes import Terms, collectable
from bot.store.conversations import ConversationRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository, debt_view
from bot.store.tables import Agreement, AgreementInstallment, Contact, Debtor, PortalAccess


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    locked: bool
    attempts_left: int
    outcome: TurnOutcome | None = None  # the hand-off when this answer locked the page


def check_identity(
    session: Session, deps: TurnDeps, row: PortalAccess, answer: str, now: datetime
) -> CheckResult:
    """Count a wrong answer; at the limit lock the page and tell a person (the chat goes on
    with the bot: see ``_tell_agents``)."""
    limit = deps.settings.portal.max_attempts
    if row.locked_at is not None:
        return CheckResult(False, True, 0)
    debtor = session.get(Debtor, row.debtor_id)
    assert debtor is not None
    events = EventLog(session)
    if identity_matches(debtor, answer):
        row.failed_attempts = 0
        row.updated_at = now
        events.append(EventKind.PORTAL_VERIFIED, at=now, actor=ACTOR, debtor_id=debtor.id)
        return CheckResult(True, False, limit)
    row.failed_attempts += 1
    row.updated_at = now
    left = max(limit - row.failed_attempts, 0)
    events.append(
        EventKind.PORTAL_IDENTITY_FAILED,
        at=now,
        actor=ACTOR,
        debtor_id=debtor.id,
        data={"attempt": row.failed_attempts},
    )
    if left > 0:
        return CheckResult(False, False, left)
    row.locked_at = now
    effects = _debtor_effects(session, deps, debtor.id, now)
    effects.event(EventKind.PORTAL_LOCKED, attempts=row.failed_attempts)
    _tell_agents(effects, "portal_locked")
    return CheckResult(False, True, 0, effects.outcome)


def _tell_agents(effects: Effects, reason: str) -> None:
    """Show the chat in the agents' inbox without muting the bot: the debtor (who may only
    have mistyped) keeps the chat; whoever was guessing gets nothing more from the page."""
    conversation = effects.conversation
    if holds_the_bot(conversation.status):
        return  # a person has it already (or is about to)
    conversation.handoff_reason = reason
    conversation.waiting_since = conversation.waiting_since or effects.now


# --- the debtor's terms -----------------------------------------------------------------------


@dataclass(frozen=True)
class DebtorPage:
    debtor: Debtor
    terms: Terms
    agreement: Agreement | None
    installments: list[AgreementInstallment]


def load_page(session: Session, deps: TurnDeps, debtor_id: int, now: datetime) -> DebtorPage:
    debtor = session.get(Debtor, debtor_id)
    assert debtor is not None
    tz = debtor_timezone(debtor, deps.settings)
    today = now.astimezone(ZoneInfo(tz)).date()
    debts = collectable([debt_view(d) for d in PortfolioRepository(session).debts_of(debtor_id)])
    terms = Terms(
        book=deps.book,
        debts=debts,
        today=today,
        segment=debtor.segment or behaviour_segment(session, debtor_id, deps.book),
        max_first_due_days=first_payment_days(debts, today, deps.settings.offers.first_due_days),
    )
    ledger = LedgerRepository(session)
    agreement = ledger.current_agreement(debtor_id)
    installments = ledger.installments(agreement.id) if agreement else []
    return DebtorPage(debtor, terms, agreement, installments)


def record(session: Session, debtor_id: int, kind: EventKind, now: datetime, **data: Any) -> None:
    """A view or a choice on the page, in the event log."""
    EventLog(session).append(
        kind, at=now, actor=ACTOR, debtor_id=debtor_id, data=to_jsonable(data)
    )


# --- accepting and asking for a person ------------------------------------------------------


def debtor_contact(session: Session, debtor_id: int) -> Contact | None:
    """The chat the page reports to: the one the debtor answers on (as the cadence picks)."""
    return preferred_contact(session, debtor_id)


def _debtor_effects(session: Session, deps: TurnDeps, debtor_id: int, now: datetime) -> Effects:
    contact = debtor_contact(session, debtor_id)
    if contact is None:
        raise OperationError("no chat to confirm in")
    debtor = session.get(Debtor, debtor_id)
    conversation = ConversationRepository(session).for_contact(
        contact, now, conversation_language(debtor, deps.settings)
    )
    return business_effects(session, conversation, deps, now, actor=ACTOR)


@dataclass(frozen=True)
class Accepted:
    agreement_id: int
    needs_approval: bool
    pix_code: str | None
    outcome: TurnOutcome


def accept(
    session: Session, deps: TurnDeps, debtor_id: int, plan: Plan, now: datetime
) -> Accepted:
    """Close the plan as the chat does, and confirm it (with the PIX) in the chat."""
    if LedgerRepository(session).current_agreement(debtor_id) is not None:
        raise OperationError("there is already an agreement")
    effects = _debtor_effects(session, deps, debtor_id, now)
    conversation = effects.conversation
    first_name = effects.situation.context.debtor.first_name
    state = ConversationState.from_dict(conversation.state or {})
    actions: list[Action]
    if plan.needs_approval:
        actions = [
            CreateAgreement(plan, needs_approval=True),
            HandOff("approval"),
            Reply("approval_pending", vars={"first_name": first_name, "plan": plan_vars(plan)}),
        ]
        state = state.evolve(
            phase="with_agent",
            resume_phase="agreement",
            handoff_reason="approval",
            pending_plan=None,
            on_screen=(),
        )
    else:
        first = plan.payments[0]
        ref = effects.situation.context.debtor.ref
        actions = [
            CreateAgreement(plan),
            Reply("agreement_created", vars={"first_name": first_name, "plan": plan_vars(plan)}),
            SendPaymentInfo(
                amount=first.amount,
                reference=payment_reference(ref, plan.offer_id, str(first.number)),
                method="pix",
            ),
            Reply(
                "payment_info",
                vars={
                    "first_name": first_name,
                    "method": "pix",
                    "amount": f"{first.amount:.2f}",
                    "due": first.due.isoformat(),
                    "purpose": "installment",
                },
                attach_pix_qr=True,
            ),
        ]
        state = state.evolve(phase="agreement", pending_plan=None, on_screen=())
    effects.run(tuple(actions), conversation.language)
    conversation.state = state.to_dict()
    conversation.updated_at = now
    agreement = LedgerRepository(session).current_agreement(debtor_id)
    assert agreement is not None
    effects.event(
        EventKind.PORTAL_AGREEMENT,
        agreement_id=agreement.id,
        offer_id=plan.offer_id,
        installments=plan.installments,
        total=plan.total,
        needs_approval=plan.needs_approval,
    )
    info = effects.instructions
    return Accepted(
        agreement.id, plan.needs_approval, info.pix_code if info else None, effects.outcome
    )


def hand_off(
    session: Session, deps: TurnDeps, debtor_id: int, now: datetime, simulated: dict[str, Any]
) -> TurnOutcome:
    """ "Talk to a person": the chat goes to an agent with what the debtor simulated."""
    effects = _debtor_effects(session, deps, debtor_id, now)
    effects.event(EventKind.PORTAL_HANDOFF, **simulated)
    effects.hand_off("portal_request")
    first_name = effects.situation.context.debtor.first_name
    effects.reply(Reply("portal_handoff", vars={"first_name": first_name}), _language(effects))
    return effects.outcome


def _language(effects: Effects) -> str:
    return effects.conversation.language


def pix_of(
    session: Session, deps: TurnDeps, debtor: Debtor, agreement: Agreement
) -> tuple[str, Decimal] | None:
    """The PIX code and amount of the agreement's first unpaid payment (shown on the page)."""
    unpaid = [
        i for i in LedgerRepository(session).installments(agreement.id) if i.status != "paid"
    ]
    if not unpaid or agreement.status != "active":
        return None
    first = unpaid[0]
    info = deps.payments.instructions(
        amount=first.amount,
        reference=payment_reference(debtor.ref, agreement.offer_id, str(first.number)),
        debtor_name=debtor.name,
        methods=("pix",),
    )
    return (info.pix_code, first.amount) if info.pix_code else None
