"""End to end: webhooks -> real Runtime -> outbox -> sender -> the stand-in provider APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e import PHONE, PUBLIC, add_debtor, e2e_settings
from sqlalchemy import func, select
from standins import Failure, TelegramStandIn, TwilioStandIn, twilio_signature

from bot.channels.base import InboundSink
from bot.channels.lifecycle import start_channels, stop_channels
from bot.channels.registry import build_channels
from bot.core.clock import FixedClock
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import transaction
from bot.store.tables import Conversation, Message
from bot.web.app import build_app

SECRET = "tg-secret"


@pytest.fixture
def e2e_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def interpreter() -> Any:
    """The NLU is trained once for the module, not once per test."""
    from bot.config import Settings
    from bot.nlu import build_interpreter

    return build_interpreter(Settings())


@pytest.fixture
async def runtime(
    interpreter: Any,
    sqlite_url: str,
    e2e_clock: FixedClock,
    telegram_api: TelegramStandIn,
    twilio_api: TwilioStandIn,
) -> AsyncIterator[Runtime]:
    settings = e2e_settings(
        sqlite_url,
        telegram_bot_token=telegram_api.token,
        telegram_api_base_url=telegram_api.base_url,
        telegram_webhook_secret=SECRET,
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=twilio_api.auth_token,
        twilio_whatsapp_from="+14155238886",
        twilio_api_base_url=twilio_api.url,
    )
    rt = build_runtime(
        settings, clock=e2e_clock, channels=build_channels(settings), interpreter=interpreter
    )
    add_debtor(rt, e2e_clock)
    await rt.start(background=False)
    yield rt
    await rt.stop()
    await stop_channels(rt.channels)
    rt.engine.dispose()


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(runtime.settings, runtime, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def count(runtime: Runtime, *, direction: str) -> int:
    with transaction(runtime.db) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == direction)
            )
            or 0
        )


async def whatsapp(http: httpx.AsyncClient, sid: str, body: str, *, sign: bool = True) -> int:
    form = {
        "MessageSid": sid,
        "From": f"whatsapp:{PHONE}",
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
    }
    signature = twilio_signature("test-token", PUBLIC + "/webhooks/twilio", form)
    headers = {"X-Twilio-Signature": signature if sign else "forged"}
    response = await http.post("/webhooks/twilio", data=form, headers=headers)
    return response.status_code


async def test_whatsapp_reply_reaches_twilio_once(
    runtime: Runtime, http: httpx.AsyncClient, twilio_api: TwilioStandIn
) -> None:
    assert await whatsapp(http, "SM" + "1" * 32, "quanto eu devo?") == 200
    assert await runtime.drain_outbox() >= 1
    replies = twilio_api.messages()
    assert replies
    assert all(r["To"] == f"whatsapp:{PHONE}" for r in replies)
    assert any("Geladeira" in r.get("Body", "") for r in replies)
    before = len(replies)
    assert await whatsapp(http, "SM" + "1" * 32, "quanto eu devo?") == 200  # redelivery
    await runtime.drain_outbox()
    assert len(twilio_api.messages()) == before
    assert count(runtime, direction="in") == 1


async def test_forged_whatsapp_is_refused_and_stores_nothing(
    runtime: Runtime, http: httpx.AsyncClient, twilio_api: TwilioStandIn
) -> None:
    assert await whatsapp(http, "SM" + "2" * 32, "oi", sign=False) == 403
    assert count(runtime, direction="in") == 0
    await runtime.drain_outbox()
    assert twilio_api.messages() == []


async def test_business_initiated_outside_the_window_goes_as_template(
    runtime: Runtime, twilio_api: TwilioStandIn
) -> None:
    debtor_id = 1
    assert await runtime.outreach.remind(debtor_id, "overdue", "k-1", {"1": "Maria"})
    await runtime.drain_outbox()
    [sent] = twilio_api.messages()
    assert sent["ContentSid"] == "HX" + "0" * 32
    assert "Body" not in sent


async def test_fifty_concurrent_messages_for_one_chat(
    runtime: Runtime, http: httpx.AsyncClient, twilio_api: TwilioStandIn
) -> None:
    codes = await asyncio.gather(
        *(whatsapp(http, f"SM{n:032d}", f"mensagem {n}") for n in range(50))
    )
    assert codes == [200] * 50
    assert count(runtime, direction="in") == 50
    await runtime.drain_outbox()
    with transaction(runtime.db) as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
    inbound = [r for r in rows if r.direction == "in"]
    outbound = [r for r in rows if r.direction == "out"]
    assert all(r.status == "sent" for r in outbound)
    assert len({r.provider_id for r in inbound}) == 50
    assert outbound
    bodies = [m["Body"] for m in twilio_api.messages()]
    assert bodies == [r.text for r in outbound]  # delivered in the order stored


async def test_provider_errors_for_a_while_then_each_message_once(
    runtime: Runtime,
    http: httpx.AsyncClient,
    twilio_api: TwilioStandIn,
    e2e_clock: FixedClock,
) -> None:
    twilio_api.fail_next(3, Failure(500))
    twilio_api.fail_next(2, Failure(429, retry_after=5))
    for n in range(5):
        assert await whatsapp(http, f"SM{n:032d}", f"oi {n}") == 200
    for _ in range(20):
        await runtime.drain_outbox()
        e2e_clock.advance(timedelta(seconds=30))
    with transaction(runtime.db) as session:
        outbound = list(
            session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id))
        )
    assert outbound
    assert all(r.status == "sent" for r in outbound)
    sids = [r.provider_id for r in outbound]
    assert len(set(sids)) == len(sids) == len(twilio_api.messages())
    assert [m["Body"] for m in twilio_api.messages()] == [r.text for r in outbound]


async def telegram_update(
    http: httpx.AsyncClient, update_id: int, text: str, *, secret: str = SECRET
) -> int:
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 777, "type": "private"},
            "from": {"id": 777, "is_bot": False, "first_name": "Maria"},
            "text": text,
        },
    }
    response = await http.post(
        "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    return response.status_code


def link_token(runtime: Runtime) -> str:
    from bot.store.tables import Debtor

    with transaction(runtime.db) as session:
        return str(session.scalars(select(Debtor.link_token)).one())


async def test_telegram_webhook_linked_debtor_gets_the_reply(
    runtime: Runtime, http: httpx.AsyncClient, telegram_api: TelegramStandIn
) -> None:
    assert await telegram_update(http, 1, "oi", secret="wrong") == 403
    assert count(runtime, direction="in") == 0
    assert await telegram_update(http, 1, f"/start {link_token(runtime)}") == 200
    assert await telegram_update(http, 2, "quanto eu devo?") == 200
    await runtime.drain_outbox()
    sent = telegram_api.sent()
    assert {m["chat_id"] for m in sent} == {"777"}
    assert any("Geladeira" in m["text"] for m in sent)


async def test_telegram_polling_linked_debtor_gets_the_reply(
    runtime: Runtime, telegram_api: TelegramStandIn
) -> None:
    object.__setattr__(runtime.settings.channels.telegram, "mode", "polling")
    runtime.channels["telegram"].poll_seconds = 1  # type: ignore[attr-defined]
    await start_channels(runtime.channels, InboundSink(runtime.inbound.receive, runtime.clock.now))
    chat = {"id": 777, "type": "private"}
    user = {"id": 777, "is_bot": False, "first_name": "Maria"}
    for update_id, text in [(10, f"/start {link_token(runtime)}"), (11, "quanto eu devo?")]:
        telegram_api.push_update(
            {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": 0,
                    "chat": chat,
                    "from": user,
                    "text": text,
                },
            }
        )
    for _ in range(200):
        await runtime.drain_outbox()
        if any("Geladeira" in m["text"] for m in telegram_api.sent()):
            break
        await asyncio.sleep(0.02)
    assert any("Geladeira" in m["text"] for m in telegram_api.sent())
    assert count(runtime, direction="in") == 2


async def telegram_tap(
    http: httpx.AsyncClient, update_id: int, data: str, shown: dict[str, Any]
) -> int:
    """A tap on one of the inline buttons of ``shown`` (a sendMessage the bot made)."""
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "chat_instance": "ci-777",
            "from": {"id": 777, "is_bot": False, "first_name": "Maria"},
            "data": data,
            "message": {
                "message_id": 900 + update_id,
                "date": 0,
                "chat": {"id": 777, "type": "private"},
                "text": shown["text"],
                "reply_markup": json.loads(shown["reply_markup"]),
            },
        },
    }
    response = await http.post(
        "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    return response.status_code


def last_keyboard(telegram_api: TelegramStandIn) -> tuple[dict[str, Any], list[list[str]]]:
    shown = [m for m in telegram_api.sent() if m.get("reply_markup")][-1]
    rows = json.loads(shown["reply_markup"])["inline_keyboard"]
    return shown, [[key["callback_data"] for key in row] for row in rows]


async def test_telegram_tapped_plan_and_yes_make_the_agreement(
    runtime: Runtime, http: httpx.AsyncClient, telegram_api: TelegramStandIn
) -> None:
    from bot.store.tables import Agreement

    assert await telegram_update(http, 1, f"/start {link_token(runtime)}") == 200
    assert await telegram_update(http, 2, "quero parcelar") == 200
    await runtime.drain_outbox()
    offers, rows = last_keyboard(telegram_api)
    assert len(rows) >= 2  # one plan per row, numbered as in the text
    assert rows == [[f"options:{n}"] for n in range(1, len(rows) + 1)]
    assert await telegram_tap(http, 3, "options:2", offers) == 200
    await runtime.drain_outbox()
    summary, rows = last_keyboard(telegram_api)
    assert rows == [["yes_no:yes", "yes_no:no"]]  # "close it?": side by side
    assert await telegram_tap(http, 4, "yes_no:yes", summary) == 200
    await runtime.drain_outbox()
    with transaction(runtime.db) as session:
        [agreement] = session.scalars(select(Agreement)).all()
        taps = session.execute(
            select(Message.text, Message.intent, Message.confidence)
            .where(Message.direction == "in")
            .order_by(Message.id)
        ).all()
        state = session.scalars(select(Conversation.state)).one()
    plan_titles = json.loads(offers["reply_markup"])["inline_keyboard"]
    assert taps[-2:] == [
        (plan_titles[1][0]["text"], "choose_option", 1.0),
        (json.loads(summary["reply_markup"])["inline_keyboard"][0][0]["text"], "affirm", 1.0),
    ]
    assert agreement.status in ("active", "pending_approval")
    assert state["phase"] in ("agreement", "with_agent")
    assert len(telegram_api.sent("answerCallbackQuery")) == 2  # each spinner stopped
