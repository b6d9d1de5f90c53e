"""Provider POSTs take the plain Starlette route (the speed of issue 15); GET and the schema
keep FastAPI's; the security headers and the body limit still wrap the fast route."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Match, Route

from bot.web import webhooks
from tests.web.conftest import client_for


def _first_full_match(app: FastAPI, method: str, path: str) -> object:
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
    return None


async def test_webhook_post_is_served_by_the_plain_route(app: FastAPI) -> None:
    route = _first_full_match(app, "POST", "/webhooks/twilio")
    assert isinstance(route, Route)
    assert route.endpoint is webhooks._post
    # GET (Meta's handshake) is not taken by it
    assert _first_full_match(app, "GET", "/webhooks/whatsapp") is not route


async def test_the_plain_route_keeps_the_headers_and_the_refusals(app: FastAPI) -> None:
    async with client_for(app) as client:
        unknown = await client.post("/webhooks/nowhere", content=b"x=1")
        unsigned = await client.post(
            "/webhooks/twilio",
            content=b"From=whatsapp%3A%2B5511999990000&Body=oi",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        huge = await client.post("/webhooks/twilio", content=b"x" * (5 * 1024 * 1024))
    assert unknown.status_code == 404
    assert unsigned.status_code in (403, 404)  # 404 where Twilio is not configured
    assert huge.status_code == 413
    for answer in (unknown, unsigned, huge):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_the_schema_still_lists_the_post() -> None:
    from fastapi.openapi.utils import get_openapi

    app = FastAPI()
    webhooks.install(app)
    spec = get_openapi(title="t", version="1", routes=app.routes)
    ops = {op["operationId"] for op in spec["paths"]["/webhooks/{endpoint}"].values()}
    assert ops == {"webhook_post", "webhook_get"}
