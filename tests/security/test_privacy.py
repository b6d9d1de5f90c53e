"""Item 14: LGPD art. 18 (export, erase), "número errado" purges the number, body retention,
and the manager's export/erase buttons (manager only, CSRF-protected, audited).

Runs on SQLite and on PostgreSQL with the real app (tests/faults/conftest.py's stack).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.cli import main
from bot.config import ENVIRONMENT, PrivacySettings
from bot.store.db import transaction
from bot.store.privacy import ERASED_NAME
from bot.store.tables import Contact, Conversation, Debt, Debtor, Event, Message, User
from tests.faults.conftest import NOW, Stack, interpreter, stack

__all__ = ["interpreter", "stack"]

PHONE = "+5511990000001"


def form(sid: str, body: str, phone: str = PHONE) -> dict[str, str]:
    return {"MessageSid": sid, "From": f"whatsapp:{phone}", "Body": body}


def debtor_rows(stack: Stack) -> dict[str, Any]:
    with transaction(stack.runtime.db) as session:
        debtor = session.scalar(select(Debtor).where(Debtor.ref == "D-1"))
        assert debtor is not None
        conversations = select(Conversation.id).where(Conversation.debtor_id == debtor.id)
        return {
            "name": debtor.name,
            "document": debtor.document,
            "addresses": sorted(
                session.scalars(select(Contact.address).where(Contact.debtor_id == debtor.id))
            ),
            "texts": list(
                session.scalars(
                    select(Message.text).where(Message.conversation_id.in_(conversations))
                )
            ),
            "debts": list(session.scalars(select(Debt.ref).where(Debt.debtor_id == debtor.id))),
            "events": [
                (e.kind, e.actor, e.data)
                for e in session.scalars(
                    select(Event).where(Event.debtor_id == debtor.id).order_by(Event.id)
                )
            ],
        }


@pytest.fixture
def cli_config(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "config.yml"
    path.write_text(f'database_url: "{stack.runtime.settings.database_url}"\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(path))


@pytest.mark.usefixtures("cli_config")
async def test_export_then_erase_from_the_command_line(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await stack.twilio(form("SM1", "oi, quem fala?"))).status_code == 200
    assert (await stack.twilio(form("SM2", "vou pagar sexta"))).status_code == 200
    out = tmp_path / "export.json"
    assert main(["privacy", "export", "--debtor", "D-1", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["debtor"]["name"] == "Maria Souza"
    assert PHONE in [c["address"] for c in data["contacts"]]
    texts = [m["text"] for c in data["conversations"] for m in c["messages"]]
    assert "vou pagar sexta" in texts
    assert len(texts) >= 4, "the bot's replies are exported too"
    assert [d["ref"] for d in data["debts"]] == ["C-1"]
    assert data["promises"], "the promise is part of the export"

    assert main(["privacy", "erase", "--debtor", "D-1"]) == 0
    assert "financial records kept" in capsys.readouterr().out
    after = debtor_rows(stack)
    assert after["name"] == ERASED_NAME
    assert all(PHONE not in address for address in after["addresses"])
    assert set(after["texts"]) == {""}, "every message body is blanked"
    assert after["debts"] == ["C-1"], "the debt stays (legal obligation)"
    erased = [e for e in after["events"] if e[0] == "privacy_erased"]
    assert len(erased) == 1
    assert erased[0][1] == "cli"
    assert "LGPD" in erased[0][2]["legal_basis"]
    assert "promises" in erased[0][2]["kept"]
    assert any(e[0] == "privacy_exported" for e in after["events"])
    assert main(["privacy", "export", "--debtor", "D-1", "--out", str(out)]) == 0
    again = out.read_text(encoding="utf-8")
    assert "Maria" not in again
    assert PHONE not in again
    assert "vou pagar sexta" not in again
    assert main(["privacy", "erase", "--debtor", "NOPE"]) == 1


async def test_wrong_person_purges_the_number_from_the_debtor(stack: Stack) -> None:
    assert (await stack.twilio(form("SM1", "número errado, não conheço essa pessoa"))).status_code
    await stack.runtime.drain_outbox()  # the apology goes first, to the number itself
    stack.runtime.outreach.housekeeping_sync()
    after = debtor_rows(stack)
    assert after["addresses"], "the contact rows stay (the history reads right)"
    assert all(PHONE not in address for address in after["addresses"])
    assert any(e[0] == "contact_purged" for e in after["events"])
    assert after["name"] == "Maria Souza", "only the number leaves"
    with transaction(stack.runtime.db) as session:
        assert session.scalar(select(Contact).where(Contact.address == PHONE)) is None


async def test_message_bodies_past_the_retention_are_blanked(stack: Stack) -> None:
    assert (await stack.twilio(form("SM1", "vou pagar sexta"))).status_code == 200
    await stack.runtime.drain_outbox()  # a message still queued is never blanked
    retention = PrivacySettings(message_retention_days=30)
    stack.runtime.settings = stack.runtime.settings.model_copy(update={"privacy": retention})
    stack.runtime.outreach.housekeeping_sync(NOW + timedelta(days=29))
    assert "vou pagar sexta" in debtor_rows(stack)["texts"]
    stack.runtime.outreach.housekeeping_sync(NOW + timedelta(days=31))
    assert set(debtor_rows(stack)["texts"]) == {""}
    assert debtor_rows(stack)["name"] == "Maria Souza"


async def csrf(stack: Stack) -> str:
    token = stack.http.cookies.get("quita_csrf")
    assert token
    return token


async def test_console_export_and_erase_are_manager_only_csrf_protected_and_audited(
    stack: Stack,
) -> None:
    assert (await stack.twilio(form("SM1", "vou pagar sexta"))).status_code == 200
    with transaction(stack.runtime.db) as session:
        conversation_id = session.scalar(select(Conversation.id))
        session.add(
            User(
                email="agent@faults",
                name="Agente",
                role="agent",
                password_hash=PasswordHasher().hash("agent-password-1"),
                language="pt",
                created_at=NOW,
            )
        )
    # an agent: 403
    await stack.http.get("/login")
    await stack.http.post(
        "/login",
        data={
            "email": "agent@faults",
            "password": "agent-password-1",
            "csrf_token": await csrf(stack),
        },
    )
    refused = await stack.http.post(
        "/dashboard/debtors/D-1/privacy/export", data={"csrf_token": await csrf(stack)}
    )
    assert refused.status_code == 403
    stack.http.cookies.clear()

    await stack.log_in_manager()
    page = await stack.http.get(f"/dashboard/conversations/{conversation_id}")
    assert page.status_code == 200
    assert "/dashboard/debtors/D-1/privacy/erase" in page.text
    no_token = await stack.http.post("/dashboard/debtors/D-1/privacy/erase", data={})
    assert no_token.status_code == 403
    assert debtor_rows(stack)["name"] == "Maria Souza", "nothing happened without the token"

    exported = await stack.http.post(
        "/dashboard/debtors/D-1/privacy/export", data={"csrf_token": await csrf(stack)}
    )
    assert exported.status_code == 200
    assert exported.json()["debtor"]["name"] == "Maria Souza"
    assert "attachment" in exported.headers["content-disposition"]

    erased = await stack.http.post(
        "/dashboard/debtors/D-1/privacy/erase",
        data={"csrf_token": await csrf(stack), "confirm": "erase"},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    after = debtor_rows(stack)
    assert after["name"] == ERASED_NAME
    audit = {kind: actor for kind, actor, _data in after["events"]}
    assert audit["privacy_exported"].startswith("user:")
    assert audit["privacy_erased"] == audit["privacy_exported"]


async def test_spent_inbox_rows_and_old_sessions_are_pruned(stack: Stack) -> None:
    """Inbox rows hold the message text: once turned into a turn (and a redelivery can no
    longer come) they go; failed ones stay for a person. Console sessions ended a month ago go."""
    from bot.store.privacy import prune_spent_rows
    from bot.store.tables import InboxDelivery, WebSession

    def seed(session: Any) -> None:
        user = User(
            email="pruned@example.com", name="A", role="agent", password_hash="x", created_at=NOW
        )
        session.add(user)
        session.flush()
        for n, (status, processed) in enumerate(
            [("done", NOW - timedelta(days=3)), ("done", NOW), ("failed", NOW - timedelta(days=9))]
        ):
            session.add(
                InboxDelivery(
                    channel="whatsapp", address="+55", provider_id=f"P{n}", payload={"text": "oi"},
                    status=status, attempts=1, received_at=processed, processed_at=processed,
                )
            )  # fmt: skip
        for n, (expires, revoked) in enumerate(
            [(NOW - timedelta(days=40), None), (NOW + timedelta(days=1), None),
             (NOW + timedelta(days=1), NOW - timedelta(days=31))]
        ):  # fmt: skip
            session.add(
                WebSession(
                    token_hash=f"{n:064d}", user_id=user.id, created_at=NOW - timedelta(days=60),
                    expires_at=expires, revoked_at=revoked,
                )
            )  # fmt: skip

    stack.runtime.in_transaction(seed)
    counts = stack.runtime.in_transaction(lambda s: prune_spent_rows(s, now=NOW))
    assert counts == {"inbox": 1, "web_sessions": 2}
    with transaction(stack.runtime.db) as session:
        left = sorted(session.scalars(select(InboxDelivery.provider_id)))
        assert left == ["P1", "P2"]  # the fresh one and the failed one
        assert len(list(session.scalars(select(WebSession.id)))) == 1
