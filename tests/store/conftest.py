"""A migrated database, SQLite and the real PostgreSQL, for the storage tests.

Migrating costs about half a second on PostgreSQL, so each module migrates once per backend
and every test starts from empty tables instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import make_engine, make_sessionmaker, upgrade
from bot.store.tables import Base


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL migrated to head, shared by the tests of one module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'quita.db'}"
    else:
        url = request.getfixturevalue("postgres_server_url")
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on empty, migrated tables; disposed at the end."""
    engine = make_engine(migrated_url)
    _empty(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def _empty(engine: Engine) -> None:
    names = [table.name for table in Base.metadata.sorted_tables]
    with engine.begin() as conn:  # DELETE: much faster than TRUNCATE on tiny tables
        for name in reversed(names):
            conn.execute(text(f"DELETE FROM {name}"))
