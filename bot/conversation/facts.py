"""Loads what the dialogue needs to decide (its Context) from the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cadence.calendar import calendar_for
from bot.config import Settings
from bot.core.domain import BalanceBreakdown, DebtorView, DebtView
from bot.core.money import ZERO
from bot.dialogue.context import Context, DialogueSettings
from bot.offers.book import OfferBook
from bot.store.ledger import LedgerRepository, agreement_view, promise_view
from bot.store.portfolio import PortfolioRepository, debt_view, debtor_view
from bot.store.tables import Contact, Conversation, Debt, Debtor, Payment, Promise

UNKNOWN_DEBTOR = DebtorView(id=0, ref="", name="", language="pt")


def dialogue_settings(settings: Settings) -> DialogueSettings:
    return DialogueSettings(
        business_name=settings.business.name,
        business_cnpj=settings.business.cnpj,
        business_phone=settings.business.contact_phone,
        assistant_name=settings.assistant_name,
        identity_check=settings.identity_check,
        nlu_threshold=settings.nlu.threshold,
        offers_per_message=settings.offers.per_message,
        already_paid_pause_business_days=settings.cadence.already_paid_pause_business_days,
        first_due_days=settings.offers.first_due_days,
        agent_hours_text=settings.business.agent_hours,
    )


def debtor_timezone(debtor: Debtor | None, settings: Settings) -> str:
    return (debtor.timezone if debtor is not None else None) or settings.business.timezone


@dataclass(frozen=True)
class Situation:
    """A conversation with everything around it, loaded in one transaction."""

    conversation: Conversation
    contact: Contact
    debtor: Debtor | None
    context: Context


def load_context(
    session: Session,
    *,
    conversation: Conversation,
    contact: Contact,
    settings: Settings,
    book: OfferBook,
    now: datetime,
) -> Situation:
    portfolio = PortfolioRepository(session)
    ledger = LedgerRepository(session)
    debtor = portfolio.debtor(contact.debtor_id) if contact.debtor_id else None
    tz = debtor_timezone(debtor, settings)
    today = now.astimezone(ZoneInfo(tz)).date()
    debts: tuple[DebtView, ...] = ()
    promise = agreement = None
    view = UNKNOWN_DEBTOR
    if debtor is not None:
        view = debtor_view(debtor)
        if view.segment is None:
            derived = behaviour_segment(session, debtor.id, book)
            if derived is not None:
                view = replace(view, segment=derived)
        debts = tuple(
            debt_view(d) for d in portfolio.debts_of(debtor.id) if d.status not in ("paid",)
        )
        open_promise = ledger.open_promise(debtor.id)
        promise = promise_view(open_promise) if open_promise else None
        current = ledger.current_agreement(debtor.id)
        if current is not None:
            agreement = agreement_view(current, ledger.installments(current.id))
    collectable = [d for d in debts if d.status == "open" and d.balance > ZERO]
    balance = (
        book.balance(collectable, today)
        if collectable
        else BalanceBreakdown(principal=ZERO, late_fee=ZERO, interest=ZERO, days_overdue=0)
    )
    context = Context(
        now=now,
        today=today,
        debtor=view,
        debts=debts,
        balance=balance,
        offers=book,
        settings=dialogue_settings(settings),
        open_promise=promise,
        agreement=agreement,
        channel=contact.channel,
        seed=(conversation.id * 7919 + int(now.timestamp())) & 0xFFFF,
        holidays=calendar_for(
            settings.cadence, tz, (debtor.state if debtor else None) or settings.business.state
        ).holidays_in(today.year, today.year + 1),
    )
    return Situation(conversation=conversation, contact=contact, debtor=debtor, context=context)


def behaviour_segment(session: Session, debtor_id: int, book: OfferBook) -> str | None:
    """A segment learnt from behaviour, when the book has tiers for it: "broken_promises"
    (a promise was not kept) or "paid_late" (an earlier debt was paid after its due date).
    A segment from the import always wins over this."""
    wanted = {tier.when.segment for tier in book.tiers if tier.when.segment}
    if "broken_promises" in wanted:
        broken = session.scalar(
            select(func.count())
            .select_from(Promise)
            .where(Promise.debtor_id == debtor_id, Promise.status == "broken")
        )
        if broken:
            return "broken_promises"
    if "paid_late" in wanted:
        late = session.scalar(
            select(func.count())
            .select_from(Payment)
            .join(Debt, Debt.id == Payment.debt_id)
            .where(
                Payment.debtor_id == debtor_id,
                Debt.status == "paid",
                func.date(Payment.paid_at) > Debt.due_date,
            )
        )
        if late:
            return "paid_late"
    return None
