"""What agents do from the console: take, transfer, reply, release, close, money actions.

Who may do what is decided here, on the server, from the user's stored role:

- a chat's actions (reply, release, close, money, invalid, snooze) belong to its holder; a
  manager may act on any chat;
- money actions stay within the offer book's limits (``bot.conversation.limits``, the
  bot's own maths); beyond them, and for every dispute outcome, an agent files an approval
  request a manager decides (``bot.conversation.approvals``); a manager's own action beyond
  the book is recorded as a request approved by that manager;
- nothing is sent to an opted-out or invalid contact; a manager may override for a legal
  reason, which is recorded in the event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation import limits
from bot.conversation.effects import TurnOutcome
from bot.conversation.operations import (
    AlreadyTaken,
    DoNotContact,
    NotAllowed,
    OperationError,
    business_effects,
)
from bot.conversation.turns import TurnDeps, run_dialogue
from bot.core.domain import Plan, ScheduledPayment
from bot.core.enums import ConversationStatus, EventKind, manages, taken
from bot.core.money import ZERO, money
from bot.dialogue.actions import Reply, SendPaymentInfo
from bot.dialogue.context import AgentReleased
from bot.dialogue.state import ConversationState
from bot.offers.pricing import add_months, installment_amounts
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    ApprovalRequest,
    Contact,
    Conversation,
    ConversationNote,
    User,
)

MIN_OVERRIDE_REASON = 10  # characters: a legal reason, not "ok"


@dataclass(frozen=True)
class ActionResult:
    """What a money action did: done now, or filed as an approval request."""

    request_id: int | None = None
    agreement_id: int | None = None

    @property
    def needs_approval(self) -> bool:
        return self.request_id is not None


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


def staff(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotAllowed("unknown or inactive user")
    return user


def is_manager(user: User) -> bool:
    return manages(user.role)


def holds(conversation: Conversation, user_id: int) -> bool:
    return (
        conversation.status == ConversationStatus.WITH_AGENT
        and conversation.assigned_agent_id == user_id
    )


def _require_holder(session: Session, conversation: Conversation, user_id: int) -> User:
    """The user, when they hold the chat or are a manager; else ``NotAllowed``."""
    user = staff(session, user_id)
    if is_manager(user) or holds(conversation, user_id):
        return user
    raise NotAllowed("only the agent holding this chat (or a manager) may do this")


def _require_debtor(conversation: Conversation) -> int:
    if conversation.debtor_id is None:
        raise OperationError("this chat is not linked to a debtor")
    return conversation.debtor_id


def do_not_contact(contact: Contact) -> str | None:
    """Why nothing may be sent to this contact, or ``None``."""
    if contact.opted_out:
        return "opted_out"
    if contact.invalid:
        return "invalid"
    return None


# --- holding the chat -------------------------------------------------------------------


def agent_take(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = _conversation(session, conversation_id)
    staff(session, agent_id)
    holder = conversation.assigned_agent_id
    if conversation.status == ConversationStatus.WITH_AGENT and holder not in (None, agent_id):
        other = session.get(User, holder)
        raise AlreadyTaken(other.name if other else f"agent {holder}")
    conversation.status = taken()
    conversation.assigned_agent_id = agent_id
    conversation.snoozed_until = None
    conversation.updated_at = now
    _agent_event(
        session,
        conversation,
        agent_id,
        EventKind.AGENT_TOOK,
        now,
        reason=conversation.handoff_reason,
    )


def agent_transfer(
    session: Session, conversation_id: int, agent_id: int, to_agent_id: int, now: datetime
) -> None:
    """The holder (or a manager) hands the chat to another agent, who then holds it."""
    conversation = _conversation(session, conversation_id)
    user = staff(session, agent_id)
    if not is_manager(user) and conversation.assigned_agent_id != agent_id:
        raise NotAllowed("only the agent holding this chat (or a manager) may transfer it")
    target = staff(session, to_agent_id)
    conversation.status = taken()
    conversation.assigned_agent_id = target.id
    conversation.seen_message_id = None
    conversation.updated_at = now
    _agent_event(
        session, conversation, agent_id, EventKind.AGENT_TRANSFERRED, now, to_agent=target.id
    )


def agent_reply(
    session: Session,
    conversation_id: int,
    agent_id: int,
    text: str,
    now: datetime,
    *,
    template: str | None = None,
    override_reason: str | None = None,
) -> int:
    conversation = _conversation(session, conversation_id)
    if not text.strip():
        raise OperationError("the reply is empty")
    user = staff(session, agent_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    blocked = do_not_contact(contact)
    reason = (override_reason or "").strip()
    if blocked is not None:
        if not is_manager(user):
            raise DoNotContact(f"do not contact: {blocked}")
        if len(reason) < MIN_OVERRIDE_REASON:
            raise DoNotContact(f"do not contact: {blocked}; a manager must give a legal reason")
    if not holds(conversation, agent_id):
        agent_take(session, conversation_id, agent_id, now)
    if blocked is not None:
        _agent_event(
            session, conversation, agent_id, EventKind.DO_NOT_CONTACT_OVERRIDE, now, why=blocked,
            reason=reason[:300],
        )  # fmt: skip
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
    conversation.seen_message_id = row.id
    return row.id


def agent_release(
    session: Session,
    conversation_id: int,
    agent_id: int,
    now: datetime,
    deps: TurnDeps,
    *,
    resume_message: bool = True,
) -> TurnOutcome:
    """Hand the chat back to the bot. With ``resume_message`` the bot writes first (with
    context); without, it stays quiet until the debtor writes, so nothing it says can
    contradict what the agent just told them."""
    conversation = _conversation(session, conversation_id)
    _require_holder(session, conversation, agent_id)
    conversation.status = ConversationStatus.BOT
    conversation.assigned_agent_id = None
    conversation.handoff_reason = None
    conversation.waiting_since = None
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    effects.event(EventKind.AGENT_RELEASED, agent_id=agent_id, resume_message=resume_message)
    if resume_message and conversation.debtor_id is not None:
        contact = session.get(Contact, conversation.contact_id)
        if contact is not None and do_not_contact(contact) is None:
            run_dialogue(effects, effects.situation, AgentReleased())
    return effects.outcome


def agent_close(session: Session, conversation_id: int, agent_id: int, now: datetime) -> None:
    conversation = _conversation(session, conversation_id)
    _require_holder(session, conversation, agent_id)
    conversation.status = ConversationStatus.CLOSED
    conversation.assigned_agent_id = None
    conversation.waiting_since = None
    state = ConversationState.from_dict(conversation.state or {})
    conversation.state = state.evolve(phase="open").to_dict()
    _agent_event(session, conversation, agent_id, EventKind.CONVERSATION_CLOSED, now)


# --- money ------------------------------------------------------------------------------


def _file_request(
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
    _agent_event(
        session, conversation, user.id, EventKind.APPROVAL_REQUESTED, now, request_id=row.id,
        request_kind=kind, why=why, **payload,
    )  # fmt: skip
    if manager:
        _agent_event(
            session, conversation, user.id, EventKind.APPROVAL_GRANTED, now, request_id=row.id
        )
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
    conversation = _conversation(session, conversation_id)
    user = _require_holder(session, conversation, agent_id)
    _require_debtor(conversation)
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
        request = _file_request(session, conversation, user, "promise", why, payload, now)
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
    conversation = _conversation(session, conversation_id)
    user = _require_holder(session, conversation, agent_id)
    _require_debtor(conversation)
    effects = business_effects(session, conversation, deps, now, actor=f"agent:{agent_id}")
    context = effects.situation.context
    if context.balance.total <= ZERO:
        raise OperationError("nothing is owed")
    first_due_days = deps.settings.offers.first_due_days
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
        request = _file_request(session, conversation, user, "agreement", why, payload, now)
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
    agreement = LedgerRepository(session).current_agreement(_require_debtor(conversation))
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
    conversation = _conversation(session, conversation_id)
    user = _require_holder(session, conversation, agent_id)
    _require_debtor(conversation)
    request = _file_request(
        session, conversation, user, "dispute", limits.DISPUTE_OUTCOME, {"outcome": outcome}, now
    )
    if request.status == "pending":
        return ActionResult(request_id=request.id)
    settle_dispute(session, conversation, agent_id, outcome, now)
    return ActionResult()


def settle_dispute(
    session: Session, conversation: Conversation, decided_by: int, outcome: str, now: datetime
) -> None:
    for debt in PortfolioRepository(session).debts_of(_require_debtor(conversation)):
        if debt.status == "disputed":
            debt.status = "open" if outcome == "upheld" else "written_off"
            debt.updated_at = now
    _agent_event(
        session, conversation, decided_by, EventKind.DISPUTE_RESOLVED, now, outcome=outcome
    )


def agent_mark_invalid(
    session: Session, conversation_id: int, agent_id: int, now: datetime
) -> None:
    conversation = _conversation(session, conversation_id)
    _require_holder(session, conversation, agent_id)
    contact = session.get(Contact, conversation.contact_id)
    assert contact is not None
    contact.invalid = True
    _agent_event(session, conversation, agent_id, EventKind.CONTACT_INVALID, now)


# --- notes, labels, snooze, seen ----------------------------------------------------------


def add_note(
    session: Session, conversation_id: int, agent_id: int, text: str, now: datetime
) -> int:
    """A private note any staff member may leave; never sent."""
    staff(session, agent_id)
    conversation = _conversation(session, conversation_id)
    if not text.strip():
        raise OperationError("the note is empty")
    note = ConversationNote(
        conversation_id=conversation.id, author_id=agent_id, text=text.strip()[:2000],
        created_at=now,
    )  # fmt: skip
    session.add(note)
    session.flush()
    return note.id


def set_labels(
    session: Session, conversation_id: int, agent_id: int, labels: list[str], now: datetime
) -> None:
    staff(session, agent_id)
    conversation = _conversation(session, conversation_id)
    clean = sorted({x.strip().lower()[:24] for x in labels if x.strip()})[:8]
    conversation.labels = clean or None
    conversation.updated_at = now


def snooze(
    session: Session, conversation_id: int, agent_id: int, until: datetime, now: datetime
) -> None:
    """Hide a held chat from "mine" until ``until`` (a debtor's message brings it back)."""
    conversation = _conversation(session, conversation_id)
    _require_holder(session, conversation, agent_id)
    if until <= now:
        raise OperationError("snooze until a later day")
    conversation.snoozed_until = until
    _agent_event(session, conversation, agent_id, EventKind.SNOOZED, now, until=until.isoformat())


def mark_seen(session: Session, conversation_id: int, agent_id: int, last_id: int) -> None:
    """The holder has seen every message up to ``last_id`` (unread counts)."""
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is not None
        and conversation.assigned_agent_id == agent_id
        and (conversation.seen_message_id or 0) < last_id
    ):
        conversation.seen_message_id = last_id
