"""Round-robin assignment end to end: signing in makes an agent "online"; a hand-off from the
simulator lands in that agent's chats."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.runtime.service import Runtime
from bot.store.tables import Conversation, User, WebSession
from tests.web.conftest import hand_off, make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        f"sqlite:///{tmp_path / 'quita.db'}", console={"auto_assign": "round_robin"}
    )


async def test_a_signed_in_agent_is_online_and_gets_the_handed_off_chat(
    runtime: Runtime, agent: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    assert (await agent.get("/console")).status_code == 200
    with runtime.db() as session:
        agent_id = session.scalar(select(User.id).where(User.email == "agent@demo"))
        seen = list(
            session.scalars(select(WebSession.last_seen_at).where(WebSession.user_id == agent_id))
        )
    assert any(at is not None for at in seen)  # the console request was recorded
    conversation_id = await hand_off(anon, runtime)
    with runtime.db() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.status == "with_agent"
        assert conversation.assigned_agent_id == agent_id
    mine = await agent.get("/console", params={"view": "mine"})
    assert mine.status_code == 200
    assert f"/console/c/{conversation_id}" in mine.text
