"""The page's numbers for the dashboard, from the event log (actor ``portal``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.portal.links import ACTOR
from bot.store.tables import Event


@dataclass(frozen=True)
class PortalResults:
    visits: int  # links opened (the identity check shown)
    verified: int  # identity checks passed
    simulations: int
    agreements: int  # agreements closed on the page
    handoffs: int  # "talk to a person" on the page
    locked: int  # pages locked after wrong answers


KINDS = {
    "visits": "portal_opened",
    "verified": "portal_verified",
    "simulations": "portal_simulated",
    "agreements": "portal_agreement",
    "handoffs": "portal_handoff",
    "locked": "portal_locked",
}


def portal_results(session: Session, since: datetime, until: datetime) -> PortalResults:
    """Counts of the page's events in [since, until)."""
    counted = dict(
        session.execute(
            select(Event.kind, func.count())
            .where(
                Event.actor == ACTOR,
                Event.kind.in_(KINDS.values()),
                Event.at >= since,
                Event.at < until,
            )
            .group_by(Event.kind)
        ).all()
    )
    return PortalResults(**{name: int(counted.get(kind, 0)) for name, kind in KINDS.items()})
