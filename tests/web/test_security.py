"""Security: escaping, CSRF, roles, authentication on every console and API route."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.config import ConfigError
from bot.runtime.service import Runtime
from bot.web.security import resolve_secret_key
from tests.web.conftest import (
    AGENT,
    client_for,
    csrf_of,
    hand_off,
    log_in,
    make_settings,
    simulate,
    walk_routes,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(app: FastAPI, *prefixes: str) -> list[tuple[str, str]]:
    found = [
        (method, _concrete(path))
        for path, methods in walk_routes(app.routes)
        for method in sorted(methods - {"HEAD"})
        if path.startswith(prefixes) and path not in ("/api/docs", "/api/docs/oauth2-redirect")
    ]
    assert found
    return found


async def test_every_console_and_api_route_refuses_the_unauthenticated(
    app: FastAPI, anon: httpx.AsyncClient
) -> None:
    token = await csrf_of(anon)  # a valid token, so only the missing login can refuse
    for method, path in _routes(app, "/console", "/api/", "/dashboard"):
        response = await anon.request(
            method, path, headers={"X-CSRF-Token": token, "Accept": "text/html"}
        )
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)


async def test_api_json_401_and_page_redirect_keep_the_target(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/api/conversations")).json() == {"detail": "not authenticated"}
    response = await anon.get("/console/c/7")
    assert response.headers["location"] == "/login?next=%2Fconsole%2Fc%2F7"


async def test_agent_gets_403_on_every_manager_page(
    app: FastAPI, agent: httpx.AsyncClient
) -> None:
    token = await csrf_of(agent)
    manager_only = [r for r in _routes(app, "/dashboard")]
    manager_only += [
        ("GET", "/api/conversations"),
        ("GET", "/api/results"),
        ("POST", "/api/portfolio"),
    ]
    for method, path in manager_only:
        response = await agent.request(method, path, headers={"X-CSRF-Token": token}, json=[])
        assert response.status_code == 403, (method, path)
    page = await agent.get("/dashboard")
    assert "Você não tem acesso" in page.text


async def test_every_form_post_without_the_csrf_token_is_refused(
    app: FastAPI, manager: httpx.AsyncClient
) -> None:
    posts = [
        (m, p)
        for m, p in _routes(
            app, "/console", "/api/", "/dashboard", "/simulator", "/login", "/logout"
        )
        if m == "POST"
    ]
    assert len(posts) >= 10
    for method, path in posts:
        missing = await manager.request(method, path, data={"text": "hi"})
        wrong = await manager.request(method, path, data={"csrf_token": "nope", "text": "hi"})
        assert missing.status_code == 403, (method, path)
        assert wrong.status_code == 403, (method, path)


async def test_login_without_csrf_is_refused(anon: httpx.AsyncClient) -> None:
    response = await anon.post("/login", data={"email": AGENT[0], "password": AGENT[1]})
    assert response.status_code == 403
    assert "quita_session" not in anon.cookies


async def test_debtor_html_is_shown_as_text(
    agent: httpx.AsyncClient, manager: httpx.AsyncClient, runtime: Runtime
) -> None:
    conversation_id = await hand_off(agent, runtime)
    await simulate(agent, "demo-demo-004", HOSTILE)
    for client, path in (
        (agent, f"/console/c/{conversation_id}"),
        (agent, "/console"),
        (manager, f"/dashboard/conversations/{conversation_id}"),
        (manager, "/dashboard/conversations?q=script"),
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert "<img src=x" not in page.text, path
    chat = await agent.get(f"/console/c/{conversation_id}")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in chat.text
    data = (await agent.get(f"/console/c/{conversation_id}/messages")).json()
    assert HOSTILE in [m["text"] for m in data["messages"]]  # JSON; the page uses textContent


async def test_session_cookie_is_signed_httponly_and_lax(app: FastAPI) -> None:
    async with client_for(app) as client:
        response = await log_in(client, *AGENT)
        cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith("quita_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        client.cookies.set("quita_session", cookie.split(";")[0].split("=", 1)[1] + "x")
        assert (await client.get("/api/me")).status_code == 401


async def test_wrong_password_and_login_rate_limit(app: FastAPI) -> None:
    async with client_for(app) as client:
        statuses = [
            (await log_in(client, AGENT[0], "wrong-password")).status_code for _ in range(6)
        ]
        assert statuses == [401] * 5 + [429]
        assert (await log_in(client, *AGENT)).status_code == 429  # even the right password
        other = await log_in(client, "manager@demo", "demo-manager")
        assert other.status_code == 303  # the limit is per IP and email


async def test_open_redirect_is_refused(anon: httpx.AsyncClient) -> None:
    token = await csrf_of(anon)
    response = await anon.post(
        "/login",
        data={
            "email": AGENT[0],
            "password": AGENT[1],
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/console"


def test_secret_key_placeholder_refused_in_production(tmp_path: Path) -> None:
    production = make_settings("postgresql://db/quita", demo=False).model_copy(
        update={"secret_key": "changeme"}
    )
    with pytest.raises(ConfigError, match="placeholder"):
        resolve_secret_key(production, path=tmp_path / "key")
    missing = production.model_copy(update={"secret_key": None})
    with pytest.raises(ConfigError, match="not set"):
        resolve_secret_key(missing, path=tmp_path / "key")


def test_secret_key_generated_once_in_development(tmp_path: Path) -> None:
    dev = make_settings(f"sqlite:///{tmp_path}/q.db").model_copy(update={"secret_key": None})
    path = tmp_path / ".quita" / "secret_key"
    first = resolve_secret_key(dev, path=path)
    assert len(first) >= 32
    assert resolve_secret_key(dev, path=path) == first
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.redis
async def test_redis_login_limiter_counts_across_processes(redis_server_url: str) -> None:
    import uuid

    from redis.asyncio import Redis

    from bot.web.security import RedisLoginLimiter

    client = Redis.from_url(redis_server_url)
    try:
        who = uuid.uuid4().hex
        first, second = RedisLoginLimiter(client), RedisLoginLimiter(client)
        assert [await first.hit(who), await second.hit(who), await first.hit(who)] == [1, 2, 3]
    finally:
        await client.aclose()
