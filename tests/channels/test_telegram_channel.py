"""The Telegram adapter with the real python-telegram-bot against the local stand-in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from standins import Failure, TelegramStandIn

from bot.channels.telegram import TelegramChannel, callback_data, split_text
from bot.channels.telegram_polling import TelegramPoller
from bot.core.domain import Button, InboundMessage, OutboundMessage
from bot.runtime.ports import SendError


@pytest.fixture
async def channel(telegram_api: TelegramStandIn) -> AsyncIterator[TelegramChannel]:
    tg = TelegramChannel(telegram_api.token, base_url=telegram_api.base_url)
    yield tg
    await tg.stop()


async def test_text_with_inline_keyboard(
    channel: TelegramChannel, telegram_api: TelegramStandIn
) -> None:
    message = OutboundMessage(
        channel="telegram",
        address="777",
        text="Escolha uma opção",
        buttons=(Button("À vista", "offer:full"), Button("3x", "offer:3x")),
    )
    result = await channel.send(message)
    [sent] = telegram_api.sent()
    assert sent["chat_id"] == "777"
    assert sent["text"] == "Escolha uma opção"
    markup = json.loads(sent["reply_markup"])
    assert [row[0]["callback_data"] for row in markup["inline_keyboard"]] == [
        "offer:full",
        "offer:3x",
    ]
    assert result.provider_id.startswith("777:")
    assert channel.username == "quita_test_bot"


def test_callback_data_is_cut_to_64_bytes_on_a_character_boundary() -> None:
    data = callback_data("ç" * 40)  # 80 bytes
    assert len(data.encode()) <= 64
    assert data == "ç" * 32
    assert callback_data("offer:1") == "offer:1"


def test_long_text_is_split() -> None:
    chunks = split_text(("linha\n" * 1000) + "x" * 5000)
    assert all(len(c) <= 4096 for c in chunks)
    assert "".join(chunks) == ("linha\n" * 1000) + "x" * 5000


async def test_photo_with_caption(channel: TelegramChannel, telegram_api: TelegramStandIn) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    await channel.send(
        OutboundMessage(channel="telegram", address="777", text="PIX", image_png=png)
    )
    [photo] = telegram_api.sent("sendPhoto")
    assert photo["caption"] == "PIX"
    assert photo["photo"] == png


@pytest.mark.parametrize(
    ("failure", "transient", "retry_after"),
    [
        (Failure(429, retry_after=7, description="Too Many Requests: retry after 7"), True, 7),
        (Failure(500, description="Internal Server Error"), True, None),
        (Failure(502, description="Bad Gateway"), True, None),
        (Failure(400, description="Bad Request: chat not found"), False, None),
        (Failure(403, description="Forbidden: bot was blocked by the user"), False, None),
    ],
)
async def test_errors_are_transient_or_permanent(
    channel: TelegramChannel,
    telegram_api: TelegramStandIn,
    failure: Failure,
    transient: bool,
    retry_after: int | None,
) -> None:
    telegram_api.fail_next(1, failure)
    with pytest.raises(SendError) as caught:
        await channel.send(OutboundMessage(channel="telegram", address="777", text="oi"))
    assert caught.value.transient is transient
    assert caught.value.retry_after == retry_after
    assert telegram_api.sent() == []


async def test_webhook_helpers(channel: TelegramChannel, telegram_api: TelegramStandIn) -> None:
    await channel.set_webhook("https://quita.example/webhooks/telegram", secret_token="s3cret")
    assert telegram_api.webhook is not None
    assert telegram_api.webhook["url"] == "https://quita.example/webhooks/telegram"
    assert telegram_api.webhook["secret_token"] == "s3cret"
    await channel.delete_webhook()
    assert telegram_api.webhook is None


async def test_poller_answers_callbacks_and_feeds_the_runtime(
    channel: TelegramChannel, telegram_api: TelegramStandIn
) -> None:
    received: list[InboundMessage] = []

    async def receive(msg: InboundMessage) -> None:
        received.append(msg)

    user = {"id": 777, "is_bot": False, "first_name": "Maria"}
    chat = {"id": 777, "type": "private"}
    telegram_api.push_update(
        {
            "update_id": 50,
            "message": {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "oi"},
        }
    )
    telegram_api.push_update(
        {
            "update_id": 51,
            "callback_query": {
                "id": "cb-9",
                "from": user,
                "chat_instance": "1",
                "data": "offer:3x",
            },
        }
    )
    poller = TelegramPoller(channel, receive, timeout=0)
    assert await poller.poll_once() == 2
    assert [m.provider_id for m in received] == ["50", "51"]
    assert received[1].button_payload == "offer:3x"
    assert [c["callback_query_id"] for c in telegram_api.sent("answerCallbackQuery")] == ["cb-9"]
    assert await poller.poll_once() == 0  # the offset moved past both


async def test_poller_keeps_going_after_errors(
    channel: TelegramChannel, telegram_api: TelegramStandIn
) -> None:
    pauses: list[float] = []
    received: list[InboundMessage] = []
    telegram_api.push_update(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "text": "oi",
            },
        }
    )

    async def receive(msg: InboundMessage) -> None:
        if not pauses:
            raise RuntimeError("database down")
        received.append(msg)
        raise KeyboardInterrupt  # stop the loop from the test

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    poller = TelegramPoller(channel, receive, timeout=0, sleep=sleep)
    with pytest.raises(KeyboardInterrupt):
        await poller.run()
    assert pauses == [2.0]
    assert [m.provider_id for m in received] == ["1"]  # redelivered after the failure
