"""Pooled PostgreSQL connections the server closed are replaced before use, with no ping
round trip for the live ones (a real server)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.store.db import make_engine

pytestmark = pytest.mark.postgres


def _backend(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    """Terminate the backend and wait until it has gone (the signal is only a request)."""
    killer = make_engine(url)
    with killer.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with killer.connect() as conn:
            alive = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
            ).scalar()
        if not alive:
            break
        time.sleep(0.01)
    killer.dispose()


def test_a_terminated_pooled_connection_is_swapped_at_checkout(postgres_server_url: str) -> None:
    engine = make_engine(postgres_server_url, pool_size=1, max_overflow=0)
    try:
        first = _backend(engine)
        _terminate(postgres_server_url, first)
        # no pause after it has gone: its goodbye is on the socket before the next checkout
        second = _backend(engine)
        assert second != first
        assert _backend(engine) == second  # the fresh one is kept, not swapped every time
    finally:
        engine.dispose()


def test_a_live_pooled_connection_is_checked_without_a_round_trip(
    postgres_server_url: str,
) -> None:
    engine = make_engine(postgres_server_url, pool_size=1, max_overflow=0)
    sent: list[str] = []
    try:
        _backend(engine)  # the pool now holds one idle connection
        # every statement the driver is asked to send, pings included: SQLAlchemy's pre-ping
        # calls the cursor directly, so watch the driver's cursor, not the engine's events
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            cursor_class = raw.cursor_factory

            class Counting(cursor_class):  # type: ignore[misc, valid-type]
                def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                    sent.append(str(query))
                    return super().execute(query, *args, **kwargs)

            raw.cursor_factory = Counting
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert sent == ["SELECT 1"] * 3
    finally:
        engine.dispose()


def test_pre_ping_still_applies_when_asked_for(postgres_server_url: str) -> None:
    engine = make_engine(postgres_server_url, pool_pre_ping=True)
    try:
        assert engine.pool._pre_ping
        assert not event.contains(engine, "checkout", _listener())
    finally:
        engine.dispose()


def _listener() -> Any:
    from bot.store import db

    return db._refuse_closed_by_server
