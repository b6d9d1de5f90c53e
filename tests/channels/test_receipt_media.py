"""Receipts sent as PDFs through each channel are downloaded by that channel (Telegram
``getFile``, Twilio's authenticated media URL, the Graph API media id), read, and matched
with a Pix the stand-in PSP received. Every provider is a local stand-in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from standins import TelegramStandIn, TwilioStandIn
from test_whatsapp_cloud import PHONE_ID, TOKEN, GraphStandIn

from bot.channels.base import Channel, MediaSource
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel, make_client
from bot.channels.whatsapp_cloud import CloudConfig, WhatsAppCloudChannel
from bot.config import load_settings
from bot.core.clock import FixedClock
from bot.core.domain import InboundMessage, Media
from bot.core.parse import Interpreter
from bot.offers.book import load_offer_book
from bot.payments.provider import build_payment_provider
from bot.payments.standin import StandInPsp
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import fresh_sqlite
from bot.store.tables import Debt, Receipt
from bot.testing.pdf import text_pdf
from tests.payments.conftest import NOW, WEBHOOK_SECRET, stand_in_api
from tests.payments.test_pix_flow import PHONE, add_debtor

KEY = "pagamentos@lojaexemplo.com.br"
CHAT = "777000111"


@pytest.fixture(scope="module")
def interpreter() -> Interpreter:
    from bot.nlu import build_interpreter

    return build_interpreter(load_settings(environ={}))


async def runtime_with(
    tmp_path: Path, interpreter: Interpreter, channel: Channel, psp: StandInPsp
) -> Runtime:
    settings = load_settings(
        overrides={
            "database_url": fresh_sqlite(tmp_path / "media.db"),
            "identity_check": "none",
            "payments": {"provider": "bacen_pix"},
        },
        environ={"PIX_WEBHOOK_SECRET": WEBHOOK_SECRET},
    )
    book = load_offer_book(Path(settings.offers.path))
    runtime = build_runtime(
        settings,
        clock=FixedClock(NOW),
        channels={channel.name: channel},  # type: ignore[dict-item]
        interpreter=interpreter,
        book=book,
        payments=build_payment_provider(settings, book, api=stand_in_api(psp)),
    )
    await runtime.start(background=False)
    add_debtor(SimpleNamespace(runtime=runtime), amount="300.00")  # type: ignore[arg-type]
    return runtime


def receipt_pdf(e2e: str) -> bytes:
    return text_pdf(
        [
            "Comprovante de transferência Pix",
            "Valor: R$ 300,00",
            "23/11/2026 09:41:10",
            f"ID: {e2e}",
        ]
    )


async def send(runtime: Runtime, channel: str, address: str, **fields: Any) -> None:
    await runtime.inbound.receive(
        InboundMessage(
            channel=channel,
            address=address,
            provider_id=uuid.uuid4().hex,
            text=fields.pop("text", ""),
            received_at=NOW,
            **fields,
        )
    )
    await runtime.drain_outbox()


def assert_matched(runtime: Runtime, psp: StandInPsp, e2e: str) -> None:
    def read(session: Any) -> tuple[Receipt, str]:
        receipt = session.scalar(select(Receipt))
        session.expunge(receipt)
        return receipt, session.scalar(select(Debt.status))

    receipt, debt_status = runtime.in_transaction(read)
    assert receipt.stated_amount == Decimal("300.00")  # read from the downloaded PDF
    assert receipt.stated_at == datetime.fromisoformat("2026-11-23T09:41:10-03:00")
    assert receipt.stated_end_to_end_id == e2e
    assert (receipt.status, receipt.end_to_end_id) == ("matched", e2e)
    assert ("GET", f"/pix/{e2e}") in psp.requests  # looked up by the id the PDF names
    assert debt_status == "paid"


@pytest.fixture
def graph_api() -> Iterator[GraphStandIn]:
    server = GraphStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def psp() -> StandInPsp:
    return StandInPsp()


@pytest.fixture
async def telegram(telegram_api: TelegramStandIn) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(telegram_api.token, base_url=telegram_api.base_url)
    yield channel
    await channel.stop()


async def test_telegram_pdf_receipt_is_downloaded_read_and_matched(
    tmp_path: Path,
    interpreter: Interpreter,
    telegram_api: TelegramStandIn,
    telegram: TelegramChannel,
    psp: StandInPsp,
) -> None:
    assert isinstance(telegram, MediaSource)
    runtime = await runtime_with(tmp_path, interpreter, telegram, psp)
    try:
        e2e = psp.pay_key(KEY, Decimal("300.00"), NOW)
        telegram_api.files["doc-1"] = receipt_pdf(e2e)
        await send(runtime, "telegram", CHAT, contact_phone=PHONE)  # links the chat
        await send(runtime, "telegram", CHAT, text="já paguei")
        await send(
            runtime,
            "telegram",
            CHAT,
            media=(Media("document", "telegram-file:doc-1", "application/pdf"),),
        )
        assert_matched(runtime, psp, e2e)
        assert [c.params["file_id"] for c in telegram_api.calls if c.method == "getFile"] == [
            "doc-1"
        ]
    finally:
        await runtime.stop()
        runtime.engine.dispose()


async def test_twilio_pdf_receipt_is_downloaded_with_basic_auth_and_matched(
    tmp_path: Path, interpreter: Interpreter, twilio_api: TwilioStandIn, psp: StandInPsp
) -> None:
    client, transport = make_client(
        twilio_api.account_sid, twilio_api.auth_token, base_url=twilio_api.url
    )
    channel = TwilioChannel(
        "whatsapp", client=client, transport=transport, from_number="+5511900000000"
    )
    runtime = await runtime_with(tmp_path, interpreter, channel, psp)
    try:
        e2e = psp.pay_key(KEY, Decimal("300.00"), NOW)
        url = twilio_api.media_url("MM" + "1" * 32, "ME" + "2" * 32, receipt_pdf(e2e))
        await send(runtime, "whatsapp", PHONE, text="já paguei")
        await send(runtime, "whatsapp", PHONE, media=(Media("document", url, "application/pdf"),))
        assert_matched(runtime, psp, e2e)
        (download,) = [c for c in twilio_api.calls if c.method == "file"]
        assert "Authorization" not in download.headers  # credentials stay with Twilio's API
    finally:
        await runtime.stop()
        runtime.engine.dispose()


async def test_whatsapp_cloud_pdf_receipt_is_downloaded_by_media_id_and_matched(
    tmp_path: Path, interpreter: Interpreter, graph_api: GraphStandIn, psp: StandInPsp
) -> None:
    config = CloudConfig(
        token=TOKEN,
        phone_number_id=PHONE_ID,
        app_secret="s",
        verify_token="v",
        base_url=graph_api.url + "/v20.0",
    )
    channel = WhatsAppCloudChannel(config)
    runtime = await runtime_with(tmp_path, interpreter, channel, psp)
    try:
        e2e = psp.pay_key(KEY, Decimal("300.00"), NOW)
        graph_api.media["4455667788"] = receipt_pdf(e2e)
        await send(runtime, "whatsapp", PHONE, text="já paguei")
        await send(
            runtime,
            "whatsapp",
            PHONE,
            media=(Media("document", "whatsapp-media:4455667788", "application/pdf"),),
        )
        assert_matched(runtime, psp, e2e)
        assert [c.path for c in graph_api.calls if c.method == "file"] == [
            "/media-files/4455667788"
        ]
    finally:
        await runtime.stop()
        runtime.engine.dispose()


async def test_downloads_refuse_other_types_unknown_files_and_foreign_hosts(
    telegram_api: TelegramStandIn, telegram: TelegramChannel, twilio_api: TwilioStandIn
) -> None:
    telegram_api.files["zip-1"] = b"PK\x03\x04"
    assert (
        await telegram.fetch_media(Media("document", "telegram-file:zip-1", "application/zip"))
        is None
    )
    assert (
        await telegram.fetch_media(Media("document", "telegram-file:nope", "application/pdf"))
        is None
    )
    client, transport = make_client(
        twilio_api.account_sid, twilio_api.auth_token, base_url=twilio_api.url
    )
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    foreign = Media("document", "https://evil.example/receipt.pdf", "application/pdf")
    assert await sms.fetch_media(foreign) is None
    assert not [c for c in twilio_api.calls if c.method == "file"]  # no credentials sent


async def test_a_file_over_five_megabytes_is_not_downloaded(
    telegram_api: TelegramStandIn, telegram: TelegramChannel
) -> None:
    telegram_api.files["big"] = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    assert (
        await telegram.fetch_media(Media("document", "telegram-file:big", "application/pdf"))
        is None
    )
    assert not [c for c in telegram_api.calls if c.method == "file"]  # refused on file_size


async def test_the_periodic_sync_reads_a_receipt_through_its_channel_on_the_loop(
    tmp_path: Path, interpreter: Interpreter, graph_api: GraphStandIn, psp: StandInPsp
) -> None:
    """The first pass could neither download (the file was not there yet) nor reach the
    PSP; housekeeping, run in a worker thread, downloads through the channel later."""
    config = CloudConfig(
        token=TOKEN,
        phone_number_id=PHONE_ID,
        app_secret="s",
        verify_token="v",
        base_url=graph_api.url + "/v20.0",
    )
    runtime = await runtime_with(tmp_path, interpreter, WhatsAppCloudChannel(config), psp)
    try:
        await send(runtime, "whatsapp", PHONE, text="já paguei")
        psp.fail_next(*["500"] * 8)  # every retry of the first lookup
        await send(
            runtime,
            "whatsapp",
            PHONE,
            media=(Media("document", "whatsapp-media:99887766", "application/pdf"),),
        )
        first = runtime.in_transaction(lambda s: s.scalar(select(Receipt.stated_amount)))
        assert first is None
        psp.failures.clear()
        e2e = psp.pay_key(KEY, Decimal("300.00"), NOW)
        graph_api.media["99887766"] = receipt_pdf(e2e)
        await runtime.outreach.housekeeping()
        assert_matched(runtime, psp, e2e)
    finally:
        await runtime.stop()
        runtime.engine.dispose()
