"""Where blocking database work runs: worker threads, or one thread for SQLite.

SQLite has one writer at a time. Turns run in several threads used to queue on its lock,
and SQLite's busy handler waits by sleeping (1, 2, 5 ... 100 ms): under load most of a
turn's time was spent asleep, and a webhook's small insert waited behind every turn.
``SerialDatabaseWork`` runs all of it on one thread, in order, and lets urgent work (storing
a webhook's delivery, so the provider gets its answer) go before the turns already queued.
PostgreSQL takes concurrent writers: ``ThreadedDatabaseWork`` has its own worker threads,
with a few kept for urgent work. Not asyncio's default executor: on a 2-core machine it has 6
threads, shared with every other ``to_thread`` (the Twilio SDK's sends among them), and a turn
on PostgreSQL spends most of its time waiting on round trips, so 6 turns in flight left each
web process idle four fifths of the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.store.db import keep_connection

if TYPE_CHECKING:
    from sqlalchemy import Engine

T = TypeVar("T")


class DatabaseWork(Protocol):
    async def __call__(self, work: Callable[[], T], *, urgent: bool = False) -> T: ...

    def close(self) -> None: ...


THREADS, URGENT_THREADS = 12, 6


class ThreadedDatabaseWork:
    """Worker threads; urgent work has threads of its own, so a webhook's insert never
    queues behind the turns that fill the others. ``threads + urgent_threads`` is what the
    connection pool is sized to (``pool_size``)."""

    def __init__(self, threads: int = THREADS, urgent_threads: int = URGENT_THREADS) -> None:
        self.threads = threads
        self.urgent_threads = urgent_threads
        self._open_pools()

    def _open_pools(self) -> None:
        # an executor starts its threads as work comes: an idle process holds none
        self._pool = ThreadPoolExecutor(self.threads, "quita-db")
        self._urgent = ThreadPoolExecutor(self.urgent_threads, "quita-db-urgent")

    async def __call__(self, work: Callable[[], T], *, urgent: bool = False) -> T:
        # contextvars go along, as asyncio.to_thread does (log context, clock overrides)
        call = functools.partial(contextvars.copy_context().run, work)
        pool = self._urgent if urgent else self._pool
        return await asyncio.get_running_loop().run_in_executor(pool, call)

    @property
    def pool_size(self) -> int:
        return self.threads + self.urgent_threads

    def close(self) -> None:
        """Let the threads end once their work is done; a later call starts new ones."""
        pools = (self._pool, self._urgent)
        self._open_pools()
        for pool in pools:
            pool.shutdown(wait=False)


class SerialDatabaseWork:
    """One daemon thread; urgent items first, then first come first served."""

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # the engine whose transactions on this thread share one connection (``keep``)
        self._engine: Engine | None = None

    def keep(self, engine: Engine) -> None:
        """Run every transaction on ``engine`` on one kept connection (``keep_connection``):
        only this thread uses the database, one unit of work at a time."""
        self._engine = engine

    async def __call__(self, work: Callable[[], T], *, urgent: bool = False) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:  # with _run's exit check: an item never lands after the thread left
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="quita-database", daemon=True
                )
                self._thread.start()
            self._queue.put((0 if urgent else 1, next(self._order), (work, loop, future)))
        return await future

    def _run(self) -> None:
        keep_connection(self._engine)
        try:
            self._serve()
        finally:
            keep_connection(None)

    def _serve(self) -> None:
        while True:
            _priority, _n, item = self._queue.get()
            if item is None:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue  # work came in after close(): do it, the next close ends us
            work, loop, future = item
            if future.cancelled():
                continue
            try:
                result = work()
            except BaseException as exc:  # handed to the awaiting coroutine
                _call(loop, _fail, future, exc)
            else:
                _call(loop, _resolve, future, result)

    def close(self) -> None:
        """Let the thread end once the work queued so far is done."""
        with self._lock:
            if self._thread is not None:
                self._queue.put((2, next(self._order), None))


def _call(loop: asyncio.AbstractEventLoop, fn: Any, *args: Any) -> None:
    # a loop that has closed raises RuntimeError: nobody waits for the answer any more
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(fn, *args)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def database_work_for(url: str, threads: int = THREADS) -> DatabaseWork:
    return SerialDatabaseWork() if url.startswith("sqlite") else ThreadedDatabaseWork(threads)
