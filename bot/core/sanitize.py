"""Text as the store can hold it: control characters removed, lengths capped. Pure."""

from __future__ import annotations

import hashlib
import re

MAX_ADDRESS = 64  # contacts.address
MAX_PROVIDER_ID = 128  # messages.provider_id

# C0 controls and DEL except tab and newlines; PostgreSQL refuses NUL in text and JSON
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str, limit: int) -> str:
    """``text`` without control characters (tab and newlines kept), at most ``limit`` long."""
    return _CONTROL.sub("", text)[:limit]


def provider_key(raw: str) -> str:
    """A provider's message id, cleaned; a longer one keeps a digest so redeliveries still
    de-duplicate."""
    value = clean(raw, 10 * MAX_PROVIDER_ID)
    if len(value) <= MAX_PROVIDER_ID:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{value[: MAX_PROVIDER_ID - 33]}~{digest}"
