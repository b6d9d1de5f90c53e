"""Log in and out, the signed session cookie, CSRF checks and role dependencies.

Use the ``Annotated`` aliases in routes: ``user: require_agent`` (any signed-in staff),
``user: require_manager`` (managers and admins; agents get 403). Unauthenticated requests
get a redirect to ``/login`` (pages) or 401 (``/api``). Every router that accepts forms adds
``Depends(csrf_protect)``: a POST without the right token is refused with 403.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.store.tables import User
from bot.web.pages import CSRF_COOKIE, STATIC_DIR, language_of, render
from bot.web.security import (
    LoginLimiter,
    MemoryLoginLimiter,
    RedisLoginLimiter,
    SessionData,
    SessionSigner,
    csrf_matches,
    dummy_verify,
    limiter_key,
    new_csrf_token,
    password_fingerprint,
    resolve_secret_key,
    verify_password,
)

SESSION_COOKIE = "quita_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: str
    language: str

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")


class NotAuthenticated(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class CsrfFailed(Exception):
    """A form or API call without the right CSRF token."""


@dataclass
class WebSecurity:
    signer: SessionSigner
    limiter: LoginLimiter
    attempts_per_minute: int
    secure_cookies: bool


def _security(request: Request) -> WebSecurity:
    found: WebSecurity = request.app.state.web_security
    return found


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept or "text/event-stream" in accept


# --- dependencies -----------------------------------------------------------------------------


def load_user(request: Request) -> CurrentUser | None:
    """The signed-in user (from the session cookie), or ``None``."""
    if hasattr(request.state, "user"):
        cached: CurrentUser | None = request.state.user
        return cached
    data = _security(request).signer.loads(request.cookies.get(SESSION_COOKIE))
    user: CurrentUser | None = None
    if data is not None:
        with request.app.state.runtime.db() as session:
            row = session.get(User, data.user_id)
            if (
                row is not None
                and row.active
                and password_fingerprint(row.password_hash) == data.fingerprint
            ):
                user = CurrentUser(row.id, row.email, row.name, row.role, row.language)
    request.state.user = user
    return user


def _optional_user(request: Request) -> CurrentUser | None:
    return load_user(request)


def _any_staff(request: Request) -> CurrentUser:
    user = load_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


def _manager(request: Request) -> CurrentUser:
    user = _any_staff(request)
    if not user.is_manager:
        raise HTTPException(status_code=403, detail="managers only")
    return user


optional_user = Annotated[CurrentUser | None, Depends(_optional_user)]
require_agent = Annotated[CurrentUser, Depends(_any_staff)]
require_manager = Annotated[CurrentUser, Depends(_manager)]


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose form field or X-CSRF-Token header does not match."""
    if request.method not in UNSAFE_METHODS:
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            submitted = value if isinstance(value, str) else None
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), submitted):
        raise CsrfFailed()


# --- routes -----------------------------------------------------------------------------------

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, user: optional_user, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    security = _security(request)
    email = email.strip().lower()
    ip = request.client.host if request.client else "unknown"
    request.state.user = None
    attempts = await security.limiter.hit(limiter_key(ip, email))
    if attempts > security.attempts_per_minute:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "login.too_many", "email": email},
            status_code=429,
        )

    def check() -> User | None:
        with request.app.state.runtime.db() as session:
            row = session.scalar(select(User).where(func.lower(User.email) == email))
            if row is None or not row.active:
                dummy_verify(password)
                return None
            return row if verify_password(row.password_hash, password) else None

    row = await asyncio.to_thread(check)
    if row is None:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "login.failed", "email": email},
            status_code=401,
        )
    target = _safe_next(next)
    if target == "/":
        target = "/dashboard" if row.role in ("manager", "admin") else "/console"
    response = RedirectResponse(target, status_code=303)
    token = security.signer.dumps(SessionData(row.id, password_fingerprint(row.password_hash)))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=security.signer.max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=security.secure_cookies,
        path="/",
    )
    # a fresh CSRF token with every new session
    response.set_cookie(
        CSRF_COOKIE,
        new_csrf_token(),
        httponly=True,
        samesite="lax",
        secure=security.secure_cookies,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# --- wiring -----------------------------------------------------------------------------------


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": "not authenticated"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
    return render(request, "error.html", {"message": "error.csrf"}, status_code=403)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if wants_json(request) or exc.status_code not in (403, 404):
        return JSONResponse(
            {"detail": exc.detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    language_of(request)
    key = "error.forbidden" if exc.status_code == 403 else "error.not_found"
    return render(request, "error.html", {"message": key}, status_code=exc.status_code)


def install(app: FastAPI) -> None:
    """Sessions, CSRF, error pages, static files and the /login routes."""
    settings = app.state.settings
    runtime = app.state.runtime
    redis = getattr(runtime, "redis", None)
    limiter: LoginLimiter = RedisLoginLimiter(redis) if redis is not None else MemoryLoginLimiter()
    app.state.web_security = WebSecurity(
        signer=SessionSigner(
            resolve_secret_key(settings), max_age_seconds=settings.web.session_max_age_seconds
        ),
        limiter=limiter,
        attempts_per_minute=settings.web.login_attempts_per_minute,
        secure_cookies=settings.public_url.startswith("https://"),
    )
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
