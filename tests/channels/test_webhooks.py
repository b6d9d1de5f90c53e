"""Webhook routes with a recording runtime: verification first, nothing stored when refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from standins import twilio_signature

from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.domain import DeliveryStatus, InboundMessage, StatusUpdate
from bot.web import webhooks

PUBLIC = "https://quita.example"
TOKEN = "twilio-test-token"


@dataclass
class FakeRuntime:
    settings: Settings
    channels: dict[str, object]
    clock: FixedClock = field(default_factory=lambda: FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    received: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)

    @property
    def inbound(self) -> FakeRuntime:  # the webhook route calls runtime.inbound.accept
        return self

    async def receive(self, msg: InboundMessage) -> bool:
        self.received.append(msg)
        return True

    async def accept(self, msg: InboundMessage) -> bool:  # what the webhook route calls
        return await self.receive(msg)

    async def record_status(self, update: StatusUpdate) -> bool:
        self.statuses.append(update)
        return True


@pytest.fixture
def runtime() -> FakeRuntime:
    settings = Settings(
        public_url=PUBLIC,
        telegram_bot_token="1:x",
        telegram_webhook_secret="s3cret",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TOKEN,
    )
    return FakeRuntime(settings=settings, channels={"telegram": object()})


@pytest.fixture
async def client(runtime: FakeRuntime) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(webhooks.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


UPDATE = {
    "update_id": 5,
    "message": {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "oi"},
}


async def test_telegram_with_the_secret(client: httpx.AsyncClient, runtime: FakeRuntime) -> None:
    response = await client.post(
        "/webhooks/telegram",
        json=UPDATE,
        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
    )
    assert response.status_code == 200
    assert [(m.address, m.text) for m in runtime.received] == [("42", "oi")]


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_telegram_wrong_secret_is_403(
    client: httpx.AsyncClient, runtime: FakeRuntime, headers: dict[str, str]
) -> None:
    response = await client.post("/webhooks/telegram", json=UPDATE, headers=headers)
    assert response.status_code == 403
    assert runtime.received == []


async def test_telegram_malformed(client: httpx.AsyncClient, runtime: FakeRuntime) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    bad_json = await client.post("/webhooks/telegram", content=b"{nope", headers=headers)
    assert bad_json.status_code == 400
    assert "JSON" in bad_json.json()["detail"]
    not_update = await client.post("/webhooks/telegram", json={"hello": 1}, headers=headers)
    assert not_update.status_code == 400
    assert "update_id" in not_update.json()["detail"]
    assert runtime.received == []


FORM = {
    "MessageSid": "SM1",
    "From": "whatsapp:+5511990000001",
    "Body": "vou pagar sexta",
    "NumMedia": "0",
}


async def test_twilio_signed(client: httpx.AsyncClient, runtime: FakeRuntime) -> None:
    signature = twilio_signature(TOKEN, PUBLIC + "/webhooks/twilio", FORM)
    response = await client.post(
        "/webhooks/twilio", data=FORM, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert "<Response/>" in response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert [(m.channel, m.address) for m in runtime.received] == [("whatsapp", "+5511990000001")]


async def test_twilio_signature_covers_the_query_string(
    client: httpx.AsyncClient, runtime: FakeRuntime
) -> None:
    url = PUBLIC + "/webhooks/twilio?tenant=a"
    signature = twilio_signature(TOKEN, url, FORM)
    response = await client.post(
        "/webhooks/twilio?tenant=a", data=FORM, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "forged",
        twilio_signature(TOKEN, "http://testserver/webhooks/twilio", FORM),
        twilio_signature("another-token", PUBLIC + "/webhooks/twilio", FORM),
    ],
)
async def test_twilio_forged_or_missing_is_403(
    client: httpx.AsyncClient, runtime: FakeRuntime, signature: str | None
) -> None:
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = await client.post("/webhooks/twilio", data=FORM, headers=headers)
    assert response.status_code == 403
    assert runtime.received == []


async def test_twilio_status(client: httpx.AsyncClient, runtime: FakeRuntime) -> None:
    form = {
        "MessageSid": "SM7",
        "MessageStatus": "delivered",
        "To": "whatsapp:+55",
        "From": "whatsapp:+1415",
    }
    signature = twilio_signature(TOKEN, PUBLIC + "/webhooks/twilio/status", form)
    ok = await client.post(
        "/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
    )
    forged = await client.post(
        "/webhooks/twilio/status",
        data={**form, "MessageStatus": "read"},
        headers={"X-Twilio-Signature": signature},
    )
    assert (ok.status_code, forged.status_code) == (204, 403)
    assert [(u.provider_id, u.status) for u in runtime.statuses] == [
        ("SM7", DeliveryStatus.DELIVERED)
    ]


async def test_json_is_not_a_twilio_form(client: httpx.AsyncClient, runtime: FakeRuntime) -> None:
    response = await client.post("/webhooks/twilio", content=json.dumps(FORM))
    assert response.status_code == 403
