"""The agent console: the inbox of handed-off chats, one chat, replies and actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.conversation.operations import AlreadyTaken, OperationError
from bot.core.money import money
from bot.web import views
from bot.web.auth import csrf_protect, require_agent
from bot.web.i18n import translator
from bot.web.live import event_stream, read
from bot.web.pages import language_of, render

router = APIRouter(prefix="/console", dependencies=[Depends(csrf_protect)])


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


async def _inbox(request: Request) -> list[views.InboxRow]:
    runtime = _runtime(request)
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone
    return await read(
        request, lambda s: views.inbox(s, now=now, book=runtime.deps.book, timezone=tz)
    )


@router.get("")
async def inbox_page(request: Request, user: require_agent) -> Response:
    rows = await _inbox(request)
    return render(request, "console/inbox.html", {"rows": rows})


@router.get("/inbox")
async def inbox_fragment(request: Request, user: require_agent) -> Response:
    """The inbox table alone; the page swaps it in when the live stream says so."""
    rows = await _inbox(request)
    return render(request, "console/_inbox_table.html", {"rows": rows})


@router.get("/events")
async def inbox_events(request: Request, user: require_agent) -> Response:
    return event_stream(request, "inbox")


async def _chat(request: Request, conversation_id: int) -> views.ChatView:
    runtime = _runtime(request)
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone
    found = await read(
        request,
        lambda s: views.chat(s, conversation_id, now=now, book=runtime.deps.book, timezone=tz),
    )
    if found is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return found


async def _chat_page(
    request: Request, conversation_id: int, *, error: str | None = None, status_code: int = 200
) -> Response:
    view = await _chat(request, conversation_id)
    settings = _runtime(request).settings
    return render(
        request,
        "console/chat.html",
        {
            "view": view,
            "error": error,
            "done": request.query_params.get("done") == "1",
            "templates": sorted(settings.channels.twilio.templates),
            "today": views.today_in(_runtime(request).clock.now(), settings.business.timezone),
        },
        status_code=status_code,
    )


@router.get("/c/{conversation_id}")
async def chat_page(request: Request, conversation_id: int, user: require_agent) -> Response:
    return await _chat_page(request, conversation_id)


@router.get("/c/{conversation_id}/messages")
async def chat_messages(
    request: Request, conversation_id: int, user: require_agent, after: int = 0
) -> JSONResponse:
    """Messages newer than ``after`` (the page appends them as text, never as HTML)."""

    tz = _runtime(request).settings.business.timezone

    def work(session: Any) -> list[dict[str, Any]]:
        names = views.agent_names(session)
        rows = views.messages_after(session, conversation_id, after)
        return [views.message_json(m, agents=names, timezone=tz) for m in rows]

    return JSONResponse({"messages": await read(request, work)})


@router.get("/c/{conversation_id}/events")
async def chat_events(request: Request, conversation_id: int, user: require_agent) -> Response:
    return event_stream(request, f"conversation:{conversation_id}")


async def _act(request: Request, conversation_id: int, action: Any) -> Response:
    """Run an agent action; back to the chat on success, the chat with the reason if not."""
    try:
        await action
    except AlreadyTaken as exc:
        message = _t(request, "chat.already_taken", name=exc.agent_name)
        return await _chat_page(request, conversation_id, error=message, status_code=409)
    except OperationError as exc:
        return await _chat_page(request, conversation_id, error=str(exc), status_code=400)
    return RedirectResponse(f"/console/c/{conversation_id}?done=1", status_code=303)


@router.post("/c/{conversation_id}/take")
async def take(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).agent_take(conversation_id, user.id)
    )


@router.post("/c/{conversation_id}/reply")
async def reply(
    request: Request,
    conversation_id: int,
    user: require_agent,
    text: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    view = await _chat(request, conversation_id)
    chosen = template or None
    if not view.window_open and chosen is None:
        return await _chat_page(
            request, conversation_id, error=_t(request, "chat.window_closed"), status_code=400
        )
    runtime = _runtime(request)
    return await _act(
        request,
        conversation_id,
        runtime.agent_reply(conversation_id, user.id, text, template=chosen),
    )


@router.post("/c/{conversation_id}/release")
async def release(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).agent_release(conversation_id, user.id)
    )


@router.post("/c/{conversation_id}/close")
async def close(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).agent_close(conversation_id, user.id)
    )


@router.post("/c/{conversation_id}/promise")
async def record_promise(
    request: Request,
    conversation_id: int,
    user: require_agent,
    due: Annotated[date, Form()],
    amount: Annotated[str, Form(max_length=32)],
) -> Response:
    await _chat(request, conversation_id)
    value = _amount(amount)
    if value is None:
        return await _chat_page(request, conversation_id, error=f"{amount!r}?", status_code=400)
    return await _act(
        request,
        conversation_id,
        _runtime(request).agent_record_promise(conversation_id, user.id, due, value),
    )


@router.post("/c/{conversation_id}/agreement")
async def create_agreement(
    request: Request,
    conversation_id: int,
    user: require_agent,
    installments: Annotated[int, Form(ge=1, le=48)],
    discount_percent: Annotated[str, Form(max_length=8)] = "0",
    first_due: Annotated[date | None, Form()] = None,
) -> Response:
    await _chat(request, conversation_id)
    runtime = _runtime(request)
    create = getattr(runtime, "agent_create_agreement", None)
    if create is None:
        return await _chat_page(
            request,
            conversation_id,
            error="agent_create_agreement is not available",
            status_code=501,
        )
    try:
        discount = Decimal(discount_percent.replace(",", ".") or "0")
    except InvalidOperation:
        discount = Decimal("-1")
    if not Decimal(0) <= discount <= Decimal(100):
        return await _chat_page(request, conversation_id, error="discount?", status_code=400)
    return await _act(
        request,
        conversation_id,
        create(
            conversation_id, user.id, installments, discount_percent=discount, first_due=first_due
        ),
    )


@router.post("/c/{conversation_id}/agreement/{agreement_id}/approve")
async def approve_agreement(
    request: Request, conversation_id: int, agreement_id: int, user: require_agent
) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request,
        conversation_id,
        _runtime(request).agent_approve_agreement(conversation_id, user.id, agreement_id),
    )


@router.post("/c/{conversation_id}/dispute")
async def resolve_dispute(
    request: Request,
    conversation_id: int,
    user: require_agent,
    outcome: Annotated[str, Form(pattern="^(upheld|cancelled)$")],
) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request,
        conversation_id,
        _runtime(request).agent_resolve_dispute(conversation_id, user.id, outcome),
    )


@router.post("/c/{conversation_id}/invalid")
async def mark_invalid(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).agent_mark_invalid(conversation_id, user.id)
    )


def _amount(text: str) -> Decimal | None:
    from bot.store.importer import RowError, parse_amount

    try:
        return money(parse_amount(text))
    except RowError:
        return None


def _t(request: Request, key: str, **values: object) -> str:
    return translator(language_of(request))(key, **values)
