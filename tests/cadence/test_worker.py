"""The arq worker (real Redis, real PostgreSQL) and the embedded scheduler."""

from __future__ import annotations

import asyncio
import uuid
import warnings

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import select

from bot.cadence.deps import CadenceDeps
from bot.cadence.scheduler import EmbeddedScheduler, embedded_scheduler
from bot.cadence.worker import build_worker, cron_fields, worker_settings
from bot.config import ConfigError, Settings
from bot.core.clock import FixedClock
from bot.store.tables import ReminderSend

from .portfolio import migrated_sessions
from .support import RecordingRemind
from .test_runner import NOW, portfolio


@pytest.mark.parametrize(
    ("interval", "fields"),
    [
        (30, {"second": {0, 30}}),
        (300, {"minute": set(range(0, 60, 5)), "second": {0}}),
        (7200, {"hour": set(range(0, 24, 2)), "minute": {0}, "second": {0}}),
    ],
)
def test_cron_fields(interval: int, fields: dict[str, set[int]]) -> None:
    assert cron_fields(interval) == fields


def test_odd_intervals_and_missing_redis_fail_loudly(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="interval_seconds"):
        cron_fields(7)
    deps = CadenceDeps(
        sessions=migrated_sessions(sqlite_url),
        settings=Settings(),
        clock=FixedClock(NOW),
        remind=lambda *_: True,
    )
    with pytest.raises(ConfigError, match="redis_url"):
        worker_settings(Settings(), deps)


@pytest.mark.redis
@pytest.mark.postgres
async def test_two_arq_workers_running_the_same_pass_send_nothing_twice(
    redis_server_url: str, postgres_server_url: str
) -> None:
    from sqlalchemy import text

    from bot.store.db import make_engine

    engine = make_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    sessions = migrated_sessions(postgres_server_url)
    portfolio(sessions, 60)
    settings = Settings(redis_url=redis_server_url)
    reminds = [RecordingRemind(sessions, NOW), RecordingRemind(sessions, NOW)]
    queue = f"quita:test:{uuid.uuid4().hex[:8]}"
    workers = [
        build_worker(
            settings,
            CadenceDeps(sessions, settings, FixedClock(NOW), remind),
            queue_name=queue,
            cron_jobs=[],
            burst=True,
            handle_signals=False,
            poll_delay=0.05,
        )
        for remind in reminds
    ]
    pool = await create_pool(RedisSettings.from_dsn(redis_server_url))
    try:
        for n in range(4):  # the same pass enqueued four times (e.g. a retried cron tick)
            await pool.enqueue_job(
                "cadence_pass", NOW.isoformat(), _queue_name=queue, _job_id=f"{queue}:{n}"
            )
        await asyncio.gather(*(worker.main() for worker in workers))
        results = [
            job.result for job in await pool.all_job_results() if job.job_id.startswith(queue)
        ]
        with sessions() as session:
            stored = session.scalars(select(ReminderSend.idempotency_key)).all()
    finally:
        with warnings.catch_warnings():  # arq closes its pool with redis' deprecated close()
            warnings.simplefilter("ignore", DeprecationWarning)
            for worker in workers:
                await worker.close()
        await pool.delete(queue)
        await pool.aclose()
        sessions.kw["bind"].dispose()
    sent = [key for remind in reminds for _, _, key, _, _ in remind.sent]
    assert sent
    assert len(sent) == len(set(sent))
    assert len(results) == 4
    assert sum(result["sent"] for result in results) == len(sent)
    assert sorted(stored) == sorted(sent)


async def test_embedded_scheduler_runs_passes_until_stopped() -> None:
    calls: list[int] = []

    async def run() -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bad pass does not stop the scheduler")
        return len(calls)

    scheduler = EmbeddedScheduler(0.01, run)
    scheduler.start()
    scheduler.start()  # idempotent
    for _ in range(200):
        if len(calls) >= 4:
            break
        await asyncio.sleep(0.01)
    await scheduler.stop()
    assert not scheduler.running
    assert len(calls) >= 4
    assert scheduler.failures == 1
    assert scheduler.passes == len(calls) - 1


async def test_embedded_scheduler_runs_a_real_pass_in_a_thread(sqlite_url: str) -> None:
    sessions = migrated_sessions(sqlite_url)
    portfolio(sessions, 10)
    remind = RecordingRemind(sessions, NOW)
    scheduler = embedded_scheduler(CadenceDeps(sessions, Settings(), FixedClock(NOW), remind))
    assert scheduler.interval_seconds == 60
    report = await scheduler.run_once()
    assert report.sent == len(remind.sent) > 0  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="positive"):
        EmbeddedScheduler(0, lambda: None)
