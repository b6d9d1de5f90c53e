"""Managers' LGPD actions on a debtor: export the data, erase it. Audited in the event log.

Both are POSTs behind the CSRF check and the manager role; agents get 403.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import privacy
from bot.store.db import transaction
from bot.store.ledger import EventLog
from bot.store.tables import Conversation, Debtor
from bot.web.auth import csrf_protect, require_manager

router = APIRouter(prefix="/dashboard/debtors", dependencies=[Depends(csrf_protect)])


async def _write(request: Request, work: Any) -> Any:
    import asyncio

    runtime = request.app.state.runtime

    def run() -> Any:
        with transaction(runtime.db) as session:
            return work(session)

    return await asyncio.to_thread(run)


@router.post("/{ref}/privacy/export")
async def export(request: Request, ref: str, user: require_manager) -> Response:
    now = request.app.state.runtime.clock.now()

    def work(session: Session) -> dict[str, Any]:
        data = privacy.export_debtor(session, ref)
        debtor_id = session.scalar(select(Debtor.id).where(Debtor.ref == ref))
        EventLog(session).append(
            "privacy_exported", at=now, actor=f"user:{user.id}", debtor_id=debtor_id
        )
        return data

    try:
        data = await _write(request, work)
    except privacy.PrivacyError:
        raise HTTPException(404, "no such debtor") from None
    filename = f"lgpd-{quote(ref, safe='')}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/{ref}/privacy/erase")
async def erase(
    request: Request, ref: str, user: require_manager, confirm: str = Form("")
) -> Response:
    if confirm != "erase":
        raise HTTPException(400, "confirm=erase is required")
    settings = request.app.state.settings
    now = request.app.state.runtime.clock.now()

    def work(session: Session) -> int | None:
        privacy.erase_debtor(
            session,
            ref,
            now=now,
            actor=f"user:{user.id}",
            legal_basis=settings.privacy.legal_basis,
        )
        return session.scalar(
            select(Conversation.id)
            .join(Debtor, Debtor.id == Conversation.debtor_id)
            .where(Debtor.ref == ref)
            .order_by(Conversation.id.desc())
            .limit(1)
        )

    try:
        conversation_id = await _write(request, work)
    except privacy.PrivacyError:
        raise HTTPException(404, "no such debtor") from None
    target = f"/dashboard/conversations/{conversation_id}" if conversation_id else "/dashboard"
    return RedirectResponse(target, status_code=303)
