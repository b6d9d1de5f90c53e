"""Item 5: bodies are bounded before anything parses them; JSON depth is bounded.

The client streams its body lazily and counts what the server pulled: an oversized body
must be refused after at most the route's limit (or, with a declared Content-Length, after
nothing at all).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest

from bot.web.limits import FORM_LIMIT, MAX_JSON_DEPTH, WEBHOOK_LIMIT, body_limit
from tests.security.conftest import Stack, log_in
from tests.web.conftest import MANAGER, walk_routes

CHUNK = 64 * 1024


class Stream:
    """A body of ``size`` bytes made of ``piece``, produced only as the server reads it."""

    def __init__(self, size: int, piece: bytes = b"a=" + b"x" * 98) -> None:
        self.size, self.piece, self.pulled = size, piece, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = (self.piece * (CHUNK // len(self.piece) + 1))[:CHUNK]
        while self.pulled < self.size:
            self.pulled += len(chunk)
            yield chunk


FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("stack_overrides", [{"twilio_auth_token": "test-token"}])
async def test_a_huge_unsigned_twilio_form_is_refused_before_it_is_read(stack: Stack) -> None:
    async with stack.client() as client:
        declared = Stream(300 * 1024 * 1024)
        response = await client.post(
            "/webhooks/twilio",
            content=declared,
            headers={**FORM, "content-length": str(declared.size)},
        )
        assert response.status_code == 413
        assert "at most" in response.json()["detail"]
        assert declared.pulled <= CHUNK  # nothing read beyond what the client pushed first

        chunked = Stream(40 * 1024 * 1024)  # no Content-Length: counted as it streams
        response = await client.post("/webhooks/twilio", content=chunked, headers=FORM)
        assert response.status_code == 413
        assert chunked.pulled <= WEBHOOK_LIMIT + 2 * CHUNK


async def test_every_form_route_stops_reading_at_the_form_limit(stack: Stack) -> None:
    posts = sorted(
        {path for path, methods in walk_routes(stack.app.routes) if "POST" in methods}
        - {p for p, _ in walk_routes(stack.app.routes) if p.startswith("/webhooks/")}
    )
    assert "/login" in posts
    assert len(posts) >= 10
    async with stack.client() as client:
        for path in posts:
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            body = Stream(8 * 1024 * 1024)
            response = await client.post(concrete, content=body, headers=FORM)
            assert response.status_code == 413, path
            assert body.pulled <= FORM_LIMIT + 2 * CHUNK, path


async def test_deep_json_is_a_clear_400_not_a_500(stack: Stack) -> None:
    deep = "[" * 1000 + "]" * 1000
    async with stack.client() as client:
        assert (await log_in(client, *MANAGER)).status_code == 303
        csrf = client.cookies.get("quita_csrf")
        for path in ("/api/portfolio", "/simulator/send"):
            response = await client.post(
                path,
                content=deep,
                headers={"content-type": "application/json", "x-csrf-token": csrf or ""},
            )
            assert response.status_code == 400, path
            assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["detail"]
        # brackets inside strings are text, not nesting
        fine = await client.post(
            "/api/portfolio",
            content=json.dumps({"rows": [{"name": "[" * 500}]}),
            headers={"content-type": "application/json", "x-csrf-token": csrf or ""},
        )
        assert fine.status_code in (200, 207)
        huge = await client.post(
            "/simulator/send",
            content=json.dumps({"address": "x", "text": "y" * (FORM_LIMIT + 1)}),
            headers={"content-type": "application/json", "x-csrf-token": csrf or ""},
        )
        assert huge.status_code == 413


async def test_a_normal_portfolio_import_still_fits(stack: Stack) -> None:
    """The JSON API's limit leaves room for its 10,000-row maximum (about 300 bytes a row)."""
    assert body_limit("/api/portfolio") >= 10_000 * 300
    async with stack.client() as client:
        assert (await log_in(client, *MANAGER)).status_code == 303
        csrf = client.cookies.get("quita_csrf") or ""
        rows = [
            {
                "debtor_ref": f"BIG-{n}",
                "name": f"Pessoa {n}",
                "phone": f"+55119{n:08d}",
                "debt_ref": f"BIG-D-{n}",
                "amount": "100.00",
                "due_date": "2026-01-10",
            }
            for n in range(400)
        ]
        response = await client.post("/api/portfolio", json=rows, headers={"x-csrf-token": csrf})
        assert response.status_code == 200, response.text
        assert response.json()["changed"] == 400


async def test_a_content_length_that_is_not_a_number_is_refused(stack: Stack) -> None:
    async with stack.client() as client:
        request = client.build_request("POST", "/login", content=b"a=1", headers=FORM)
        request.headers["content-length"] = "12abc"
        response = await client.send(request)
        assert response.status_code == 400
