"""WhatsApp Cloud API end to end: signed webhooks -> real Runtime -> outbox -> a local
stand-in of the Graph API (``WHATSAPP_CLOUD_API_BASE_URL``)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from e2e import PHONE, add_debtor, e2e_settings
from sqlalchemy import select
from standins import Call, StandIn

from bot.channels.registry import build_channels
from bot.channels.whatsapp_cloud import WhatsAppCloudChannel, request_body
from bot.channels.whatsapp_cloud_parse import parse_webhook, signature_valid
from bot.core.clock import FixedClock
from bot.core.domain import Button, DeliveryStatus, OutboundMessage
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import transaction
from bot.store.tables import Message
from bot.web.app import build_app

SECRET = "app-secret"
VERIFY = "verify-me"
PHONE_ID = "1234567890"
TOKEN = "EAAG-test"
WA_ID = PHONE.lstrip("+")


class GraphStandIn(StandIn):
    """``POST /v20.0/{phone-number-id}/messages`` with a bearer token; inbound media as
    ``GET /v20.0/{media-id}`` (its URL) and that URL (the file, with the same token)."""

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.media: dict[str, bytes] = {}  # media id -> file

    def _serve_media(self, path: str) -> tuple[int, dict[str, str], Any]:
        if path.startswith("/media-files/"):
            media_id = path.removeprefix("/media-files/")
            with self.lock:
                self.calls.append(Call("file", {}, path=path))
            if media_id not in self.media:
                return 404, {}, {"error": {"message": "gone", "code": 100}}
            return 200, {"Content-Type": "application/pdf"}, self.media[media_id]
        media_id = path.removeprefix("/v20.0/")
        if media_id not in self.media:
            return 404, {}, {"error": {"message": "unknown media", "code": 100}}
        return (
            200,
            {},
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/media-files/{media_id}",
                "mime_type": "application/pdf",
                "file_size": len(self.media[media_id]),
                "id": media_id,
            },
        )

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c.params for c in self.calls if c.method == "messages"]

    def handle(
        self, verb: str, path: str, params: dict[str, Any], request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {}, {"error": {"message": "bad token", "code": 190}}
        if verb == "GET":
            return self._serve_media(path)
        if verb != "POST" or path != f"/v20.0/{PHONE_ID}/messages":
            return 404, {}, {"error": {"message": "unknown path", "code": 100}}
        with self.lock:
            self.calls.append(Call("messages", params))
        wamid = f"wamid.out{next(self._ids)}"
        return 200, {}, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]}


@pytest.fixture
def graph_api() -> Iterator[GraphStandIn]:
    server = GraphStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cloud_env(graph_api: GraphStandIn, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "WHATSAPP_CLOUD_TOKEN": TOKEN,
        "WHATSAPP_CLOUD_PHONE_NUMBER_ID": PHONE_ID,
        "WHATSAPP_CLOUD_APP_SECRET": SECRET,
        "WHATSAPP_CLOUD_VERIFY_TOKEN": VERIFY,
        "WHATSAPP_CLOUD_API_BASE_URL": graph_api.url + "/v20.0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="module")
def interpreter() -> Any:
    from bot.config import Settings
    from bot.nlu import build_interpreter

    return build_interpreter(Settings())


@pytest.fixture
def e2e_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # Monday 10:00 in São Paulo


@pytest.fixture
async def runtime(
    interpreter: Any, sqlite_url: str, e2e_clock: FixedClock, cloud_env: dict[str, str]
) -> AsyncIterator[Runtime]:
    settings = e2e_settings(sqlite_url)
    rt = build_runtime(
        settings, clock=e2e_clock, channels=build_channels(settings), interpreter=interpreter
    )
    assert isinstance(rt.channels["whatsapp"], WhatsAppCloudChannel)
    add_debtor(rt, e2e_clock)
    await rt.start(background=False)
    yield rt
    await rt.stop()
    rt.engine.dispose()


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(runtime.settings, runtime, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def text_event(wamid: str, body: str, *, at: int = 1_795_000_000) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "551140000000", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Maria"}, "wa_id": WA_ID}],
        "messages": [
            {
                "from": WA_ID,
                "id": wamid,
                "timestamp": str(at),
                "type": "text",
                "text": {"body": body},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(http: httpx.AsyncClient, payload: dict[str, Any], *, secret: str = SECRET) -> int:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"}
    response = await http.post("/webhooks/whatsapp", content=body, headers=headers)
    return response.status_code


def inbound_count(runtime: Runtime) -> int:
    with transaction(runtime.db) as session:
        return len(session.scalars(select(Message).where(Message.direction == "in")).all())


async def test_subscription_check_echoes_the_challenge_only_with_our_token(
    http: httpx.AsyncClient,
) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "8817"}
    ok = await http.get("/webhooks/whatsapp", params=query)
    wrong = await http.get("/webhooks/whatsapp", params={**query, "hub.verify_token": "guess"})
    assert (ok.status_code, ok.text) == (200, "8817")
    assert wrong.status_code == 403


async def test_text_in_reply_out_once_even_when_delivered_twice(
    runtime: Runtime, http: httpx.AsyncClient, graph_api: GraphStandIn
) -> None:
    assert await post(http, text_event("wamid.in1", "quanto eu devo?")) == 200
    assert await runtime.drain_outbox() >= 1
    replies = graph_api.messages()
    assert replies
    assert {r["to"] for r in replies} == {WA_ID}
    assert all(r["messaging_product"] == "whatsapp" for r in replies)
    texts = [
        r["text"]["body"] if r["type"] == "text" else r["interactive"]["body"]["text"]
        for r in replies
    ]
    assert any("Geladeira" in text for text in texts)
    before = len(replies)
    assert await post(http, text_event("wamid.in1", "quanto eu devo?")) == 200  # redelivery
    await runtime.drain_outbox()
    assert len(graph_api.messages()) == before
    assert inbound_count(runtime) == 1


async def test_forged_signature_is_refused_and_nothing_is_stored(
    runtime: Runtime, http: httpx.AsyncClient, graph_api: GraphStandIn
) -> None:
    assert await post(http, text_event("wamid.in2", "oi"), secret="not-the-secret") == 403
    unsigned = await http.post("/webhooks/whatsapp", json=text_event("wamid.in3", "oi"))
    assert unsigned.status_code == 403
    assert inbound_count(runtime) == 0
    assert await runtime.drain_outbox() == 0
    assert graph_api.messages() == []


async def test_reminder_outside_the_window_goes_as_a_template(
    runtime: Runtime, graph_api: GraphStandIn
) -> None:
    with transaction(runtime.db) as session:
        from bot.store.portfolio import PortfolioRepository

        debtor = PortfolioRepository(session).debtor_by_ref("D-1")
        assert debtor is not None
        debtor_id = debtor.id
    assert runtime.outreach.remind_sync(debtor_id, "overdue", "cloud-test:overdue", {})
    assert await runtime.drain_outbox() == 1
    [sent] = graph_api.messages()  # she never wrote: the 24-hour window is closed
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "overdue"
    assert sent["template"]["language"] == {"code": "pt_BR"}


async def test_delivery_status_updates_the_message(
    runtime: Runtime, http: httpx.AsyncClient, graph_api: GraphStandIn
) -> None:
    assert await post(http, text_event("wamid.in4", "quanto eu devo?")) == 200
    await runtime.drain_outbox()
    wamid = "wamid.out1"
    value = {
        "messaging_product": "whatsapp",
        "statuses": [
            {"id": wamid, "status": "delivered", "timestamp": "1795000100", "recipient_id": WA_ID}
        ],
    }
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}
    assert await post(http, payload) == 200
    with transaction(runtime.db) as session:
        row = session.scalars(select(Message).where(Message.provider_id == wamid)).one()
        assert row.status == DeliveryStatus.DELIVERED


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"entry": []}'
    assert signature_valid(SECRET, body, sign(body))
    assert not signature_valid(SECRET, body + b" ", sign(body))
    assert not signature_valid(SECRET, body, None)
    assert not signature_valid(SECRET, body, sign(body).removeprefix("sha256="))


def test_button_list_and_media_replies_parse() -> None:
    def message(raw: dict[str, Any]) -> dict[str, Any]:
        base = {"from": WA_ID, "id": "wamid.x", "timestamp": "1795000000"}
        value = {"messages": [base | raw]}
        return {"entry": [{"changes": [{"value": value}]}]}

    now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    [button], _ = parse_webhook(
        message(
            {
                "type": "interactive",
                "interactive": {
                    "type": "button_reply",
                    "button_reply": {"id": "offer:3x", "title": "3x"},
                },
            }
        ),
        now=now,
    )
    [listed], _ = parse_webhook(
        message(
            {
                "type": "interactive",
                "interactive": {"type": "list_reply", "list_reply": {"id": "opt:2", "title": "B"}},
            }
        ),
        now=now,
    )
    [audio], _ = parse_webhook(
        message({"type": "audio", "audio": {"id": "MEDIA42", "mime_type": "audio/ogg"}}), now=now
    )
    assert (button.button_payload, button.text, button.address) == ("offer:3x", "3x", PHONE)
    assert (listed.button_payload, listed.text) == ("opt:2", "B")
    assert [(m.kind, m.url, m.content_type) for m in audio.media] == [
        ("audio", "whatsapp-media:MEDIA42", "audio/ogg")
    ]


def test_buttons_become_reply_buttons_or_a_list() -> None:
    few = OutboundMessage(
        "whatsapp", PHONE, "Escolha", buttons=(Button("À vista", "a"), Button("3x", "b"))
    )
    many = OutboundMessage(
        "whatsapp", PHONE, "Escolha", buttons=tuple(Button(f"Opção {i}", str(i)) for i in range(5))
    )
    assert request_body(few, language="pt_BR")["interactive"]["type"] == "button"
    body = request_body(many, language="pt_BR")["interactive"]
    assert body["type"] == "list"
    assert [row["id"] for row in body["action"]["sections"][0]["rows"]] == list("01234")


def tap_event(wamid: str, kind: str, reply_id: str, title: str) -> dict[str, Any]:
    """A tap on a reply button (``button_reply``) or a list row (``list_reply``)."""
    payload = text_event(wamid, "")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = "interactive"
    message["interactive"] = {"type": kind, kind: {"id": reply_id, "title": title}}
    return payload


async def test_tapped_plan_and_yes_make_the_agreement(
    runtime: Runtime, http: httpx.AsyncClient, graph_api: GraphStandIn
) -> None:
    from bot.store.tables import Agreement

    assert await post(http, text_event("wamid.t1", "quero parcelar")) == 200
    await runtime.drain_outbox()
    offers = graph_api.messages()[-1]["interactive"]
    if offers["type"] == "list":
        rows = offers["action"]["sections"][0]["rows"]
        choices = [(row["id"], row["title"]) for row in rows]
        assert offers["action"]["button"] == "Ver opções"  # from dialogues/, not code
        assert all(len(row["title"]) <= 24 and len(row["description"]) <= 72 for row in rows)
    else:
        choices = [(b["reply"]["id"], b["reply"]["title"]) for b in offers["action"]["buttons"]]
    assert [choice_id for choice_id, _ in choices] == [
        f"options:{n}" for n in range(1, len(choices) + 1)
    ]
    kind = "list_reply" if offers["type"] == "list" else "button_reply"
    assert await post(http, tap_event("wamid.t2", kind, *choices[0])) == 200
    await runtime.drain_outbox()
    summary = graph_api.messages()[-1]["interactive"]
    assert summary["type"] == "button"
    buttons = [(b["reply"]["id"], b["reply"]["title"]) for b in summary["action"]["buttons"]]
    assert [choice_id for choice_id, _ in buttons] == ["yes_no:yes", "yes_no:no"]
    assert all(len(title) <= 20 for _, title in buttons)
    assert await post(http, tap_event("wamid.t3", "button_reply", *buttons[0])) == 200
    await runtime.drain_outbox()
    with transaction(runtime.db) as session:
        [agreement] = session.scalars(select(Agreement)).all()
        taps = session.execute(
            select(Message.intent, Message.confidence)
            .where(Message.direction == "in")
            .order_by(Message.id)
        ).all()
    assert taps[-2:] == [("choose_option", 1.0), ("affirm", 1.0)]
    assert agreement.status in ("active", "pending_approval")


def test_long_plans_become_list_rows_within_meta_limits() -> None:
    long = "Entrada + 10x de R$ 1.234,56 sem juros"
    message = OutboundMessage(
        "whatsapp",
        PHONE,
        "Opções:\n1) ...\n2) ...",
        buttons=(Button("1. À vista R$ 600,00", "options:1"), Button(long, "options:2")),
        choice_kind="options",
        choices_button="Ver opções",
    )
    body = request_body(message, language="pt_BR")["interactive"]
    rows = body["action"]["sections"][0]["rows"]
    assert body["type"] == "list"
    assert rows[1]["title"] == long[:23].rstrip() + "…"
    assert rows[1]["description"] == long  # the whole label is still read
    assert "title" not in body["action"]["sections"][0]  # one section needs no title


def test_too_many_answers_go_as_numbered_text() -> None:
    buttons = tuple(Button(f"{n}. Plano {n}", f"options:{n}") for n in range(1, 13))
    message = OutboundMessage(
        "whatsapp", PHONE, "Escolha:", buttons=buttons, choice_kind="options"
    )
    body = request_body(message, language="pt_BR")
    assert body["type"] == "text"
    assert body["text"]["body"].splitlines()[-1] == "12. Plano 12"


def test_yes_no_without_buttons_is_not_numbered() -> None:
    """'1' is not read as yes: a yes/no question that cannot be buttons asks in words."""
    buttons = tuple(Button(f"Sim {n}" * 5, f"yes_no:{n}") for n in range(2))
    message = OutboundMessage(
        "whatsapp", PHONE, "Posso fechar? " * 400, buttons=buttons, choice_kind="yes_no"
    )
    body = request_body(message, language="pt_BR")
    assert body["type"] == "text"
    assert body["text"]["body"] == message.text[:4096]
