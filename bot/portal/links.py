"""Links to the page and the identity check's answer. Database work in the caller's
transaction; no runtime imports (the chat's turn uses this)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.enums import EventKind
from bot.portal.tokens import LinkClaims, LinkSigner
from bot.store.ledger import EventLog
from bot.store.tables import Debtor, PortalAccess

ACTOR = "portal"
CPF_DIGITS = 4  # the identity check asks for the last digits of the CPF


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


def can_check_identity(debtor: Debtor) -> bool:
    return len(_digits(debtor.document or "")) >= CPF_DIGITS


def identity_matches(debtor: Debtor, answer: str) -> bool:
    wanted = _digits(debtor.document or "")[-CPF_DIGITS:]
    given = _digits(answer)
    return len(wanted) == CPF_DIGITS and given == wanted


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
