"""Server-sent events fed by ``runtime.live`` (in-process queues or Redis pub/sub)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

T = TypeVar("T")

HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 1.0


async def read(request: Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` with a database session in a worker thread (never block the loop)."""
    factory = request.app.state.runtime.db

    def run() -> T:
        with factory() as session:
            return work(session)

    return await asyncio.to_thread(run)


async def _events(request: Request, topic: str) -> AsyncIterator[str]:
    live: Any = request.app.state.runtime.live
    inbox: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    async def pump() -> None:
        async for item in live.subscribe(topic):
            inbox.put_nowait(item)

    task = asyncio.create_task(pump())
    try:
        yield "retry: 3000\n: connected\n\n"
        idle = 0.0
        while True:
            try:
                item = await asyncio.wait_for(inbox.get(), POLL_SECONDS)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                idle += POLL_SECONDS
                if idle >= HEARTBEAT_SECONDS:
                    idle = 0.0
                    yield ": keep-alive\n\n"
                continue
            idle = 0.0
            yield f"event: update\ndata: {json.dumps(item, default=str)}\n\n"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def event_stream(request: Request, topic: str) -> StreamingResponse:
    return StreamingResponse(
        _events(request, topic),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
