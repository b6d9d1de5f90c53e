"""The real app on SQLite (in-process limiter) and on PostgreSQL + Redis (shared limiter).

``stack`` builds the demo portfolio and users, then the app exactly as ``quita serve`` wires
it; the Redis database is the one in ``QUITA_TEST_REDIS_URL``, emptied first.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.channels.registry import webhook_endpoints
from bot.runtime.service import Runtime, redis_client
from bot.store.demo import load_demo
from tests.web.conftest import demo_database, make_runtime, make_settings, shared_deps

__all__ = ["demo_database", "shared_deps"]


@dataclass
class Stack:
    kind: str  # sqlite | postgres
    app: FastAPI
    runtime: Runtime

    def client(self, ip: str = "203.0.113.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from bot.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


async def _flush(url: str) -> None:
    client = redis_client(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def build_stack_parts(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str, **overrides: Any
) -> Runtime:
    deps = request.getfixturevalue("shared_deps")
    if kind == "sqlite":
        settings = make_settings(f"sqlite:///{tmp_path / 'quita.db'}", **overrides)
        shutil.copyfile(request.getfixturevalue("demo_database"), tmp_path / "quita.db")
        return _with_webhooks(make_runtime(settings, deps))
    url = request.getfixturevalue("postgres_server_url")
    redis_url = request.getfixturevalue("redis_server_url")
    _reset_postgres(url)
    settings = make_settings(url, redis_url=redis_url, **overrides)
    load_demo(settings)
    runtime = make_runtime(settings, deps)
    runtime.redis = redis_client(redis_url)
    return _with_webhooks(runtime)


def _with_webhooks(runtime: Runtime) -> Runtime:
    """The provider endpoints the settings enable, as ``build_runtime`` wires them."""
    runtime.webhooks = webhook_endpoints(runtime.settings, runtime.channels)
    return runtime


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    """Settings a test module wants changed (override this fixture)."""
    return {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def stack(
    request: pytest.FixtureRequest, tmp_path: Path, stack_overrides: dict[str, Any]
) -> AsyncIterator[Stack]:
    from bot.web.app import build_app

    runtime = build_stack_parts(request, tmp_path, request.param, **stack_overrides)
    if runtime.redis is not None:
        await _flush(runtime.settings.redis_url or "")
    app = build_app(runtime.settings, runtime, background=False)
    async with app.router.lifespan_context(app):
        yield Stack(request.param, app, runtime)
    runtime.engine.dispose()


async def login_token(client: httpx.AsyncClient) -> str:
    token = client.cookies.get("quita_csrf")
    if token is None:
        await client.get("/login")
        token = client.cookies.get("quita_csrf")
    assert token
    return token


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await login_token(client)
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
