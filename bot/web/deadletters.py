"""Managers' list of dead letters: inbound messages parked because they could not be processed.

Nothing is lost: a poison message is kept here (answered 200 so the provider stops
retrying) for a person to read and act on.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.store import deadletters
from bot.web.auth import csrf_protect, require_manager
from bot.web.live import read
from bot.web.pages import render

router = APIRouter(prefix="/dashboard", dependencies=[Depends(csrf_protect)])


def _rows(session: Any) -> tuple[int, list[dict[str, Any]]]:
    rows = []
    for row in deadletters.recent(session, limit=200):
        try:
            text = str(json.loads(row.payload).get("text", ""))
        except ValueError:
            text = row.payload
        rows.append(
            {
                "received_at": row.received_at,
                "channel": row.channel,
                "address": row.address,
                "provider_id": row.provider_id,
                "text": text[:500],
                "error": row.error,
                "attempts": row.attempts,
            }
        )
    return deadletters.count(session), rows


@router.get("/dead-letters")
async def dead_letters_page(request: Request, user: require_manager) -> Response:
    total, rows = await read(request, _rows)
    return render(request, "dashboard/dead_letters.html", {"total": total, "rows": rows})
