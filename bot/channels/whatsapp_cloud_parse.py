"""WhatsApp Cloud API webhooks (Meta Graph API JSON) -> ``InboundMessage`` / ``StatusUpdate``.

Pure functions, no I/O. Payload shape: ``entry[].changes[].value`` holding ``messages`` (with
``contacts`` for the profile name) or ``statuses``. Requests are signed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from bot.core.domain import DeliveryStatus, InboundMessage, Media, StatusUpdate

CHANNEL = "whatsapp"
MEDIA_PREFIX = "whatsapp-media:"  # Media.url of an inbound file: its Graph API media id

_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}
_MEDIA_KINDS = {
    "audio": "audio",
    "voice": "audio",
    "image": "image",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}


class MalformedPayload(ValueError):
    """Not a WhatsApp Cloud API webhook we can read."""


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256`` is ``sha256=`` + the HMAC-SHA256 of the raw body."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256="), expected)


def verification_challenge(query: Mapping[str, str], verify_token: str) -> str | None:
    """The ``hub.challenge`` to echo when Meta subscribes with our verify token, else None."""
    if query.get("hub.mode") != "subscribe":
        return None
    given = query.get("hub.verify_token", "")
    if not verify_token or not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge")


def e164(wa_id: str) -> str:
    """Meta's ``wa_id`` (digits only) as our address, ``+`` and digits."""
    return "+" + wa_id.lstrip("+")


def parse_webhook(
    payload: Any, *, now: datetime
) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    """Every message and status in one webhook delivery, as received ``now`` (our clock,
    like the other channels; Meta's own ``timestamp`` only has to be present)."""
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    for value in _values(payload):
        names = {
            str(c.get("wa_id")): (c.get("profile") or {}).get("name")
            for c in value.get("contacts") or ()
            if isinstance(c, dict)
        }
        for raw in value.get("messages") or ():
            messages.append(_message(_dict(raw, "message"), names, now))
        for raw in value.get("statuses") or ():
            update = _status(_dict(raw, "status"), now)
            if update is not None:
                statuses.append(update)
    return messages, statuses


def _values(payload: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise MalformedPayload("a WhatsApp webhook needs an 'entry' list")
    for entry in payload["entry"]:
        for change in _dict(entry, "entry").get("changes") or ():
            value = _dict(change, "change").get("value")
            if isinstance(value, dict):
                yield value


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"'{what}' must be an object")
    return value


def _check_timestamp(raw: dict[str, Any]) -> None:
    try:
        int(raw["timestamp"])
    except (KeyError, TypeError, ValueError):
        raise MalformedPayload("a message or status needs a numeric 'timestamp'") from None


def _message(raw: dict[str, Any], names: Mapping[str, Any], now: datetime) -> InboundMessage:
    _check_timestamp(raw)
    sender, message_id = raw.get("from"), raw.get("id")
    if not isinstance(sender, str) or not isinstance(message_id, str):
        raise MalformedPayload("a message needs 'from' and 'id'")
    kind = raw.get("type")
    text, payload = "", None
    media: tuple[Media, ...] = ()
    if kind == "text":
        text = str((raw.get("text") or {}).get("body") or "")
    elif kind == "interactive":
        interactive = raw.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        payload = reply.get("id") or None
        text = str(reply.get("title") or payload or "")
    elif kind == "button":  # a template's quick-reply button
        button = raw.get("button") or {}
        payload = button.get("payload") or None
        text = str(button.get("text") or payload or "")
    elif kind in _MEDIA_KINDS:
        item = raw.get(kind) or {}
        media = (
            Media(
                kind=_MEDIA_KINDS[kind],
                url=MEDIA_PREFIX + str(item.get("id")) if item.get("id") else None,
                content_type=item.get("mime_type"),
            ),
        )
        text = str(item.get("caption") or "")
    name = names.get(sender)
    return InboundMessage(
        channel=CHANNEL,
        address=e164(sender),
        provider_id=message_id,
        text=text,
        received_at=now,
        media=media,
        button_payload=payload,
        profile_name=name if isinstance(name, str) else None,
    )


def _status(raw: dict[str, Any], now: datetime) -> StatusUpdate | None:
    _check_timestamp(raw)
    status = _STATUSES.get(str(raw.get("status")))
    message_id = raw.get("id")
    if status is None or not isinstance(message_id, str):
        return None  # e.g. "deleted", "warning": nothing to record
    errors = raw.get("errors") or ()
    code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
    return StatusUpdate(
        channel=CHANNEL,
        provider_id=message_id,
        status=status,
        at=now,
        error_code=str(code) if code is not None else None,
    )
