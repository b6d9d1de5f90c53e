"""Many small writes asked for at about the same time, done in one transaction.

Every webhook stores a row, every turn's end marks its inbox row done, every reply is
claimed and then marked sent: each was its own transaction, and on SQLite (one thread does
all the database work) they queued one by one behind the turns. A ``Coalescer`` gathers the
items asked for while its batch waits for the database and does them together: the first
caller queues the batch, later callers join it until it starts. Nothing waits on a timer,
so a lone item costs what it cost before.

A batch that fails is done again one item at a time, each in its own transaction, so one
bad item fails alone (its caller gets the error) and the others still get their answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item, beside R for a result
R = TypeVar("R")

DatabaseCall = Callable[[Callable[[], Any]], Awaitable[Any]]
MAX_BATCH = 200  # a bound on one transaction's length


@dataclass
class _Batch(Generic[I, R]):
    items: list[I] = field(default_factory=list)
    futures: list[asyncio.Future[R]] = field(default_factory=list)
    closed: bool = False


class Coalescer(Generic[I, R]):
    """``await coalescer(item)``: ``run(items)`` does a whole batch in one transaction and
    returns one result per item, in order; ``database`` runs it off the event loop."""

    def __init__(
        self,
        run: Callable[[list[I]], list[R]],
        database: DatabaseCall,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._run = run
        self._database = database
        self._max = max_batch
        self._open: _Batch[I, R] | None = None
        self._lock = threading.Lock()  # the batch is closed on the database's thread
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieved)  # a caller that left is not "never retrieved"
        with self._lock:
            batch = self._open
            if batch is None or batch.closed or len(batch.items) >= self._max:
                batch = self._open = _Batch()
                task = asyncio.create_task(self._flush(batch), name="quita-coalesce")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            batch.items.append(item)
            batch.futures.append(future)
        # the batch goes on without a caller that stops waiting (its item may still be done)
        return await asyncio.shield(future)

    async def _flush(self, batch: _Batch[I, R]) -> None:
        try:
            outcomes: list[tuple[bool, Any]] = await self._database(lambda: self._work(batch))
        except asyncio.CancelledError:
            for future in batch.futures:
                future.cancel()
            raise
        except BaseException as exc:  # the database call itself failed: every caller hears
            for future in batch.futures:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, (ok, value) in zip(batch.futures, outcomes, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _work(self, batch: _Batch[I, R]) -> list[tuple[bool, Any]]:
        """On the database's thread: close the batch, then do it."""
        with self._lock:
            batch.closed = True
            items = list(batch.items)
        try:
            results = self._run(items)
        except Exception:
            if len(items) == 1:
                raise
        else:
            return [(True, r) for r in results]
        outcomes: list[tuple[bool, Any]] = []
        for item in items:  # one at a time: the bad one fails alone
            try:
                outcomes.append((True, self._run([item])[0]))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
