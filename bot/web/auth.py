"""Log in and out, the signed session cookie, CSRF checks and role dependencies.

Use the ``Annotated`` aliases in routes: ``user: require_agent`` (any signed-in staff),
``user: require_manager`` (managers and admins; agents get 403). Unauthenticated requests
get a redirect to ``/login`` (pages) or 401 (``/api``). Every router that accepts forms adds
``Depends(csrf_protect)``: a POST without the right token is refused with 403.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.exceptions import RedisError
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.core.enums import Role, manages
from bot.store.tables import User
from bot.web import sessions
from bot.web.pages import CSRF_COOKIE, STATIC_DIR, language_of, render
from bot.web.passwords import PasswordPool, PasswordPoolBusy, check_password
from bot.web.security import (
    LoginLimiter,
    LoginLimits,
    MemoryLoginLimiter,
    RedisLoginLimiter,
    SessionSigner,
    csrf_matches,
    hash_password,
    login_allowed,
    resolve_secret_key,
    session_csrf_token,
)

SESSION_COOKIE = "quita_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: Role
    language: str

    @property
    def is_manager(self) -> bool:
        return manages(self.role)


class NotAuthenticated(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class CsrfFailed(Exception):
    """A form or API call without the right CSRF token."""


@dataclass
class WebSecurity:
    signer: SessionSigner
    secret_key: str
    limiter: LoginLimiter
    limits: LoginLimits
    passwords: PasswordPool
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


def _now(request: Request) -> Any:
    return request.app.state.runtime.clock.now()


def load_user(request: Request) -> CurrentUser | None:
    """The signed-in user (a live server-side session), or ``None``.

    Also remembers the session token and its bound CSRF token for this request.
    """
    if hasattr(request.state, "user"):
        cached: CurrentUser | None = request.state.user
        return cached
    security = _security(request)
    token = security.signer.loads(request.cookies.get(SESSION_COOKIE))
    user: CurrentUser | None = None
    if token is not None:
        with request.app.state.runtime.db() as db:
            found = sessions.find_session(db, token, now=_now(request))
            if found is not None and sessions.touch_session(db, token, now=_now(request)):
                db.commit()
        if found is not None:
            row = found.user
            user = CurrentUser(row.id, row.email, row.name, Role(row.role), row.language)
            request.state.session_token = token
            request.state.csrf = session_csrf_token(security.secret_key, token)
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
    """Refuse an unsafe request whose form field or X-CSRF-Token header does not match.

    With a live session the token must be the one bound to that session; before login it
    must echo the CSRF cookie.
    """
    if request.method not in UNSAFE_METHODS:
        return
    user = await asyncio.to_thread(load_user, request)
    expected = request.state.csrf if user is not None else request.cookies.get(CSRF_COOKIE)
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            submitted = value if isinstance(value, str) else None
    if not csrf_matches(expected, submitted):
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


def _login_page(request: Request, next: str, error: str, email: str, status_code: int) -> Response:
    context = {"next": _safe_next(next), "error": error, "email": email}
    return render(request, "login.html", context, status_code=status_code)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _set_session_cookies(request: Request, response: Response, token: str) -> None:
    security = _security(request)
    response.set_cookie(
        SESSION_COOKIE,
        security.signer.dumps(token),
        max_age=security.signer.max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=security.secure_cookies,
        path="/",
    )
    # the CSRF token from now on is the one bound to this session
    response.set_cookie(
        CSRF_COOKIE,
        session_csrf_token(security.secret_key, token),
        httponly=True,
        samesite="lax",
        secure=security.secure_cookies,
        path="/",
    )


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    security = _security(request)
    email = email.strip().lower()
    request.state.user = None
    try:
        allowed = await login_allowed(
            security.limiter, _client_ip(request), email, security.limits
        )
    except (RedisError, OSError):
        return _login_page(request, next, "login.unavailable", email, 503)
    if not allowed:
        return _login_page(request, next, "login.too_many", email, 429)

    def check() -> User | None:
        """Lookup and hash on the password pool: a spray never touches the default pool."""
        with request.app.state.runtime.db() as db:
            row = db.scalar(select(User).where(func.lower(User.email) == email))
        stored = row.password_hash if row is not None and row.active else None
        return row if check_password(stored, password) else None

    try:
        row = await security.passwords.run(check)
    except PasswordPoolBusy:
        return _login_page(request, next, "login.too_many", email, 429)
    if row is None:
        return _login_page(request, next, "login.failed", email, 401)
    user_id = row.id

    def open_session() -> str:
        with request.app.state.runtime.db() as db:
            token = sessions.open_session(
                db, user_id, now=_now(request), max_age_seconds=security.signer.max_age_seconds
            )
            db.commit()
            return token

    token = await asyncio.to_thread(open_session)
    target = _safe_next(next)
    if target == "/":
        target = "/dashboard" if manages(row.role) else "/console"
    response = RedirectResponse(target, status_code=303)
    _set_session_cookies(request, response, token)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server: the old cookie is worthless from now on."""
    token = _security(request).signer.loads(request.cookies.get(SESSION_COOKIE))
    if token is not None:

        def revoke() -> None:
            with request.app.state.runtime.db() as db:
                sessions.revoke_session(db, token, now=_now(request))
                db.commit()

        await asyncio.to_thread(revoke)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/api/openapi.json", include_in_schema=False)
def openapi_schema(request: Request, user: require_agent) -> JSONResponse:
    """The API schema, for signed-in staff only (it maps every route an attacker could try)."""
    return JSONResponse(request.app.openapi())


@router.get("/account/password")
def password_page(request: Request, user: require_agent) -> Response:
    return render(request, "account_password.html", {"error": None, "done": False})


@router.post("/account/password")
async def change_password(
    request: Request,
    user: require_agent,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
) -> Response:
    """Change one's own password; every other session of this user ends."""
    security = _security(request)
    token: str = request.state.session_token

    def stored_hash() -> str | None:
        with request.app.state.runtime.db() as db:
            row = db.get(User, user.id)
            return row.password_hash if row is not None else None

    try:
        ok = await security.passwords.verify(await asyncio.to_thread(stored_hash), current)
    except PasswordPoolBusy:
        ok = False
    if not ok:
        context = {"error": "account.wrong_password", "done": False}
        return render(request, "account_password.html", context, status_code=400)
    try:
        new_hash = await asyncio.to_thread(hash_password, new)
    except ValueError:
        context = {"error": "account.too_short", "done": False}
        return render(request, "account_password.html", context, status_code=400)

    def store() -> None:
        with request.app.state.runtime.db() as db:
            row = db.get(User, user.id)
            assert row is not None
            row.password_hash = new_hash
            sessions.revoke_user_sessions(db, user.id, now=_now(request), keep_token=token)
            db.commit()

    await asyncio.to_thread(store)
    return render(request, "account_password.html", {"error": None, "done": True})


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
    secret_key = resolve_secret_key(settings)
    app.state.web_security = WebSecurity(
        signer=SessionSigner(secret_key, max_age_seconds=settings.web.session_max_age_seconds),
        secret_key=secret_key,
        limiter=limiter,
        limits=LoginLimits(
            per_ip_and_email=settings.web.login_attempts_per_minute,
            per_ip=settings.web.login_attempts_per_ip_per_minute,
            overall=settings.web.login_attempts_overall_per_minute,
        ),
        passwords=PasswordPool(),
        secure_cookies=settings.public_url.startswith("https://"),
    )
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
