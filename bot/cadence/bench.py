"""``quita bench cadence``: plan a day for synthetic portfolios of growing size.

The portfolio is bulk-loaded (COPY on PostgreSQL, executemany on SQLite) into a scratch
place that never touches real data: a ``quita_bench`` schema on PostgreSQL (dropped at the
end), a temporary file on SQLite. Sizes grow incrementally (10k, then up to 100k, ...).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.schema import CreateIndex, DropIndex

from bot.cadence.facts import FactsQuery, stream_pages
from bot.cadence.planner import history_days, plan_next_contact
from bot.config import Settings
from bot.store.db import make_engine, make_sessionmaker
from bot.store.tables import Base

SCHEMA = "quita_bench"
# a Tuesday, 00:00 in São Paulo: the bench plans that whole day
DAY_START = datetime.fromisoformat("2026-11-24T00:00:00-03:00")
TZ = "America/Sao_Paulo"

COLUMNS: dict[str, tuple[str, ...]] = {
    "debtors": (
        "id",
        "ref",
        "name",
        "language",
        "state",
        "reminders_paused_until",
        "created_at",
        "updated_at",
    ),
    "contacts": ("id", "debtor_id", "channel", "address", "opted_out", "invalid", "created_at"),
    "debts": (
        "id",
        "debtor_id",
        "ref",
        "description",
        "amount",
        "due_date",
        "paid",
        "status",
        "under_review",
        "created_at",
        "updated_at",
    ),
    "promises": ("id", "debtor_id", "due", "amount", "status", "created_by", "created_at"),
    "agreements": (
        "id",
        "debtor_id",
        "offer_id",
        "kind",
        "balance",
        "total",
        "down_payment",
        "installments",
        "discount_percent",
        "monthly_rate_percent",
        "status",
        "created_at",
        "updated_at",
    ),
    "agreement_installments": (
        "id",
        "agreement_id",
        "number",
        "due",
        "amount",
        "paid_amount",
        "status",
    ),
    "scheduled_contacts": ("id", "debtor_id", "at", "reason", "created_at"),
    "conversations": (
        "id",
        "debtor_id",
        "contact_id",
        "channel",
        "status",
        "state",
        "language",
        "created_at",
        "updated_at",
    ),
    "messages": (
        "id",
        "conversation_id",
        "direction",
        "sender",
        "channel",
        "text",
        "status",
        "business_initiated",
        "attempts",
        "created_at",
    ),
    "reminder_sends": ("id", "debtor_id", "idempotency_key", "template", "created_at"),
}


def run_cadence_bench(
    database_url: str, sizes: Sequence[int], *, settings: Settings | None = None
) -> dict[str, Any]:
    """Load portfolios of ``sizes`` debtors (ascending) and time planning one day each.

    Returns ``{"database": ..., "runs": [{"debtors", "load_seconds", "seconds",
    "debtors_per_second", "planned_today", "rss_mb", "rss_growth_mb"}, ...]}``.
    """
    settings = settings or Settings()
    with _scratch(database_url) as engine:
        Base.metadata.create_all(engine)
        runs = []
        loaded = 0
        for size in sorted(sizes):
            started = time.perf_counter()
            _load(engine, loaded, size)
            loaded = size
            load_seconds = time.perf_counter() - started
            run = _plan_day(engine, settings)
            run["load_seconds"] = round(load_seconds, 2)
            runs.append(run)
        return {"database": engine.dialect.name, "day": DAY_START.date().isoformat(), "runs": runs}


class _scratch:  # noqa: N801 - a context manager used like a function
    """An engine on a scratch schema (PostgreSQL) or a temporary file (SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.engine: Engine | None = None

    def __enter__(self) -> Engine:
        if self.url.startswith("sqlite"):
            self.tmp = tempfile.TemporaryDirectory(prefix="quita-bench-")
            self.engine = make_engine(f"sqlite:///{Path(self.tmp.name) / 'bench.db'}")
            return self.engine
        admin = make_engine(self.url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
        self.engine = make_engine(self.url, connect_args={"options": f"-c search_path={SCHEMA}"})
        return self.engine

    def __exit__(self, *exc: object) -> None:
        assert self.engine is not None
        self.engine.dispose()
        if self.tmp is not None:
            self.tmp.cleanup()
            return
        admin = make_engine(self.url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


# --- synthetic portfolio -----------------------------------------------------------------


def _rows(first: int, last: int) -> dict[str, Iterator[tuple[Any, ...]]]:
    """Generators of rows for debtors ``first+1 .. last``; ids derive from the debtor id."""
    now = DAY_START.astimezone(UTC)
    today = DAY_START.date()
    ids = range(first + 1, last + 1)

    def rng(i: int, salt: int) -> random.Random:
        return random.Random(i * 1_000_003 + salt)

    def debtors() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            r = rng(i, 1)
            state = "SP" if r.random() < 0.1 else None
            paused = today + timedelta(days=2) if r.random() < 0.02 else None
            yield (i, f"B{i}", f"Debtor {i}", "pt", state, paused, now, now)

    def contacts() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            r = rng(i, 2)
            yield (i, i, "whatsapp", f"+55{i:011d}", r.random() < 0.03, r.random() < 0.01, now)

    def debts() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            r = rng(i, 3)
            status = "in_agreement" if i % 20 == 0 else "open"
            for n in range(1 + (i % 2)):
                due = today + timedelta(days=r.randint(-120, 25))
                cents = r.randint(5_000, 500_000)
                yield (2 * i + n, i, f"B{i}-{n}", "Compra", cents, due, 0, status, False, now, now)

    def promises() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 10 == 3:
                yield (i, i, today + timedelta(days=i % 7), 10_000, "open", "bot", now)

    def agreements() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 20 == 0:
                yield (i, i, "three_x", "installments", 60_000, 60_000, 0, 3, "0", "0",
                       "active", now, now)  # fmt: skip

    def installments() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 20 == 0:
                for n in range(1, 4):
                    due = today + timedelta(days=30 * n - 28 + i % 5)
                    yield (3 * i + n, i, n, due, 20_000, 0, "open")

    def callbacks() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 50 == 7:
                yield (i, i, now + timedelta(hours=14), "callback_later", now)

    def conversations() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 5 == 1:
                status = "with_agent" if i % 100 == 1 else "bot"
                yield (i, i, i, "whatsapp", status, "{}", "pt", now, now)

    def messages() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 5 == 1:
                sent = now - timedelta(days=1 + i % 6)
                yield (i, i, "out", "bot", "whatsapp", "", "delivered", True, 1, sent)

    def sends() -> Iterator[tuple[Any, ...]]:
        for i in ids:
            if i % 3 == 0:
                sent = now - timedelta(days=1 + i % 5)
                yield (i, i, f"{i}:d+1:{sent.date()}", "overdue", sent)

    return {
        "debtors": debtors(),
        "contacts": contacts(),
        "debts": debts(),
        "promises": promises(),
        "agreements": agreements(),
        "agreement_installments": installments(),
        "scheduled_contacts": callbacks(),
        "conversations": conversations(),
        "messages": messages(),
        "reminder_sends": sends(),
    }


def _load(engine: Engine, first: int, last: int) -> None:
    """Bulk-insert debtors ``first+1 .. last`` and everything around them.

    On PostgreSQL the secondary indexes of the loaded tables are dropped for the COPY and
    built again after it: building an index once is several times cheaper than keeping it
    up to date row by row (a million debtors loaded in a fraction of the time)."""
    indexes = [
        index
        for table in Base.metadata.sorted_tables
        if table.name in COLUMNS
        for index in table.indexes
    ]
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with engine.begin() as conn:
            for index in indexes:
                conn.execute(DropIndex(index, if_exists=True))
    _copy(engine, first, last)
    if postgres:
        with engine.begin() as conn:
            for index in indexes:
                conn.execute(CreateIndex(index))
    _analyze(engine)


def _copy(engine: Engine, first: int, last: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, rows in _rows(first, last).items():
            columns = COLUMNS[table]
            if engine.dialect.name == "postgresql":
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                cursor.executemany(sql, (_sqlite_row(row) for row in rows))  # type: ignore[arg-type]
        raw.commit()
    finally:
        raw.close()


def _analyze(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        raw.cursor().execute("ANALYZE")
        raw.driver_connection.autocommit = False  # type: ignore[union-attr]
    finally:
        raw.close()


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """SQLite stores instants as naive UTC text and dates as ISO text."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, datetime):
            out.append(value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
        elif isinstance(value, date):
            out.append(value.isoformat())
        else:
            out.append(value)
    return tuple(out)


# --- measuring ---------------------------------------------------------------------------


def _rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def _plan_day(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Stream every debtor's facts and plan the day; memory is sampled after each page."""
    sessions = make_sessionmaker(engine)
    query = FactsQuery(
        now=DAY_START,
        history_days=history_days(settings.cadence),
        default_state=settings.business.state,
    )
    day_end = DAY_START + timedelta(days=1)
    before = _rss_mb()
    peak = before
    debtors = planned = 0
    started, cpu = time.perf_counter(), time.process_time()
    for page in stream_pages(sessions, query, prefetch=True):
        for facts in page:
            debtors += 1
            contact = plan_next_contact(facts, DAY_START, settings.cadence, TZ)
            if contact is not None and contact.at < day_end:
                planned += 1
        peak = max(peak, _rss_mb())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu  # this process only; the database's is apart
    return {
        "debtors": debtors,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "debtors_per_second": round(debtors / seconds) if seconds else None,
        "planned_today": planned,
        "rss_mb": round(peak, 1),
        "rss_growth_mb": round(peak - before, 1),
    }


def format_report(report: dict[str, Any]) -> str:
    """Human-readable lines for ``quita bench cadence``."""
    lines = [f"cadence bench on {report['database']}, planning {report['day']}"]
    for run in report["runs"]:
        lines.append(
            f"  {run['debtors']:>9,} debtors: {run['seconds']:>7.2f} s "
            f"({run['debtors_per_second']:,}/s, {run['cpu_seconds']} s CPU), "
            f"{run['planned_today']:,} contacts today, rss {run['rss_mb']} MB "
            f"(+{run['rss_growth_mb']}), data loaded in {run['load_seconds']} s, "
            f"load average {run['load_average']}"
        )
    return "\n".join(lines)
