"""Request bodies are bounded before anyone parses them (ASGI middleware).

A declared ``Content-Length`` above the route's limit is answered 413 without reading a
byte; a chunked body is counted as it streams and cut off at the limit. JSON bodies are
also refused (400) when nested deeper than ``MAX_JSON_DEPTH``: the parser would otherwise
recurse until Python gives up (a 1,000-deep array gave a 500).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from itertools import accumulate
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
WEBHOOK_LIMIT = 1024 * KIB  # provider payloads are a few KiB; media come as URLs
PORTFOLIO_LIMIT = 8 * 1024 * KIB  # 10,000 JSON rows of the portfolio import
API_LIMIT = 256 * KIB
FORM_LIMIT = 64 * KIB  # every form and any other body (login, console, simulator)
MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit (a 413 for the client)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: at most {limit} bytes on this route")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def body_limit(path: str, content_type: str = "") -> int:
    """The most bytes a request to ``path`` with this content type may send."""
    if path.startswith("/webhooks/"):
        return WEBHOOK_LIMIT
    if content_type.strip().lower().startswith(FORM_TYPES):
        return FORM_LIMIT
    if path == "/api/portfolio":
        return PORTFOLIO_LIMIT
    if path.startswith("/api/"):
        return API_LIMIT
    return FORM_LIMIT


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in ``body`` (brackets inside strings ignored)."""
    brackets = _STRING.sub(b'""', body).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    return max(accumulate(1 if c in b"[{" else -1 for c in brackets))


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = body_limit(scope.get("path", ""), content_type)
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _answer(send, 400, "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _answer(send, 413, BodyTooLarge(limit).detail)
                return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            if "json" in content_type.lower():
                body = await _read_all(receive, limit)
                if json_depth(body) > MAX_JSON_DEPTH:
                    await _answer(send, 400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
                    return
                await self.app(scope, _replay(body, receive), tracking_send)
            else:
                await self.app(scope, _counting(receive, limit), tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _answer(send, 413, exc.detail)


async def _read_all(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then only http.disconnect

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
