"""Provider webhooks, one route shape: ``/webhooks/{endpoint}``. Verify, convert, hand to the
runtime, answer.

Which endpoints exist, and how each verifies and parses its requests, is the channels'
business (``bot.channels.registry.webhook_endpoints``). Nothing is stored before the request
is verified. ``runtime.inbound.accept`` commits the delivery to the inbox before we answer (a crash
before that makes the provider retry; its redelivery is dropped by the inbox's unique key)
and the turn runs after, in order per chat (``bot.runtime.inbox``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.routing import Route

from bot.channels.base import WebhookRefused, WebhookRequest
from bot.channels.registry import webhook_endpoints

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


# one handler, two routes with their own operation ids (GET is Meta's verification handshake)
@router.post("/{endpoint:path}", operation_id="webhook_post")
@router.get("/{endpoint:path}", operation_id="webhook_get")
async def webhook(endpoint: str, request: Request) -> Response:
    return await answer(request, endpoint)


async def _post(request: Request) -> Response:
    return await answer(request, str(request.path_params["endpoint"]))


def install(app: FastAPI) -> None:
    """The router, and a plain Starlette route for POST just ahead of it.

    A provider's POST is the busiest request there is (one per message). FastAPI's handler
    (its dependency solving, its nested routers' matching) cost about a twentieth of a whole
    turn's CPU for a route that takes only the raw request; the same middlewares still wrap
    it (body limit, security headers, errors). The FastAPI route stays for GET and for the
    schema (operation ``webhook_post``)."""
    position = len(app.router.routes)
    app.include_router(router)
    app.router.routes.insert(
        position, Route(f"{router.prefix}/{{endpoint:path}}", _post, methods=["POST"])
    )


async def answer(request: Request, endpoint: str) -> Response:
    """Verify, convert, hand to the runtime, answer."""
    runtime: Any = request.app.state.runtime
    endpoints = getattr(runtime, "webhooks", None)
    if endpoints is None:
        endpoints = webhook_endpoints(runtime.settings, runtime.channels)
    handler = endpoints.get(endpoint)
    if handler is None:
        return _problem(404, f"no webhook {endpoint!r} is configured")
    url = runtime.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    incoming = WebhookRequest(
        method=request.method,
        url=url,
        query=dict(request.query_params),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=await request.body(),
        received_at=runtime.clock.now(),
    )
    try:
        hook = await handler.handle(incoming)
    except WebhookRefused as exc:
        return _problem(exc.status, exc.detail)
    for message in hook.messages:
        await runtime.inbound.accept(message)
    for update in hook.statuses:
        await runtime.inbound.record_status(update)
    reply = hook.reply
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type)
