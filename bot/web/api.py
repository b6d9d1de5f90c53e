"""The JSON API under /api. Authenticated by the session cookie; writes need X-CSRF-Token.

``GET /api/csrf`` hands a script its token (and sets the matching cookie).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from bot.store.importer import (
    OPTIONAL_PORTFOLIO_COLUMNS,
    PORTFOLIO_COLUMNS,
    ImportReport,
    import_portfolio,
)
from bot.web import kpis, views
from bot.web import log as convlog
from bot.web.auth import csrf_protect, require_agent, require_manager
from bot.web.dashboard import Filters, period
from bot.web.live import read
from bot.web.pages import csrf_token, set_csrf_cookie

router = APIRouter(prefix="/api", dependencies=[Depends(csrf_protect)])

MAX_IMPORT_ROWS = 10_000


@router.get("/me")
def me(user: require_agent) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "language": user.language,
    }


@router.get("/csrf")
def csrf(request: Request, user: require_agent) -> JSONResponse:
    response = JSONResponse({"csrf_token": csrf_token(request)})
    set_csrf_cookie(request, response)
    return response


@router.get("/inbox")
async def inbox(request: Request, user: require_agent) -> dict[str, Any]:
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone
    rows = await read(
        request, lambda s: views.waiting_inbox(s, now=now, book=runtime.deps.book, timezone=tz)
    )
    return {
        "conversations": [
            {
                "id": r.conversation_id,
                "status": r.status,
                "reason": r.reason,
                "waiting_since": r.waiting_since.isoformat() if r.waiting_since else None,
                "waiting_seconds": int(r.waiting.total_seconds()),
                "debtor": r.debtor_name,
                "debtor_ref": r.debtor_ref,
                "channel": r.channel,
                "balance": str(r.balance),
                "agent": r.agent_name,
            }
            for r in rows
        ]
    }


@router.get("/conversations")
async def conversations(
    request: Request, user: require_manager, filters: Filters
) -> dict[str, Any]:
    tz = request.app.state.settings.business.timezone
    page = await read(request, lambda s: convlog.search(s, filters, timezone=tz))
    return {
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "conversations": [
            {
                "id": r.id,
                "debtor_ref": r.debtor_ref,
                "debtor": r.debtor_name,
                "channel": r.channel,
                "language": r.language,
                "status": r.status,
                "outcome": r.outcome,
                "handoff_reason": r.handoff_reason,
                "agent_id": r.agent_id,
                "messages": r.messages,
                "last_message_at": r.last_message_at.isoformat() if r.last_message_at else None,
            }
            for r in page.rows
        ],
    }


@router.get("/conversations/{conversation_id}")
async def conversation(
    request: Request, conversation_id: int, user: require_agent
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone

    def work(session: Session) -> dict[str, Any] | None:
        view = views.chat(session, conversation_id, now=now, book=runtime.deps.book, timezone=tz)
        if view is None:
            return None
        c = view.conversation
        return {
            "id": c.id,
            "status": c.status,
            "channel": c.channel,
            "language": c.language,
            "handoff_reason": c.handoff_reason,
            "agent": view.agent_name,
            "debtor": None
            if view.debtor is None
            else {
                "ref": view.debtor.ref,
                "name": view.debtor.name,
                "balance": str(view.balance.total) if view.balance else None,
                "debts": [
                    {
                        "ref": d.ref,
                        "description": d.description,
                        "amount": str(d.amount),
                        "paid": str(d.paid),
                        "due": d.due_date.isoformat(),
                        "status": d.status,
                    }
                    for d in view.debts
                ],
            },
            "messages": [views.message_json(m, agents=view.agents) for m in view.messages],
            "events": [
                {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "data": e.data}
                for e in view.events
            ],
        }

    found = await read(request, work)
    if found is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return found


@router.get("/results")
async def results(
    request: Request, user: require_manager, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    first, last = period(request, start, end)
    settings = request.app.state.settings
    figures = await read(
        request,
        lambda s: kpis.load_results(
            s,
            start=first,
            end=last,
            timezone=settings.business.timezone,
            threshold=settings.nlu.threshold,
        ),
    )
    return {k: int(v) if v.isdigit() else v for k, v in figures.rows()}


def rows_to_csv(rows: list[Any]) -> str:
    """JSON rows as the portfolio CSV, so the importer applies exactly the same rules."""
    out = io.StringIO()
    columns = PORTFOLIO_COLUMNS + OPTIONAL_PORTFOLIO_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        if not isinstance(row, dict):
            row = {}
        writer.writerow(
            {column: " ".join(str(row.get(column) or "").split()) for column in columns}
        )
    return out.getvalue()


@router.post("/portfolio")
async def portfolio(
    request: Request, user: require_manager, body: Annotated[Any, Body()]
) -> JSONResponse:
    """Upsert debtors and debts from JSON rows (the CSV columns as keys).

    Accepts a list of rows or ``{"rows": [...]}``. Bad rows are reported by their
    1-based index with the reason; the good rows are kept. Sending it twice changes nothing.
    """
    rows = body.get("rows") if isinstance(body, dict) else body
    if not isinstance(rows, list):
        raise HTTPException(status_code=422, detail='send a list of rows or {"rows": [...]}')
    if len(rows) > MAX_IMPORT_ROWS:
        raise HTTPException(status_code=413, detail=f"at most {MAX_IMPORT_ROWS} rows a call")
    text = rows_to_csv(rows)
    now = request.app.state.runtime.clock.now()

    def work(session: Session) -> ImportReport:
        report = import_portfolio(session, text, now)
        session.commit()
        return report

    report = await read(request, work)
    return JSONResponse(
        {
            "rows": report.rows,
            "changed": report.created_or_updated,
            "unchanged": report.unchanged,
            "errors": [{"row": line - 1, "reason": reason} for line, reason in report.errors],
        },
        status_code=200 if report.ok else 207,
    )
