"""The simulator's "get a reminder" button plays the business side of the demo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.core.clock import FixedClock
from bot.runtime.service import Runtime
from bot.store.tables import Message
from tests.runtime.support import add_debtor


async def test_a_simulator_reminder_reaches_the_web_chat(make_runtime: Any) -> None:
    runtime: Runtime = await make_runtime()
    debtor_id = add_debtor(runtime)

    def web_contact(session: Any) -> None:
        from bot.store.portfolio import PortfolioRepository

        repo = PortfolioRepository(session)
        debtor = repo.debtor(debtor_id)
        assert debtor is not None
        repo.ensure_contact(debtor, "web", "demo-d-1", runtime.clock.now())

    runtime.in_transaction(web_contact)
    # Sunday night: the cadence would wait, the demo button sends at once
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.set(datetime.fromisoformat("2026-11-29T22:00:00-03:00"))
    assert await runtime.simulator.reminder("demo-d-1") == "overdue"
    texts = runtime.in_transaction(
        lambda s: list(
            s.scalars(
                select(Message.text).where(Message.channel == "web", Message.direction == "out")
            )
        )
    )
    assert len(texts) == 1
    assert "Loja Exemplo" in texts[0]
    assert await runtime.simulator.reminder("nobody") is None
