"""``build_app(settings, runtime)`` wires every router; nothing is created at import time."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse

from bot.config import Settings
from bot.web.headers import SecurityHeadersMiddleware
from bot.web.limits import BodyLimitMiddleware

if TYPE_CHECKING:
    from bot.runtime.service import Runtime

# FastAPI 0.16x traces, meters and logs each request through OpenTelemetry, and asks on
# every request whether anyone set a provider (an environment lookup, 1 % of a turn under
# load). Nothing here sets one: it is off. (Older FastAPIs have neither it nor the option.)
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)

# Explicit list of routers (module path). A missing one is an import error, not a gap.
ROUTERS: tuple[str, ...] = (
    # the PSP's fixed paths first: the channels' generic /webhooks/{endpoint} would take them
    "bot.web.pix_webhook",
    "bot.web.webhooks",
    "bot.web.auth",
    "bot.web.console",
    "bot.web.dashboard",
    "bot.web.deadletters",
    "bot.web.privacy",
    "bot.web.simulator",
    "bot.web.api",
    "bot.web.receipts",
    "bot.web.home",
    "bot.web.portal",
)


def build_app(settings: Settings, runtime: Runtime, *, background: bool = True) -> FastAPI:
    """The web app. With ``background`` it also runs the embedded sender and scheduler."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(background=background)
        try:
            yield
        finally:
            await runtime.stop()

    # no public schema or docs: staff get the schema at /api/openapi.json once logged in
    app = FastAPI(
        title="Quita",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        **_NO_TELEMETRY,
    )
    # the outermost runs first: headers on every answer, bodies bounded before any parsing
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.settings = settings
    app.state.runtime = runtime

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> RedirectResponse:
        # the pages link /static/favicon.svg; this is for whoever asks the old way
        return RedirectResponse("/static/favicon.svg", status_code=308)

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503
        )

    for module_path in ROUTERS:
        module: Any = importlib.import_module(module_path)
        module.install(app) if hasattr(module, "install") else app.include_router(module.router)
    return app
