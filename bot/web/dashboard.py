"""Manager pages: results with charts, the conversation log, transcripts, CSV exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.store.tables import Contact, Conversation, Debtor, Message
from bot.web import charts, kpis
from bot.web import log as convlog
from bot.web.auth import csrf_protect, require_manager
from bot.web.exports import csv_response
from bot.web.i18n import translator
from bot.web.live import read
from bot.web.pages import format_money, language_of, render
from bot.web.views import agent_names, today_in

router = APIRouter(prefix="/dashboard", dependencies=[Depends(csrf_protect)])

MAX_PERIOD_DAYS = 366


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _settings(request: Request) -> Any:
    return request.app.state.settings


def period(request: Request, start: str | None, end: str | None) -> tuple[date, date]:
    """The chosen period (default: the last 30 days), at most a year long."""
    today = today_in(request.app.state.runtime.clock.now(), _settings(request).business.timezone)
    last = _date(end) or today
    first = _date(start) or last - timedelta(days=29)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_PERIOD_DAYS - 1))
    return first, last


def log_filters(
    request: Request,
    date_from: str | None = None,
    date_to: str | None = None,
    channel: Annotated[str, Query(max_length=16)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    intent: Annotated[str, Query(max_length=32)] = "",
    outcome: Annotated[str, Query(max_length=32)] = "",
    agent: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: str = "1",
) -> convlog.LogFilters:
    return convlog.LogFilters(
        date_from=_date(date_from),
        date_to=_date(date_to),
        channel=channel,
        language=language,
        status=status,
        intent=intent,
        outcome=outcome,
        agent=int(agent) if agent.isdigit() else None,
        q=q,
        page=int(page) if page.isdigit() else 1,
    )


Filters = Annotated[convlog.LogFilters, Depends(log_filters)]


async def _results(request: Request, start: date, end: date) -> kpis.Results:
    settings = _settings(request)
    return await read(
        request,
        lambda s: kpis.load_results(
            s,
            start=start,
            end=end,
            timezone=settings.business.timezone,
            threshold=settings.nlu.threshold,
        ),
    )


async def _portal_results(request: Request, start: date, end: date) -> Any:
    from bot.portal.stats import portal_results

    since, until = kpis.period_bounds(start, end, _settings(request).business.timezone)
    return await read(request, lambda s: portal_results(s, since, until))


@router.get("")
async def results_page(
    request: Request, user: require_manager, start: str | None = None, end: str | None = None
) -> Response:
    first, last = period(request, start, end)
    results = await _results(request, first, last)
    t = translator(language_of(request))
    labels = [d.day.strftime("%d/%m") for d in results.days]
    daily = charts.grouped_bars(
        labels,
        [
            (t("kpi.contacts"), [d.contacts for d in results.days]),
            (t("kpi.replied"), [d.replied for d in results.days]),
            (t("kpi.promises_made"), [d.promises for d in results.days]),
        ],
        title=t("dash.daily"),
    )
    funnel = charts.horizontal_bars(
        [
            (t("kpi.contacts"), results.contacts),
            (t("kpi.replied"), results.replied),
            (t("kpi.right_party"), results.right_party),
            (t("kpi.promises_made"), results.promises_made),
            (t("kpi.promises_kept"), results.promises_kept),
            (t("kpi.agreements"), results.agreements),
        ],
        title=t("dash.funnel"),
    )
    lang = language_of(request)
    recovered = charts.grouped_bars(
        labels,
        [(t("kpi.amount_recovered"), [d.recovered for d in results.days])],
        title=t("kpi.amount_recovered") + " " + format_money(results.amount_recovered, lang),
    )
    portal = await _portal_results(request, first, last)
    return render(
        request,
        "dashboard/results.html",
        {
            "r": results,
            "portal": portal,
            "start": first,
            "end": last,
            "daily": daily,
            "funnel": funnel,
            "recovered": recovered,
        },
    )


@router.get("/results.csv")
async def results_csv(
    request: Request, user: require_manager, start: str | None = None, end: str | None = None
) -> Response:
    first, last = period(request, start, end)
    results = await _results(request, first, last)
    rows: list[Sequence[Any]] = [["metric", "value"], *results.rows(), []]
    rows.append(["day", "contacts", "replied", "promises", "recovered"])
    for d in results.days:
        rows.append([d.day.isoformat(), d.contacts, d.replied, d.promises, d.recovered])
    return csv_response(rows, f"quita-results-{first}-{last}.csv")


@router.get("/conversations")
async def log_page(request: Request, user: require_manager, filters: Filters) -> Response:
    tz = _settings(request).business.timezone

    def work(session: Session) -> tuple[convlog.LogPage, list[str], dict[int, str]]:
        return (
            convlog.search(session, filters, timezone=tz),
            convlog.known_intents(session),
            agent_names(session),
        )

    page, intents, agents = await read(request, work)
    return render(
        request,
        "dashboard/log.html",
        {
            "page": page,
            "f": filters,
            "intents": intents,
            "agents": agents,
            "outcomes": convlog.OUTCOME_NAMES,
        },
    )


@router.get("/conversations.csv")
async def log_csv(request: Request, user: require_manager, filters: Filters) -> Response:
    """Every conversation matching the filters (not only one page)."""
    tz = _settings(request).business.timezone

    def work(session: Session) -> tuple[convlog.LogPage, dict[int, str]]:
        return convlog.search(session, filters, timezone=tz, page_size=None), agent_names(session)

    page, agents = await read(request, work)
    rows: list[Sequence[Any]] = [
        [
            "conversation_id",
            "debtor_ref",
            "debtor_name",
            "channel",
            "language",
            "status",
            "outcome",
            "handoff_reason",
            "agent",
            "messages",
            "created_at",
            "last_message_at",
        ]
    ]
    for row in page.rows:
        rows.append(
            [
                row.id,
                row.debtor_ref,
                row.debtor_name,
                row.channel,
                row.language,
                row.status,
                row.outcome,
                row.handoff_reason or "",
                agents.get(row.agent_id or 0, ""),
                row.messages,
                row.created_at.isoformat(),
                row.last_message_at.isoformat() if row.last_message_at else "",
            ]
        )
    return csv_response(rows, "quita-conversations.csv")


@router.get("/conversations/{conversation_id}")
async def transcript(request: Request, conversation_id: int, user: require_manager) -> Response:
    def work(session: Session) -> dict[str, Any] | None:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        from sqlalchemy import select

        return {
            "c": conversation,
            "contact": session.get(Contact, conversation.contact_id),
            "debtor": session.get(Debtor, conversation.debtor_id)
            if conversation.debtor_id
            else None,
            "messages": list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.created_at, Message.id)
                )
            ),
            "events": convlog.transcript_events(session, conversation_id),
            "agents": agent_names(session),
        }

    data = await read(request, work)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return render(request, "dashboard/transcript.html", data)
