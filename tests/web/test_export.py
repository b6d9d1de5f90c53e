"""The conversation log (filters, paging), transcripts and the CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.config import Settings
from bot.core.clock import FixedClock
from bot.runtime.service import TurnDeps
from bot.store.db import transaction, upgrade
from bot.store.tables import User
from bot.web.app import build_app
from bot.web.security import hash_password
from tests.web import known_portfolio as known
from tests.web.conftest import client_for, log_in, make_runtime


@pytest.fixture
async def log_client(
    settings: Settings, shared_deps: TurnDeps, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, int]]]:
    upgrade(settings.database_url)
    runtime = make_runtime(settings, shared_deps, clock=FixedClock(known.at(7, 12)))
    with transaction(runtime.db) as session:
        ids = known.build(session)
        session.add(
            User(
                email="boss@example.com",
                name="Boss",
                role="manager",
                password_hash=hash_password("boss-password"),
                language="en",
                created_at=known.at(1),
            )
        )
    app: FastAPI = build_app(settings, runtime, background=False)
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await log_in(client, "boss@example.com", "boss-password")).status_code == 303
        yield client, ids
    runtime.engine.dispose()


def _rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # Excel reads the accents right
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


async def test_log_filters(log_client: tuple[httpx.AsyncClient, dict[str, int]]) -> None:
    client, ids = log_client

    async def found(**params: str) -> set[int]:
        data = (await client.get("/api/conversations", params=params)).json()
        return {c["id"] for c in data["conversations"]}

    assert await found() == set(ids.values())
    assert await found(outcome="promise") == {ids["c1"], ids["c2"]}
    assert await found(outcome="no_reply") == {ids["c3"], ids["c10"], ids["c11"]}
    assert await found(outcome="opt_out") == {ids["c4"]}
    assert await found(intent="out_of_scope") == {ids["c2"]}
    assert await found(channel="sms") == {ids["c5"]}
    assert await found(language="en") == {ids["c2"]}
    assert await found(q="parcelar") == {ids["c7"]}
    assert await found(q="100%") == set()  # LIKE wildcards are literal
    assert await found(date_from="2026-11-06", date_to="2026-11-07") == {ids["c7"]}


async def test_log_page_and_paging(log_client: tuple[httpx.AsyncClient, dict[str, int]]) -> None:
    client, ids = log_client
    page = await client.get("/dashboard/conversations", params={"outcome": "promise"})
    assert page.status_code == 200
    assert "Page 1 of 1 (2 conversations)" in page.text
    transcript = await client.get(f"/dashboard/conversations/{ids['c2']}")
    assert "out_of_scope" in transcript.text
    assert "0.80" in transcript.text  # confidence per message
    assert "promise_recorded" in transcript.text
    assert "agent:1" in transcript.text


async def test_conversations_csv_respects_the_filters(
    log_client: tuple[httpx.AsyncClient, dict[str, int]],
) -> None:
    client, ids = log_client
    response = await client.get("/dashboard/conversations.csv", params={"outcome": "promise"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _rows(response.text)
    assert {int(r["conversation_id"]) for r in rows} == {ids["c1"], ids["c2"]}
    assert {r["outcome"] for r in rows} == {"promise"}
    everything = _rows((await client.get("/dashboard/conversations.csv")).text)
    assert len(everything) == 9


async def test_results_csv(log_client: tuple[httpx.AsyncClient, dict[str, int]]) -> None:
    client, _ = log_client
    response = await client.get(
        "/dashboard/results.csv", params={"start": "2026-11-01", "end": "2026-11-07"}
    )
    assert response.status_code == 200
    metrics = {r["metric"]: r["value"] for r in _rows(response.text)}
    assert metrics["contacts"] == "6"
    assert metrics["amount_recovered"] == "245.50"
    assert metrics["promise_kept_rate"] == "0.5000"
    assert metrics["failed_deliveries"] == "2"
    page = await client.get("/dashboard", params={"start": "2026-11-01", "end": "2026-11-07"})
    assert page.status_code == 200
    assert page.text.count("<svg") == 4  # charts drawn on the server
    api = (
        await client.get("/api/results", params={"start": "2026-11-01", "end": "2026-11-07"})
    ).json()
    assert api["contacts"] == 6


async def test_csv_cells_cannot_start_formulas(
    log_client: tuple[httpx.AsyncClient, dict[str, int]], settings: Settings
) -> None:
    client, _ = log_client
    from bot.store.db import make_engine, make_sessionmaker
    from bot.store.tables import Debtor

    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        debtor = session.get(Debtor, 1)
        assert debtor is not None
        debtor.name = '=HYPERLINK("http://evil")'
    engine.dispose()
    rows = _rows((await client.get("/dashboard/conversations.csv")).text)
    assert any(r["debtor_name"].startswith("'=") for r in rows)


async def test_csv_for_a_pt_br_spreadsheet(
    log_client: tuple[httpx.AsyncClient, dict[str, int]],
) -> None:
    """Semicolons, decimal commas, a BOM, local time; one table per file."""
    client, ids = log_client
    client.cookies.set("quita_lang", "pt")
    period = {"start": "2026-11-01", "end": "2026-11-07"}
    results = await client.get("/dashboard/results.csv", params=period)
    metrics = {r["metric"]: r for r in _rows(results.text, ";")}
    assert metrics["amount_recovered"]["value"] == "245,50"
    assert metrics["self_cure_rate"]["value"] == "0,2500"
    # 25/10–31/10: c1 and c10 were written to on the 31st
    assert metrics["contacts"]["previous_period"] == "2"
    assert "\r\n\r\n" not in results.text  # a single table
    daily = _rows((await client.get("/dashboard/daily.csv", params=period)).text, ";")
    assert [d["day"] for d in daily][:2] == ["01/11/2026", "02/11/2026"]
    assert daily[6]["recovered"] == "25,50"  # paid 23:30 on the 7th in São Paulo
    log = _rows((await client.get("/dashboard/conversations.csv")).text, ";")
    first = next(r for r in log if int(r["conversation_id"]) == ids["c1"])
    assert first["last_message_at"] == "02/11/2026 11:00"  # local time, not UTC


async def test_results_by_cadence_step(
    log_client: tuple[httpx.AsyncClient, dict[str, int]], settings: Settings
) -> None:
    """The results page offers the steps that were sent and narrows page and CSV to one."""
    from bot.store.db import make_engine, make_sessionmaker
    from bot.store.tables import Conversation, ReminderSend

    client, ids = log_client
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        conversation = session.get(Conversation, ids["c1"])
        assert conversation is not None
        assert conversation.debtor_id is not None
        session.add(
            ReminderSend(
                debtor_id=conversation.debtor_id,
                idempotency_key="c1:overdue",
                template="overdue",
                created_at=known.at(2, 9),
            )
        )
    engine.dispose()
    period = {"start": "2026-11-01", "end": "2026-11-07"}
    page = await client.get("/dashboard", params={**period, "step": "overdue"})
    assert page.status_code == 200
    assert '<option value="overdue" selected>overdue reminder</option>' in page.text
    assert "step=overdue" in page.text  # the CSV links keep the filter
    csv_text = (
        await client.get("/dashboard/results.csv", params={**period, "step": "overdue"})
    ).text
    metrics = {r["metric"]: r["value"] for r in _rows(csv_text)}
    assert (metrics["contacts"], metrics["amount_recovered"]) == ("1", "100.00")
