"""A Pix the PSP confirmed becomes a payment: matched by txid, counted once per endToEndId.

Partial, late (with the fine and interest of the charge) and over-payments are told apart;
an over-payment, a Pix no charge explains and a devolução are recorded and flagged for a
person, never absorbed silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.effects import TurnOutcome
from bot.conversation.payments import confirm_payment
from bot.conversation.turns import TurnDeps
from bot.core.enums import EventKind
from bot.core.money import ZERO, money
from bot.payments.pix_api import ReceivedPix
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Agreement, Debt, Payment, PixCharge, PixReceived


@dataclass(frozen=True)
class PixResult:
    """What one Pix changed: ``outcome`` is paid | late | partial | overpaid | unmatched |
    duplicate | refunded."""

    end_to_end_id: str
    outcome: str
    turn: TurnOutcome | None = None
    debtor_id: int | None = None


def due_with_fees(charge: PixCharge, paid_on_day: int) -> Decimal:
    """The most a cobv may ask ``paid_on_day`` days after its due date: the amount, the
    fine once, and simple monthly interest pro rata per calendar day (30-day month)."""
    if paid_on_day <= 0:
        return charge.amount
    fine = charge.amount * Decimal(charge.fine_percent) / 100
    interest = charge.amount * Decimal(charge.interest_percent) / 100 / 30 * paid_on_day
    return money(charge.amount + fine + interest)


def record_pix(
    session: Session,
    pix: ReceivedPix,
    *,
    source: str,
    now: datetime,
    deps: TurnDeps,
) -> PixResult:
    """Count one PSP-confirmed Pix (``pix`` must come from the PSP, never from a request)."""
    seen = session.scalar(
        select(PixReceived).where(PixReceived.end_to_end_id == pix.end_to_end_id)
    )
    if seen is not None:
        return _refunds(session, seen, pix, now)
    charge = (
        session.scalar(select(PixCharge).where(PixCharge.txid == pix.txid)) if pix.txid else None
    )
    events = EventLog(session)
    row = PixReceived(
        end_to_end_id=pix.end_to_end_id,
        txid=pix.txid,
        charge_id=charge.id if charge else None,
        debtor_id=charge.debtor_id if charge else None,
        amount=pix.amount,
        credited=ZERO,
        refunded=pix.refunded,
        paid_at=pix.at,
        outcome="unmatched",
        source=source,
        created_at=now,
    )
    session.add(row)
    if charge is None:
        row.review = "unmatched"
        events.append(
            EventKind.PIX_UNMATCHED,
            at=now,
            actor="psp",
            data={"end_to_end_id": pix.end_to_end_id, "amount": str(pix.amount)},
        )
        session.flush()
        return PixResult(pix.end_to_end_id, "unmatched")
    received = pix.amount - pix.refunded
    owed = charge.amount - charge.paid_amount
    days_late = 0
    if charge.due is not None:
        tz = ZoneInfo(deps.settings.business.timezone)
        days_late = (pix.at.astimezone(tz).date() - charge.due).days
    ceiling = due_with_fees(charge, days_late) - charge.paid_amount
    if received < owed:
        outcome, credited = "partial", received
    elif received <= ceiling:
        outcome, credited = ("late" if days_late > 0 else "paid"), owed
    else:
        outcome, credited = "overpaid", owed
        row.review = "overpaid"
    if pix.refunded > 0:
        row.review = "refunded"
    row.outcome = outcome
    charge.paid_amount += credited
    charge.status = "paid" if charge.paid_amount >= charge.amount else "partial"
    charge.updated_at = now
    events.append(
        EventKind.PIX_RECEIVED,
        at=now,
        actor="psp",
        debtor_id=charge.debtor_id,
        data={
            "end_to_end_id": pix.end_to_end_id,
            "txid": charge.txid,
            "amount": str(pix.amount),
            "credited": str(credited),
            "fees_paid": str(max(ZERO, min(received, ceiling) - owed)),
            "outcome": outcome,
            "source": source,
        },
    )
    if outcome == "overpaid":
        events.append(
            EventKind.PAYMENT_NEEDS_REVIEW,
            at=now,
            actor="system",
            debtor_id=charge.debtor_id,
            data={
                "reason": "overpaid",
                "end_to_end_id": pix.end_to_end_id,
                "excess": str(received - ceiling),
            },
        )
    turn, row.credited = _credit(session, charge, credited, pix, now, deps)
    if credited > 0 and row.credited == 0:  # nothing was open (paid at the counter too)
        row.review = row.review or "nothing_owed"
    session.flush()
    return PixResult(pix.end_to_end_id, outcome, turn, charge.debtor_id)


def _credit(
    session: Session,
    charge: PixCharge,
    amount: Decimal,
    pix: ReceivedPix,
    now: datetime,
    deps: TurnDeps,
) -> tuple[TurnOutcome | None, Decimal]:
    return credit_debtor(
        session,
        debtor_id=charge.debtor_id,
        agreement_id=charge.agreement_id,
        amount=amount,
        paid_at=pix.at,
        key=f"pix:{pix.end_to_end_id}",
        source="pix",
        now=now,
        deps=deps,
        first=tuple(charge.debt_refs or ()),
    )


def credit_debtor(
    session: Session,
    *,
    debtor_id: int,
    agreement_id: int | None,
    amount: Decimal,
    paid_at: datetime,
    key: str,
    source: str,
    now: datetime,
    deps: TurnDeps,
    first: tuple[str, ...] = (),
) -> tuple[TurnOutcome | None, Decimal]:
    """Apply ``amount`` to the agreement or the debts (oldest first; only the debts ``first``
    names when it names open ones: a Pix asked for "só o liquidificador" pays the blender,
    even when the sofa is older); one thank-you. What exceeds the open principal of a balance or
    promise charge is the fine and interest it was issued with. ``key`` makes it count once."""
    if amount <= 0:
        return None, ZERO
    if agreement_id is not None:
        debt = session.scalar(
            select(Debt).where(Debt.agreement_id == agreement_id).order_by(Debt.id)
        )
        if debt is None:
            return None, ZERO
        turn = confirm_payment(
            session,
            debt_ref=debt.ref,
            amount=amount,
            paid_at=paid_at,
            source=source,
            dedupe_key=key,
            now=now,
            deps=deps,
        )
        return turn, amount
    portfolio = PortfolioRepository(session)
    debts = [
        d
        for d in sorted(portfolio.debts_of(debtor_id), key=lambda d: (d.due_date, d.id))
        if d.status == "open" and d.amount > d.paid
    ]
    named = [d for d in debts if d.ref in first]
    # the charge was those debts with their own fine and interest: the rest of the amount
    # is their charges, not a payment towards another purchase
    debts = named or debts
    left, parts = amount, []
    for debt in debts:
        part = min(left, debt.amount - debt.paid)
        if part > 0:
            parts.append((debt, part))
            left -= part
    if not parts:
        return None, ZERO
    for number, (debt, part) in enumerate(parts[:-1], start=1):
        portfolio.record_payment(
            debt, part, paid_at, source=source, dedupe_key=f"{key}:{number}", now=now
        )
    last_debt, last_part = parts[-1]
    turn = confirm_payment(
        session,
        debt_ref=last_debt.ref,
        amount=last_part,
        paid_at=paid_at,
        source=source,
        dedupe_key=key,
        now=now,
        deps=deps,
        announced=amount,  # a balance charge includes the fine and interest
    )
    return turn, amount


def _refunds(session: Session, seen: PixReceived, pix: ReceivedPix, now: datetime) -> PixResult:
    """A Pix seen before: count nothing again, but record a new devolução."""
    delta = pix.refunded - seen.refunded
    if delta <= 0:
        return PixResult(pix.end_to_end_id, "duplicate", debtor_id=seen.debtor_id)
    seen.refunded = pix.refunded
    seen.review = "refunded"
    payment = session.scalar(
        select(Payment)
        .where(Payment.dedupe_key.like(f"pix:{pix.end_to_end_id}%"))
        .order_by(Payment.id.desc())
    )
    debt = session.get(Debt, payment.debt_id) if payment and payment.debt_id else None
    if payment is not None and payment.agreement_id is not None:
        _reopen_installments(session, payment, delta, pix, now)
    elif payment is not None and debt is not None:
        # at most what this Pix credited to the debt is owed again
        reversed_amount = min(delta, debt.paid, payment.amount)
        if reversed_amount > 0:
            # the money went back to the payer: the debt is owed again
            session.add(
                Payment(
                    debtor_id=payment.debtor_id,
                    debt_id=debt.id,
                    amount=-reversed_amount,
                    paid_at=now,
                    source="pix_refund",
                    dedupe_key=f"pix-refund:{pix.end_to_end_id}:{pix.refunded}",
                    created_at=now,
                )
            )
            debt.paid -= reversed_amount
            if debt.status == "paid" and debt.paid < debt.amount:
                debt.status = "open"
            debt.updated_at = now
    EventLog(session).append(
        EventKind.PIX_REFUNDED,
        at=now,
        actor="psp",
        debtor_id=seen.debtor_id,
        data={"end_to_end_id": pix.end_to_end_id, "amount": str(delta)},
    )
    session.flush()
    return PixResult(pix.end_to_end_id, "refunded", debtor_id=seen.debtor_id)


def _reopen_installments(
    session: Session, payment: Payment, delta: Decimal, pix: ReceivedPix, now: datetime
) -> None:
    """A devolução of an installment's Pix: the money is no longer there, so the
    installments it no longer covers are open again (and their reminders with them)."""
    reversed_amount = min(delta, payment.amount)
    if reversed_amount <= 0 or payment.agreement_id is None:
        return
    agreement = session.get(Agreement, payment.agreement_id)
    if agreement is None:
        return
    session.add(
        Payment(
            debtor_id=payment.debtor_id,
            debt_id=payment.debt_id,
            agreement_id=agreement.id,
            amount=-reversed_amount,
            paid_at=now,
            source="pix_refund",
            dedupe_key=f"pix-refund:{pix.end_to_end_id}:{pix.refunded}",
            created_at=now,
        )
    )
    session.flush()
    covered = sum(
        session.scalars(select(Payment.amount).where(Payment.agreement_id == agreement.id)),
        ZERO,
    )
    reopened: list[int] = []
    for row in LedgerRepository(session).installments(agreement.id):  # in number order
        if covered >= row.amount:
            covered -= row.amount
            continue
        covered = ZERO
        if row.status == "paid":
            row.status, row.paid_amount, row.paid_at = "open", ZERO, None
            reopened.append(row.number)
    if not reopened:
        return
    if agreement.status == "completed":
        agreement.status = "active"
        for covered_debt in session.scalars(select(Debt).where(Debt.agreement_id == agreement.id)):
            covered_debt.status = "in_agreement"
            covered_debt.updated_at = now
    agreement.updated_at = now
    EventLog(session).append(
        EventKind.INSTALLMENT_REOPENED,
        at=now,
        actor="psp",
        debtor_id=payment.debtor_id,
        data={
            "agreement_id": agreement.id,
            "numbers": reopened,
            "end_to_end_id": pix.end_to_end_id,
            "amount": str(reversed_amount),
        },
    )
