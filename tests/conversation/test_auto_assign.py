"""Automatic assignment (``console.auto_assign: round_robin``) among agents online."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.conversation.assignment import auto_assign, next_agent
from bot.core.domain import InboundMessage
from bot.runtime.service import Runtime
from bot.store.db import make_engine
from bot.store.tables import Contact, Conversation, Event, User, WebSession
from tests.runtime.support import add_debtor

ROUND_ROBIN = {"console": {"auto_assign": "round_robin", "online_minutes": 10}}


def _staff(runtime: Runtime, name: str, role: str, seen_minutes_ago: int | None) -> int:
    """A staff member; with a live console session last used that many minutes ago."""

    def work(session: Any) -> int:
        now = runtime.clock.now()
        user = User(
            email=f"{name.lower()}@x", name=name, role=role, password_hash="!", created_at=now
        )
        session.add(user)
        session.flush()
        if seen_minutes_ago is not None:
            session.add(
                WebSession(
                    token_hash=f"{name:0<64}"[:64],
                    user_id=user.id,
                    created_at=now - timedelta(hours=2),
                    expires_at=now + timedelta(hours=6),
                    last_seen_at=now - timedelta(minutes=seen_minutes_ago),
                )
            )
        return int(user.id)

    return runtime.in_transaction(work)


async def _asks_for_a_person(runtime: Runtime, phone: str, pid: str) -> Conversation:
    await runtime.inbound.receive(
        InboundMessage(
            channel="whatsapp",
            address=phone,
            provider_id=pid,
            text="quero falar com um atendente",
            received_at=runtime.clock.now(),
        )
    )

    def find(session: Any) -> Conversation:
        found = session.scalar(select(Conversation).join(Contact).where(Contact.address == phone))
        session.expunge(found)
        return found

    return runtime.in_transaction(find)


def test_the_rotation_follows_ids_and_wraps() -> None:
    assert next_agent([3, 5, 9], None) == 3
    assert next_agent([3, 5, 9], 3) == 5
    assert next_agent([3, 5, 9], 9) == 3
    assert next_agent([3, 5, 9], 4) == 5  # the last one went offline: the next after it
    assert next_agent([], 3) is None


async def test_handed_off_chats_go_round_robin_to_agents_online(make_runtime: Any) -> None:
    runtime = await make_runtime(overrides=ROUND_ROBIN)
    ana = _staff(runtime, "Ana", "agent", seen_minutes_ago=1)
    _staff(runtime, "Caio", "agent", seen_minutes_ago=30)  # signed in, but not seen lately
    _staff(runtime, "Davi", "agent", seen_minutes_ago=None)  # never signed in
    _staff(runtime, "Gil", "manager", seen_minutes_ago=0)  # managers are not in the rotation
    bia = _staff(runtime, "Bia", "agent", seen_minutes_ago=9)
    phones = [f"+551199000000{n}" for n in range(1, 4)]
    for n, phone in enumerate(phones):
        add_debtor(runtime, ref=f"D-{n}", phone=phone)
    chosen = []
    for n, phone in enumerate(phones):
        conversation = await _asks_for_a_person(runtime, phone, f"RR{n}")
        assert conversation.status == "with_agent"
        chosen.append(conversation.assigned_agent_id)
    assert chosen == [ana, bia, ana]
    kinds = runtime.in_transaction(
        lambda s: list(s.scalars(select(Event.kind).order_by(Event.id)))
    )
    assert kinds.count("handoff") == 3
    assert kinds.count("auto_assigned") == 3


async def test_nobody_online_leaves_the_chat_waiting(make_runtime: Any) -> None:
    runtime = await make_runtime(overrides=ROUND_ROBIN)
    _staff(runtime, "Caio", "agent", seen_minutes_ago=30)
    add_debtor(runtime)
    conversation = await _asks_for_a_person(runtime, "+5511990000001", "W1")
    assert conversation.status == "waiting_agent"
    assert conversation.assigned_agent_id is None


async def test_off_by_default(make_runtime: Any) -> None:
    runtime = await make_runtime()
    assert runtime.settings.console.auto_assign is False
    _staff(runtime, "Ana", "agent", seen_minutes_ago=0)
    add_debtor(runtime)
    conversation = await _asks_for_a_person(runtime, "+5511990000001", "O1")
    assert conversation.status == "waiting_agent"
    assert conversation.assigned_agent_id is None


@pytest.fixture
def clean_postgres(postgres_server_url: str) -> Iterator[str]:
    def reset() -> None:
        engine = make_engine(postgres_server_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    reset()
    yield postgres_server_url
    reset()  # later tests share this database


@pytest.mark.postgres
async def test_two_hand_offs_at_once_go_to_different_agents(
    make_runtime: Any, clean_postgres: str
) -> None:
    """Two processes hand off a chat each at the same moment: the second waits for the
    first's choice (PostgreSQL advisory lock) instead of reading the same previous agent."""
    runtime = await make_runtime(database_url=clean_postgres, overrides=ROUND_ROBIN)
    ana = _staff(runtime, "Ana", "agent", seen_minutes_ago=1)
    bia = _staff(runtime, "Bia", "agent", seen_minutes_ago=1)
    ids = []
    for n in range(2):
        phone = f"+55119900000{n}1"
        add_debtor(runtime, ref=f"D-{n}", phone=phone)
        await runtime.inbound.receive(
            InboundMessage(
                channel="whatsapp",
                address=phone,
                provider_id=f"AT{n}",
                text="oi",
                received_at=runtime.clock.now(),
            )
        )
        ids.append(runtime.in_transaction(lambda s, p=phone: _conversation_id(s, p)))
    now = runtime.clock.now()

    def hand_off(session: Session, conversation_id: int) -> int | None:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.status = "waiting_agent"
        return auto_assign(session, conversation, runtime.settings, now)

    first = runtime.db()
    try:
        chosen_first = hand_off(first, ids[0])  # not committed yet
        second = threading.Thread(
            target=lambda: chosen.append(runtime.in_transaction(lambda s: hand_off(s, ids[1])))
        )
        chosen: list[int | None] = []
        second.start()
        second.join(timeout=0.5)  # without the lock it is done by now, with Ana too
        first.commit()
    finally:
        first.close()
    second.join(timeout=20)
    assert [chosen_first, *chosen] == [ana, bia]


def _conversation_id(session: Session, phone: str) -> int:
    found = session.scalar(select(Conversation.id).join(Contact).where(Contact.address == phone))
    assert found is not None
    return int(found)
