"""Links to the page and the identity check's answer. Database work in the caller's
transaction; no runtime imports (the chat's turn uses this)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.enums import EventKind
from bot.portal.tokens import LinkClaims, LinkSigner
from bot.store.ledger import EventLog
from bot.store.tables import Debtor, PortalAccess

ACTOR = "portal"
CPF_DIGITS = 4  # the identity check asks for the last digits of the CPF (or the birth date)


# --- links ------------------------------------------------------------------------------------


def access_row(session: Session, debtor_id: int, now: datetime) -> PortalAccess:
    row = session.scalar(select(PortalAccess).where(PortalAccess.debtor_id == debtor_id))
    if row is None:
        row = PortalAccess(
            debtor_id=debtor_id, link_version=1, failed_attempts=0, created_at=now, updated_at=now
        )
        session.add(row)
        session.flush()
    return row


def link_path(token: str) -> str:
    return f"/p/{token}"


def public_link(settings: Settings, token: str) -> str:
    return settings.public_url.rstrip("/") + link_path(token)


def issue_link(
    session: Session, signer: LinkSigner, settings: Settings, debtor_id: int, now: datetime
) -> str:
    """A new link for the debtor (the current version), valid ``portal.link_ttl_hours``."""
    row = access_row(session, debtor_id, now)
    expires = now + timedelta(hours=settings.portal.link_ttl_hours)
    token = signer.make(debtor_id, row.link_version, expires)
    EventLog(session).append(
        EventKind.PORTAL_LINK_ISSUED,
        at=now,
        actor=ACTOR,
        debtor_id=debtor_id,
        data={"expires_at": expires.isoformat(), "version": row.link_version},
    )
    return public_link(settings, token)


def revoke_links(session: Session, debtor_id: int, now: datetime) -> int:
    """Every link given so far stops working; the identity check starts over."""
    row = access_row(session, debtor_id, now)
    row.link_version += 1
    row.failed_attempts = 0
    row.locked_at = None
    row.updated_at = now
    EventLog(session).append(
        EventKind.PORTAL_LINKS_REVOKED, at=now, actor=ACTOR, debtor_id=debtor_id
    )
    return row.link_version


def current(session: Session, claims: LinkClaims) -> PortalAccess | None:
    """The debtor's access row when the link's version is the current one, else ``None``."""
    row = session.scalar(select(PortalAccess).where(PortalAccess.debtor_id == claims.debtor_id))
    if row is None or row.link_version != claims.version:
        return None
    if session.get(Debtor, claims.debtor_id) is None:
        return None
    return row


def identity_method(debtor: Debtor) -> str | None:
    """What the page asks: ``cpf`` (its last digits), else ``birth_date``, else ``None``
    (neither was imported: the page cannot check, the debtor is sent to a person)."""
    if len(_digits(debtor.document or "")) >= CPF_DIGITS:
        return "cpf"
    if debtor.birth_date is not None:
        return "birth_date"
    return None


def can_check_identity(debtor: Debtor) -> bool:
    return identity_method(debtor) is not None


def identity_matches(debtor: Debtor, answer: str) -> bool:
    method = identity_method(debtor)
    if method == "cpf":
        wanted = _digits(debtor.document or "")[-CPF_DIGITS:]
        return _digits(answer) == wanted
    if method == "birth_date":
        return read_birth_date(answer) == debtor.birth_date
    return False


def read_birth_date(answer: str) -> date | None:
    """dd/mm/yyyy (also with - or . or spaces), ddmmyyyy, or ISO yyyy-mm-dd (a date input)."""
    text = answer.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        match = re.fullmatch(r"(\d{1,2})\D+(\d{1,2})\D+(\d{4})", text)
        if match is None and re.fullmatch(r"\d{8}", text):
            match = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", text)
        if match is None:
            return None
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    except ValueError:
        return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
