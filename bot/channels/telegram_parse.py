"""Telegram updates (Bot API JSON) -> ``InboundMessage``. Pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.domain import InboundMessage, Media

CHANNEL = "telegram"

FILE_PREFIX = "telegram-file:"  # Media.url of an inbound file: its Bot API file_id

# Telegram message field -> our media kind (the domain kinds the dialogue knows)
_MEDIA_FIELDS = {
    "voice": "audio",
    "audio": "audio",
    "video_note": "video",
    "video": "video",
    "photo": "image",
    "document": "document",
    "sticker": "sticker",
}


class MalformedUpdate(ValueError):
    """The payload is not a Telegram update we can read."""


def parse_update(payload: Any, *, now: datetime | None = None) -> list[InboundMessage]:
    """Convert one update into zero or one inbound messages (as a list).

    ``now`` is the receipt time (the runtime's clock); updates we do not handle (edits,
    channel posts, membership changes) give an empty list. Raises ``MalformedUpdate``.
    """
    if not isinstance(payload, dict):
        raise MalformedUpdate("a Telegram update must be a JSON object")
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise MalformedUpdate("a Telegram update needs an integer 'update_id'")
    at = now or datetime.now(UTC)
    provider_id = str(update_id)
    if "message" in payload:
        message = _object(payload["message"], "message")
        return [m for m in [_from_message(message, provider_id, at)] if m is not None]
    if "callback_query" in payload:
        query = _object(payload["callback_query"], "callback_query")
        return [_from_callback(query, provider_id, at)]
    return []


def callback_query_id(payload: Any) -> str | None:
    """The id to pass to ``answerCallbackQuery``, when the update is a callback query."""
    if isinstance(payload, dict) and isinstance(payload.get("callback_query"), dict):
        value = payload["callback_query"].get("id")
        return str(value) if value is not None else None
    return None


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedUpdate(f"'{name}' must be an object")
    return value


def _chat_id(message: dict[str, Any]) -> str:
    chat = _object(message.get("chat"), "message.chat")
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise MalformedUpdate("'message.chat.id' must be an integer")
    return str(chat_id)


def _profile_name(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    parts = [user.get("first_name"), user.get("last_name")]
    name = " ".join(str(p) for p in parts if p)
    return name or None


def _from_message(
    message: dict[str, Any], provider_id: str, at: datetime
) -> InboundMessage | None:
    chat_id = _chat_id(message)
    sender = message.get("from")
    text = message.get("text")
    text = text if isinstance(text, str) else ""
    caption = message.get("caption")
    start_token = None
    if text == "/start" or text.startswith("/start "):
        start_token = text.removeprefix("/start").strip() or None
        text = "/start"
    contact_phone = _own_contact_phone(message.get("contact"), sender)
    media = _media(message)
    if not text and isinstance(caption, str):
        text = caption
    if not text and not media and contact_phone is None and "contact" not in message:
        return None  # service messages (pinned, joined, ...)
    return InboundMessage(
        channel=CHANNEL,
        address=chat_id,
        provider_id=provider_id,
        text=text,
        received_at=at,
        media=media,
        contact_phone=contact_phone,
        start_token=start_token,
        profile_name=_profile_name(sender),
    )


def _own_contact_phone(contact: Any, sender: Any) -> str | None:
    """The shared phone number, only when it is the sender's own contact card.

    Anyone can forward somebody else's contact; linking a chat by it would leak that
    person's debts, so a contact whose ``user_id`` is not the sender's is ignored.
    """
    if not isinstance(contact, dict) or not isinstance(sender, dict):
        return None
    if contact.get("user_id") is None or contact.get("user_id") != sender.get("id"):
        return None
    phone = str(contact.get("phone_number") or "").strip().replace(" ", "")
    digits = phone.removeprefix("+")
    if not digits.isdigit():
        return None
    return "+" + digits


def _media(message: dict[str, Any]) -> tuple[Media, ...]:
    found = []
    for field, kind in _MEDIA_FIELDS.items():
        value = message.get(field)
        if value is None:
            continue
        if isinstance(value, list):  # photo sizes: the largest is last
            value = value[-1] if value else {}
        value = value if isinstance(value, dict) else {}
        file_id = value.get("file_id")
        found.append(
            Media(
                kind=kind,
                url=FILE_PREFIX + str(file_id) if file_id else None,
                content_type=value.get("mime_type") or ("image/jpeg" if kind == "image" else None),
            )
        )
        break  # a Telegram message carries at most one kind of media
    return tuple(found)


def _from_callback(query: dict[str, Any], provider_id: str, at: datetime) -> InboundMessage:
    data = query.get("data")
    data = data if isinstance(data, str) else ""
    sender = query.get("from")
    message = query.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        address = _chat_id(message)
    elif isinstance(sender, dict) and isinstance(sender.get("id"), int):
        address = str(sender["id"])
    else:
        raise MalformedUpdate("a callback query needs 'message.chat' or 'from'")
    title = _button_title(message, data) if isinstance(message, dict) else None
    return InboundMessage(
        channel=CHANNEL,
        address=address,
        provider_id=provider_id,
        text=title or data,
        received_at=at,
        button_payload=data or None,
        profile_name=_profile_name(sender),
    )


def _button_title(message: dict[str, Any], data: str) -> str | None:
    markup = message.get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) else None
    return None
