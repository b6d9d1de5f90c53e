"""The embedded scheduler: an asyncio task that runs a pass every ``interval_seconds``.

``quita serve`` starts it when there is no Redis (one process, no job queue). A failing pass
is logged and the next one runs on time; a pass never overlaps the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable

from bot.cadence.deps import CadenceDeps
from bot.cadence.runner import PassReport

log = logging.getLogger(__name__)

PassFn = Callable[[], Awaitable[object] | object]


class EmbeddedScheduler:
    """Runs ``run`` (sync: in a thread; async: awaited) every ``interval_seconds``."""

    def __init__(self, interval_seconds: float, run: PassFn) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.interval_seconds = interval_seconds
        self._run = run
        self._task: asyncio.Task[None] | None = None
        self.passes = 0
        self.failures = 0
        self.last_result: object = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop on the running event loop (idempotent)."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="quita-cadence")

    async def stop(self) -> None:
        """Cancel the loop and wait for it (a pass in a thread finishes on its own)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> object:
        """One pass now; errors propagate."""
        if inspect.iscoroutinefunction(self._run):
            result = await self._run()
        else:
            result = await asyncio.to_thread(self._run)
            if inspect.isawaitable(result):
                result = await result
        self.passes += 1
        self.last_result = result
        return result

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("cadence pass failed; the next one runs as planned")
            elapsed = loop.time() - started
            await asyncio.sleep(max(0.0, self.interval_seconds - elapsed))


def embedded_scheduler(deps: CadenceDeps) -> EmbeddedScheduler:
    """The scheduler ``quita serve`` starts: a pass every ``cadence.interval_seconds``."""

    def run() -> PassReport:
        return deps.run()

    return EmbeddedScheduler(deps.settings.cadence.interval_seconds, run)
