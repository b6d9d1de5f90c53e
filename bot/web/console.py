"""The agent console: inbox views, one chat, replies, actions and the approval queue.

Who may do what is decided in ``bot.conversation.agents`` (from the stored role), never
here: these routes only parse forms and show the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.conversation import approvals
from bot.conversation.agents import ActionResult
from bot.conversation.operations import AlreadyTaken, DoNotContact, NotAllowed, OperationError
from bot.core.money import money
from bot.web import views
from bot.web.auth import csrf_protect, require_agent, require_manager
from bot.web.canned import canned_replies
from bot.web.i18n import translator
from bot.web.live import event_stream, read
from bot.web.pages import format_money, language_of, render

router = APIRouter(prefix="/console", dependencies=[Depends(csrf_protect)])


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


async def _inbox(request: Request, user_id: int, view: str, q: str) -> views.Inbox:
    runtime = _runtime(request)
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone
    return await read(
        request,
        lambda s: views.inbox(
            s, now=now, book=runtime.deps.book, timezone=tz, view=view, user_id=user_id, q=q
        ),
    )


async def _pending(request: Request) -> int:
    return await read(request, approvals.pending_count)


@router.get("")
async def inbox_page(
    request: Request, user: require_agent, view: str = "", q: str = ""
) -> Response:
    inbox = await _inbox(request, user.id, view or "unassigned", q[:200])
    pending = await _pending(request) if user.is_manager else 0
    return render(request, "console/inbox.html", {"inbox": inbox, "pending": pending})


@router.get("/inbox")
async def inbox_fragment(
    request: Request, user: require_agent, view: str = "", q: str = ""
) -> Response:
    """The inbox table alone; the page swaps it in when the live stream says so."""
    inbox = await _inbox(request, user.id, view or "unassigned", q[:200])
    response = render(request, "console/_inbox_table.html", {"inbox": inbox})
    response.headers["X-Unassigned"] = str(inbox.counts["unassigned"])
    response.headers["X-Unread"] = str(inbox.unread_mine)
    return response


@router.get("/events")
async def inbox_events(request: Request, user: require_agent) -> Response:
    return event_stream(request, "inbox")


async def _chat(request: Request, conversation_id: int) -> views.ChatView:
    runtime = _runtime(request)
    now = runtime.clock.now()
    tz = runtime.settings.business.timezone
    found = await read(
        request,
        lambda s: views.chat(
            s,
            conversation_id,
            now=now,
            book=runtime.deps.book,
            timezone=tz,
            policies={name: runtime.policy(name) for name in runtime.channels},
        ),
    )
    if found is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return found


def _facts(request: Request, view: views.ChatView, agent_name: str) -> dict[str, str]:
    settings = _runtime(request).settings
    lang = view.conversation.language
    facts = {"agent": agent_name, "business": settings.business.name}
    if view.debtor is not None:
        facts["first_name"] = view.debtor.name.split()[0] if view.debtor.name else ""
    if view.balance is not None:
        facts["balance"] = format_money(view.balance.total, lang)
    open_debts = [d.due_date for d in view.debts if d.status == "open"]
    if open_debts:
        facts["oldest_due"] = min(open_debts).strftime("%d/%m/%Y")
    return facts


async def _chat_page(
    request: Request, conversation_id: int, *, error: str | None = None, status_code: int = 200
) -> Response:
    view = await _chat(request, conversation_id)
    runtime = _runtime(request)
    user = request.state.user
    if view.messages and view.conversation.assigned_agent_id == user.id:
        await runtime.desk.seen(conversation_id, user.id, view.messages[-1].id)
    done = request.query_params.get("done", "")
    return render(
        request,
        "console/chat.html",
        {
            **_chat_context(request, view),
            "error": error,
            "done": done if done in ("1", "approval") else "",
        },
        status_code=status_code,
    )


def _chat_context(request: Request, view: views.ChatView) -> dict[str, object]:
    runtime = _runtime(request)
    settings = runtime.settings
    user = request.state.user
    return {
        "view": view,
        "templates": sorted(settings.channels.twilio.templates),
        "today": views.today_in(runtime.clock.now(), settings.business.timezone),
        "canned": canned_replies(view.conversation.language, _facts(request, view, user.name)),
        "max_days": runtime.deps.book.promise_max_days,
        "agent_names": view.agents,
    }


@router.get("/c/{conversation_id}")
async def chat_page(request: Request, conversation_id: int, user: require_agent) -> Response:
    return await _chat_page(request, conversation_id)


@router.get("/c/{conversation_id}/messages")
async def chat_messages(
    request: Request, conversation_id: int, user: require_agent, after: int = 0
) -> JSONResponse:
    """Messages newer than ``after`` and the live delivery status of the latest outbound
    ones (the page appends text with textContent, never as HTML)."""

    tz = _runtime(request).settings.business.timezone
    lang = language_of(request)
    t = translator(lang)

    def work(session: Any) -> dict[str, Any]:
        names = views.agent_names(session)
        rows = views.messages_after(session, conversation_id, after)
        found = [views.message_json(m, agents=names, timezone=tz) for m in rows]
        for m in found:
            m["status_label"] = t(f"delivery.{m['status']}")
            m["sender_label"] = t(f"sender.{m['sender']}")
        statuses = views.statuses_of(session, conversation_id)
        return {
            "messages": found,
            "statuses": {
                str(k): {"status": v, "label": t(f"delivery.{v}")} for k, v in statuses.items()
            },
        }

    body = await read(request, work)
    if body["messages"]:
        runtime = _runtime(request)
        await runtime.desk.seen(conversation_id, user.id, body["messages"][-1]["id"])
    return JSONResponse(body)


@router.get("/c/{conversation_id}/panel")
async def chat_panel(request: Request, conversation_id: int, user: require_agent) -> Response:
    """The chat's side panel alone (debts, balance, actions, events): the page swaps it in
    when a payment arrives, without a reload that would lose a reply being typed."""
    view = await _chat(request, conversation_id)
    return render(request, "console/_panel.html", _chat_context(request, view))


@router.get("/c/{conversation_id}/events")
async def chat_events(request: Request, conversation_id: int, user: require_agent) -> Response:
    return event_stream(request, f"conversation:{conversation_id}")


async def _act(request: Request, conversation_id: int, action: Awaitable[Any]) -> Response:
    """Run an agent action; back to the chat on success, the chat with the reason if not."""
    try:
        result = await action
    except AlreadyTaken as exc:
        message = _t(request, "chat.already_taken", name=exc.agent_name)
        return await _chat_page(request, conversation_id, error=message, status_code=409)
    except NotAllowed:
        message = _t(request, "chat.not_allowed")
        return await _chat_page(request, conversation_id, error=message, status_code=403)
    except DoNotContact:
        message = _t(request, "chat.dnc_refused")
        return await _chat_page(request, conversation_id, error=message, status_code=403)
    except OperationError as exc:
        return await _chat_page(request, conversation_id, error=str(exc), status_code=400)
    done = "approval" if isinstance(result, ActionResult) and result.needs_approval else "1"
    return RedirectResponse(f"/console/c/{conversation_id}?done={done}", status_code=303)


@router.post("/c/{conversation_id}/take")
async def take(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).desk.take(conversation_id, user.id)
    )


@router.post("/c/{conversation_id}/transfer")
async def transfer(
    request: Request,
    conversation_id: int,
    user: require_agent,
    to_agent: Annotated[int, Form()],
) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request,
        conversation_id,
        _runtime(request).desk.transfer(conversation_id, user.id, to_agent),
    )


@router.post("/c/{conversation_id}/reply")
async def reply(
    request: Request,
    conversation_id: int,
    user: require_agent,
    text: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form(max_length=64)] = "",
    override_reason: Annotated[str, Form(max_length=300)] = "",
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
        runtime.desk.reply(
            conversation_id,
            user.id,
            text,
            template=chosen,
            override_reason=override_reason or None,
        ),
    )


@router.post("/c/{conversation_id}/release")
async def release(
    request: Request,
    conversation_id: int,
    user: require_agent,
    resume: Annotated[str, Form(pattern="^(message|quiet)$")],
) -> Response:
    """The agent chooses whether the bot resumes with a message or waits for the debtor."""
    await _chat(request, conversation_id)
    return await _act(
        request,
        conversation_id,
        _runtime(request).desk.release(
            conversation_id, user.id, resume_message=resume == "message"
        ),
    )


@router.post("/c/{conversation_id}/close")
async def close(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).desk.close(conversation_id, user.id)
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
        _runtime(request).desk.record_promise(conversation_id, user.id, due, value),
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
    try:
        discount = Decimal(discount_percent.replace(",", ".") or "0")
    except InvalidOperation:
        discount = Decimal("-1")
    if not Decimal(0) <= discount < Decimal(100):
        return await _chat_page(
            request, conversation_id, error=_t(request, "chat.bad_discount"), status_code=400
        )
    return await _act(
        request,
        conversation_id,
        _runtime(request).desk.create_agreement(
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
        _runtime(request).desk.approve_agreement(conversation_id, user.id, agreement_id),
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
        _runtime(request).desk.resolve_dispute(conversation_id, user.id, outcome),
    )


@router.post("/c/{conversation_id}/invalid")
async def mark_invalid(request: Request, conversation_id: int, user: require_agent) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).desk.mark_invalid(conversation_id, user.id)
    )


@router.post("/c/{conversation_id}/note")
async def add_note(
    request: Request,
    conversation_id: int,
    user: require_agent,
    text: Annotated[str, Form(max_length=2000)],
) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request, conversation_id, _runtime(request).desk.note(conversation_id, user.id, text)
    )


@router.post("/c/{conversation_id}/labels")
async def set_labels(
    request: Request,
    conversation_id: int,
    user: require_agent,
    labels: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    await _chat(request, conversation_id)
    return await _act(
        request,
        conversation_id,
        _runtime(request).desk.labels(conversation_id, user.id, labels.split(",")),
    )


@router.post("/c/{conversation_id}/snooze")
async def snooze(
    request: Request,
    conversation_id: int,
    user: require_agent,
    until: Annotated[date, Form()],
) -> Response:
    await _chat(request, conversation_id)
    runtime = _runtime(request)
    tz = ZoneInfo(runtime.settings.business.timezone)
    moment = datetime.combine(until, time(8, 0), tzinfo=tz)
    return await _act(
        request, conversation_id, runtime.desk.snooze(conversation_id, user.id, moment)
    )


# --- the approval queue -------------------------------------------------------------------


@router.get("/approvals")
async def approvals_page(request: Request, user: require_manager, status: str = "") -> Response:
    chosen = status if status in ("pending", "approved", "rejected") else "pending"
    rows = await read(request, lambda s: approvals.queue(s, status=chosen))
    return render(request, "console/approvals.html", {"rows": rows, "status": chosen})


@router.post("/approvals/{request_id}/{decision}")
async def decide(
    request: Request,
    request_id: int,
    decision: str,
    user: require_manager,
    note: Annotated[str, Form(max_length=300)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if decision not in ("approve", "reject"):
        raise HTTPException(status_code=404, detail="no such decision")
    runtime = _runtime(request)
    target = back if back.startswith("/console/") and "//" not in back else "/console/approvals"
    try:
        await runtime.desk.decide_request(
            request_id, user.id, approve=decision == "approve", note=note
        )
    except OperationError as exc:
        rows = await read(request, lambda s: approvals.queue(s, status="pending"))
        return render(
            request,
            "console/approvals.html",
            {"rows": rows, "status": "pending", "error": str(exc)},
            status_code=400,
        )
    return RedirectResponse(target, status_code=303)


def _amount(text: str) -> Decimal | None:
    from bot.store.importer import RowError, parse_amount

    try:
        return money(parse_amount(text))
    except RowError:
        return None


def _t(request: Request, key: str, **values: object) -> str:
    return translator(language_of(request))(key, **values)
