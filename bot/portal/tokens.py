"""Short signed links and the portal's session cookie. Pure: the caller passes the time.

A link token is ``<debtor>.<version>.<expiry>.<signature>`` (numbers in base 36, the
signature an HMAC by itsdangerous with ``QUITA_SECRET_KEY``), about 40 characters. The
version is stored per debtor: bumping it revokes every link given so far. The expiry is in
the token, so a link stops working on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, Signer, URLSafeSerializer

LINK_SALT = "quita.portal.link"
SESSION_SALT = "quita.portal.session"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def to_base36(number: int) -> str:
    if number < 0:
        raise ValueError("only non-negative numbers")
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if number == 0:
            return out


def from_base36(text: str) -> int:
    if not text or len(text) > 12 or any(ch not in _DIGITS for ch in text):
        raise ValueError("not a base-36 number")
    return int(text, 36)


@dataclass(frozen=True)
class LinkClaims:
    debtor_id: int
    version: int
    expires_at: datetime


class LinkSigner:
    """Makes and reads link tokens; ``read`` answers ``None`` for anything not valid now."""

    def __init__(self, secret_key: str) -> None:
        self._signer = Signer(secret_key, salt=LINK_SALT, sep=".")

    def make(self, debtor_id: int, version: int, expires_at: datetime) -> str:
        stamp = int(expires_at.timestamp())
        value = f"{to_base36(debtor_id)}.{to_base36(version)}.{to_base36(stamp)}"
        return self._signer.sign(value).decode()

    def read(self, token: str, now: datetime) -> LinkClaims | None:
        """The claims of a genuine, unexpired token (the version is checked by the caller)."""
        if not token or len(token) > 120:
            return None
        try:
            value = self._signer.unsign(token).decode()
            debtor, version, stamp = (from_base36(part) for part in value.split("."))
        except (BadSignature, ValueError):
            return None
        expires_at = datetime.fromtimestamp(stamp, tz=UTC)
        if now >= expires_at:
            return None
        return LinkClaims(debtor, version, expires_at)


@dataclass(frozen=True)
class PortalSession:
    """The page's cookie: whose link was opened, whether the identity check passed, until
    when it holds, and a random nonce the CSRF token is derived from."""

    debtor_id: int
    version: int
    nonce: str
    verified: bool
    expires_at: datetime

    def valid_for(self, claims: LinkClaims, now: datetime) -> bool:
        return (
            self.debtor_id == claims.debtor_id
            and self.version == claims.version
            and now < self.expires_at
        )


class SessionSigner:
    """Signs the portal cookie and derives its CSRF token (bound to the session's nonce)."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=SESSION_SALT)
        self._csrf_key = hashlib.sha256(f"{SESSION_SALT}.csrf|{secret_key}".encode()).digest()

    def new(self, claims: LinkClaims, expires_at: datetime) -> PortalSession:
        return PortalSession(
            claims.debtor_id, claims.version, secrets.token_urlsafe(12), False, expires_at
        )

    def dumps(self, session: PortalSession) -> str:
        return str(
            self._serializer.dumps(
                [
                    session.debtor_id,
                    session.version,
                    session.nonce,
                    int(session.verified),
                    int(session.expires_at.timestamp()),
                ]
            )
        )

    def loads(self, cookie: str | None) -> PortalSession | None:
        if not cookie or len(cookie) > 400:
            return None
        try:
            raw = self._serializer.loads(cookie)
            debtor_id, version, nonce, verified, stamp = raw
            return PortalSession(
                int(debtor_id),
                int(version),
                str(nonce),
                bool(verified),
                datetime.fromtimestamp(int(stamp), tz=UTC),
            )
        except (BadSignature, ValueError, TypeError):
            return None

    def csrf(self, session: PortalSession) -> str:
        digest = hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).hexdigest()
        return digest[:32]

    def csrf_ok(self, session: PortalSession, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf(session), submitted or "")
