"""A chat-id channel (its policy ``links_by_token``): an unknown chat is asked to link, and a
phone number shared in it is looked up on the phone channels."""

from __future__ import annotations

from typing import Any

from bot.channels.recording import RecordingChannel
from bot.core.domain import InboundMessage
from bot.store.tables import Contact
from tests.runtime.support import add_debtor


def telegram(runtime: Any, pid: str, **fields: Any) -> InboundMessage:
    return InboundMessage(
        channel="telegram",
        address="777000",
        provider_id=pid,
        text=fields.pop("text", "oi"),
        received_at=runtime.clock.now(),
        **fields,
    )


async def test_an_unknown_chat_is_asked_to_link_then_a_shared_phone_links_it(
    make_runtime: Any,
) -> None:
    runtime = await make_runtime()
    debtor_id = add_debtor(runtime, phone="+5511990000001")
    assert await runtime.inbound.receive(telegram(runtime, "t1"))
    await runtime.drain_outbox()
    recorder = runtime.channels["telegram"]
    assert isinstance(recorder, RecordingChannel)
    assert "Compartilhar contato" in recorder.texts()[-1]

    assert await runtime.inbound.receive(
        telegram(runtime, "t2", text="", contact_phone="5511990000001")
    )

    def linked(session: Any) -> int | None:
        row = session.query(Contact).filter_by(channel="telegram", address="777000").one()
        return row.debtor_id  # type: ignore[no-any-return]

    assert runtime.in_transaction(linked) == debtor_id


async def test_a_phone_channel_stranger_gets_the_plain_unknown_contact_reply(
    make_runtime: Any,
) -> None:
    runtime = await make_runtime()
    msg = InboundMessage(
        channel="whatsapp",
        address="+5511911112222",
        provider_id="w1",
        text="oi",
        received_at=runtime.clock.now(),
    )
    assert await runtime.inbound.receive(msg)
    await runtime.drain_outbox()
    recorder = runtime.channels["whatsapp"]
    assert isinstance(recorder, RecordingChannel)
    assert "Compartilhar contato" not in recorder.texts()[-1]
    assert "número" in recorder.texts()[-1]
