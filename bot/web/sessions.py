"""Server-side staff sessions: the cookie holds a random token, the database decides.

A session ends when it expires, on logout, when the user's password changes (every other
session of that user) and when an administrator revokes the user's sessions
(``quita users logout --email ...``). Only the token's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.store.tables import User, WebSession


@dataclass(frozen=True)
class ActiveSession:
    token: str
    user: User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user_id: int, *, now: datetime, max_age_seconds: int) -> str:
    """A new session for ``user_id``; returns the token to put in the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age_seconds),
        )
    )
    return token


def find_session(db: Session, token: str, *, now: datetime) -> ActiveSession | None:
    """The live session for ``token`` with its (active) user, or ``None``."""
    row = db.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    session, user = row
    if session.revoked_at is not None or session.expires_at <= now or not user.active:
        return None
    return ActiveSession(token, user)


SEEN_EVERY = timedelta(minutes=1)  # write "last seen" at most this often per session


def touch_session(db: Session, token: str, *, now: datetime) -> bool:
    """Record that the session was used (at most once a minute); True when written."""
    stale = or_(WebSession.last_seen_at.is_(None), WebSession.last_seen_at < now - SEEN_EVERY)
    result = db.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), stale)
        .values(last_seen_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_session(db: Session, token: str, *, now: datetime) -> None:
    db.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_user_sessions(
    db: Session, user_id: int, *, now: datetime, keep_token: str | None = None
) -> int:
    """End every live session of ``user_id`` (except ``keep_token``); returns how many."""
    query = update(WebSession).where(
        WebSession.user_id == user_id, WebSession.revoked_at.is_(None)
    )
    if keep_token is not None:
        query = query.where(WebSession.token_hash != token_hash(keep_token))
    result = db.execute(query.values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
