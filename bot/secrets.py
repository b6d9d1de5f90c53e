"""The secret key that signs sessions and the portal's links.

Beside ``bot.config`` so every floor that signs something (the web app, the conversation's
portal link, the CLI) finds it without importing the web layer.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.config import ConfigError, Settings

SECRET_FILE = Path(".quita/secret_key")
PLACEHOLDERS = {
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "secret-key",
    "secret_key",
    "dev",
    "development",
    "test",
    "password",
    "quita",
    "xxx",
    "todo",
}
MIN_SECRET_LENGTH = 32


def is_development(settings: Settings) -> bool:
    """Demo mode or an embedded SQLite database: a laptop, not a production deployment."""
    return settings.demo or settings.database_url.startswith("sqlite")


def resolve_secret_key(settings: Settings, *, path: Path = SECRET_FILE) -> str:
    """The key that signs sessions.

    ``QUITA_SECRET_KEY`` when set (placeholders and short keys are refused in production);
    on a laptop (demo or SQLite) one is generated once and kept in ``.quita/secret_key``.
    """
    key = settings.secret_key
    if key:
        weak = key.strip().lower() in PLACEHOLDERS or len(key) < MIN_SECRET_LENGTH
        if weak and not is_development(settings):
            raise ConfigError(
                "QUITA_SECRET_KEY looks like a placeholder or is shorter than "
                f"{MIN_SECRET_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return key
    if not is_development(settings):
        raise ConfigError("QUITA_SECRET_KEY is not set (sessions cannot be signed)")
    if path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if len(stored) >= MIN_SECRET_LENGTH:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated + "\n")
    return generated
