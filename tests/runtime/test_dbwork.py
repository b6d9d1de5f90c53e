"""Where database work runs: PostgreSQL's threads side by side, SQLite's one thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading

from bot.runtime.dbwork import ThreadedDatabaseWork, database_work_for
from bot.runtime.service import pool_options

tenant: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="none")


async def test_threaded_work_runs_side_by_side_and_keeps_the_context() -> None:
    """A turn on PostgreSQL mostly waits on round trips: its threads (12 by default, not
    asyncio's 6 on two cores) all wait at once; the caller's contextvars go along."""
    work = ThreadedDatabaseWork()
    together = threading.Barrier(work.threads, timeout=10)
    tenant.set("loja-1")

    def one() -> tuple[str, str]:
        together.wait()
        return threading.current_thread().name, tenant.get()

    try:
        results = await asyncio.gather(*(work(one) for _ in range(work.threads)))
    finally:
        work.close()
    assert {t for _, t in results} == {"loja-1"}
    assert len({name for name, _ in results}) == work.threads
    assert all(name.startswith("quita-db_") for name, _ in results)


async def test_urgent_work_has_threads_of_its_own() -> None:
    work = ThreadedDatabaseWork(threads=1, urgent_threads=2)
    release = threading.Event()
    try:
        busy = asyncio.ensure_future(work(lambda: release.wait(10)))
        await asyncio.sleep(0)
        # the only ordinary thread is taken; urgent work still runs
        name = await work(lambda: threading.current_thread().name, urgent=True)
        assert name.startswith("quita-db-urgent")
        release.set()
        assert await busy is True
    finally:
        release.set()
        work.close()


async def test_closed_work_starts_again_on_next_use() -> None:
    work = ThreadedDatabaseWork(threads=2, urgent_threads=1)
    assert await work(lambda: 1) == 1
    work.close()
    assert await work(lambda: 2) == 2
    work.close()


def test_the_connection_pool_matches_the_threads() -> None:
    postgres = database_work_for("postgresql://db/quita", threads=10)
    assert isinstance(postgres, ThreadedDatabaseWork)
    assert pool_options(postgres)["pool_size"] >= postgres.threads + postgres.urgent_threads
    assert pool_options(database_work_for("sqlite:///quita.db")) == {}
