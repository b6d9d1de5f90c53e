"""The runner on SQLite and PostgreSQL: facts streaming, sends, concurrent passes."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.facts import FactsQuery, facts_for, stream_facts
from bot.cadence.planner import plan_next_contact
from bot.cadence.runner import run_pass
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.store.tables import ReminderSend, ScheduledContact

from .portfolio import (
    add_agreement,
    add_callback,
    add_conversation,
    add_debtor,
    add_promise,
    migrated_sessions,
)
from .support import RecordingRemind, at

NOW = at(2026, 11, 24, 10)  # a Tuesday morning
SETTINGS = Settings()


def portfolio(sessions: sessionmaker[Session], size: int) -> None:
    with sessions() as session:
        for n in range(size):
            debtor = add_debtor(session, f"R{n}", due=date(2026, 11, 24) - timedelta(days=n % 50))
            if n % 7 == 0:
                add_promise(session, debtor.id, date(2026, 11, 24), "50.00", NOW)
            if n % 11 == 0:
                add_callback(session, debtor.id, at(2026, 11, 24, 9), NOW)
            if n % 13 == 0:
                add_agreement(session, debtor.id, [(date(2026, 11, 24), "30.00")], NOW)
        session.commit()


def test_facts_are_streamed_in_pages_with_everything_loaded(sqlite_url: str) -> None:
    sessions = migrated_sessions(sqlite_url)
    portfolio(sessions, 30)
    with sessions() as session:
        add_conversation(session, 2, "with_agent", NOW)
        session.commit()
    query = FactsQuery(now=NOW, page_size=7)
    facts = list(stream_facts(sessions, query))
    assert [f.debtor_id for f in facts] == list(range(1, 31))
    first = facts[0]
    assert first.promise is not None
    assert first.callbacks
    assert first.agreement_status == "active"
    assert first.installments[0].amount == 30
    assert facts[1].agent_holding
    assert not facts[2].opted_out
    assert not facts[2].contact_invalid
    with sessions() as session:
        single = facts_for(session, 5, query)
    assert single == facts[4]


def test_a_pass_sends_what_is_due_once(sqlite_url: str) -> None:
    sessions = migrated_sessions(sqlite_url)
    portfolio(sessions, 40)
    remind = RecordingRemind(sessions, NOW)
    report = run_pass(sessions, SETTINGS, FixedClock(NOW), remind, page_size=9)
    assert report.debtors == 40
    assert report.sent == len(remind.sent) > 0
    assert report.errors == report.duplicates == 0
    assert sum(report.by_template.values()) == report.sent
    assert {"callback", "installment_due", "overdue"} <= set(report.by_template)
    # the same pass again: every debtor already got its message for now
    again = run_pass(sessions, SETTINGS, FixedClock(NOW), remind, page_size=9)
    assert again.sent == again.due == 0 or again.sent <= report.sent
    keys = [key for _, _, key, _, _ in remind.sent]
    assert len(keys) == len(set(keys))
    with sessions() as session:
        pending = session.scalar(select(func.count()).where(ScheduledContact.done_at.is_(None)))
    assert pending == 0  # callbacks are marked done


def test_a_failing_remind_is_counted_and_retried_next_pass(sqlite_url: str) -> None:
    sessions = migrated_sessions(sqlite_url)
    portfolio(sessions, 5)

    def broken(*_args: object) -> bool:
        raise RuntimeError("channel down")

    report = run_pass(sessions, SETTINGS, FixedClock(NOW), broken)
    assert report.errors == report.due > 0
    remind = RecordingRemind(sessions, NOW)
    assert run_pass(sessions, SETTINGS, FixedClock(NOW), remind).sent == report.due


def test_two_concurrent_passes_send_nothing_twice(database_url: str) -> None:
    sessions = migrated_sessions(database_url)
    portfolio(sessions, 120)
    expected = set()
    for facts in stream_facts(sessions, FactsQuery(now=NOW)):
        contact = plan_next_contact(facts, NOW, SETTINGS.cadence, SETTINGS.business.timezone)
        if contact is not None and contact.due(NOW):
            expected.add(facts.debtor_id)
    reminds = [RecordingRemind(sessions, NOW), RecordingRemind(sessions, NOW)]
    barrier = threading.Barrier(2)
    reports = []

    def worker(remind: RecordingRemind) -> None:
        barrier.wait()
        reports.append(run_pass(sessions, SETTINGS, FixedClock(NOW), remind, page_size=25))

    threads = [threading.Thread(target=worker, args=(r,)) for r in reminds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [key for remind in reminds for _, _, key, _, _ in remind.sent]
    assert len(sent) == len(set(sent))
    assert sum(r.sent for r in reports) == len(sent)
    assert all(r.errors == 0 for r in reports)
    with sessions() as session:
        stored = session.scalars(select(ReminderSend.idempotency_key)).all()
    assert sorted(stored) == sorted(sent)
    # every debtor with a contact due got exactly one message, whichever pass sent it
    messaged = [debtor_id for remind in reminds for debtor_id, *_ in remind.sent]
    assert sorted(messaged) == sorted(expected)
    assert sum(r.duplicates for r in reports) + len(sent) >= max(r.due for r in reports)
    sessions.kw["bind"].dispose()
