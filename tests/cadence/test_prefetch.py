"""Reading the next page of facts in a thread gives the same facts, and stops cleanly."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from bot.cadence.facts import FactsQuery, stream_pages

from .portfolio import add_debtor, migrated_sessions
from .support import at

NOW = at(2026, 11, 24, 10)


def test_prefetched_pages_are_the_same_pages(database_url: str) -> None:
    sessions = migrated_sessions(database_url)
    with sessions() as session:
        for n in range(23):
            add_debtor(session, f"P{n}", due=date(2026, 11, 24) - timedelta(days=n))
        session.commit()
    query = FactsQuery(now=NOW, page_size=5)
    plain = list(stream_pages(sessions, query))
    prefetched = list(stream_pages(sessions, query, prefetch=True))
    sessions.kw["bind"].dispose()
    assert prefetched == plain
    assert [len(page) for page in plain] == [5, 5, 5, 5, 3]


def test_leaving_early_stops_the_reader(database_url: str) -> None:
    sessions = migrated_sessions(database_url)
    with sessions() as session:
        for n in range(12):
            add_debtor(session, f"Q{n}", due=date(2026, 11, 24))
        session.commit()
    before = threading.active_count()
    pages = stream_pages(sessions, FactsQuery(now=NOW, page_size=2), prefetch=True)
    assert len(next(pages)) == 2
    pages.close()  # the reader thread is told to stop and joined
    sessions.kw["bind"].dispose()
    assert threading.active_count() == before
