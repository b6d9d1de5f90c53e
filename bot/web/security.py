"""Secrets, password hashing, signed sessions, CSRF tokens and the login rate limit.

No web framework in here: ``auth.py`` wires these into FastAPI.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.core.enums import Role
from bot.runtime import keys
from bot.secrets import resolve_secret_key as resolve_secret_key  # re-exported

ROLES = tuple(role.value for role in Role)  # what `quita users add --role` accepts

_hasher = PasswordHasher()


# --- the secret key ---------------------------------------------------------------------------


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An Argon2id hash (argon2-cffi defaults, salted)."""
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time of one verification so unknown emails answer as slowly as known ones."""
    verify_password(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("not-a-real-password")


# --- the session cookie -----------------------------------------------------------------------


class SessionSigner:
    """Signs the session token put in the cookie (itsdangerous, timestamped, expiring).

    The token itself is random and checked against the ``web_sessions`` table: the
    signature only spares the database a lookup for forged cookies.
    """

    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="quita.session")
        self.max_age_seconds = max_age_seconds

    def dumps(self, token: str) -> str:
        return self._serializer.dumps({"sid": token})

    def loads(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            raw: Any = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:  # also SignatureExpired
            return None
        token = raw.get("sid") if isinstance(raw, dict) else None
        return token if isinstance(token, str) and token else None


# --- CSRF -------------------------------------------------------------------------------------
# Before login: double submit (a random cookie echoed in the form). With a session: the token
# is an HMAC of the session token, so a cookie planted by someone else can never match.


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def session_csrf_token(secret_key: str, session_token: str) -> str:
    digest = hmac.new(secret_key.encode(), b"csrf|" + session_token.encode(), hashlib.sha256)
    return digest.hexdigest()


def csrf_matches(cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(cookie_value.encode(), submitted.encode())


# --- login rate limit -------------------------------------------------------------------------


class LoginLimiter(Protocol):
    async def hit(self, who: str) -> int:
        """Count one attempt for ``who``; return the attempts within the last minute."""
        ...


def limiter_key(ip: str, email: str) -> str:
    digest = hashlib.sha256(f"{ip}|{email.strip().lower()}".encode()).hexdigest()[:24]
    return digest


@dataclass(frozen=True)
class LoginLimits:
    """Attempts a minute: per IP and email, per IP across emails, and for the whole site."""

    per_ip_and_email: int
    per_ip: int
    overall: int


def login_buckets(ip: str, email: str, limits: LoginLimits) -> list[tuple[str, int]]:
    """The (key, limit) pairs one attempt counts against; any one over its limit refuses."""
    ip_key = "ip:" + hashlib.sha256(ip.encode()).hexdigest()[:24]
    return [
        (limiter_key(ip, email), limits.per_ip_and_email),
        (ip_key, limits.per_ip),
        ("all", limits.overall),
    ]


async def login_allowed(limiter: LoginLimiter, ip: str, email: str, limits: LoginLimits) -> bool:
    """Count this attempt in every bucket; False when any bucket is over its limit."""
    allowed = True
    for key, limit in login_buckets(ip, email, limits):
        if await limiter.hit(key) > limit:
            allowed = False
    return allowed


class MemoryLoginLimiter:
    """Sliding one-minute window per key, in this process (the embedded default)."""

    def __init__(self, *, window_seconds: float = 60.0) -> None:
        self._window = window_seconds
        self._hits: dict[str, deque[float]] = {}

    async def hit(self, who: str) -> int:
        now = time.monotonic()
        hits = self._hits.setdefault(who, deque())
        hits.append(now)
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(self._hits) > 50_000:
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self._window}
        return len(hits)


class RedisLoginLimiter:
    """A sliding one-minute window per key in Redis, shared by every web process.

    One sorted-set member per attempt, scored by time; older members are dropped and the
    rest counted in one transaction. (Fixed windows let a spray that straddles a minute
    boundary make twice the attempts.)
    """

    def __init__(self, client: Any, *, window_seconds: float = 60.0) -> None:
        self._client = client
        self._window = window_seconds

    async def hit(self, who: str) -> int:
        key = keys.login_attempts(who)
        now = time.time()
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
            pipe.zremrangebyscore(key, "-inf", now - self._window)
            pipe.zcard(key)
            pipe.expire(key, int(self._window) + 60)
            _, _, count, _ = await pipe.execute()
        return int(count)
