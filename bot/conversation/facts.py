"""Loads what the dialogue needs to decide (its Context) from the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.cadence.calendar import calendar_for
from bot.config import LocalizedText, Settings
from bot.core.domain import BalanceBreakdown, DebtorView, DebtView
from bot.core.money import ZERO
from bot.dialogue.context import Context, DialogueSettings, PaymentView
from bot.dialogue.formatting import hours_en, open_weekdays
from bot.offers.book import OfferBook
from bot.store.ledger import BROKEN_COUNT, LedgerRepository
from bot.store.portfolio import PortfolioRepository, debtor_view, read_rows
from bot.store.prepared import Prepared
from bot.store.tables import Contact, Conversation, Debt, Debtor, Payment, Promise

UNKNOWN_DEBTOR = DebtorView(id=0, ref="", name="", language="pt")


def dialogue_settings(settings: Settings) -> DialogueSettings:
    """The dialogue's view of ``settings``, built once per settings object: every turn
    asked for it, and translating the store hours cost about 2% of a turn. Settings are
    frozen, so the object's identity is its content (a few kept, for tests' many)."""
    kept = _DIALOGUE_SETTINGS.get(id(settings))
    if kept is not None and kept[0] is settings:
        return kept[1]
    built = _dialogue_settings(settings)
    if len(_DIALOGUE_SETTINGS) >= 8:
        _DIALOGUE_SETTINGS.clear()
    _DIALOGUE_SETTINGS[id(settings)] = (settings, built)
    return built


_DIALOGUE_SETTINGS: dict[int, tuple[Settings, DialogueSettings]] = {}


def _dialogue_settings(settings: Settings) -> DialogueSettings:
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
        agreement_grace_days=settings.cadence.agreement_grace_days,
        agent_hours_text=settings.business.agent_hours,
        **business_facts(settings),
    )


def _per_language(text: LocalizedText | None) -> dict[str, str]:
    return {} if text is None else {"pt": text.pt, "en": text.en}


def business_facts(settings: Settings) -> dict[str, Any]:
    """The shop's facts (``business.*``) the dialogue answers questions with."""
    business = settings.business
    hours = _per_language(business.store_hours)
    if hours and hours["en"] == hours["pt"]:  # one text in Portuguese: translate the hours
        hours["en"] = hours_en(hours["pt"]) or hours["pt"]
    remote = ["pix"]
    if settings.payments.boleto_enabled:
        remote.append("boleto")
    if settings.payments.link_template:
        remote.append("link")
    return {
        "business_address": business.address or "",
        "business_website": business.website or "",
        "merchant_name": settings.payments.merchant_name,
        "store_hours": hours,
        "store_open_days": open_weekdays(hours["pt"]) if hours else frozenset(),
        "store_payment_methods": tuple(business.store_payment_methods),
        "remote_payment_methods": tuple(remote),
        "credit_bureau_policy": _per_language(business.credit_bureau_policy),
        "verification_hint": _per_language(business.verification_hint),
    }


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
        promise, broken = ledger.open_promise_and_broken(debtor.id)
        if view.segment is None:
            derived = behaviour_segment(session, debtor.id, book, broken=broken)
            if derived is not None:
                view = replace(view, segment=derived)
        # plain rows, no entities: the situation only reads them
        debts = tuple(d for d in portfolio.debt_views(debtor.id) if d.status not in ("paid",))
        agreement = ledger.current_agreement_view(debtor.id)
    payments = recent_payments(session, debtor.id, tz) if debtor is not None else ()
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
        payments=payments,
        holidays=calendar_for(
            settings.cadence, tz, (debtor.state if debtor else None) or settings.business.state
        ).holidays_in(today.year, today.year + 1),
    )
    return Situation(conversation=conversation, contact=contact, debtor=debtor, context=context)


# built once, run with the debtor's id (see bot.store.ledger); on the tables' columns, so
# ``read_rows`` runs them without the ORM
_promise = Promise.__table__.c
_payment = Payment.__table__.c
_debt = Debt.__table__.c
BROKEN_PROMISES = Prepared(BROKEN_COUNT)
PAID_LATE = Prepared(
    select(func.count())
    .select_from(Payment.__table__.join(Debt.__table__, _debt.id == _payment.debt_id))
    .where(
        _payment.debtor_id == bindparam("debtor_id"),
        _debt.status == "paid",
        func.date(_payment.paid_at) > _debt.due_date,
    )
)
RECENT_PAYMENTS = Prepared(
    select(_payment.amount, _payment.paid_at, _debt.ref)
    .select_from(Payment.__table__.outerjoin(Debt.__table__, _debt.id == _payment.debt_id))
    .where(_payment.debtor_id == bindparam("debtor_id"))
    .order_by(_payment.paid_at.desc(), _payment.id.desc())
    .limit(bindparam("limit"))
)


def behaviour_segment(
    session: Session, debtor_id: int, book: OfferBook, *, broken: int | None = None
) -> str | None:
    """A segment learnt from behaviour, when the book has tiers for it: "broken_promises"
    (a promise was not kept) or "paid_late" (an earlier debt was paid after its due date).
    A segment from the import always wins over this. ``broken``: the number of broken
    promises, when the caller has already read it."""
    wanted = {tier.when.segment for tier in book.tiers if tier.when.segment}
    if "broken_promises" in wanted:
        if broken is None:
            broken = read_rows(session, BROKEN_PROMISES, {"debtor_id": debtor_id})[0][0]
        if broken:
            return "broken_promises"
    if "paid_late" in wanted:
        late = read_rows(session, PAID_LATE, {"debtor_id": debtor_id})[0][0]
        if late:
            return "paid_late"
    return None


def recent_payments(
    session: Session, debtor_id: int, tz: str, *, limit: int = 10
) -> tuple[PaymentView, ...]:
    """The debtor's latest confirmed payments, newest first, dated in the debtor's timezone."""
    rows = read_rows(session, RECENT_PAYMENTS, {"debtor_id": debtor_id, "limit": limit})
    zone = ZoneInfo(tz)
    return tuple(
        PaymentView(amount=amount, paid_on=paid_at.astimezone(zone).date(), debt_ref=ref)
        for amount, paid_at, ref in rows
    )
