"""The home page: what this is, and the way to the simulator, console and dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.config import Settings
from bot.web.auth import optional_user
from bot.web.pages import LANGUAGE_COOKIE, render

router = APIRouter()


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


def demo_logins(settings: Settings) -> list[DemoLogin]:
    """The demo accounts ``quita demo`` creates; shown only in demo mode."""
    if not settings.demo:
        return []
    try:
        from bot.store import demo
    except ImportError:
        return []
    password_of = getattr(demo, "demo_password", None) or getattr(demo, "_demo_password", None)
    users = getattr(demo, "DEMO_USERS", ())
    if password_of is None:
        return []
    return [DemoLogin(email, password_of(settings, email), role) for email, _name, role in users]


@router.get("/")
def home(request: Request, user: optional_user) -> Response:
    settings = request.app.state.settings
    return render(request, "home.html", {"demo_users": demo_logins(settings)})


@router.get("/language/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """The language switch: remembered in a cookie, back to the page it came from."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in ("pt", "en"):
        secure = request.app.state.settings.public_url.startswith("https://")
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax", secure=secure, path="/"
        )
    return response
