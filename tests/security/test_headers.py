"""Item 6: security headers everywhere, no inline script or style, no public API schema."""

from __future__ import annotations

import re

import httpx

from tests.security.conftest import Stack, log_in
from tests.web.conftest import AGENT, MANAGER, hand_off

INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),  # inline script
    re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE),  # onclick=, onload=, ...
    re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),  # style="..."
    re.compile(r"<style[\s>]", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
]


def assert_secured(response: httpx.Response, what: str) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, what
    assert "script-src 'self'" in csp, what
    assert "unsafe-inline" not in csp, what
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert response.headers.get("referrer-policy") in ("same-origin", "no-referrer"), what


async def test_every_page_and_answer_carries_the_security_headers(stack: Stack) -> None:
    async with stack.client() as anon:
        for path in ("/login", "/simulator", "/healthz", "/static/app.css", "/nowhere"):
            assert_secured(await anon.get(path), path)
        assert_secured(await anon.get("/console"), "redirect")
        assert_secured(await anon.post("/webhooks/twilio", data={"a": "b"}), "webhook 4xx")
        big = await anon.post("/login", content=b"x" * 100_000)
        assert big.status_code == 413
        assert_secured(big, "413")


async def test_no_page_has_inline_script_handlers_or_styles(stack: Stack) -> None:
    async with stack.client() as agent, stack.client(ip="203.0.113.8") as manager:
        assert (await log_in(agent, *AGENT)).status_code == 303
        assert (await log_in(manager, *MANAGER)).status_code == 303
        conversation = await hand_off(agent, stack.runtime)
        pages = [
            (agent, "/console"),
            (agent, f"/console/c/{conversation}"),
            (agent, "/account/password"),
            (manager, "/dashboard"),
            (manager, "/dashboard/conversations"),
            (manager, f"/dashboard/conversations/{conversation}"),
            (manager, "/simulator"),
            (manager, "/login"),
        ]
        for client, path in pages:
            page = await client.get(path)
            assert page.status_code == 200, path
            assert_secured(page, path)
            for pattern in INLINE:
                assert not pattern.search(page.text), (path, pattern.pattern)


async def test_the_api_schema_and_docs_are_not_public(stack: Stack) -> None:
    async with stack.client() as anon:
        for path in ("/openapi.json", "/docs", "/redoc", "/api/docs"):
            assert (await anon.get(path)).status_code == 404, path
        assert (await anon.get("/api/openapi.json")).status_code == 401
        assert (await log_in(anon, *AGENT)).status_code == 303
        schema = await anon.get("/api/openapi.json")
        assert schema.status_code == 200
        assert "/api/conversations" in schema.json()["paths"]
