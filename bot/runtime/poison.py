"""Poison inputs: an inbound message must never make every provider retry fail.

A signed Twilio body with a NUL byte, an over-long field or a Telegram chat id far past
2^63 used to raise on PostgreSQL on every retry, so the message was never processed. Now
``sanitise`` fixes what can be fixed (control characters removed, lengths capped to the
columns, impossible dates replaced), and whatever still fails deterministically is parked in
``dead_letters`` (answered 200 so the provider stops retrying; never lost). A failure that
may pass on a retry (the database is down) still propagates, so the provider retries.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import exc as sa_exc

from bot.core.domain import InboundMessage
from bot.core.sanitize import MAX_ADDRESS, clean, provider_key

# column sizes (bot.store.tables) and provider limits
MAX_TEXT = 65_536  # far above any provider's own limit (4096); a real message is never cut
MAX_NAME = 200
MAX_TOKEN = 64
MAX_PAYLOAD = 256
MAX_PHONE = 32
MAX_URL = 500
MAX_DATA_URL = 20_000_000
MAX_CONTENT_TYPE = 100
MAX_MEDIA = 10
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200

# exceptions that a retry may cure: let the provider retry instead of parking
TRANSIENT: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


class PoisonMessage(ValueError):
    """A message that cannot be processed whatever we do; it goes to the dead letters."""


def _optional(text: str | None, limit: int) -> str | None:
    return None if text is None else clean(text, limit) or None


def _url(url: str | None) -> str | None:
    """A link is capped to the column; an inline ``data:`` document (a receipt's bytes) is
    kept whole up to a size no provider sends."""
    if url is not None and url.startswith("data:"):
        return _optional(url, MAX_DATA_URL)
    return _optional(url, MAX_URL)


def sanitise(msg: InboundMessage, *, now: datetime) -> InboundMessage:
    """The message as the store can hold it; ``PoisonMessage`` if it cannot be answered."""
    address = clean(msg.address, 1000).strip()
    if not address:
        raise PoisonMessage("the message has no sender address")
    if len(address) > MAX_ADDRESS:
        raise PoisonMessage(f"sender address is {len(address)} characters (at most {MAX_ADDRESS})")
    received = msg.received_at
    if received.tzinfo is None or not EARLIEST_YEAR <= received.year <= LATEST_YEAR:
        received = now
    return dataclasses.replace(
        msg,
        address=address,
        provider_id=provider_key(msg.provider_id) or "-",
        text=clean(msg.text, MAX_TEXT),
        received_at=received,
        media=tuple(
            dataclasses.replace(  # other fields (a document's bytes) are kept as they are
                m,
                kind=clean(m.kind, 16),
                url=_url(m.url),
                content_type=_optional(m.content_type, MAX_CONTENT_TYPE),
            )
            for m in msg.media[:MAX_MEDIA]
        ),
        button_payload=_optional(msg.button_payload, MAX_PAYLOAD),
        contact_phone=_optional(msg.contact_phone, MAX_PHONE),
        start_token=_optional(msg.start_token, MAX_TOKEN),
        profile_name=_optional(msg.profile_name, MAX_NAME),
    )


def is_poison(error: BaseException) -> bool:
    """True when retrying the same message would fail the same way."""
    return isinstance(error, Exception) and not isinstance(error, TRANSIENT)
