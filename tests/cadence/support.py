"""Helpers shared by the cadence tests: local times, facts builders, a recording remind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.model import DebtFact, DebtorFacts
from bot.store.tables import ReminderSend

TZ = "America/Sao_Paulo"
ZONE = ZoneInfo(TZ)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A São Paulo local instant."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


def owing(
    debtor_id: int = 1, due: date = date(2026, 11, 10), amount: str = "600.00"
) -> DebtorFacts:
    return DebtorFacts(
        debtor_id=debtor_id,
        ref=f"D-{debtor_id}",
        debts=(DebtFact(ref=f"C-{debtor_id}", due=due, balance=Decimal(amount)),),
    )


class RecordingRemind:
    """A stand-in for ``Runtime.remind``: inserts ReminderSend with the key, counts sends."""

    def __init__(self, sessions: sessionmaker[Session], now: datetime | None = None) -> None:
        self.sessions = sessions
        self.now = now
        self.sent: list[tuple[int, str, str, dict[str, str], datetime]] = []
        self.duplicates = 0

    def __call__(self, debtor_id: int, template: str, key: str, vars: dict[str, str]) -> bool:
        when = self.now or datetime.now(ZONE)
        with self.sessions() as session:
            try:
                session.add(
                    ReminderSend(
                        debtor_id=debtor_id,
                        idempotency_key=key,
                        template=template,
                        created_at=when,
                    )
                )
                session.commit()
            except IntegrityError:
                session.rollback()
                self.duplicates += 1
                return False
        self.sent.append((debtor_id, template, key, vars, when))
        return True
