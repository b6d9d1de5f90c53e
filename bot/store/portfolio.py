"""Debtors, their contacts, debts and payments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.core.domain import DebtorView, DebtView
from bot.core.money import ZERO
from bot.store.db import connection_of
from bot.store.prepared import Prepared
from bot.store.tables import Contact, Debt, Debtor, Payment


@dataclass(frozen=True)
class DebtorRecord:
    ref: str
    name: str
    language: str = "pt"
    document: str | None = None
    segment: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    telegram_chat_id: str | None = None
    state: str | None = None  # UF; picks the contact-rules profile and state holidays


@dataclass(frozen=True)
class DebtRecord:
    ref: str
    description: str
    amount: Decimal
    due: date


# built once, run with the debtor's id (a turn runs it; building it costs more than running it)
DEBTS_OF = (
    select(Debt).where(Debt.debtor_id == bindparam("debtor_id")).order_by(Debt.due_date, Debt.id)
)
_debt = Debt.__table__.c
# the same rows as plain tuples, for a turn that only reads them (see ``read_rows``)
DEBT_VIEWS = Prepared(
    select(
        _debt.id,
        _debt.ref,
        _debt.description,
        _debt.amount,
        _debt.due_date,
        _debt.paid,
        _debt.status,
    )
    .where(_debt.debtor_id == bindparam("debtor_id"))
    .order_by(_debt.due_date, _debt.id)
)


def read_rows(
    session: Session, statement: Prepared, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Run a prepared Core select (table columns, no entities) on the session's
    connection: no ORM loading, no identity map, no SQLAlchemy result — a fraction of the
    CPU of ``session.execute`` for a turn's reads. Flushes first when the session would
    have (autoflush), so the rows include the transaction's pending changes as an ORM
    query's would."""
    if session.autoflush:
        session.flush()
    return statement.rows(connection_of(session), params)


def debtor_view(row: Debtor) -> DebtorView:
    return DebtorView(
        id=row.id,
        ref=row.ref,
        name=row.name,
        language=row.language,
        document=row.document,
        segment=row.segment,
        timezone=row.timezone,
        state=row.state,
    )


def debt_view(row: Debt) -> DebtView:
    return DebtView(
        id=row.id,
        ref=row.ref,
        description=row.description,
        amount=row.amount,
        due=row.due_date,
        paid=row.paid,
        status=row.status,
    )


class PortfolioRepository:
    """Reads and upserts the portfolio inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def debtor_by_ref(self, ref: str) -> Debtor | None:
        return self.session.scalar(select(Debtor).where(Debtor.ref == ref))

    def debtor(self, debtor_id: int) -> Debtor | None:
        return self.session.get(Debtor, debtor_id)

    def upsert_debtor(self, record: DebtorRecord, now: datetime) -> tuple[Debtor, bool]:
        """Insert or update a debtor and its contacts; returns (row, changed)."""
        row = self.debtor_by_ref(record.ref)
        changed = False
        if row is None:
            row = Debtor(
                ref=record.ref,
                name=record.name,
                language=record.language,
                document=record.document,
                birth_date=record.birth_date,
                segment=record.segment,
                state=record.state,
                link_token=secrets.token_urlsafe(12),
                created_at=now,
                updated_at=now,
            )
            self.session.add(row)
            self.session.flush()
            changed = True
        else:
            for attr in ("name", "language", "document", "birth_date", "segment", "state"):
                value = getattr(record, attr)
                if value is not None and getattr(row, attr) != value:
                    setattr(row, attr, value)
                    changed = True
            if changed:
                row.updated_at = now
        if record.phone:
            changed |= self.ensure_contact(row, "whatsapp", record.phone, now)
            changed |= self.ensure_contact(row, "sms", record.phone, now)
        if record.telegram_chat_id:
            changed |= self.ensure_contact(row, "telegram", record.telegram_chat_id, now)
        return row, changed

    def ensure_contact(self, debtor: Debtor, channel: str, address: str, now: datetime) -> bool:
        contact = self.contact(channel, address)
        if contact is None:
            self.session.add(
                Contact(debtor_id=debtor.id, channel=channel, address=address, created_at=now)
            )
            self.session.flush()
            return True
        if contact.debtor_id != debtor.id:
            contact.debtor_id = debtor.id
            return True
        return False

    def contact(self, channel: str, address: str) -> Contact | None:
        return self.session.scalar(
            select(Contact).where(Contact.channel == channel, Contact.address == address)
        )

    def contacts_of(self, debtor_id: int) -> list[Contact]:
        return list(
            self.session.scalars(
                select(Contact).where(Contact.debtor_id == debtor_id).order_by(Contact.id)
            )
        )

    def upsert_debt(self, debtor: Debtor, record: DebtRecord, now: datetime) -> bool:
        row = self.session.scalar(select(Debt).where(Debt.ref == record.ref))
        if row is None:
            self.session.add(
                Debt(
                    debtor_id=debtor.id,
                    ref=record.ref,
                    description=record.description,
                    amount=record.amount,
                    due_date=record.due,
                    paid=ZERO,
                    status="open",
                    created_at=now,
                    updated_at=now,
                )
            )
            self.session.flush()
            return True
        if row.debtor_id != debtor.id:
            raise ValueError(f"debt {record.ref} already belongs to another debtor")
        changed = False
        for attr, value in (
            ("description", record.description),
            ("amount", record.amount),
            ("due_date", record.due),
        ):
            if getattr(row, attr) != value:
                setattr(row, attr, value)
                changed = True
        if changed:
            row.updated_at = now
        return changed

    def debts_of(self, debtor_id: int) -> list[Debt]:
        return list(self.session.scalars(DEBTS_OF, {"debtor_id": debtor_id}))

    def debt_views(self, debtor_id: int) -> list[DebtView]:
        """``debts_of`` as views, read without loading entities (a turn's situation)."""
        return [
            DebtView(
                id=id,
                ref=ref,
                description=description,
                amount=amount,
                due=due,
                paid=paid,
                status=status,
            )
            for id, ref, description, amount, due, paid, status in read_rows(
                self.session, DEBT_VIEWS, {"debtor_id": debtor_id}
            )
        ]

    def debt_by_ref(self, ref: str) -> Debt | None:
        return self.session.scalar(select(Debt).where(Debt.ref == ref))

    def payment_seen(self, dedupe_key: str) -> bool:
        found = self.session.scalar(select(Payment.id).where(Payment.dedupe_key == dedupe_key))
        return found is not None

    def add_payment(
        self,
        debt: Debt,
        amount: Decimal,
        paid_at: datetime,
        *,
        source: str,
        dedupe_key: str,
        now: datetime,
        agreement_id: int | None = None,
    ) -> Payment | None:
        """Store a payment once per ``dedupe_key``; ``None`` if it was already stored."""
        if self.payment_seen(dedupe_key):
            return None
        payment = Payment(
            debtor_id=debt.debtor_id,
            debt_id=debt.id,
            agreement_id=agreement_id,
            amount=amount,
            paid_at=paid_at,
            source=source,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        self.session.add(payment)
        return payment

    def record_payment(
        self,
        debt: Debt,
        amount: Decimal,
        paid_at: datetime,
        *,
        source: str,
        dedupe_key: str,
        now: datetime,
    ) -> Payment | None:
        """Apply a payment to a debt once; ``None`` when this payment was already recorded."""
        payment = self.add_payment(
            debt, amount, paid_at, source=source, dedupe_key=dedupe_key, now=now
        )
        if payment is None:
            return None
        debt.paid = debt.paid + amount
        if debt.paid >= debt.amount:
            debt.status = "paid"
        debt.updated_at = now
        self.session.flush()
        return payment
