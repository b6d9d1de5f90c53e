"""Automatic assignment: a chat handed to a person goes to the next agent online.

Off unless ``console.auto_assign: round_robin``. "Online" is an active agent whose console
session (``web_sessions``) was used in the last ``console.online_minutes``. The rotation
follows agent ids, starting after the agent the previous automatic assignment chose (read
back from the event log, so it survives restarts and is shared by every worker). On
PostgreSQL the read and the new event are one step under a transaction-scoped advisory lock:
two chats handed off at the same moment in two processes would otherwise both read the same
"previous" agent and go to the same person. (SQLite's turns already run one at a time.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.enums import ConversationStatus, EventKind, Role, taken
from bot.store.ledger import EventLog
from bot.store.tables import Conversation, Event, User, WebSession

AUTO_ASSIGNED = EventKind.AUTO_ASSIGNED
ROTATION_LOCK = 0x51_55_49_54_41_01  # pg_advisory_xact_lock key: "QUITA" + 1, the rotation


def online_agents(session: Session, *, now: datetime, within: timedelta) -> list[int]:
    """Active agents with a live console session used in the last ``within``, by id."""
    rows = session.scalars(
        select(User.id)
        .join(WebSession, WebSession.user_id == User.id)
        .where(
            User.active.is_(True),
            User.role == Role.AGENT,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
            WebSession.last_seen_at >= now - within,
        )
        .distinct()
    )
    return sorted(rows)


def _last_chosen(session: Session) -> int | None:
    data = session.scalar(
        select(Event.data).where(Event.kind == AUTO_ASSIGNED).order_by(Event.id.desc()).limit(1)
    )
    agent = (data or {}).get("agent_id")
    return int(agent) if agent is not None else None


def next_agent(online: list[int], last: int | None) -> int | None:
    """The agent after ``last`` in id order, wrapping around; ``None`` when nobody is on."""
    if not online:
        return None
    after = [agent for agent in online if last is not None and agent > last]
    return after[0] if after else online[0]


def auto_assign(
    session: Session, conversation: Conversation, settings: Settings, now: datetime
) -> int | None:
    """Give a chat waiting for a person to the next agent online; the agent's id, or None."""
    console = settings.console
    if console.auto_assign != "round_robin":
        return None
    if conversation.status != ConversationStatus.WAITING_AGENT:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # held until this turn commits: the next hand-off reads the event written below
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROTATION_LOCK})
    online = online_agents(session, now=now, within=timedelta(minutes=console.online_minutes))
    agent = next_agent(online, _last_chosen(session))
    if agent is None:
        return None  # nobody online: the chat waits in the unassigned view
    conversation.status = taken()
    conversation.assigned_agent_id = agent
    conversation.updated_at = now
    EventLog(session).append(
        AUTO_ASSIGNED,
        at=now,
        actor="system",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation.id,
        data={"agent_id": agent},
    )
    return agent
