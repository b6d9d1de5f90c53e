"""A confirmed payment is announced live: the open chat, the agents' inbox and dashboards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.core.domain import InboundMessage
from bot.store.tables import Conversation
from tests.runtime.support import add_debtor


async def test_a_confirmed_payment_reaches_the_chat_inbox_and_dashboards(
    make_runtime: Any,
) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    await runtime.inbound.receive(
        InboundMessage(
            channel="whatsapp",
            address="+5511990000001",
            provider_id="PL1",
            text="quanto eu devo?",
            received_at=runtime.clock.now(),
        )
    )
    conversation_id = runtime.in_transaction(lambda s: s.scalar(select(Conversation.id)))
    published: list[tuple[str, dict[str, object]]] = []
    original = runtime.live.publish

    async def recording(topic: str, data: dict[str, object]) -> None:
        published.append((topic, data))
        await original(topic, data)

    runtime.live.publish = recording
    paid_at = runtime.clock.now()
    assert await runtime.outreach.confirm_payment(
        "D-1-1", Decimal("100.00"), paid_at, dedupe_key="k1"
    )
    assert (f"conversation:{conversation_id}", {"kind": "payment"}) in published
    assert ("inbox", {"conversation_id": conversation_id, "kind": "payment"}) in published
    assert ("payments", {"kind": "paid"}) in published
    published.clear()
    # the same payment again is not counted, and not announced
    assert not await runtime.outreach.confirm_payment(
        "D-1-1", Decimal("100.00"), paid_at, dedupe_key="k1"
    )
    assert published == []
