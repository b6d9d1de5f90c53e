"""Item 3 (sessions end on the server) and the session-bound CSRF token of item 6."""

from __future__ import annotations

import pytest

from bot.cli import main as quita
from tests.security.conftest import Stack, log_in
from tests.web.conftest import AGENT, MANAGER


async def test_logout_ends_the_session_on_the_server(stack: Stack) -> None:
    async with stack.client() as browser:
        assert (await log_in(browser, *AGENT)).status_code == 303
        stolen = browser.cookies.get("quita_session")
        assert (await browser.get("/api/me")).status_code == 200
        csrf = browser.cookies.get("quita_csrf")
        assert (await browser.post("/logout", data={"csrf_token": csrf})).status_code == 303
    async with stack.client(ip="198.51.100.9") as thief:
        thief.cookies.set("quita_session", stolen)
        assert (await thief.get("/api/me")).status_code == 401
        assert (await thief.get("/console")).headers["location"].startswith("/login")


async def test_a_password_change_ends_the_other_sessions(stack: Stack) -> None:
    async with stack.client() as laptop, stack.client(ip="198.51.100.10") as phone:
        assert (await log_in(laptop, *AGENT)).status_code == 303
        assert (await log_in(phone, *AGENT)).status_code == 303
        csrf = laptop.cookies.get("quita_csrf")
        wrong = await laptop.post(
            "/account/password",
            data={"csrf_token": csrf, "current": "not-it-at-all", "new": "a-new-passphrase"},
        )
        assert wrong.status_code == 400
        assert (await phone.get("/api/me")).status_code == 200  # nothing changed yet
        changed = await laptop.post(
            "/account/password",
            data={"csrf_token": csrf, "current": AGENT[1], "new": "a-new-passphrase"},
        )
        assert changed.status_code == 200
        assert (await phone.get("/api/me")).status_code == 401
        assert (await laptop.get("/api/me")).json()["email"] == AGENT[0]
    async with stack.client(ip="198.51.100.11") as again:
        assert (await log_in(again, *AGENT)).status_code == 401
        assert (await log_in(again, AGENT[0], "a-new-passphrase")).status_code == 303


async def test_an_admin_ends_every_session_of_a_user(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with stack.client() as one, stack.client(ip="198.51.100.12") as two:
        for client in (one, two):
            assert (await log_in(client, *AGENT)).status_code == 303
        async with stack.client(ip="198.51.100.13") as manager:
            assert (await log_in(manager, *MANAGER)).status_code == 303
            monkeypatch.setenv("QUITA_DATABASE_URL", stack.runtime.settings.database_url)
            monkeypatch.setenv("QUITA_SECRET_KEY", "x" * 48)
            assert quita(["users", "logout", "--email", AGENT[0]]) == 0
            assert "ended 2 session(s)" in capsys.readouterr().out
            assert (await one.get("/api/me")).status_code == 401
            assert (await two.get("/api/me")).status_code == 401
            assert (await manager.get("/api/me")).status_code == 200  # only that user


async def test_csrf_token_is_bound_to_the_session(stack: Stack) -> None:
    """A CSRF cookie planted by someone else (e.g. from a sibling subdomain) is useless."""
    async with stack.client() as victim:
        assert (await log_in(victim, *AGENT)).status_code == 303
        planted = "attacker-chosen-token-0123456789abcdef"
        victim.cookies.set("quita_csrf", planted)
        forged = await victim.post("/logout", data={"csrf_token": planted})
        assert forged.status_code == 403
        assert (await victim.get("/api/me")).status_code == 200  # still logged in
        page = await victim.get("/console")
        real = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        assert real != planted
        assert (await victim.post("/logout", data={"csrf_token": real})).status_code == 303
