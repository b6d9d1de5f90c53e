"""The inbound pipeline and the business-initiated turns, on the real in-process stack."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.recording import RecordingChannel
from bot.conversation.operations import AlreadyTaken
from bot.core.domain import InboundMessage, Media
from bot.runtime.service import Runtime
from bot.store.tables import (
    Agreement,
    Contact,
    Conversation,
    Event,
    Message,
    Promise,
    Receipt,
    ReminderSend,
    User,
)
from tests.runtime.support import add_debtor


def inbound(
    runtime: Runtime,
    text: str,
    *,
    pid: str,
    address: str = "+5511990000001",
    media: tuple[Media, ...] = (),
) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp",
        address=address,
        provider_id=pid,
        text=text,
        received_at=runtime.clock.now(),
        media=media,
    )


def sent(runtime: Runtime, channel: str = "whatsapp") -> list[str]:
    recorder = runtime.channels[channel]
    assert isinstance(recorder, RecordingChannel)
    return recorder.texts()


def count(runtime: Runtime, query: Any) -> int:
    return int(runtime.in_transaction(lambda s: s.scalar(query)) or 0)


async def test_a_duplicate_delivery_is_answered_once(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    assert await runtime.inbound.receive(inbound(runtime, "quanto eu devo?", pid="SM1")) is True
    await runtime.drain_outbox()
    replies = len(sent(runtime))
    assert replies >= 1
    assert await runtime.inbound.receive(inbound(runtime, "quanto eu devo?", pid="SM1")) is False
    await runtime.drain_outbox()
    assert (
        count(runtime, select(func.count()).select_from(Message).where(Message.direction == "in"))
        == 1
    )
    assert len(sent(runtime)) == replies


async def test_a_retry_after_a_failed_turn_is_processed(make_runtime: Any) -> None:
    """Nothing is committed when a turn fails, and the provider's retry gets through."""
    runtime = await make_runtime()
    add_debtor(runtime)
    original = runtime.run_in_transaction

    calls = {"n": 0}

    async def flaky(work: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # the turn itself
            raise ConnectionError("database went away")
        return await original(work)

    runtime.run_in_transaction = flaky  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await runtime.inbound.receive(inbound(runtime, "oi", pid="SM2"))
    runtime.run_in_transaction = original  # type: ignore[method-assign]
    assert await runtime.inbound.receive(inbound(runtime, "oi", pid="SM2")) is True
    await runtime.drain_outbox()
    assert len(sent(runtime)) >= 1


async def test_an_unknown_number_gets_a_reply_that_discloses_nothing(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(
        inbound(runtime, "quanto eu devo?", pid="X1", address="+5511977770000")
    )
    await runtime.drain_outbox()
    reply = "\n".join(sent(runtime))
    assert reply
    assert "450" not in reply
    assert "Maria" not in reply
    assert "Geladeira" not in reply
    status = runtime.in_transaction(
        lambda s: s.scalar(select(Conversation.status).where(Conversation.debtor_id.is_(None)))
    )
    assert status == "waiting_agent"  # kept for an agent to see


async def test_fifty_concurrent_messages_are_stored_and_answered_in_order(
    make_runtime: Any,
) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    texts = [f"quanto eu devo mesmo? pergunta {n}" for n in range(50)]
    await asyncio.gather(
        *(runtime.inbound.receive(inbound(runtime, t, pid=f"C{n}")) for n, t in enumerate(texts))
    )
    await runtime.drain_outbox()
    stored = runtime.in_transaction(
        lambda s: list(
            s.scalars(select(Message.text).where(Message.direction == "in").order_by(Message.id))
        )
    )
    assert stored == texts
    assert (
        count(
            runtime,
            select(func.count())
            .select_from(Message)
            .where(Message.direction == "out", Message.status == "sent"),
        )
        >= 50
    )


async def test_media_instead_of_text_gets_a_kind_answer(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    audio = (Media(kind="audio", url="https://media.invalid/a.ogg", content_type="audio/ogg"),)
    await runtime.inbound.receive(inbound(runtime, "", pid="M1", media=audio))
    await runtime.drain_outbox()
    assert "texto" in sent(runtime)[-1].lower()


async def test_a_receipt_after_already_paid_is_kept(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(inbound(runtime, "ja paguei ontem", pid="R1"))
    image = (Media(kind="image", url="https://media.invalid/r.jpg", content_type="image/jpeg"),)
    await runtime.inbound.receive(inbound(runtime, "", pid="R2", media=image))
    assert count(runtime, select(func.count()).select_from(Receipt)) == 1


async def test_a_huge_message_is_stored_whole_and_answered(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    text = "vou pagar " * 2000
    assert await runtime.inbound.receive(inbound(runtime, text, pid="H1"))
    stored = runtime.in_transaction(lambda s: s.scalar(select(Message.text)))
    assert stored == text


async def test_a_reminder_key_sends_once(make_runtime: Any) -> None:
    runtime = await make_runtime()
    debtor_id = add_debtor(runtime)
    assert runtime.outreach.remind_sync(debtor_id, "overdue", "k-1", {}) is True
    assert runtime.outreach.remind_sync(debtor_id, "overdue", "k-1", {}) is False
    await runtime.drain_outbox()
    assert len(sent(runtime)) == 1
    assert count(runtime, select(func.count()).select_from(ReminderSend)) == 1
    assert "Loja Exemplo" in sent(runtime)[0]


async def test_opt_out_stops_reminders(make_runtime: Any) -> None:
    runtime = await make_runtime()
    debtor_id = add_debtor(runtime)
    await runtime.inbound.receive(inbound(runtime, "SAIR", pid="O1"))
    opted = runtime.in_transaction(
        lambda s: s.scalar(select(Contact.opted_out).where(Contact.channel == "whatsapp"))
    )
    assert opted is True
    # the SMS contact of the same phone is still reachable, so only that one may be used
    runtime.outreach.remind_sync(debtor_id, "overdue", "k-2", {})
    await runtime.drain_outbox()
    assert sent(runtime, "whatsapp")[1:] == []


async def test_payment_keeps_the_promise_and_is_recorded_once(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(inbound(runtime, "vou pagar na sexta", pid="P1"))
    promise = runtime.in_transaction(lambda s: s.scalar(select(Promise)))
    assert promise is not None
    assert promise.status == "open"
    paid_at = runtime.clock.now()
    assert await runtime.outreach.confirm_payment(
        "D-1-1", Decimal("450.00"), paid_at, dedupe_key="p1"
    )
    assert not await runtime.outreach.confirm_payment(
        "D-1-1", Decimal("450.00"), paid_at, dedupe_key="p1"
    )
    status = runtime.in_transaction(lambda s: s.scalar(select(Promise.status)))
    assert status == "kept"


async def test_agent_take_reply_release(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)

    def agents(session: Any) -> tuple[int, int]:
        now = runtime.clock.now()
        a = User(email="a@x", name="Ana", role="agent", password_hash="!", created_at=now)
        b = User(email="b@x", name="Bia", role="agent", password_hash="!", created_at=now)
        session.add_all([a, b])
        session.flush()
        return a.id, b.id

    ana, bia = runtime.in_transaction(agents)
    await runtime.inbound.receive(inbound(runtime, "quero falar com um atendente", pid="A1"))
    conversation_id = runtime.in_transaction(lambda s: s.scalar(select(Conversation.id)))
    await runtime.desk.take(conversation_id, ana)
    with pytest.raises(AlreadyTaken):
        await runtime.desk.take(conversation_id, bia)
    await runtime.desk.reply(conversation_id, ana, "Oi Maria, aqui é a Ana.")
    await runtime.inbound.receive(inbound(runtime, "oi ana", pid="A2"))
    await runtime.drain_outbox()
    assert sent(runtime)[-1] == "Oi Maria, aqui é a Ana."  # the bot stayed silent
    await runtime.desk.release(conversation_id, ana)
    await runtime.inbound.receive(inbound(runtime, "quanto eu devo?", pid="A3"))
    await runtime.drain_outbox()
    assert "450" in sent(runtime)[-1] or "460" in sent(runtime)[-1]
    kinds = runtime.in_transaction(lambda s: list(s.scalars(select(Event.kind))))
    assert {"handoff", "agent_took", "agent_released"} <= set(kinds)


async def test_a_broken_agreement_returns_the_debt_to_collection(make_runtime: Any) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(inbound(runtime, "consigo em 3x?", pid="G1"))
    await runtime.inbound.receive(inbound(runtime, "fechado", pid="G2"))
    agreement = runtime.in_transaction(lambda s: s.scalar(select(Agreement)))
    assert agreement is not None
    assert agreement.status == "active"
    runtime.clock.advance(timedelta(days=20))  # type: ignore[attr-defined]
    await runtime.outreach.housekeeping()
    status = runtime.in_transaction(lambda s: s.scalar(select(Agreement.status)))
    assert status == "broken"


async def test_delivery_statuses_out_of_order_never_move_back(make_runtime: Any) -> None:
    from bot.core.domain import DeliveryStatus, StatusUpdate

    runtime = await make_runtime()
    debtor_id = add_debtor(runtime)
    runtime.outreach.remind_sync(debtor_id, "overdue", "s-1", {})
    await runtime.drain_outbox()
    provider_id = runtime.in_transaction(
        lambda s: s.scalar(select(Message.provider_id).where(Message.direction == "out"))
    )
    at = runtime.clock.now()
    for status in (DeliveryStatus.READ, DeliveryStatus.DELIVERED, DeliveryStatus.SENT):
        update = StatusUpdate(channel="whatsapp", provider_id=provider_id, status=status, at=at)
        assert await runtime.inbound.record_status(update) is True
    row = runtime.in_transaction(
        lambda s: s.scalar(select(Message).where(Message.provider_id == provider_id))
    )
    assert row.status == "read"
    assert row.delivered_at is not None
    unknown = StatusUpdate(
        channel="whatsapp", provider_id="nope", status=DeliveryStatus.SENT, at=at
    )
    assert await runtime.inbound.record_status(unknown) is False


async def test_an_agent_agreement_beyond_the_bots_limits_waits_for_a_manager(
    make_runtime: Any,
) -> None:
    """Issue 13: an agent alone may not give more than the offer book does; the 40 % off
    becomes a request, and only once a manager approves is the agreement made, with the
    manager recorded as its approver."""
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(inbound(runtime, "quero falar com um atendente", pid="AG1"))

    def staff(session: Any) -> tuple[int, int]:
        now = runtime.clock.now()
        caio = User(email="c@x", name="Caio", role="agent", password_hash="!", created_at=now)
        gil = User(email="g@x", name="Gil", role="manager", password_hash="!", created_at=now)
        session.add_all([caio, gil])
        session.flush()
        return caio.id, gil.id

    caio, gil = runtime.in_transaction(staff)
    conversation_id = runtime.in_transaction(lambda s: s.scalar(select(Conversation.id)))
    await runtime.desk.take(conversation_id, caio)
    result = await runtime.desk.create_agreement(
        conversation_id, caio, 4, discount_percent=Decimal("40")
    )
    assert result.needs_approval
    assert result.agreement_id is None
    assert runtime.in_transaction(lambda s: s.scalar(select(Agreement))) is None
    await runtime.desk.decide_request(result.request_id, gil, approve=True)
    agreement = runtime.in_transaction(lambda s: s.scalar(select(Agreement)))
    assert agreement.status == "active"
    assert agreement.approved_by == gil
    assert agreement.installments == 4
    # 450.00 + 2 % fee + 11 days of 1 %/month interest = 460.65; 40 % off = 276.39
    assert agreement.total == Decimal("276.39")


async def test_a_business_message_at_night_waits_for_contact_hours(make_runtime: Any) -> None:
    from datetime import datetime

    runtime = await make_runtime(now=datetime.fromisoformat("2026-11-23T23:00:00-03:00"))
    add_debtor(runtime)
    assert await runtime.outreach.confirm_payment(
        "D-1-1", Decimal("450.00"), runtime.clock.now(), dedupe_key="night"
    )
    await runtime.drain_outbox()
    assert sent(runtime) == []  # no thank-you at 23:00
    runtime.clock.set(datetime.fromisoformat("2026-11-24T08:00:00-03:00"))  # type: ignore[attr-defined]
    await runtime.drain_outbox()
    assert len(sent(runtime)) == 1
