"""The dashboard's portal figures against a hand-built event log: which events count, the
period's edges in the business timezone, and nothing but the page's own events."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.runtime.service import Runtime
from bot.store.ledger import EventLog
from bot.store.tables import Debtor

SP = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SP)


# (local time, kind, actor): March 2020 is the period asked; the rest must not count
HAND_BUILT = [
    ("2020-02-29T23:59", "portal_opened", "portal"),  # the day before the period
    ("2020-03-01T00:00", "portal_opened", "portal"),  # its first instant
    ("2020-03-02T10:00", "portal_opened", "portal"),
    ("2020-03-02T10:01", "portal_identity_failed", "portal"),
    ("2020-03-02T10:02", "portal_verified", "portal"),
    ("2020-03-02T10:03", "portal_viewed", "portal"),  # a view, not a simulation
    ("2020-03-02T10:04", "portal_simulated", "portal"),
    ("2020-03-02T10:05", "portal_simulated", "portal"),
    ("2020-03-02T10:06", "portal_agreement", "portal"),
    ("2020-03-02T10:06", "agreement_created", "portal"),  # the chat's own count, not ours
    ("2020-03-15T09:00", "portal_opened", "bot"),  # not the page's
    ("2020-03-20T18:00", "portal_locked", "portal"),
    ("2020-03-31T23:30", "portal_opened", "portal"),  # the last evening (02:30 UTC on Apr 1)
    ("2020-03-31T23:31", "portal_verified", "portal"),
    ("2020-03-31T23:32", "portal_simulated", "portal"),
    ("2020-03-31T23:33", "portal_handoff", "portal"),
    ("2020-04-01T00:00", "portal_agreement", "portal"),  # the day after
]
EXPECTED = {
    "visits": 3,
    "verified": 2,
    "simulations": 3,
    "agreements": 1,
    "handoffs": 1,
    "locked": 1,
}


async def test_portal_figures_count_the_pages_events_in_the_period(
    manager: httpx.AsyncClient, runtime: Runtime
) -> None:
    def build(session: Session) -> None:
        debtor_id = session.scalar(select(Debtor.id).where(Debtor.ref == "DEMO-004"))
        log = EventLog(session)
        for when, kind, actor in HAND_BUILT:
            log.append(kind, at=at(when), actor=actor, debtor_id=debtor_id)

    runtime.in_transaction(build)
    page = await manager.get("/dashboard", params={"start": "2020-03-01", "end": "2020-03-31"})
    assert page.status_code == 200
    section = page.text.split('id="portal-kpis"')[1].split("</div>\n</div>")[0]
    shown = {
        name: int(value)
        for name, value in re.findall(
            r'data-kpi="portal\.(\w+)"><div class="value">(\d+)</div>', section
        )
    }
    assert shown == EXPECTED
