"""``/api/receipts``: receipts (comprovantes) a person has to decide, and the decision.

Any signed-in staff member may list and decide (agents check receipts every day); writes
need ``X-CSRF-Token`` like the rest of ``/api``. A confirmation credits the payment once
(keyed on the receipt) and thanks the debtor; a rejection credits nothing and lets the
reminders resume.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from sqlalchemy.orm import Session

from bot.core.clock import parse_iso
from bot.core.money import money
from bot.payments.receipts import (
    ReceiptError,
    confirm_receipt,
    receipts_under_review,
    reject_receipt,
)
from bot.web.auth import csrf_protect, require_agent
from bot.web.live import read

router = APIRouter(prefix="/api/receipts", dependencies=[Depends(csrf_protect)])


@router.get("")
async def under_review(request: Request, user: require_agent) -> dict[str, Any]:
    return {"receipts": await read(request, receipts_under_review)}


def _amount(body: dict[str, Any]) -> Decimal | None:
    raw = body.get("amount")
    if raw is None:
        return None
    try:
        value = money(Decimal(str(raw)))
    except InvalidOperation:
        raise HTTPException(status_code=422, detail="amount: a number like 123.45") from None
    if value <= 0:
        raise HTTPException(status_code=422, detail="amount must be positive")
    return value


@router.post("/{receipt_id}/confirm")
async def confirm(
    request: Request,
    receipt_id: int,
    user: require_agent,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """``{"amount"?: "123.45", "paid_at"?: ISO}``; the amount defaults to the PDF's."""
    body = body or {}
    runtime = request.app.state.runtime
    amount = _amount(body)
    try:
        paid_at = parse_iso(str(body["paid_at"])) if body.get("paid_at") else None
    except ValueError:
        raise HTTPException(status_code=422, detail="paid_at: an ISO time with offset") from None
    now = runtime.clock.now()

    def work(session: Session) -> None:
        confirm_receipt(
            session,
            receipt_id,
            amount=amount,
            paid_at=paid_at,
            user_id=user.id,
            now=now,
            deps=runtime.deps,
        )
        session.commit()

    try:
        await read(request, work)
    except ReceiptError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    # the thank-you is queued; the sender picks it up within a second
    return {"id": receipt_id, "status": "confirmed"}


@router.post("/{receipt_id}/reject")
async def reject(
    request: Request,
    receipt_id: int,
    user: require_agent,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """``{"reason"?: "..."}``: no such payment on the statement."""
    reason = str((body or {}).get("reason") or "not on the statement")
    now = request.app.state.runtime.clock.now()

    def work(session: Session) -> None:
        reject_receipt(session, receipt_id, reason=reason, user_id=user.id, now=now)
        session.commit()

    try:
        await read(request, work)
    except ReceiptError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return {"id": receipt_id, "status": "rejected"}
