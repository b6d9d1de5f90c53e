"""Issue 16's demo points: the demo talks through the simulator only (no WhatsApp account is
configured, so no send may fail), the simulator says each debtor's language and debt, and
its errors are pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from bot.runtime.service import Runtime
from bot.store.tables import Contact, Message
from tests.web.conftest import csrf_of


def test_demo_debtors_are_reachable_only_in_the_simulator(runtime: Runtime) -> None:
    with runtime.db() as session:
        channels = set(
            session.scalars(select(Contact.channel).where(Contact.debtor_id.is_not(None)))
        )
    assert channels == {"web"}


async def test_a_reminder_round_after_loading_the_demo_fails_nothing(runtime: Runtime) -> None:
    from bot.cadence.runner import run_pass

    local = ZoneInfo(runtime.settings.business.timezone)
    today = runtime.clock.now().astimezone(local).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # contact hours for sure
    report = run_pass(
        runtime.db,
        runtime.settings,
        runtime.clock,
        runtime.outreach.remind_sync,
        now=datetime.combine(monday, time(10, 0), tzinfo=local),
    )
    await runtime.drain_outbox()
    with runtime.db() as session:
        outbound = session.scalars(select(Message).where(Message.direction == "out")).all()
    assert report.errors == 0
    assert report.sent > 0  # the demo's late debtors get their reminders ...
    assert {m.channel for m in outbound} == {"web"}  # ... in the simulator
    assert [m for m in outbound if m.status in ("failed", "undelivered")] == []


async def test_the_simulator_shows_language_and_debt_and_errors_are_pages(
    anon: httpx.AsyncClient,
) -> None:
    page = await anon.get("/simulator")
    assert "Carlos Santos (DEMO-004) · português · R$ 450,00" in page.text
    assert "Mary Johnson (DEMO-021) · inglês · R$ 420,00" in page.text
    token = await csrf_of(anon)
    bad = await anon.post("/simulator/start", data={"csrf_token": token, "phone": "abc"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("text/html")
    assert "Não reconheço esse cliente" in bad.text
