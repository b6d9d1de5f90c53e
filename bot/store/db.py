"""Engine and sessions. Built from settings by the caller: no global engine at import."""

from __future__ import annotations

import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.json_columns import dump_json, load_json


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # errors then say "[SQL parameters hidden]" instead of printing phones and message text
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("json_serializer", dump_json)
    kwargs.setdefault("json_deserializer", load_json)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _begin_before_savepoint(conn: Any, _name: Any) -> None:
            # pysqlite only opens a transaction before INSERT/UPDATE/DELETE. A SAVEPOINT
            # issued first would open one itself, and its RELEASE would COMMIT it: the work
            # inside begin_nested() would survive a rollback of the outer transaction.
            dbapi_conn = conn.connection.driver_connection
            if not dbapi_conn.in_transaction:
                dbapi_conn.execute("BEGIN")

        return engine
    if not url.startswith("postgresql+psycopg"):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _refuse_closed_by_server)
    return engine


def _refuse_closed_by_server(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server closed (restart, failover,
    ``pg_terminate_backend``) is replaced before use, as ``pool_pre_ping`` would, without
    its round trip: pre-ping was three of a turn's thirty round trips. An idle connection
    has nothing to read unless the server said goodbye (its FATAL notice, then end of
    stream) or, rarely, a notice we would not use anyway; either way it is swapped for a
    fresh one. A server cut off without closing (no FIN) fails the unit of work on first
    use instead, which the inbox and the outbox retry; pre-ping would have waited out the
    same TCP timeout."""
    raw = getattr(dbapi_conn, "driver_connection", dbapi_conn)
    if raw.closed or raw.broken or _readable(raw.pgconn.socket):
        raise DisconnectionError("the server closed this pooled connection")


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_KEPT = threading.local()


def keep_connection(engine: Engine | None) -> None:
    """On this thread, transactions on ``engine`` reuse one connection (``None``: stop, and
    close it). For SQLite's one database thread (``bot.runtime.dbwork``): taking a pooled
    connection and giving it back (with its reset) around each of a turn's transactions
    cost about as much as the transaction's own statements."""
    connection: Connection | None = getattr(_KEPT, "connection", None)
    if connection is not None and engine is not getattr(_KEPT, "engine", None):
        connection.close()
        _KEPT.connection = None
    _KEPT.engine = engine


def _kept(factory: sessionmaker[Session]) -> Connection | None:
    kept_engine: Engine | None = getattr(_KEPT, "engine", None)
    if kept_engine is None:
        return None
    engine: Engine = kept_engine
    if factory.kw.get("bind") is not engine:  # another database (a test's, the CLI's)
        return None
    connection: Connection | None = getattr(_KEPT, "connection", None)
    if connection is None or connection.closed or connection.invalidated:
        connection = engine.connect()
        _KEPT.connection = connection
    elif connection.in_transaction():  # a unit of work left one open: never joined
        connection.rollback()
    return connection


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    kept = _kept(factory)
    session = factory() if kept is None else factory(bind=kept)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def plain_transaction(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """One unit of work of plain statements (no ORM objects): a connection in a
    transaction, committed on success, rolled back on any error — half the overhead of a
    Session's (40 against 80 us on SQLite), for the inbox's and outbox's coalesced writes."""
    kept = _kept(factory)
    if kept is not None:
        with kept.begin():
            yield kept
        return
    engine = factory.kw["bind"]
    with engine.begin() as connection:
        yield connection


def connection_for(work: Session | Connection) -> Connection:
    """The connection to run plain statements on: ``work`` itself, or a session's."""
    return work if isinstance(work, Connection) else connection_of(work)


_CONNECTION = "quita.connection"


def connection_of(session: Session) -> Connection:
    """``session.connection()``, looked up once per transaction: the session walks its
    transaction's state machine on every call, and a turn asks for its connection about
    fifteen times (once per prepared statement). A commit or rollback starts a new
    transaction, which is looked up afresh; a savepoint shares its transaction's."""
    cached = session.info.get(_CONNECTION)
    if cached is not None and cached[0] is session.get_transaction():
        connection: Connection = cached[1]
        return connection
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Apply Alembic migrations (``quita db upgrade``)."""
    from alembic import command
    from alembic.config import Config

    url = engine_or_url if isinstance(engine_or_url, str) else None
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    if url is not None:
        engine.dispose()


_TEMPLATES: dict[str, Path] = {}


def fresh_sqlite(path: Path) -> str:
    """A migrated SQLite database at ``path``, copied from one migrated once per process.

    Conversation scripts and tests need hundreds of fresh databases; running Alembic for
    each would cost a second apiece.
    """
    import shutil
    import tempfile

    head = "head"
    template = _TEMPLATES.get(head)
    if template is None or not template.exists():
        import atexit

        folder = Path(tempfile.mkdtemp(prefix="quita-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _TEMPLATES[head] = template
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
