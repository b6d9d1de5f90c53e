"""The production runner: a cron job on arq (Redis-backed asyncio job queue).

Any number of ``quita worker`` processes may run: arq gives each cron tick a unique job id
so usually one worker runs it, and even when two passes do run at once, the unique
idempotency key of every reminder (checked by ``remind`` in the database) sends it once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Worker

from bot.cadence.deps import CadenceDeps
from bot.config import ConfigError, Settings
from bot.core.clock import parse_iso

QUEUE_NAME = "quita:cadence"
CTX_KEY = "cadence"


async def cadence_pass(ctx: dict[str, Any], now: str | None = None) -> dict[str, object]:
    """The arq job: one pass (in a thread, the database calls are blocking)."""
    deps: CadenceDeps = ctx[CTX_KEY]
    when = parse_iso(now) if now else None
    report = await asyncio.to_thread(deps.run, when)
    return report.as_dict()


def cron_fields(interval_seconds: int) -> dict[str, set[int]]:
    """arq ``cron`` fields that fire every ``interval_seconds`` (a divisor of a minute,
    of an hour, or a whole number of hours dividing a day)."""
    if interval_seconds <= 0:
        raise ConfigError("cadence.interval_seconds must be positive")
    if interval_seconds < 60 and 60 % interval_seconds == 0:
        return {"second": set(range(0, 60, interval_seconds))}
    minutes, seconds = divmod(interval_seconds, 60)
    if seconds == 0 and minutes < 60 and 60 % minutes == 0:
        return {"minute": set(range(0, 60, minutes)), "second": {0}}
    hours, rest = divmod(interval_seconds, 3600)
    if rest == 0 and hours <= 24 and 24 % hours == 0:
        return {"hour": set(range(0, 24, hours)), "minute": {0}, "second": {0}}
    raise ConfigError(
        "cadence.interval_seconds must divide a minute, an hour or a day "
        f"(e.g. 30, 60, 300, 3600), not {interval_seconds}"
    )


def cadence_cron_jobs(settings: Settings) -> list[CronJob]:
    """The periodic pass, to merge into another worker's ``cron_jobs`` if wanted."""
    fields = cron_fields(settings.cadence.interval_seconds)
    return [
        cron(
            cadence_pass,
            name="cadence_pass",
            unique=True,
            timeout=max(300, settings.cadence.interval_seconds * 10),
            microsecond=0,
            **fields,  # type: ignore[arg-type]
        )
    ]


def redis_settings(settings: Settings) -> RedisSettings:
    if not settings.redis_url:
        raise ConfigError("quita worker needs redis_url (QUITA_REDIS_URL)")
    return RedisSettings.from_dsn(settings.redis_url)


def worker_settings(settings: Settings, deps: CadenceDeps) -> dict[str, Any]:
    """Keyword arguments of ``arq.worker.Worker`` (also accepted by ``arq.run_worker``)."""
    return {
        "functions": [cadence_pass],
        "cron_jobs": cadence_cron_jobs(settings) if settings.cadence.enabled else [],
        "redis_settings": redis_settings(settings),
        "queue_name": QUEUE_NAME,
        "ctx": {CTX_KEY: deps},
        "max_jobs": 2,
        "keep_result": 3600,
    }


def build_worker(settings: Settings, deps: CadenceDeps, **overrides: Any) -> Worker:
    return Worker(**{**worker_settings(settings, deps), **overrides})


def run_worker(settings: Settings, deps: CadenceDeps) -> None:
    """``quita worker``: run the cadence cron until stopped (SIGINT/SIGTERM)."""
    redis_settings(settings)
    # Worker.run() drives the loop its SIGINT/SIGTERM handlers are set on (under
    # asyncio.run they would sit on another loop, and SIGTERM would be ignored)
    build_worker(settings, deps).run()
