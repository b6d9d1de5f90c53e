"""The JSON API: portfolio import with the CSV importer's rules."""

from __future__ import annotations

import httpx

from tests.web.conftest import csrf_of

ROWS = [
    {
        "debtor_ref": "API-1",
        "name": "Zé Silva",
        "phone": "11 98888-7777",
        "debt_ref": "API-1-1",
        "description": "Fogão",
        "amount": "1.234,56",
        "due_date": "01/12/2026",
    },
    {
        "debtor_ref": "API-2",
        "name": "Ann Lee",
        "language": "en",
        "telegram_chat_id": 123456,
        "debt_ref": "API-2-1",
        "amount": "99.90",
        "due_date": "2026-12-10",
    },
    {
        "debtor_ref": "API-3",
        "name": "Sem Contato",
        "debt_ref": "API-3-1",
        "amount": "10",
        "due_date": "2026-12-10",
    },
    {
        "debtor_ref": "API-4",
        "name": "Valor Ruim",
        "phone": "11 97777-6666",
        "debt_ref": "API-4-1",
        "amount": "-5",
        "due_date": "2026-12-10",
    },
]


async def test_portfolio_import_keeps_good_rows_and_reports_bad_ones(
    manager: httpx.AsyncClient,
) -> None:
    token = await csrf_of(manager)
    response = await manager.post(
        "/api/portfolio", json={"rows": ROWS}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 207
    body = response.json()
    assert body["changed"] == 2
    assert [e["row"] for e in body["errors"]] == [3, 4]
    assert "cannot be reached" in body["errors"][0]["reason"]
    again = await manager.post("/api/portfolio", json=ROWS[:2], headers={"X-CSRF-Token": token})
    assert again.status_code == 200
    assert again.json() == {"rows": 2, "changed": 0, "unchanged": 2, "errors": []}


async def test_portfolio_import_needs_rows_and_csrf(manager: httpx.AsyncClient) -> None:
    token = await csrf_of(manager)
    bad = await manager.post("/api/portfolio", json={"x": 1}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422
    no_token = await manager.post("/api/portfolio", json=ROWS)
    assert no_token.status_code == 403


async def test_me_and_csrf(agent: httpx.AsyncClient) -> None:
    me = (await agent.get("/api/me")).json()
    assert me["role"] == "agent"
    token = (await agent.get("/api/csrf")).json()["csrf_token"]
    assert token == agent.cookies.get("quita_csrf")
