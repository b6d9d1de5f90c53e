"""Manager pages: results with charts, the conversation log, transcripts, CSV exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.store.tables import Contact, Conversation, Debtor, Message
from bot.web import charts, kpis
from bot.web import log as convlog
from bot.web.auth import csrf_protect, require_manager
from bot.web.exports import csv_response
from bot.web.i18n import translator
from bot.web.live import event_stream, read
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


def result_filters(
    channel: Annotated[str, Query(max_length=16)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    agent: str = "",
    segment: Annotated[str, Query(max_length=64)] = "",
    dpd: Annotated[str, Query(max_length=8)] = "",
    step: Annotated[str, Query(max_length=64)] = "",
) -> kpis.Filters:
    return kpis.Filters(
        channel=channel,
        language=language,
        agent=int(agent) if agent.isdigit() else None,
        segment=segment,
        dpd=dpd if dpd in kpis.DPD_BUCKETS else "",
        step=step,
    )


ResultFilters = Annotated[kpis.Filters, Depends(result_filters)]


async def _results(
    request: Request, start: date, end: date, filters: kpis.Filters | None = None
) -> kpis.Results:
    settings = _settings(request)
    return await read(
        request,
        lambda s: kpis.load_results(
            s,
            start=start,
            end=end,
            timezone=settings.business.timezone,
            threshold=settings.nlu.threshold,
            filters=filters,
        ),
    )


async def _portal_results(request: Request, start: date, end: date) -> Any:
    from bot.portal.stats import portal_results

    since, until = kpis.period_bounds(start, end, _settings(request).business.timezone)
    return await read(request, lambda s: portal_results(s, since, until))


def _previous(first: date, last: date) -> tuple[date, date]:
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


def _choices(session: Session) -> dict[str, Any]:
    from sqlalchemy import select

    from bot.store.tables import Debtor

    segments = sorted(
        {s for s in session.scalars(select(Debtor.segment).distinct()) if s}, key=str.lower
    )
    from bot.web.kpi_queries import cadence_steps

    steps = cadence_steps(session)
    return {"segments": segments, "steps": steps, "agents": agent_names(session)}


def _charts(results: kpis.Results, t: Any, lang: str) -> dict[str, Any]:
    labels = [d.day.strftime("%d/%m") for d in results.days]
    daily = charts.grouped_bars(
        labels,
        [
            (t("kpi.promises_made"), [d.promises for d in results.days]),
            (t("kpi.payments"), [d.payments for d in results.days]),
            (t("kpi.opt_outs"), [d.opt_outs for d in results.days]),
        ],
        title=t("dash.daily"),
    )
    funnel_items = [
        (t("kpi.contacts"), results.contacts),
        (t("kpi.replied"), results.replied),
        (t("kpi.right_party"), results.right_party),
        (t("kpi.promises_made"), results.promises_made),
        (t("kpi.promises_kept"), results.promises_kept),
        (t("kpi.agreements"), results.agreements),
    ]
    funnel = charts.horizontal_bars(funnel_items, title=t("dash.funnel"))
    curve = charts.horizontal_bars(
        [(t("dpd." + bucket), amount) for bucket, amount in results.recovered_by_dpd],
        title=t("dash.recovery_curve"),
        values=[format_money(amount, lang) for _, amount in results.recovered_by_dpd],
    )
    recovered = charts.grouped_bars(
        labels,
        [(t("kpi.amount_recovered"), [d.recovered for d in results.days])],
        title=t("kpi.amount_recovered") + " " + format_money(results.amount_recovered, lang),
    )
    return {"daily": daily, "funnel": funnel, "curve": curve, "recovered": recovered}


@router.get("/events")
async def payment_events(request: Request, user: require_manager) -> Response:
    """Server-sent events for every payment counted: the results page offers a refresh."""
    return event_stream(request, "payments")


@router.get("")
async def results_page(
    request: Request,
    user: require_manager,
    filters: ResultFilters,
    start: str | None = None,
    end: str | None = None,
) -> Response:
    from bot.web.worklist import work_list

    first, last = period(request, start, end)
    results = await _results(request, first, last, filters)
    before = await _results(request, *_previous(first, last), filters)
    lang = language_of(request)
    t = translator(lang)
    settings = _settings(request)
    today = today_in(request.app.state.runtime.clock.now(), settings.business.timezone)
    work = await read(
        request, lambda s: work_list(s, today=today, timezone=settings.business.timezone)
    )
    choices = await read(request, _choices)
    portal = await _portal_results(request, first, last)
    return render(
        request,
        "dashboard/results.html",
        {
            "r": results,
            "before": before,
            "portal": portal,
            "start": first,
            "end": last,
            "f": filters,
            "work": work,
            "query": _query(first, last, filters),
            **choices,
            **_charts(results, t, lang),
        },
    )


def _query(first: date, last: date, f: kpis.Filters) -> str:
    from urllib.parse import urlencode

    params = {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "channel": f.channel,
        "language": f.language,
        "agent": str(f.agent or ""),
        "segment": f.segment,
        "dpd": f.dpd,
        "step": f.step,
    }
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/results.csv")
async def results_csv(
    request: Request,
    user: require_manager,
    filters: ResultFilters,
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """The period's figures beside the previous period's (one table; the days are in
    ``daily.csv``)."""
    first, last = period(request, start, end)
    results = await _results(request, first, last, filters)
    before = await _results(request, *_previous(first, last), filters)
    lang = language_of(request)
    rows: list[Sequence[Any]] = [["metric", "value", "previous_period"]]
    previous = dict(before.rows())
    for name, value in results.rows():
        rows.append([name, _cell(value), _cell(previous.get(name, ""))])
    return csv_response(rows, f"quita-results-{first}-{last}.csv", language=lang)


@router.get("/daily.csv")
async def daily_csv(
    request: Request,
    user: require_manager,
    filters: ResultFilters,
    start: str | None = None,
    end: str | None = None,
) -> Response:
    first, last = period(request, start, end)
    results = await _results(request, first, last, filters)
    lang = language_of(request)
    rows: list[Sequence[Any]] = [
        ["day", "contacts", "replied", "promises", "payments", "opt_outs", "recovered"]
    ]
    for d in results.days:
        day = d.day.strftime("%d/%m/%Y") if lang == "pt" else d.day.isoformat()
        rows.append([day, d.contacts, d.replied, d.promises, d.payments, d.opt_outs, d.recovered])
    return csv_response(rows, f"quita-daily-{first}-{last}.csv", language=lang)


def _cell(value: str) -> Any:
    """Figures back to numbers, so the CSV writer localises their decimal mark."""
    from decimal import Decimal, InvalidOperation

    if value.isdigit():
        return int(value)
    try:
        return Decimal(value) if value and value[0].isdigit() else value
    except InvalidOperation:
        return value


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
    lang = language_of(request)
    local = ZoneInfo(tz)
    fmt = "%d/%m/%Y %H:%M" if lang == "pt" else "%Y-%m-%d %H:%M"
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
                row.created_at.astimezone(local).strftime(fmt),
                row.last_message_at.astimezone(local).strftime(fmt) if row.last_message_at else "",
            ]
        )
    return csv_response(rows, "quita-conversations.csv", language=lang)


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
    return render(request, "dashboard/transcript.html", {**data, "agent_names": data["agents"]})
