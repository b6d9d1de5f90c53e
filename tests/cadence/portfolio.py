"""A small portfolio writer for the cadence tests (rows straight into the tables)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import make_engine, make_sessionmaker, upgrade
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    Debt,
    Debtor,
    Promise,
    ReminderSend,
    ScheduledContact,
)

CREATED = datetime.fromisoformat("2026-10-01T00:00:00-03:00")


def migrated_sessions(url: str) -> sessionmaker[Session]:
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def add_debtor(
    session: Session,
    ref: str,
    *,
    due: date | None = None,
    amount: str = "600.00",
    status: str = "open",
    timezone: str | None = None,
    state: str | None = None,
    opted_out: bool = False,
) -> Debtor:
    debtor = Debtor(
        ref=ref,
        name=f"Debtor {ref}",
        language="pt",
        timezone=timezone,
        state=state,
        created_at=CREATED,
        updated_at=CREATED,
    )
    session.add(debtor)
    session.flush()
    session.add(
        Contact(
            debtor_id=debtor.id,
            channel="whatsapp",
            address=f"+55119{debtor.id:08d}",
            opted_out=opted_out,
            created_at=CREATED,
        )
    )
    if due is not None:
        add_debt(session, debtor, f"{ref}-1", due, amount, status=status)
    session.flush()
    return debtor


def add_debt(
    session: Session, debtor: Debtor, ref: str, due: date, amount: str, *, status: str = "open"
) -> Debt:
    debt = Debt(
        debtor_id=debtor.id,
        ref=ref,
        description="Geladeira",
        amount=Decimal(amount),
        due_date=due,
        paid=Decimal("0"),
        status=status,
        created_at=CREATED,
        updated_at=CREATED,
    )
    session.add(debt)
    session.flush()
    return debt


def add_promise(
    session: Session, debtor_id: int, due: date, amount: str, now: datetime
) -> Promise:
    promise = Promise(
        debtor_id=debtor_id, due=due, amount=Decimal(amount), status="open", created_at=now
    )
    session.add(promise)
    session.flush()
    return promise


def add_agreement(
    session: Session, debtor_id: int, installments: list[tuple[date, str]], now: datetime
) -> Agreement:
    total = sum((Decimal(amount) for _, amount in installments), Decimal("0"))
    agreement = Agreement(
        debtor_id=debtor_id,
        offer_id="three_x",
        kind="installments",
        balance=total,
        total=total,
        installments=len(installments),
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(agreement)
    session.flush()
    for number, (due, amount) in enumerate(installments, start=1):
        session.add(
            AgreementInstallment(
                agreement_id=agreement.id, number=number, due=due, amount=Decimal(amount)
            )
        )
    session.flush()
    return agreement


def add_callback(session: Session, debtor_id: int, when: datetime, now: datetime) -> None:
    session.add(
        ScheduledContact(debtor_id=debtor_id, at=when, reason="callback_later", created_at=now)
    )
    session.flush()


def add_conversation(session: Session, debtor_id: int, status: str, now: datetime) -> None:
    contact = session.query(Contact).filter_by(debtor_id=debtor_id).one()
    session.add(
        Conversation(
            debtor_id=debtor_id,
            contact_id=contact.id,
            channel=contact.channel,
            status=status,
            state={},
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()


def add_past_send(session: Session, debtor_id: int, key: str, when: datetime) -> None:
    session.add(
        ReminderSend(debtor_id=debtor_id, idempotency_key=key, template="overdue", created_at=when)
    )
    session.flush()
