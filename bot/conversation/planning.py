"""The cadence's next planned contact for one debtor (scripts, console)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.cadence.facts import FactsQuery, facts_for
from bot.cadence.planner import history_days, plan_next_contact
from bot.config import Settings


def next_contact(
    session: Session, debtor_id: int, now: datetime, settings: Settings
) -> datetime | None:
    """When the cadence will next contact this debtor (local time), or None if stopped."""
    query = FactsQuery(
        now=now,
        history_days=history_days(settings.cadence),
        default_state=settings.business.state,
    )
    facts = facts_for(session, debtor_id, query)
    if facts is None:
        return None
    planned = plan_next_contact(facts, now, settings.cadence, settings.business.timezone)
    if planned is None:
        return None
    from zoneinfo import ZoneInfo

    return planned.at.astimezone(ZoneInfo(facts.timezone or settings.business.timezone))
