"""Fixtures for the web tests: a demo database, a wired app and logged-in HTTP clients.

The response book and the NLU model load once per session (they are slow to build); each
test gets its own SQLite file, runtime and app.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels.web import WebChannel
from bot.config import Settings, load_settings
from bot.core.clock import SystemClock
from bot.runtime.service import Runtime, TurnDeps, build_runtime
from bot.store.db import make_engine, make_sessionmaker
from bot.store.demo import load_demo
from bot.store.tables import Contact, Conversation
from bot.web.app import build_app

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
AGENT = ("agent@demo", "demo-agent")
MANAGER = ("manager@demo", "demo-manager")


def make_settings(database_url: str, **overrides: Any) -> Settings:
    data: dict[str, Any] = {"database_url": database_url, "demo": True}
    data.update(overrides)
    return load_settings(Path("config.yml"), overrides=data, environ={"QUITA_SECRET_KEY": SECRET})


@pytest.fixture(scope="session")
def shared_deps(tmp_path_factory: pytest.TempPathFactory) -> TurnDeps:
    url = f"sqlite:///{tmp_path_factory.mktemp('deps') / 'unused.db'}"
    runtime = build_runtime(make_settings(url), channels={})
    runtime.engine.dispose()
    return runtime.deps


def make_runtime(settings: Settings, deps: TurnDeps, *, clock: Any = None) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        db=make_sessionmaker(engine),
        deps=replace(deps, settings=settings),
        channels={"web": WebChannel()},
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite:///{tmp_path / 'quita.db'}")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio and users, loaded once; each test copies the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(make_settings(f"sqlite:///{path}"))
    return path


@pytest.fixture
def runtime(settings: Settings, shared_deps: TurnDeps, demo_database: Path) -> Iterator[Runtime]:
    shutil.copyfile(demo_database, settings.database_url.removeprefix("sqlite:///"))
    runtime = make_runtime(settings, shared_deps)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
async def app(runtime: Runtime, settings: Settings) -> AsyncIterator[FastAPI]:
    application = build_app(settings, runtime, background=False)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


async def csrf_of(client: httpx.AsyncClient) -> str:
    token = client.cookies.get("quita_csrf")
    if token is None:
        await client.get("/login")
        token = client.cookies.get("quita_csrf")
    assert token
    return token


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
async def agent(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        response = await log_in(client, *AGENT)
        assert response.status_code == 303
        yield client


@pytest.fixture
async def manager(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        response = await log_in(client, *MANAGER)
        assert response.status_code == 303
        yield client


async def simulate(client: httpx.AsyncClient, address: str, text: str) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/simulator/send",
        json={"address": address, "text": text},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.text


async def hand_off(
    client: httpx.AsyncClient, runtime: Runtime, address: str = "demo-demo-004"
) -> int:
    """Make the demo debtor at ``address`` ask for a person; returns the conversation id."""
    await simulate(client, address, "quero falar com uma pessoa")
    return conversation_of(runtime, address)


def conversation_of(runtime: Runtime, address: str) -> int:
    with runtime.db() as session:
        found = session.scalar(
            select(Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.channel == "web", Contact.address == address)
        )
    assert found is not None
    return int(found)


def walk_routes(routes: list[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from walk_routes(route.effective_candidates())
        elif getattr(route, "methods", None):
            yield route.path, set(route.methods)


def now_utc() -> datetime:
    return datetime.now(UTC)
