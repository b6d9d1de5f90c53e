"""Item 7: poison inputs never loop. Each is stored sanitised, or parked as a dead letter
(answered 200, visible to managers, counted); a retry never gets a 500 again.

Before: a NUL byte, an over-long field or a Telegram chat id far past 2^63 gave 500 on
PostgreSQL on every retry, so the message was never processed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.store import deadletters
from bot.store.db import transaction
from bot.store.tables import DeadLetter, Message

from .conftest import Stack


def inbound(stack: Stack) -> list[Message]:
    with transaction(stack.runtime.db) as session:
        rows = session.scalars(
            select(Message).where(Message.direction == "in").order_by(Message.id)
        )
        return list(rows)


def dead(stack: Stack) -> list[DeadLetter]:
    with transaction(stack.runtime.db) as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def form(sid: str, sender: str = "whatsapp:+5511990000001", **fields: str) -> dict[str, str]:
    return {"MessageSid": sid, "From": sender, "Body": "oi", **fields}


def update(update_id: int, chat_id: int, text: str, **message: Any) -> dict[str, Any]:
    body = {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": text}
    return {"update_id": update_id, "message": {**body, **message}}


SANITISED_TWILIO = [
    ("nul_in_body", form("SM1", Body="vou pagar\x00 sexta"), "vou pagar sexta"),
    ("nul_in_profile", form("SM2", ProfileName="Ma\x00ria"), "oi"),
    ("long_body", form("SM3", Body="a" * 100_000), "a" * 65_536),
    ("long_sid", form("SM" + "9" * 400), "oi"),
    (
        "long_media",
        form(
            "SM4",
            Body="",
            NumMedia="1",
            MediaUrl0="https://" + "u" * 5000,
            MediaContentType0="image/" + "x" * 500,
        ),
        "",
    ),
    ("controls", form("SM5", Body="oi\x07\x1b tudo\tbem\n?"), "oi tudo\tbem\n?"),
]


@pytest.mark.parametrize(("case", "fields", "stored"), SANITISED_TWILIO)
async def test_signed_twilio_poison_is_sanitised_and_stored(
    stack: Stack, case: str, fields: dict[str, str], stored: str
) -> None:
    for _retry in range(2):  # the provider's retry is a no-op, not another 500
        response = await stack.twilio(fields)
        assert response.status_code == 200, (case, response.text)
    rows = inbound(stack)
    assert [m.text for m in rows] == [stored]
    assert len(rows[0].provider_id or "") <= 128
    assert dead(stack) == []


async def test_telegram_nul_and_huge_update_id_are_stored(stack: Stack) -> None:
    assert (await stack.telegram(update(10, 42, "oi\x00 tudo bem"))).status_code == 200
    big = update(2**64 + 7, 2**63 - 1, "oi", date=10**20)
    assert (await stack.telegram(big)).status_code == 200
    assert [m.text for m in inbound(stack)] == ["oi tudo bem", "oi"]


async def test_unanswerable_address_is_parked_not_retried_forever(stack: Stack) -> None:
    huge_chat = update(11, 10**70, "preciso de ajuda")
    for _retry in range(3):
        assert (await stack.telegram(huge_chat)).status_code == 200
    long_from = form("SM6", sender="whatsapp:+55" + "1" * 200, Body="me liga")
    assert (await stack.twilio(long_from)).status_code == 200
    letters = dead(stack)
    assert [(d.channel, d.attempts) for d in letters] == [("telegram", 3), ("whatsapp", 1)]
    assert "preciso de ajuda" in letters[0].payload, "never lost: the text is kept"
    assert "address" in letters[0].error
    assert inbound(stack) == []


async def test_a_deterministic_failure_is_parked_and_answered_200(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a bug the message triggers")

    monkeypatch.setattr("bot.runtime.inbound.inbound_turn", broken)
    for _retry in range(2):
        assert (await stack.twilio(form("SM7", Body="texto que quebra"))).status_code == 200
    letters = dead(stack)
    assert [(d.provider_id, d.attempts) for d in letters] == [("SM7", 1)]
    assert "ValueError" in letters[0].error
    assert "texto que quebra" in letters[0].payload


async def test_a_transient_failure_still_makes_the_provider_retry(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionError("database is down"))

    monkeypatch.setattr("bot.runtime.inbound.inbound_turn", down)
    assert (await stack.twilio(form("SM8"))).status_code == 500
    assert dead(stack) == []
    monkeypatch.undo()
    assert (await stack.twilio(form("SM8"))).status_code == 200, "the retry goes through"
    assert [m.provider_id for m in inbound(stack)] == ["SM8"]


async def test_managers_see_and_count_dead_letters(stack: Stack) -> None:
    await stack.telegram(update(12, 10**70, "mensagem estacionada"))
    anonymous = await stack.http.get("/dashboard/dead-letters", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    await stack.log_in_manager()
    page = await stack.http.get("/dashboard/dead-letters")
    assert page.status_code == 200
    assert "mensagem estacionada" in page.text
    assert '<strong id="dead-count">1</strong>' in page.text
    with transaction(stack.runtime.db) as session:
        assert deadletters.count(session) == 1
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 1
