"""Promises, agreements, scheduled contacts, receipts and the append-only event log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, true, update
from sqlalchemy.orm import Session

from bot.core.domain import AgreementView, Plan, PromiseView, ScheduledPayment
from bot.core.enums import EventKind
from bot.store.db import connection_of
from bot.store.portfolio import read_rows
from bot.store.prepared import Prepared
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Event,
    Promise,
    Receipt,
    ScheduledContact,
)
from bot.store.writes import insert_event

# A turn's reads, built once and run with the debtor's id: building a statement costs more
# CPU than running it on SQLite, and a built one keeps its cache key.
OPEN_PROMISE = (
    select(Promise)
    .where(Promise.debtor_id == bindparam("debtor_id"), Promise.status == "open")
    .order_by(Promise.id.desc())
)
CURRENT_AGREEMENT = (
    select(Agreement)
    .where(
        Agreement.debtor_id == bindparam("debtor_id"),
        Agreement.status.in_(["active", "pending_approval"]),
    )
    .order_by(Agreement.id.desc())
)
INSTALLMENTS = (
    select(AgreementInstallment)
    .where(AgreementInstallment.agreement_id == bindparam("agreement_id"))
    .order_by(AgreementInstallment.number)
)

# the turn's situation reads the same as plain rows (``read_rows``): no entities loaded
_promise = Promise.__table__.c
_OPEN_PROMISE = (
    select(_promise.id, _promise.due, _promise.amount, _promise.status, _promise.created_at)
    .where(_promise.debtor_id == bindparam("debtor_id"), _promise.status == "open")
    .order_by(_promise.id.desc())
    .limit(1)
)
OPEN_PROMISE_VIEW = Prepared(_OPEN_PROMISE)
# how many of the debtor's promises were broken (the "broken_promises" segment)
BROKEN_COUNT = (
    select(func.count().label("broken"))
    .select_from(Promise.__table__)
    .where(_promise.debtor_id == bindparam("debtor_id"), _promise.status == "broken")
)
# the open promise and the broken count in one statement: the count's one row, joined to the
# open promise when there is one
_broken = BROKEN_COUNT.subquery("broken_count")
_open = _OPEN_PROMISE.subquery("open_promise")
OPEN_PROMISE_AND_BROKEN = Prepared(
    select(
        _broken.c.broken,
        _open.c.id,
        _open.c.due,
        _open.c.amount,
        _open.c.status,
        _open.c.created_at,
    ).select_from(_broken.outerjoin(_open, true()))
)
_agreement = Agreement.__table__.c
_installment = AgreementInstallment.__table__.c
# the current agreement with its installments in one statement (the newest, as
# CURRENT_AGREEMENT's first row); no row when there is none
CURRENT_AGREEMENT_VIEW = Prepared(
    select(
        _agreement.id,
        _agreement.offer_id,
        _agreement.total,
        _agreement.status,
        _installment.number,
        _installment.due,
        _installment.amount,
        _installment.status,
    )
    .select_from(
        Agreement.__table__.outerjoin(
            AgreementInstallment.__table__, _installment.agreement_id == _agreement.id
        )
    )
    .where(
        _agreement.id
        == select(func.max(_agreement.id))
        .where(
            _agreement.debtor_id == bindparam("debtor_id"),
            _agreement.status.in_(["active", "pending_approval"]),
        )
        .scalar_subquery()
    )
    .order_by(_installment.number)
)


_contact = ScheduledContact.__table__.c
_CONTACTS_DONE = Prepared(
    update(ScheduledContact)
    .where(_contact.debtor_id == bindparam("debtor_id"), _contact.done_at.is_(None))
    .values(done_at=bindparam("done", type_=_contact.done_at.type))
)
_NEW_CONTACT = Prepared(insert(ScheduledContact))
# the newest open promise, as ``open_promise`` finds it
_PROMISE_REPLACED = Prepared(
    update(Promise)
    .where(
        _promise.id
        == select(func.max(_promise.id))
        .where(_promise.debtor_id == bindparam("debtor_id"), _promise.status == "open")
        .scalar_subquery()
    )
    .values(status="replaced", resolved_at=bindparam("now", type_=_promise.resolved_at.type))
)
_NEW_PROMISE = Prepared(insert(Promise))


class EventLog:
    """Append-only. Nothing in the code updates or deletes an event."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        kind: EventKind,
        *,
        at: datetime,
        actor: str = "bot",
        debtor_id: int | None = None,
        conversation_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        # a kind outside the enum fails here, not in a report
        values = {
            "kind": EventKind(kind).value,
            "at": at,
            "actor": actor,
            "debtor_id": debtor_id,
            "conversation_id": conversation_id,
            "data": data or {},
        }
        insert_event(self.session, values)

    def for_debtor(self, debtor_id: int) -> list[Event]:
        return list(
            self.session.scalars(
                select(Event).where(Event.debtor_id == debtor_id).order_by(Event.at, Event.id)
            )
        )


def promise_view(row: Promise) -> PromiseView:
    return PromiseView(
        id=row.id, due=row.due, amount=row.amount, status=row.status, created_at=row.created_at
    )


def agreement_view(row: Agreement, installments: list[AgreementInstallment]) -> AgreementView:
    return AgreementView(
        id=row.id,
        offer_id=row.offer_id,
        total=row.total,
        status=row.status,
        payments=tuple(
            ScheduledPayment(number=i.number, due=i.due, amount=i.amount) for i in installments
        ),
        paid_numbers=tuple(i.number for i in installments if i.status == "paid"),
    )


def _promise_view(
    id: int, due: date, amount: Decimal, status: str, created_at: datetime
) -> PromiseView:
    return PromiseView(id=id, due=due, amount=amount, status=status, created_at=created_at)


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # promises
    def open_promise(self, debtor_id: int) -> Promise | None:
        return self.session.scalar(OPEN_PROMISE, {"debtor_id": debtor_id})

    def open_promise_view(self, debtor_id: int) -> PromiseView | None:
        """``promise_view(open_promise(...))`` without loading the entity."""
        rows = read_rows(self.session, OPEN_PROMISE_VIEW, {"debtor_id": debtor_id})
        return _promise_view(*rows[0]) if rows else None

    def open_promise_and_broken(self, debtor_id: int) -> tuple[PromiseView | None, int]:
        """``open_promise_view`` and the number of broken promises, in one read (a turn
        needs both: the second decides the "broken_promises" segment)."""
        [(broken, *promise)] = read_rows(
            self.session, OPEN_PROMISE_AND_BROKEN, {"debtor_id": debtor_id}
        )
        return (None if promise[0] is None else _promise_view(*promise)), int(broken)

    def current_agreement_view(self, debtor_id: int) -> AgreementView | None:
        """``agreement_view`` of the current agreement and its installments, in one read."""
        rows = read_rows(self.session, CURRENT_AGREEMENT_VIEW, {"debtor_id": debtor_id})
        if not rows:
            return None
        id, offer_id, total, status = rows[0][:4]
        installments = [row[4:] for row in rows if row[4] is not None]
        return AgreementView(
            id=id,
            offer_id=offer_id,
            total=total,
            status=status,
            payments=tuple(
                ScheduledPayment(number=number, due=due, amount=amount)
                for number, due, amount, _ in installments
            ),
            paid_numbers=tuple(number for number, _, _, paid in installments if paid == "paid"),
        )

    def promises_of(self, debtor_id: int) -> list[Promise]:
        return list(
            self.session.scalars(
                select(Promise).where(Promise.debtor_id == debtor_id).order_by(Promise.id)
            )
        )

    def add_promise(self, promise: Promise) -> Promise:
        self.session.add(promise)
        self.session.flush()
        return promise

    def record_promise(
        self,
        *,
        debtor_id: int,
        conversation_id: int | None,
        due: date,
        amount: Decimal,
        created_by: str,
        now: datetime,
    ) -> None:
        """A new open promise, replacing the debtor's open one: two plain statements (a
        turn's), where loading the old one and flushing both cost several times more."""
        connection = connection_of(self.session)
        _PROMISE_REPLACED.run(connection, {"debtor_id": debtor_id, "now": now})
        values = {
            "debtor_id": debtor_id,
            "conversation_id": conversation_id,
            "due": due,
            "amount": amount,
            "status": "open",
            "created_by": created_by,
            "created_at": now,
            "resolved_at": None,
        }
        _NEW_PROMISE.run(connection, values)

    # agreements
    def current_agreement(self, debtor_id: int) -> Agreement | None:
        return self.session.scalar(CURRENT_AGREEMENT, {"debtor_id": debtor_id})

    def agreements_of(self, debtor_id: int) -> list[Agreement]:
        return list(
            self.session.scalars(
                select(Agreement).where(Agreement.debtor_id == debtor_id).order_by(Agreement.id)
            )
        )

    def installments(self, agreement_id: int) -> list[AgreementInstallment]:
        return list(self.session.scalars(INSTALLMENTS, {"agreement_id": agreement_id}))

    def create_agreement(
        self,
        *,
        debtor_id: int,
        conversation_id: int | None,
        plan: Plan,
        status: str,
        now: datetime,
    ) -> Agreement:
        row = Agreement(
            debtor_id=debtor_id,
            conversation_id=conversation_id,
            offer_id=plan.offer_id,
            kind=plan.kind,
            balance=plan.balance,
            total=plan.total,
            down_payment=plan.down_payment,
            installments=plan.installments,
            discount_percent=str(plan.discount_percent),
            monthly_rate_percent=str(plan.monthly_rate_percent),
            status=status,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        for payment in plan.payments:
            self.session.add(
                AgreementInstallment(
                    agreement_id=row.id,
                    number=payment.number,
                    due=payment.due,
                    amount=payment.amount,
                    status="open",
                )
            )
        self.session.flush()
        return row

    # scheduled contacts
    def schedule_contact(self, debtor_id: int, at: datetime, reason: str, now: datetime) -> None:
        """A contact the debtor asked for; it replaces any still pending. Two plain
        statements (a turn's): the ORM's read, flush and insert cost several times more."""
        connection = connection_of(self.session)
        _CONTACTS_DONE.run(connection, {"debtor_id": debtor_id, "done": now})
        values = {"debtor_id": debtor_id, "at": at, "reason": reason, "created_at": now}
        _NEW_CONTACT.run(connection, {**values, "done_at": None})

    def pending_contacts(self, debtor_id: int) -> list[ScheduledContact]:
        return list(
            self.session.scalars(
                select(ScheduledContact).where(
                    ScheduledContact.debtor_id == debtor_id, ScheduledContact.done_at.is_(None)
                )
            )
        )

    def add_receipt(
        self,
        *,
        debtor_id: int | None,
        message_id: int,
        media_url: str | None,
        content_type: str | None,
        now: datetime,
    ) -> None:
        self.session.add(
            Receipt(
                debtor_id=debtor_id,
                message_id=message_id,
                media_url=media_url,
                content_type=content_type,
                created_at=now,
            )
        )
