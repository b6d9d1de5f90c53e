"""Rendering: one Jinja environment per app (autoescape on), filters, and the page helper."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web.i18n import choose_language, label, translator

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
CSRF_COOKIE = "quita_csrf"


def format_money(value: Decimal | None, language: str = "pt") -> str:
    """R$ 1.234,56 in pt, R$1,234.56 in en (always exact: Decimal in, text out)."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    whole = f"{abs(value):,.2f}"
    if language == "pt":
        whole = whole.replace(",", "_").replace(".", ",").replace("_", ".")
        return f"{sign}R$ {whole}"
    return f"{sign}R${whole}"


def format_duration(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d}"
    return f"{hours // 24} d {hours % 24} h"


def format_percent(value: Decimal | float | None, language: str = "en") -> str:
    """83.3% in English, 83,3 % in pt-BR."""
    if value is None:
        return "–"
    text = f"{Decimal(str(value)) * 100:.1f}"
    if language == "pt":
        return text.replace(".", ",") + " %"
    return text + "%"


def actor_label(language: str, actor: str | None, names: dict[int, str] | None) -> str:
    """``agent:3`` → the agent's name; ``bot``/``debtor``/``system`` in words."""
    if not actor:
        return ""
    kind, _, ident = actor.partition(":")
    if kind == "agent" and ident.isdigit():
        name = (names or {}).get(int(ident))
        return name or label(language, "actor", "agent")
    return label(language, "actor", kind)


def build_templates(timezone: str) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(("html", "xml", "svg"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tz = ZoneInfo(timezone)

    def when(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
        return value.astimezone(tz).strftime(fmt) if value else ""

    def day(value: date | None) -> str:
        return value.strftime("%d/%m/%Y") if value else ""

    def isodate(value: str | None) -> str:
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y") if value else ""
        except ValueError:
            return str(value)

    def decimal(value: object) -> Decimal:
        return Decimal(str(value))

    env.filters.update(
        when=when,
        day=day,
        duration=format_duration,
        percent=format_percent,
        isodate=isodate,
        decimal=decimal,
    )
    return Jinja2Templates(env=env)


def templates_of(request: Request) -> Jinja2Templates:
    app = request.app
    found: Jinja2Templates | None = getattr(app.state, "templates", None)
    if found is None:
        found = build_templates(app.state.settings.business.timezone)
        app.state.templates = found
    return found


LANGUAGE_COOKIE = "quita_lang"


def language_of(request: Request) -> str:
    """The language switch's choice (a cookie), else the user's, else the browser's."""
    cached: str | None = getattr(request.state, "language", None)
    if cached:
        return cached
    user = getattr(request.state, "user", None)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    language = choose_language(
        user_language=chosen if chosen in ("pt", "en") else (user.language if user else None),
        accept_language=request.headers.get("accept-language"),
        default=request.app.state.settings.web.default_language,
    )
    request.state.language = language
    return language


def csrf_token(request: Request) -> str:
    """The CSRF token for this browser (a new one is set as a cookie by ``render``)."""
    from bot.web.security import new_csrf_token

    token: str | None = getattr(request.state, "csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = new_csrf_token()
        request.state.new_csrf = token
    request.state.csrf = token
    return token


def set_csrf_cookie(request: Request, response: Any) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        secure = request.app.state.settings.public_url.startswith("https://")
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/"
        )


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render ``name`` with the user, language, translator and CSRF token in the context."""
    from bot.web.event_details import event_details  # it formats money with this module

    language = language_of(request)
    settings = request.app.state.settings
    business_tz = ZoneInfo(settings.business.timezone)
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "lang": language,
        "t": translator(language),
        "label": lambda prefix, value: label(language, prefix, value),
        "money": lambda value: format_money(value, language),
        "pct": lambda value: format_percent(value, language),
        "path": request.url.path,
        "actor": lambda value: actor_label(language, value, (context or {}).get("agent_names")),
        "details": lambda data: event_details(
            language, data, (context or {}).get("agent_names"), business_tz
        ),
        "csrf": csrf_token(request),
        "business": settings.business,
        "demo": settings.demo,
        "assistant": settings.assistant_name,
    }
    ctx.update(context or {})
    response = templates_of(request).TemplateResponse(request, name, ctx, status_code=status_code)
    set_csrf_cookie(request, response)
    return response
