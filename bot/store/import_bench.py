"""``quita bench import``: time ``quita import portfolio`` on a generated, realistic file.

The file looks like what shops export: a debtor with one to three debts, phones written
the many ways people write them, amounts as ``1.234,56`` or ``1234.56``, ISO and Brazilian
dates, CPFs on some rows, ``segment``/``state``/``birth_date`` columns, and about 1% bad
rows (empty amount, impossible date, unreachable debtor, unknown UF, a repeated debt_ref).
It is imported twice into a scratch database (a temporary SQLite file, or a
``quita_import_bench`` schema on PostgreSQL, dropped at the end): the first run creates
everything, the second must change nothing.
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.importer import PORTFOLIO_COLUMNS, ImportReport, decode_csv, import_portfolio

SCHEMA = "quita_import_bench"
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
HEADER = (*PORTFOLIO_COLUMNS, "segment", "state", "birth_date")
SEGMENTS = ("varejo", "cartao", "crediario", "servicos", "")
STATES = ("SP", "SP", "RJ", "MG", "RS", "PR", "BA", "PE", "ES", "AL", "")
# what a bad row looks like, and how often (per 10,000 rows)
BAD_ROWS: tuple[tuple[str, int], ...] = (
    ("empty_amount", 30),
    ("bad_date", 25),
    ("no_contact", 20),
    ("bad_state", 15),
    ("repeated_debt_ref", 10),
)


def _cpf(rng: random.Random) -> str:
    """A valid CPF, formatted 123.456.789-09."""
    digits = [rng.randrange(10) for _ in range(9)]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(size + 1, 1, -1), strict=False))
        digits.append((total * 10) % 11 % 10)
    s = "".join(map(str, digits))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def _phone(rng: random.Random, n: int) -> str:
    number = f"9{n:08d}"[-9:]
    area = 11 + n % 80
    style = n % 4
    if style == 0:
        return f"+55{area}{number}"
    if style == 1:
        return f"({area}) {number[:5]}-{number[5:]}"
    if style == 2:
        return f"+55 {area} {number[:5]}-{number[5:]}"
    return f"{area}{number}"


def _amount(rng: random.Random) -> str:
    cents = rng.randint(1_000, 900_000)
    whole, frac = divmod(cents, 100)
    if rng.random() < 0.5:
        return f"{whole}.{frac:02d}"
    return f"{whole:,}".replace(",", ".") + f",{frac:02d}"


def _date(day: date, rng: random.Random) -> str:
    return day.isoformat() if rng.random() < 0.5 else day.strftime("%d/%m/%Y")


def portfolio_rows(rows: int, *, seed: int = 15) -> Iterator[list[str]]:
    """``rows`` data rows (after the header) of a realistic portfolio file."""
    rng = random.Random(seed)
    bad_at: dict[int, str] = {}
    for kind, per_10k in BAD_ROWS:
        for _ in range(max(1, rows * per_10k // 10_000)):
            bad_at.setdefault(rng.randrange(rows), kind)
    today = NOW.date()
    written = debtor = 0
    while written < rows:
        debtor += 1
        name = f"Cliente {debtor}"
        phone = _phone(rng, debtor)
        document = _cpf(rng) if rng.random() < 0.6 else ""
        birth = _date(date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)), rng)
        language = "pt" if rng.random() < 0.95 else "en"
        segment, state = rng.choice(SEGMENTS), rng.choice(STATES)
        for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
            if written == rows:
                break
            due = today + timedelta(days=rng.randint(-180, 30))
            row = [
                f"C{debtor:07d}",
                name,
                phone,
                "",
                language,
                document,
                f"C{debtor:07d}-{n + 1}",
                "Compra parcelada" if n else "Compra",
                _amount(rng),
                _date(due, rng),
                segment,
                state,
                birth if document else "",
            ]
            _spoil(row, bad_at.get(written), debtor)
            written += 1
            yield row


def _spoil(row: list[str], kind: str | None, debtor: int) -> None:
    if kind == "empty_amount":
        row[8] = ""
    elif kind == "bad_date":
        row[9] = "31/02/2026"
    elif kind == "no_contact":
        row[2] = ""
    elif kind == "bad_state":
        row[11] = "XX"
    elif kind == "repeated_debt_ref":
        row[6] = f"C{max(1, debtor - 1):07d}-1"


def write_portfolio(path: Path, rows: int, *, seed: int = 15) -> None:
    """The file as Excel saves a CSV on a Brazilian Windows: ``;`` between fields (no
    field holds one, nor a quote, so nothing needs quoting)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(";".join(HEADER) + "\r\n")
        out.writelines(";".join(row) + "\r\n" for row in portfolio_rows(rows, seed=seed))


@contextmanager
def scratch_database(url: str | None) -> Iterator[Engine]:
    """A migrated, empty database that holds no real data; dropped afterwards."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="quita-import-bench-") as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            upgrade(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(url, connect_args={"options": f"-c search_path={SCHEMA}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


@dataclass
class _Run:
    report: ImportReport
    seconds: float
    cpu_seconds: float


def _timed_import(engine: Engine, path: Path, progress: Callable[[int, int], None] | None) -> _Run:
    """What ``quita import portfolio`` does: read, decode, import in one transaction."""
    started, cpu = time.perf_counter(), time.process_time()
    text_ = decode_csv(path.read_bytes())
    with transaction(make_sessionmaker(engine)) as session:
        report = import_portfolio(session, text_, NOW, progress=progress)
    return _Run(report, time.perf_counter() - started, time.process_time() - cpu)


def run_import_bench(
    rows: int,
    database_url: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Generate a file of ``rows`` rows, import it twice; figures of both runs."""
    with tempfile.TemporaryDirectory(prefix="quita-import-csv-") as tmp:
        path = Path(tmp) / "portfolio.csv"
        started = time.perf_counter()
        write_portfolio(path, rows)
        generate_seconds = time.perf_counter() - started
        with scratch_database(database_url) as engine:
            first = _timed_import(engine, path, progress)
            again = _timed_import(engine, path, progress)
            database = engine.dialect.name
    return {
        "database": database,
        "rows": rows,
        "generate_seconds": round(generate_seconds, 2),
        "seconds": round(first.seconds, 2),
        "cpu_seconds": round(first.cpu_seconds, 2),
        "rows_per_second": round(rows / first.seconds) if first.seconds else None,
        "changed": first.report.created_or_updated,
        "rejected": len(first.report.errors),
        "reimport_seconds": round(again.seconds, 2),
        "reimport_cpu_seconds": round(again.cpu_seconds, 2),
        "reimport_changed": again.report.created_or_updated,
        "reimport_unchanged": again.report.unchanged,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
