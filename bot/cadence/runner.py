"""One cadence pass: stream facts, plan, and hand every contact due now to ``remind``.

``remind(debtor_id, template, key, vars) -> bool`` is the runtime's: it inserts the
``ReminderSend`` row with the unique key first, in the same transaction as the reminder
message and its outbox row, and returns False when the key already exists. So any number of
passes may run at once (several workers, a retried job): each reminder goes at most once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.facts import DEFAULT_PAGE, FactsQuery, stream_pages
from bot.cadence.model import ContactKind, PlannedContact
from bot.cadence.planner import history_days, plan_next_contact
from bot.config import Settings
from bot.core.clock import Clock
from bot.store.db import transaction
from bot.store.tables import ScheduledContact

log = logging.getLogger(__name__)

RemindFn = Callable[[int, str, str, dict[str, str]], bool]


@dataclass
class PassReport:
    """What one pass did."""

    now: datetime
    debtors: int = 0  # facts read
    due: int = 0  # contacts due now
    sent: int = 0  # remind returned True
    duplicates: int = 0  # remind returned False: another pass already sent it
    errors: int = 0  # remind raised; the next pass tries again
    upcoming: int = 0  # debtors with a later contact planned
    seconds: float = 0.0
    by_template: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "now": self.now.isoformat(),
            "debtors": self.debtors,
            "due": self.due,
            "sent": self.sent,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "upcoming": self.upcoming,
            "seconds": round(self.seconds, 3),
            "by_template": dict(sorted(self.by_template.items())),
        }


def run_pass(
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: Clock,
    remind: RemindFn,
    *,
    now: datetime | None = None,
    debtor_ids: Sequence[int] | None = None,
    page_size: int = DEFAULT_PAGE,
    with_thanks: bool = False,
) -> PassReport:
    """Send every contact due at ``now`` (default ``clock.now()``) through ``remind``.

    ``with_thanks`` lets the cadence send the thank-you after a payment (off when the
    runtime thanks on payment itself).
    """
    now = clock.now() if now is None else now
    if now.tzinfo is None:
        raise ValueError("run_pass needs a timezone-aware now")
    started = time.perf_counter()
    report = PassReport(now=now)
    if not settings.cadence.enabled:
        return report
    query = FactsQuery(
        now=now,
        history_days=history_days(settings.cadence),
        default_state=settings.business.state,
        page_size=page_size,
        debtor_ids=debtor_ids,
        with_thanks=with_thanks,
    )
    tz = settings.business.timezone
    for page in stream_pages(sessions, query, prefetch=True):
        due: list[PlannedContact] = []
        for facts in page:
            report.debtors += 1
            contact = plan_next_contact(facts, now, settings.cadence, tz)
            if contact is None:
                continue
            if contact.due(now):
                due.append(contact)
            else:
                report.upcoming += 1
        for contact in due:
            _send(sessions, remind, contact, now, report)
    report.seconds = time.perf_counter() - started
    log.info(
        "cadence pass: %d debtors, %d due, %d sent, %d duplicates, %d errors in %.2fs",
        report.debtors,
        report.due,
        report.sent,
        report.duplicates,
        report.errors,
        report.seconds,
    )
    return report


def _send(
    sessions: sessionmaker[Session],
    remind: RemindFn,
    contact: PlannedContact,
    now: datetime,
    report: PassReport,
) -> None:
    report.due += 1
    try:
        sent = remind(
            contact.debtor_id, contact.template, contact.idempotency_key, dict(contact.vars)
        )
    except Exception:
        report.errors += 1
        log.exception("cadence: reminder for debtor %d failed", contact.debtor_id)
        return
    if sent:
        report.sent += 1
        report.by_template[contact.template] += 1
    else:
        report.duplicates += 1
    if contact.kind is ContactKind.CALLBACK:
        _callback_done(sessions, int(contact.vars["callback_id"]), now)


def _callback_done(sessions: sessionmaker[Session], callback_id: int, now: datetime) -> None:
    """Mark the scheduled contact done (the unique key already prevents a second send)."""
    with transaction(sessions) as session:
        session.execute(
            update(ScheduledContact)
            .where(ScheduledContact.id == callback_id, ScheduledContact.done_at.is_(None))
            .values(done_at=now)
        )
