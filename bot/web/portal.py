"""The debtor's self-service page: ``/p/<token>``.

No login: the signed link says whose page it is, and a light identity check (the last
digits of the CPF from the import, or the birth date when there is no CPF) opens it.
Before the check the page shows only the shop's name and how to check it is really them.
The page's cookie (path ``/p/``) carries the check's result and the nonce its CSRF token
is derived from. Every page works without JavaScript; ``portal.js`` only updates a
simulation in place through ``/quote``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.conversation.operations import OperationError
from bot.core.domain import Plan
from bot.core.enums import EventKind
from bot.portal import links, service
from bot.portal.quotes import choices, debt_lines, fit_monthly, simulate
from bot.portal.texts import LANGUAGES, Texts, check_languages
from bot.portal.tokens import LinkClaims, LinkSigner, PortalSession, SessionSigner
from bot.runtime.service import chat_lock
from bot.store.tables import Debtor
from bot.web.live import read
from bot.web.pages import templates_of
from bot.web.security import resolve_secret_key

COOKIE = "quita_portal"
LANG_COOKIE = "quita_portal_lang"

router = APIRouter(prefix="/p")


@dataclass(frozen=True)
class PortalWeb:
    links: LinkSigner
    sessions: SessionSigner


def _portal(request: Request) -> PortalWeb:
    found: PortalWeb = request.app.state.portal
    return found


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.runtime.clock.now()
    return now


def _language(request: Request, fallback: str | None = None) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return str(asked)
    if fallback in LANGUAGES:
        return str(fallback)
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "pt"


def _page(
    request: Request,
    name: str,
    language: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    session: PortalSession | None = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    texts = Texts(language)
    ctx = {
        "t": texts,
        "lang": texts.language,
        "other_lang": "en" if texts.language == "pt" else "pt",
        "business": settings.business,
        "merchant": settings.payments.merchant_name,
        "csrf": _portal(request).sessions.csrf(session) if session else "",
        **context,
    }
    response = templates_of(request).TemplateResponse(
        request, f"portal/{name}", ctx, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["X-Robots-Tag"] = "noindex"
    if session is not None:
        _set_cookie(request, response, session)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, texts.language, path="/p/", samesite="lax", httponly=True)
    return response


def _set_cookie(request: Request, response: Response, session: PortalSession) -> None:
    secure = request.app.state.settings.public_url.startswith("https://")
    response.set_cookie(
        COOKIE,
        _portal(request).sessions.dumps(session),
        path="/p/",
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=request.app.state.settings.portal.session_minutes * 60,
    )


@dataclass(frozen=True)
class Opened:
    claims: LinkClaims
    session: PortalSession
    locked: bool
    method: str | None  # what the identity check asks (links.identity_method)
    debtor_language: str


async def _open(request: Request, token: str) -> Opened | None:
    """The link's claims when it is genuine, unexpired and not revoked; its session."""
    if not request.app.state.settings.portal.enabled:
        return None
    portal = _portal(request)
    now = _now(request)
    claims = portal.links.read(token, now)
    if claims is None:
        return None

    def work(db: Session) -> tuple[bool, str | None, str] | None:
        row = links.current(db, claims)
        if row is None:
            return None
        debtor = db.get(Debtor, claims.debtor_id)
        assert debtor is not None
        return row.locked_at is not None, links.identity_method(debtor), debtor.language

    found = await read(request, work)
    if found is None:
        return None
    locked, method, debtor_language = found
    session = portal.sessions.loads(request.cookies.get(COOKIE))
    if session is None or not session.valid_for(claims, now):
        minutes = request.app.state.settings.portal.session_minutes
        session = portal.sessions.new(claims, now + timedelta(minutes=minutes))
    return Opened(claims, session, locked, method, debtor_language)


def _invalid(request: Request) -> HTMLResponse:
    return _page(request, "invalid.html", _language(request), {}, status_code=404)


def _csrf_ok(request: Request, opened: Opened, submitted: str) -> bool:
    return _portal(request).sessions.csrf_ok(opened.session, submitted)


async def _write(request: Request, work: Any) -> Any:
    return await asyncio.to_thread(request.app.state.runtime.in_transaction, work)


# --- the identity check -------------------------------------------------------------------


@router.get("/{token}")
async def page(request: Request, token: str) -> Response:
    opened = await _open(request, token)
    if opened is None:
        return _invalid(request)
    if opened.locked:
        language = _language(request)
        return _page(request, "locked.html", language, {}, status_code=423)
    if not opened.session.verified:
        now = _now(request)
        debtor_id = opened.claims.debtor_id
        await _write(
            request, lambda db: service.record(db, debtor_id, EventKind.PORTAL_OPENED, now)
        )
        return _check_page(request, opened, error=None)
    return await _debtor_page(request, opened, token)


def _check_page(
    request: Request, opened: Opened, *, error: str | None, status_code: int = 200
) -> HTMLResponse:
    language = _language(request)
    context = {
        "token": request.path_params["token"],
        "error": error,
        "method": opened.method,
    }
    return _page(
        request,
        "check.html",
        language,
        context,
        status_code=status_code,
        session=opened.session,
    )


@router.post("/{token}/check")
async def check(
    request: Request,
    token: str,
    answer: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    opened = await _open(request, token)
    if opened is None:
        return _invalid(request)
    if opened.method is None or not _csrf_ok(request, opened, csrf_token):
        # nothing to check against (no CPF, no birth date): the page sends them to a person
        return _check_page(request, opened, error=None, status_code=403)
    runtime = request.app.state.runtime
    now = _now(request)

    def work(db: Session) -> service.CheckResult:
        row = links.current(db, opened.claims)
        assert row is not None
        return service.check_identity(db, runtime.deps, row, answer, now)

    result: service.CheckResult = await _write(request, work)
    if result.outcome is not None:  # locked now: the notice reaches the agents' inbox
        await runtime.announce(result.outcome, "handoff")
    if result.locked:
        return _page(request, "locked.html", _language(request), {}, status_code=423)
    if not result.passed:
        texts = Texts(_language(request))
        wrong = "check_birth_wrong" if opened.method == "birth_date" else "check_wrong"
        return _check_page(
            request, opened, error=texts(wrong, left=result.attempts_left), status_code=401
        )
    session = PortalSession(
        opened.session.debtor_id,
        opened.session.version,
        opened.session.nonce,
        True,
        opened.session.expires_at,
    )
    response = RedirectResponse(f"/p/{token}", status_code=303)
    _set_cookie(request, response, session)
    return response


# --- the page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """What the debtor moved on the page (query string or form): all optional."""

    offer: str | None
    installments: int | None
    first_due: date | None
    monthly: Decimal | None

    @classmethod
    def parse(cls, values: Any) -> Asked:
        def integer(text: str | None) -> int | None:
            return int(text) if text and text.isdigit() and len(text) < 4 else None

        def day(text: str | None) -> date | None:
            try:
                return date.fromisoformat(text) if text else None
            except ValueError:
                return None

        def amount(text: str | None) -> Decimal | None:
            if not text:
                return None
            cleaned = text.replace("R$", "").strip()
            if "," in cleaned:
                cleaned = cleaned.replace(".", "").replace(",", ".")
            try:
                value = Decimal(cleaned).quantize(Decimal("0.01"))
            except InvalidOperation:
                return None
            return value if Decimal("0") < value < Decimal("10000000") else None

        offer = values.get("offer")
        return cls(
            offer=str(offer)[:64] if offer else None,
            installments=integer(values.get("n")),
            first_due=day(values.get("first_due")),
            monthly=amount(values.get("monthly")),
        )

    def as_event(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer,
            "installments": self.installments,
            "first_due": self.first_due,
            "monthly": self.monthly,
        }


def _verified(opened: Opened | None) -> bool:
    return opened is not None and opened.session.verified and not opened.locked


async def _debtor_page(request: Request, opened: Opened, token: str) -> Response:
    runtime = request.app.state.runtime
    now = _now(request)
    asked = Asked.parse(request.query_params)
    debtor_id = opened.claims.debtor_id

    def work(db: Session) -> dict[str, Any]:
        view = service.load_page(db, runtime.deps, debtor_id, now)
        kind = (
            EventKind.PORTAL_SIMULATED
            if (asked.offer or asked.monthly)
            else EventKind.PORTAL_VIEWED
        )
        service.record(db, debtor_id, kind, now, **asked.as_event())
        pix = None
        if view.agreement is not None:
            pix = service.pix_of(db, runtime.deps, view.debtor, view.agreement)
        return _page_context(view, asked, pix)

    context = await _write(request, work)
    language = _language(request, context["debtor_language"])
    context.update(token=token, handed=request.query_params.get("handed") == "1")
    return _page(request, "page.html", language, context, session=opened.session)


def _page_context(
    view: service.DebtorPage, asked: Asked, pix: tuple[str, Decimal] | None
) -> dict[str, Any]:
    terms = view.terms
    first_due = terms.clamp_first_due(asked.first_due)
    options = []
    for choice in choices(terms, first_due):
        chosen = asked.offer == choice.offer.id
        plan = (
            simulate(terms, choice.offer.id, asked.installments, first_due)
            if chosen
            else choice.default
        )
        options.append({"choice": choice, "plan": plan, "chosen": chosen})
    monthly = None
    if asked.monthly is not None and terms.debts:
        proposal = fit_monthly(terms, asked.monthly, first_due)
        monthly = {"asked": asked.monthly, "plan": proposal.plan, "exact": proposal.exact}
    return {
        "debtor": view.debtor,
        "debtor_language": view.debtor.language,
        "first_name": view.debtor.name.split()[0] if view.debtor.name else "",
        "lines": debt_lines(terms),
        "breakdown": terms.breakdown,
        "options": options,
        "monthly": monthly,
        "first_due": first_due,
        "earliest": terms.earliest_first_due,
        "latest": terms.latest_first_due,
        "agreement": view.agreement,
        "schedule": view.installments,
        "pix": pix[0] if pix else None,
        "pix_amount": pix[1] if pix else None,
        "qr_svg": _qr_svg(pix[0]) if pix else None,
    }


def _qr_svg(code: str) -> str:
    """The PIX QR as inline SVG (no image request, no inline style or script)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, omitsize=True
    )
    return buffer.getvalue().decode()


@router.get("/{token}/quote")
async def quote(request: Request, token: str) -> Response:
    """One offer priced at the asked installments and first date, as the page's fragment."""
    opened = await _open(request, token)
    if opened is None or not _verified(opened):
        return JSONResponse({"detail": "not available"}, status_code=404)
    runtime = request.app.state.runtime
    now = _now(request)
    asked = Asked.parse(request.query_params)
    debtor_id = opened.claims.debtor_id

    def work(db: Session) -> tuple[Plan | None, date, str]:
        view = service.load_page(db, runtime.deps, debtor_id, now)
        first_due = view.terms.clamp_first_due(asked.first_due)
        plan = simulate(view.terms, asked.offer or "", asked.installments, first_due)
        if plan is not None:
            service.record(db, debtor_id, EventKind.PORTAL_SIMULATED, now, **asked.as_event())
        return plan, first_due, view.debtor.language

    plan, first_due, debtor_language = await _write(request, work)
    if plan is None:
        return JSONResponse({"detail": "no such offer"}, status_code=404)
    texts = Texts(_language(request, debtor_language))
    html = (
        templates_of(request)
        .env.get_template("portal/_plan.html")
        .render(t=texts, plan=plan, offer_id=asked.offer)
    )
    return JSONResponse(
        {
            "installments": plan.installments,
            "first_due": first_due.isoformat(),
            "total": str(plan.total),
            "needs_approval": plan.needs_approval,
            "html": html,
        },
        headers={"Cache-Control": "no-store"},
    )


# --- choices that change something --------------------------------------------------------


async def _held(request: Request, debtor_id: int) -> Any:
    """The lock of the debtor's chat, so the page and the chat never act at once."""
    runtime = request.app.state.runtime

    def contact(db: Session) -> tuple[str, str] | None:
        found = service.debtor_contact(db, debtor_id)
        return (found.channel, found.address) if found else None

    where = await read(request, contact)
    if where is None:
        return None
    return runtime.locks.hold(chat_lock(*where))


@router.post("/{token}/accept")
async def accept(request: Request, token: str) -> Response:
    opened = await _open(request, token)
    form = await request.form()
    if opened is None or not _verified(opened):
        return _invalid(request)
    if not _csrf_ok(request, opened, str(form.get("csrf_token", ""))):
        return _invalid(request)
    asked = Asked.parse(form)
    runtime = request.app.state.runtime
    now = _now(request)
    debtor_id = opened.claims.debtor_id

    def work(db: Session) -> service.Accepted | None:
        view = service.load_page(db, runtime.deps, debtor_id, now)
        if asked.monthly is not None and not asked.offer:
            plan = fit_monthly(view.terms, asked.monthly, asked.first_due).plan
        else:
            plan = simulate(view.terms, asked.offer or "", asked.installments, asked.first_due)
        if plan is None:
            return None
        return service.accept(db, runtime.deps, debtor_id, plan, now)

    lock = await _held(request, debtor_id)
    if lock is None:
        return RedirectResponse(f"/p/{token}", status_code=303)
    try:
        async with lock:
            accepted = await _write(request, work)
    except OperationError:
        accepted = None
    if accepted is not None:  # the chat's confirmation goes out; consoles hear of it
        await runtime.announce(accepted.outcome, "agreement")
    return RedirectResponse(f"/p/{token}#agreement", status_code=303)


@router.post("/{token}/person")
async def person(request: Request, token: str) -> Response:
    opened = await _open(request, token)
    form = await request.form()
    if opened is None or not _verified(opened):
        return _invalid(request)
    if not _csrf_ok(request, opened, str(form.get("csrf_token", ""))):
        return _invalid(request)
    asked = Asked.parse(form)
    runtime = request.app.state.runtime
    now = _now(request)
    debtor_id = opened.claims.debtor_id

    def work(db: Session) -> Any:
        return service.hand_off(db, runtime.deps, debtor_id, now, asked.as_event())

    lock = await _held(request, debtor_id)
    if lock is not None:
        async with lock:
            outcome = await _write(request, work)
        await runtime.announce(outcome, "handoff")
    return RedirectResponse(f"/p/{token}?handed=1#person", status_code=303)


def install(app: FastAPI) -> None:
    """The page's signers (from ``QUITA_SECRET_KEY``) and its routes."""
    check_languages()
    key = resolve_secret_key(app.state.settings)
    app.state.portal = PortalWeb(LinkSigner(key), SessionSigner(key))
    app.include_router(router)
