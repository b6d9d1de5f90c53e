"""Item 4: login throttled per IP across emails and site-wide; Argon2 off the shared pool.

Item 6 (part): ``/login`` with Redis down answers 503, not 500.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.runtime.service import redis_client
from bot.web.app import build_app
from bot.web.passwords import THREAD_PREFIX
from tests.security.conftest import Stack, build_stack_parts, log_in
from tests.web.conftest import AGENT


async def test_one_ip_spraying_many_emails_is_throttled(stack: Stack) -> None:
    async with stack.client(ip="203.0.113.50") as sprayer:
        statuses = [
            (await log_in(sprayer, f"user{n}@example.com", "Spring2026!")).status_code
            for n in range(30)
        ]
        limit = stack.runtime.settings.web.login_attempts_per_ip_per_minute
        assert statuses[:limit] == [401] * limit
        assert set(statuses[limit:]) == {429}
        # even the right password, from that IP, this minute
        assert (await log_in(sprayer, *AGENT)).status_code == 429
    async with stack.client(ip="203.0.113.51") as colleague:
        assert (await log_in(colleague, *AGENT)).status_code == 303


@pytest.mark.parametrize("stack_overrides", [{"web": {"login_attempts_overall_per_minute": 12}}])
async def test_a_spray_from_many_ips_meets_the_site_wide_limit(stack: Stack) -> None:
    statuses = []
    for n in range(16):
        async with stack.client(ip=f"198.18.0.{n + 1}") as bot:
            statuses.append((await log_in(bot, f"victim{n}@example.com", "123456")).status_code)
    assert statuses[:12] == [401] * 12
    assert set(statuses[12:]) == {429}


@pytest.mark.parametrize(
    "stack_overrides",
    [
        {
            "web": {
                "login_attempts_per_ip_per_minute": 1000,
                "login_attempts_overall_per_minute": 1000,
            }
        }
    ],
)
async def test_password_spraying_does_not_hold_the_pool_that_serves_webhooks(
    stack: Stack,
) -> None:
    """During a spray of 24 concurrent logins the hashing queues on its own two threads, and
    the database work a webhook needs (``runtime.dbwork``, urgent: storing the delivery)
    still answers at once. The default executor is the 6 workers of a 2-CPU server, as in
    production; the logins' own lookups use it, the webhooks' database work does not.
    """
    loop = asyncio.get_running_loop()
    default_pool = ThreadPoolExecutor(max_workers=6)  # min(32, cpus + 4) with 2 CPUs
    loop.set_default_executor(default_pool)
    hashing_threads: set[str] = set()

    async def spray(n: int) -> int:
        async with stack.client() as client:
            response = await log_in(client, f"staff{n}@example.com", f"guess-{n}-password")
            return response.status_code

    def noop() -> None:
        return None

    async def sample() -> list[float]:
        waits = []
        for _ in range(8):
            await asyncio.sleep(0.05)
            hashing_threads.update(
                t.name for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)
            )
            started = time.perf_counter()
            await stack.runtime.dbwork(noop, urgent=True)
            waits.append(time.perf_counter() - started)
        return waits

    started = time.perf_counter()
    statuses_and_waits: Any = await asyncio.gather(*(spray(n) for n in range(24)), sample())
    spray_seconds = time.perf_counter() - started
    statuses, waits = statuses_and_waits[:-1], statuses_and_waits[-1]
    assert statuses == [401] * 24
    assert 1 <= len(hashing_threads) <= 2  # the spray ran on the password pool only
    # the webhooks' database work answered at once while the spray was still running
    assert max(waits) < 0.5, (waits, spray_seconds)  # the code before waited 1.7-2.6 s
    assert spray_seconds > 0.4
    default_pool.shutdown(wait=False)


async def test_login_with_redis_down_answers_503(
    request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    """Redis goes away after start-up: the login page says so instead of a 500."""
    runtime = build_stack_parts(request, tmp_path, "sqlite")
    runtime.redis = redis_client("redis://127.0.0.1:18115/8")  # nothing listens there
    app = build_app(runtime.settings, runtime, background=False)
    import httpx

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await log_in(client, *AGENT)
        assert response.status_code == 503
        assert "indisponível" in response.text
    await runtime.redis.aclose()
    runtime.engine.dispose()
