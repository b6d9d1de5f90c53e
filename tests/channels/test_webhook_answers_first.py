"""The webhook answers once the delivery is stored, before its turn; order per chat is kept,
a redelivery is dropped, and a delivery whose process died after the 200 is still answered.

The first test needs PostgreSQL: on SQLite a turn holds the database's single write lock, so a
turn held open on purpose would also hold the next webhook's insert.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from e2e import PHONE, PUBLIC, add_debtor, e2e_settings
from sqlalchemy import func, select, text
from standins import TwilioStandIn, twilio_signature

from bot.channels.lifecycle import stop_channels
from bot.channels.registry import build_channels
from bot.core.clock import FixedClock
from bot.core.domain import InboundMessage
from bot.runtime.inbox import store_delivery
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import make_engine, transaction
from bot.store.tables import InboxDelivery, Message
from bot.web.app import build_app

CLOCK = FixedClock(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))


class GatedInterpreter:
    """The real NLU, but every parse waits until the test opens the gate."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = threading.Event()
        self.parsed: list[str] = []

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Any:
        assert self.gate.wait(timeout=20), "the test never opened the gate"
        self.parsed.append(text)
        return self.real.parse(text, now, language=language)


@pytest.fixture(scope="module")
def real_interpreter() -> Any:
    from bot.config import Settings
    from bot.nlu import build_interpreter

    return build_interpreter(Settings())


def _reset_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    _reset_schema(postgres_server_url)
    yield postgres_server_url
    _reset_schema(postgres_server_url)  # later tests share this database and count rows


@pytest.fixture
def any_database_url(database_url: str) -> Iterator[str]:
    yield database_url
    if database_url.startswith("postgresql"):
        _reset_schema(database_url)


async def _runtime(url: str, twilio_api: TwilioStandIn, interpreter: Any) -> Runtime:
    settings = e2e_settings(
        url,
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=twilio_api.auth_token,
        twilio_whatsapp_from="+14155238886",
        twilio_api_base_url=twilio_api.url,
        secret_key="a-test-key-long-enough-for-production-checks-0123456789",
    )
    return build_runtime(
        settings, clock=CLOCK, channels=build_channels(settings), interpreter=interpreter
    )


@pytest.fixture
async def started(
    postgres_url: str, twilio_api: TwilioStandIn, real_interpreter: Any
) -> AsyncIterator[tuple[Runtime, GatedInterpreter]]:
    gated = GatedInterpreter(real_interpreter)
    rt = await _runtime(postgres_url, twilio_api, gated)
    add_debtor(rt, CLOCK)
    await rt.start(background=True)  # as `quita serve` runs it: inbox workers and sender
    yield rt, gated
    gated.gate.set()
    await rt.stop()
    await stop_channels(rt.channels)
    rt.engine.dispose()


def _count(rt: Runtime, table: Any, **where: Any) -> int:
    with transaction(rt.db) as session:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(getattr(table, key) == value)
        return int(session.scalar(query) or 0)


async def _post(client: httpx.AsyncClient, sid: str, body: str) -> httpx.Response:
    form = {
        "MessageSid": sid,
        "From": f"whatsapp:{PHONE}",
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
    }
    signature = twilio_signature("test-token", PUBLIC + "/webhooks/twilio", form)
    return await client.post(
        "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
    )


def _how_much(provider_id: str) -> InboundMessage:
    """A debtor's "quanto eu devo?" as delivered by the provider under ``provider_id``."""
    return InboundMessage(
        channel="whatsapp",
        address=PHONE,
        provider_id=provider_id,
        text="quanto eu devo?",
        received_at=CLOCK.now(),
    )


async def _until(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


@pytest.mark.postgres
async def test_webhook_answers_before_the_turn_and_keeps_the_chat_in_order(
    started: tuple[Runtime, GatedInterpreter], twilio_api: TwilioStandIn
) -> None:
    rt, gated = started
    app = build_app(rt.settings, rt, background=False)  # the runtime is already started
    texts = ["oi", "quanto eu devo?", "vou pagar na sexta", "obrigado"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        for n, body in enumerate(texts):
            t0 = time.monotonic()
            response = await _post(client, f"SM{n:032d}", body)
            assert response.status_code == 200
            assert "<Response/>" in response.text
            # answered while every turn is still held at the NLU
            assert time.monotonic() - t0 < 5
        assert gated.parsed == []
        assert _count(rt, Message, direction="in") == 0  # no turn has committed yet
        assert _count(rt, InboxDelivery, status="pending") == len(texts)

        redelivered = await _post(client, f"SM{0:032d}", "oi")  # Twilio retries the first
        assert redelivered.status_code == 200
        assert _count(rt, InboxDelivery) == len(texts)

    gated.gate.set()
    await _until(lambda: _count(rt, InboxDelivery, status="done") == len(texts))
    assert gated.parsed == texts  # one turn at a time, in the order they arrived
    with transaction(rt.db) as session:
        inbound = session.scalars(
            select(Message).where(Message.direction == "in").order_by(Message.id)
        ).all()
        assert [m.text for m in inbound] == texts
        assert [m.provider_id for m in inbound] == [f"SM{n:032d}" for n in range(len(texts))]
    await _until(lambda: _count(rt, Message, direction="out", status="queued") == 0)
    with transaction(rt.db) as session:
        outbound = session.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id)
        ).all()
    assert outbound
    assert all(m.status == "sent" for m in outbound)
    assert [m["Body"] for m in twilio_api.messages()] == [m.text for m in outbound]


async def test_a_delivery_stored_before_a_crash_is_answered_after_restart(
    any_database_url: str, twilio_api: TwilioStandIn, real_interpreter: Any
) -> None:
    database_url = any_database_url
    # the process that answered 200 died before the turn: only the inbox row exists
    first = await _runtime(database_url, twilio_api, real_interpreter)
    add_debtor(first, CLOCK)
    msg = _how_much("SM" + "7" * 32)
    with transaction(first.db) as session:
        assert store_delivery(session, msg)
    with transaction(first.db) as session:
        assert not store_delivery(session, msg)  # the provider's retry changes nothing
    first.engine.dispose()

    rt = await _runtime(database_url, twilio_api, real_interpreter)
    await rt.start(background=True)
    try:
        await _until(lambda: _count(rt, InboxDelivery, status="done") == 1)
        await _until(lambda: _count(rt, Message, direction="out", status="sent") >= 1)
        await _until(lambda: _count(rt, Message, direction="out", status="queued") == 0)
        assert _count(rt, Message, direction="in") == 1
        assert any("Geladeira" in m.get("Body", "") for m in twilio_api.messages())
    finally:
        await rt.stop()
        await stop_channels(rt.channels)
        rt.engine.dispose()


async def test_a_turn_and_its_inbox_row_commit_together(
    any_database_url: str,
    twilio_api: TwilioStandIn,
    real_interpreter: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The row's "done" mark is part of its turn's transaction: when that transaction fails
    after the mark, neither the turn nor the mark is kept, and the retry does both once."""
    from bot.runtime.inbox import InboxWorkers

    real_done = InboxWorkers._done_in
    failures: list[int] = []

    def done_then_fail_once(self: InboxWorkers, row_id: int, session: Any) -> None:
        real_done(self, row_id, session)
        if not failures:
            failures.append(row_id)
            raise TimeoutError("the database went away before the commit")  # transient

    monkeypatch.setattr(InboxWorkers, "_done_in", done_then_fail_once)
    rt = await _runtime(any_database_url, twilio_api, real_interpreter)
    add_debtor(rt, CLOCK)
    await rt.start(background=True)
    try:
        assert rt.inbox is not None
        msg = _how_much("SM" + "5" * 32)
        assert await rt.inbound.accept(msg)
        await _until(lambda: bool(failures))  # the mark ran, then its transaction failed
        await rt.inbox.sweep()  # as the periodic sweep does (it may have already)
        await _until(lambda: _count(rt, InboxDelivery, status="done") == 1)
        with transaction(rt.db) as session:
            row = session.scalars(select(InboxDelivery)).one()
        # one failed attempt, counted apart, then one turn that committed with its mark (a
        # mark that had outlived its failed turn would have left the row done after one
        # attempt and the message never turned)
        assert row.attempts == 2
        assert _count(rt, Message, direction="in") == 1
        await _until(lambda: _count(rt, Message, direction="out", status="sent") >= 1)
        assert sum("Geladeira" in m.get("Body", "") for m in twilio_api.messages()) == 1
    finally:
        await rt.stop()
        await stop_channels(rt.channels)
        rt.engine.dispose()
