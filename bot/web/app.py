"""``build_app(settings, runtime)`` wires every router; nothing is created at import time."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bot.config import Settings

if TYPE_CHECKING:
    from bot.runtime.service import Runtime

# Explicit list of routers (module path, attribute). Modules not built yet are skipped.
ROUTERS: tuple[str, ...] = (
    "bot.web.webhooks",
    "bot.web.auth",
    "bot.web.console",
    "bot.web.dashboard",
    "bot.web.deadletters",
    "bot.web.simulator",
    "bot.web.api",
    "bot.web.home",
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

    app = FastAPI(title="Quita", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.runtime = runtime

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503
        )

    for module_path in ROUTERS:
        try:
            module: Any = importlib.import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name and module_path.startswith(exc.name):
                continue
            raise
        module.install(app) if hasattr(module, "install") else app.include_router(module.router)
    return app
