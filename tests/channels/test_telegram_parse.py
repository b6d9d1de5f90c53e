"""Telegram updates (real Bot API shapes) -> InboundMessage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.telegram_parse import MalformedUpdate, callback_query_id, parse_update

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
USER = {"id": 777, "is_bot": False, "first_name": "Maria", "last_name": "Souza"}
CHAT = {"id": 777, "type": "private", "first_name": "Maria"}


def message(update_id: int = 10, **fields: object) -> dict[str, object]:
    body = {"message_id": 5, "date": 1795000000, "chat": CHAT, "from": USER, **fields}
    return {"update_id": update_id, "message": body}


def test_text_message() -> None:
    [msg] = parse_update(message(text="vou pagar sexta"), now=NOW)
    assert (msg.channel, msg.address, msg.provider_id) == ("telegram", "777", "10")
    assert msg.text == "vou pagar sexta"
    assert msg.received_at == NOW
    assert msg.profile_name == "Maria Souza"
    assert msg.start_token is None


@pytest.mark.parametrize(
    ("text", "token"), [("/start abc123", "abc123"), ("/start", None), ("/start  x ", "x")]
)
def test_start_with_deep_link_token(text: str, token: str | None) -> None:
    [msg] = parse_update(message(text=text), now=NOW)
    assert msg.start_token == token
    assert msg.text == "/start"


def test_own_contact_is_linked_by_phone() -> None:
    contact = {"phone_number": "5511990000001", "first_name": "Maria", "user_id": 777}
    [msg] = parse_update(message(contact=contact), now=NOW)
    assert msg.contact_phone == "+5511990000001"


def test_someone_elses_contact_is_not_used_to_link() -> None:
    contact = {"phone_number": "+5511990000001", "first_name": "Other", "user_id": 999}
    [msg] = parse_update(message(contact=contact), now=NOW)
    assert msg.contact_phone is None


def test_callback_query_carries_payload_and_button_title() -> None:
    keyboard = {"inline_keyboard": [[{"text": "3x de R$ 200,00", "callback_data": "offer:3x"}]]}
    update = {
        "update_id": 11,
        "callback_query": {
            "id": "cbq-1",
            "from": USER,
            "chat_instance": "42",
            "data": "offer:3x",
            "message": {
                "message_id": 9,
                "date": 1795000000,
                "chat": CHAT,
                "text": "Escolha",
                "reply_markup": keyboard,
            },
        },
    }
    [msg] = parse_update(update, now=NOW)
    assert msg.button_payload == "offer:3x"
    assert msg.text == "3x de R$ 200,00"
    assert msg.address == "777"
    assert callback_query_id(update) == "cbq-1"


def test_callback_query_without_message_uses_the_sender() -> None:
    update = {"update_id": 12, "callback_query": {"id": "c", "from": USER, "data": "yes"}}
    [msg] = parse_update(update, now=NOW)
    assert (msg.address, msg.text, msg.button_payload) == ("777", "yes", "yes")


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        (
            "voice",
            {"file_id": "v1", "file_unique_id": "u", "duration": 3, "mime_type": "audio/ogg"},
            "audio",
        ),
        ("audio", {"file_id": "a1", "file_unique_id": "u", "duration": 3}, "audio"),
        (
            "photo",
            [
                {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 800},
            ],
            "image",
        ),
        (
            "document",
            {"file_id": "d1", "file_unique_id": "u", "mime_type": "application/pdf"},
            "document",
        ),
        (
            "sticker",
            {
                "file_id": "s1",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
            "sticker",
        ),
    ],
)
def test_media(field: str, value: object, kind: str) -> None:
    [msg] = parse_update(message(**{field: value, "caption": "comprovante"}), now=NOW)
    assert [m.kind for m in msg.media] == [kind]
    assert msg.text == "comprovante"
    if field == "photo":
        assert msg.media[0].url == "telegram-file:big"


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"message": {"text": "hi"}},
        {"update_id": "1", "message": {}},
        {"update_id": 1, "message": {"text": "x", "chat": {"id": "abc"}}},
        {"update_id": 1, "message": "text"},
        {"update_id": 1, "callback_query": {"id": "x", "data": "y"}},
    ],
)
def test_malformed(payload: object) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(payload, now=NOW)


def test_updates_we_do_not_handle_give_nothing() -> None:
    edited = {"update_id": 3, "edited_message": {"message_id": 1, "chat": CHAT, "text": "x"}}
    pinned = message(pinned_message={"message_id": 1, "date": 0, "chat": CHAT})
    assert parse_update(edited, now=NOW) == []
    assert parse_update(pinned, now=NOW) == []
