"""One PSP charge per payment asked in a chat: which payment it is, created once, replaced
when the plan changes.

The txid is derived from what is charged (debtor, purpose, installment, due date, amount)
and a generation number, so a turn retried after a rollback asks the PSP for the same
txid and gets the same charge back instead of a second one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.enums import EventKind
from bot.payments.brcode import build_dynamic_pix_code, location_of
from bot.payments.pix_api import CANCELLED, ChargeRequest, Fees, PixApi, PixApiError
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.tables import Debtor, PixCharge

log = logging.getLogger(__name__)

REUSE_MARGIN = timedelta(hours=1)  # a charge about to expire is not sent again


@dataclass(frozen=True)
class ChargeTarget:
    """What a charge pays: an installment, a promise or the balance."""

    purpose: str  # installment | promise | balance | debts
    due: date | None
    agreement_id: int | None = None
    installment_number: int | None = None
    debt_refs: tuple[str, ...] = ()  # purpose "debts": only these ("só o liquidificador")


@dataclass(frozen=True)
class ChargePolicy:
    """The receiver's side of every charge."""

    key: str
    merchant_name: str
    merchant_city: str
    business_id: str  # salts the txid so two shops never derive the same one
    timezone: str
    fees: Fees = Fees()
    expiry_hours: int = 72
    validity_after_due_days: int = 30


def charge_target(
    session: Session, debtor_id: int, amount: Decimal, debt_refs: tuple[str, ...] = ()
) -> ChargeTarget:
    """The payment the chat asked for: the next installment or the promise of that amount,
    some named debts, else the balance (an immediate charge)."""
    ledger = LedgerRepository(session)
    agreement = ledger.current_agreement(debtor_id)
    if agreement is not None and agreement.status == "active":
        unpaid = [r for r in ledger.installments(agreement.id) if r.status != "paid"]
        if unpaid and unpaid[0].amount == amount:
            return ChargeTarget("installment", unpaid[0].due, agreement.id, unpaid[0].number)
        if len(unpaid) > 1 and sum(r.amount for r in unpaid) == amount:
            # "posso pagar as duas que faltam de uma vez?": the agreement's rest, credited to
            # its installments (a balance charge would look for open debts: there are none)
            return ChargeTarget("agreement", None, agreement.id)
    promise = ledger.open_promise(debtor_id)
    if promise is not None and promise.amount == amount:
        return ChargeTarget("promise", promise.due, debt_refs=debt_refs)
    if debt_refs:
        return ChargeTarget("debts", None, debt_refs=debt_refs)
    return ChargeTarget("balance", None)


def make_txid(salt: str, debtor_ref: str, target: ChargeTarget, amount: Decimal, gen: int) -> str:
    """32 letters and digits (the API wants 26 to 35), the same for the same charge."""
    text = "|".join(
        str(part)
        for part in (
            salt,
            debtor_ref,
            target.purpose,
            target.agreement_id,
            target.installment_number,
            target.due,
            amount,
            gen,
            *target.debt_refs,  # none: the txid of every earlier charge stays what it was
        )
    )
    return "QT" + hashlib.sha256(text.encode()).hexdigest()[:30]


def _same_target(row: PixCharge, target: ChargeTarget, amount: Decimal) -> bool:
    return (
        row.purpose == target.purpose
        and row.agreement_id == target.agreement_id
        and row.installment_number == target.installment_number
        and row.due == target.due
        and row.amount == amount
        and tuple(row.debt_refs or ()) == target.debt_refs
    )


def _active(session: Session, debtor_id: int) -> list[PixCharge]:
    return list(
        session.scalars(
            select(PixCharge).where(PixCharge.debtor_id == debtor_id, PixCharge.status == "active")
        )
    )


def cancel_charge(session: Session, api: PixApi, row: PixCharge, now: datetime) -> None:
    """Cancel at the PSP and here. If the PSP cannot be reached the charge stays payable
    there; a Pix for it is still recognised by its txid and credited."""
    try:
        api.cancel_charge(row.txid, row.kind)
    except PixApiError as exc:
        log.warning("pix charge cancel failed", extra={"txid": row.txid, "error": str(exc)})
    row.status = "cancelled"
    row.updated_at = now
    EventLog(session).append(
        EventKind.PIX_CHARGE_CANCELLED,
        at=now,
        actor="system",
        debtor_id=row.debtor_id,
        data={"txid": row.txid, "amount": str(row.amount)},
    )


def issue_charge(
    session: Session,
    api: PixApi,
    policy: ChargePolicy,
    *,
    debtor: Debtor,
    amount: Decimal,
    reference: str,
    now: datetime,
    debt_refs: tuple[str, ...] = (),
) -> PixCharge:
    """The active charge for this payment, created at the PSP when there is none. Any other
    active charge of the debtor belongs to a plan that changed: it is cancelled."""
    target = charge_target(session, debtor.id, amount, debt_refs)
    today = now.astimezone(ZoneInfo(policy.timezone)).date()
    if target.due is not None and target.due < today:
        target = replace(target, due=today)
    for row in _active(session, debtor.id):
        if _same_target(row, target, amount) and row.expires_at > now + REUSE_MARGIN:
            return row
        cancel_charge(session, api, row, now)
    generation = session.scalar(
        select(func.count(PixCharge.id)).where(
            PixCharge.debtor_id == debtor.id,
            PixCharge.purpose == target.purpose,
            PixCharge.amount == amount,
        )
    )
    gen = int(generation or 0)
    for _ in range(5):
        txid = make_txid(policy.business_id, debtor.ref, target, amount, gen)
        request = ChargeRequest(
            txid=txid,
            amount=amount,
            key=policy.key,
            payer_name=debtor.name,
            payer_document=debtor.document,
            due=target.due if debtor.document else None,  # a cobv needs the payer's CPF
            validity_after_due_days=policy.validity_after_due_days,
            expires_in_seconds=_expiry_seconds(target, policy, now),
            fees=policy.fees,
            message=f"{policy.merchant_name} {reference}",
        )
        charge = api.create_charge(request)
        if charge.status == "ATIVA":
            break
        gen += 1  # that txid was used before (a reset database): derive the next one
    else:
        raise PixApiError("the PSP keeps answering with charges that are not active")
    code = _copy_paste(charge.copy_paste, charge.location, policy)
    row = PixCharge(
        txid=charge.txid,
        kind=charge.kind,
        debtor_id=debtor.id,
        purpose=target.purpose,
        reference=reference[:64],
        agreement_id=target.agreement_id,
        installment_number=target.installment_number,
        debt_refs=list(target.debt_refs) or None,
        amount=amount,
        due=request.due,
        fine_percent=str(policy.fees.fine_percent) if request.due else "0",
        interest_percent=str(policy.fees.monthly_interest_percent) if request.due else "0",
        location=charge.location,
        br_code=code,
        status="active",
        paid_amount=Decimal("0"),
        expires_at=_expires_at(request, policy, now),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    EventLog(session).append(
        EventKind.PIX_CHARGE_CREATED,
        at=now,
        actor="system",
        debtor_id=debtor.id,
        data={
            "txid": row.txid,
            "kind": row.kind,
            "purpose": row.purpose,
            "amount": str(amount),
            "due": row.due.isoformat() if row.due else None,
            "fine_percent": row.fine_percent,
            "interest_percent": row.interest_percent,
        },
    )
    return row


def _expiry_seconds(target: ChargeTarget, policy: ChargePolicy, now: datetime) -> int:
    if target.due is None:
        return policy.expiry_hours * 3600
    # a cob standing in for a cobv (no CPF): payable until the end of the due day
    end = datetime.combine(target.due, time(23, 59, 59), ZoneInfo(policy.timezone))
    return max(3600, int((end - now).total_seconds()))


def _expires_at(request: ChargeRequest, policy: ChargePolicy, now: datetime) -> datetime:
    if request.due is None:
        return now + timedelta(seconds=request.expires_in_seconds)
    last = request.due + timedelta(days=request.validity_after_due_days)
    return datetime.combine(last, time(23, 59, 59), ZoneInfo(policy.timezone))


def _copy_paste(given: str | None, location: str, policy: ChargePolicy) -> str:
    """The PSP's own copy-and-paste code when it is valid and points at the charge."""
    if given:
        try:
            if location_of(given) == location.removeprefix("https://"):
                return given
        except ValueError:
            log.warning("the PSP sent an invalid pixCopiaECola; building our own")
    return build_dynamic_pix_code(
        location=location, name=policy.merchant_name, city=policy.merchant_city
    )


def expire_charges(session: Session, now: datetime) -> int:
    """Active charges past their validity become ``expired`` (the PSP drops them too)."""
    rows = session.scalars(
        select(PixCharge).where(PixCharge.status == "active", PixCharge.expires_at < now)
    )
    count = 0
    for row in rows:
        row.status = "expired"
        row.updated_at = now
        count += 1
    return count


def cancel_open_charges(session: Session, api: PixApi, debtor_id: int, now: datetime) -> int:
    """When the plan ends (paid at the counter, agreement broken): nothing left to pay by
    an old code."""
    rows = _active(session, debtor_id)
    for row in rows:
        cancel_charge(session, api, row, now)
    return len(rows)


__all__ = ["CANCELLED", "ChargePolicy", "ChargeTarget", "issue_charge", "charge_target"]
