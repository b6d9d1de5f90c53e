"""The stand-in PSP as a real HTTP server: uvicorn on 127.0.0.1, in a thread.

The ASGI shim turns each request into the ``httpx.Request`` ``StandInPsp.handle`` answers;
a scripted ``timeout`` makes the server hold the answer longer than the client waits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from bot.payments.standin import StandInPsp

HOLD_SECONDS = 1.0  # longer than the client's read timeout in these tests


def asgi_app(psp: StandInPsp, port: int) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode()
        url = f"http://127.0.0.1:{port}{scope['path']}" + (f"?{query}" if query else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        request = httpx.Request(scope["method"], url, headers=headers, content=body)
        if psp.failures and psp.failures[0] == "timeout":
            psp.failures.pop(0)
            psp.requests.append((scope["method"], scope["path"].removeprefix(psp.prefix)))
            await asyncio.sleep(HOLD_SECONDS)  # the client gave up already
            response = httpx.Response(504)
        else:
            response = psp.handle(request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (k.encode(), v.encode())
                    for k, v in response.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding")
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.content})

    return app


@contextmanager
def serve(psp: StandInPsp, port: int) -> Iterator[str]:
    """Run the stand-in at ``http://127.0.0.1:<port><psp.prefix>`` for the ``with`` block."""
    config = uvicorn.Config(
        asgi_app(psp, port), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the stand-in PSP did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}{psp.prefix}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
