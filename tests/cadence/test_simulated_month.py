"""A month of hourly passes with a fixed clock over a mixed portfolio (SQLite).

Every debtor gets exactly the expected messages, at allowed times: none on Sundays,
holidays or at night, none beyond the weekly cap, none after a stop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.calendar import calendar_for
from bot.cadence.runner import run_pass
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.store.tables import Contact, Debt, Debtor, Promise

from .portfolio import (
    add_agreement,
    add_callback,
    add_conversation,
    add_debtor,
    add_past_send,
    add_promise,
    migrated_sessions,
)
from .support import TZ, ZONE, RecordingRemind, at

START = at(2026, 11, 1)
END = at(2026, 12, 1)
# the month pins the steps, cap and windows; the 48 h minimum gap has its own tests
# (tests/security/test_contact_rules.py), so it is off here
SETTINGS = Settings(cadence={"min_gap_hours": 0})

Event = tuple[datetime, Callable[[Session], None]]


def build_portfolio(session: Session) -> tuple[dict[str, int], list[Event]]:
    ids: dict[str, int] = {}
    events: list[Event] = []

    def debtor(ref: str, **kwargs: object) -> int:
        ids[ref] = add_debtor(session, ref, **kwargs).id  # type: ignore[arg-type]
        return ids[ref]

    debtor("plain", due=date(2026, 11, 10))
    debtor("imported_late", due=date(2026, 8, 1))
    debtor("opted_out", due=date(2026, 11, 10), opted_out=True)
    opts_out = debtor("opts_out", due=date(2026, 11, 10))
    events.append((at(2026, 11, 8, 12), _opt_out(opts_out)))
    promises = debtor("promises", due=date(2026, 11, 10))
    events.append(
        (
            at(2026, 11, 11, 10),
            lambda s: (
                add_promise(s, promises, date(2026, 11, 16), "600.00", at(2026, 11, 11, 10))
                and None
            ),
        )
    )
    agreed = debtor("agreement")
    add_agreement(
        session,
        agreed,
        [(date(2026, 11, 20), "200.00"), (date(2026, 12, 21), "200.00")],
        at(2026, 10, 20),
    )
    session.add(
        Debt(
            debtor_id=agreed,
            ref="agreement-1",
            description="TV",
            amount=Decimal("400.00"),
            due_date=date(2026, 10, 1),
            paid=Decimal("0"),
            status="in_agreement",
            created_at=START,
            updated_at=START,
        )
    )
    capped = debtor("capped", due=date(2026, 11, 4))
    for day in (28, 29, 30):
        add_past_send(session, capped, f"{capped}:old:{day}", at(2026, 10, day, 10))
    calls = debtor("callback", due=date(2026, 11, 10))
    events.append(
        (
            at(2026, 11, 11, 12),
            lambda s: add_callback(s, calls, at(2026, 11, 12, 21, 30), at(2026, 11, 11, 12)),
        )
    )
    pays = debtor("pays", due=date(2026, 11, 10))
    events.append((at(2026, 11, 12, 15), _pay(pays)))
    debtor("disputed", due=date(2026, 11, 10), status="disputed")
    held = debtor("held", due=date(2026, 11, 10))
    add_conversation(session, held, "with_agent", START)
    paused = debtor("paused", due=date(2026, 11, 10))
    events.append((at(2026, 11, 11, 12), _pause(paused, date(2026, 11, 18))))
    debtor("manaus", due=date(2026, 11, 10), timezone="America/Manaus")
    debtor("no_debt")
    return ids, events


def _opt_out(debtor_id: int) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        session.execute(
            update(Contact).where(Contact.debtor_id == debtor_id).values(opted_out=True)
        )

    return apply


def _pay(debtor_id: int) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        session.execute(
            update(Debt).where(Debt.debtor_id == debtor_id).values(paid=Debt.amount, status="paid")
        )

    return apply


def _pause(debtor_id: int, until: date) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        session.execute(
            update(Debtor).where(Debtor.id == debtor_id).values(reminders_paused_until=until)
        )

    return apply


def simulate(sessions: sessionmaker[Session]) -> tuple[dict[str, int], RecordingRemind]:
    with sessions() as session:
        ids, events = build_portfolio(session)
        session.commit()
    clock = FixedClock(START)
    remind = RecordingRemind(sessions)
    pending = sorted(events, key=lambda event: event[0])
    while clock.now() < END:
        while pending and pending[0][0] <= clock.now():
            _, apply = pending.pop(0)
            with sessions() as session:
                apply(session)
                session.commit()
        remind.now = clock.now()
        run_pass(sessions, SETTINGS, clock, remind)
        clock.advance(timedelta(hours=1))
    return ids, remind


def test_a_simulated_month(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(f"sqlite:///{tmp_path / 'month.db'}")
    ids, remind = simulate(sessions)
    by_ref = {debtor_id: ref for ref, debtor_id in ids.items()}
    got: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for debtor_id, template, _key, _vars, when in remind.sent:
        got[by_ref[debtor_id]].append((template, when))

    manaus = at(2026, 11, 10, 9).astimezone(ZONE)  # 08:00 in Manaus
    expected = {
        "plain": [
            ("due_soon", at(2026, 11, 7, 8)),
            ("due_today", at(2026, 11, 10, 8)),
            ("overdue", at(2026, 11, 11, 8)),
            ("overdue", at(2026, 11, 17, 8)),
            ("overdue", at(2026, 11, 25, 8)),
        ],
        # 90+ days late on import: one message (the latest step), not the missed ones;
        # Nov 1 is a Sunday and Nov 2 a holiday
        "imported_late": [
            ("overdue", at(2026, 11, 3, 8)),
            ("overdue", at(2026, 11, 14, 8)),
            ("overdue", at(2026, 11, 30, 8)),
        ],
        "opts_out": [("due_soon", at(2026, 11, 7, 8))],
        "promises": [
            ("due_soon", at(2026, 11, 7, 8)),
            ("due_today", at(2026, 11, 10, 8)),
            ("overdue", at(2026, 11, 11, 8)),
            ("promise_day", at(2026, 11, 16, 9)),
            ("promise_broken", at(2026, 11, 17, 8)),
            ("overdue", at(2026, 11, 25, 8)),
        ],
        # the installment due on the Nov 20 holiday is reminded the next allowed day
        "agreement": [
            ("installment_due", at(2026, 11, 18, 8)),
            ("installment_due", at(2026, 11, 21, 8)),
            ("installment_due", at(2026, 11, 23, 8)),
        ],
        # three sends on Oct 28-30 fill the week until Nov 4 10:00
        "capped": [
            ("due_today", at(2026, 11, 4, 10)),
            ("overdue", at(2026, 11, 5, 10)),
            ("overdue", at(2026, 11, 11, 8)),
            ("overdue", at(2026, 11, 19, 8)),
        ],
        "callback": [
            ("due_soon", at(2026, 11, 7, 8)),
            ("due_today", at(2026, 11, 10, 8)),
            ("overdue", at(2026, 11, 11, 8)),
            ("callback", at(2026, 11, 14, 8)),  # the weekly cap: 7, 10, 11
            ("overdue", at(2026, 11, 17, 8)),
            ("overdue", at(2026, 11, 25, 8)),
        ],
        "pays": [
            ("due_soon", at(2026, 11, 7, 8)),
            ("due_today", at(2026, 11, 10, 8)),
            ("overdue", at(2026, 11, 11, 8)),
        ],
        "paused": [
            ("due_soon", at(2026, 11, 7, 8)),
            ("due_today", at(2026, 11, 10, 8)),
            ("overdue", at(2026, 11, 11, 8)),
            ("overdue", at(2026, 11, 19, 8)),
            ("overdue", at(2026, 11, 25, 8)),
        ],
        "manaus": [
            ("due_soon", manaus - timedelta(days=3)),
            ("due_today", manaus),
            ("overdue", manaus + timedelta(days=1)),
            ("overdue", manaus + timedelta(days=7)),
            ("overdue", manaus + timedelta(days=15)),
        ],
    }
    assert dict(got) == expected  # opted_out, disputed, held, no_debt: nothing at all

    for debtor_id, _template, _key, _vars, when in remind.sent:
        zone = "America/Manaus" if by_ref[debtor_id] == "manaus" else TZ
        cal = calendar_for(SETTINGS.cadence, zone, None)
        assert cal.is_allowed(when)
        local = cal.localize(when)
        assert local.weekday() != 6
        assert not cal.is_holiday(local.date())
        assert 8 <= local.hour < 20
    keys = [key for _, _, key, _, _ in remind.sent]
    assert len(keys) == len(set(keys))

    for ref, sends in got.items():
        times = sorted(when for _, when in sends)
        if ref == "capped":
            times = sorted([*times, *(at(2026, 10, d, 10) for d in (28, 29, 30))])
        for when in times:
            window = [t for t in times if when - timedelta(days=7) < t <= when]
            assert len(window) <= SETTINGS.cadence.weekly_cap, ref

    with sessions() as session:
        promise = session.query(Promise).one()
        assert promise.status == "open"  # the cadence reads promises, never changes them
