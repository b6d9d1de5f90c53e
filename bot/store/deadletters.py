"""Dead letters: inbound messages that could not be processed, kept for managers to see."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.domain import InboundMessage
from bot.core.sanitize import MAX_ADDRESS, clean, provider_key
from bot.store.tables import DeadLetter

log = logging.getLogger(__name__)


def _payload(msg: InboundMessage) -> str:
    data: dict[str, Any] = dataclasses.asdict(msg)
    data["received_at"] = msg.received_at.isoformat()
    return clean(json.dumps(data, ensure_ascii=True, default=str), 200_000)


def park(session: Session, msg: InboundMessage, error: BaseException, *, now: datetime) -> bool:
    """Keep ``msg`` in the dead letters (once per provider id); True when it is new."""
    channel = clean(msg.channel, 16)
    provider_id = provider_key(msg.provider_id)[:200] or "-"
    reason = clean(f"{type(error).__name__}: {error}", 500)
    row = session.scalar(
        select(DeadLetter).where(
            DeadLetter.channel == channel, DeadLetter.provider_id == provider_id
        )
    )
    if row is not None:
        row.attempts += 1
        return False
    session.add(
        DeadLetter(
            channel=channel,
            provider_id=provider_id,
            address=clean(msg.address, MAX_ADDRESS),
            payload=_payload(msg),
            error=reason,
            received_at=now,
            attempts=1,
        )
    )
    # the type only: the message (and the error, which may quote it) stay out of the logs
    log.warning("inbound message parked as a dead letter (%s, %s)", channel, type(error).__name__)
    return True


def count(session: Session) -> int:

    return int(session.scalar(select(func.count()).select_from(DeadLetter)) or 0)


def recent(session: Session, *, limit: int = 100) -> list[DeadLetter]:
    return list(
        session.scalars(select(DeadLetter).order_by(DeadLetter.received_at.desc()).limit(limit))
    )
