"""``quita db upgrade``, ``quita import portfolio|payments FILE.csv`` and ``quita demo``."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="COMMAND")
    up = db_sub.add_parser("upgrade", help="apply Alembic migrations up to the latest")
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_upgrade)

    imp = sub.add_parser("import", help="import a portfolio or payments CSV")
    imp_sub = imp.add_subparsers(dest="import_command", metavar="KIND")
    portfolio = imp_sub.add_parser("portfolio", help="upsert debtors and debts")
    portfolio.add_argument("file", type=Path)
    portfolio.set_defaults(handler=_import_portfolio)
    payments = imp_sub.add_parser("payments", help="confirm payments (debt_ref,amount,paid_at)")
    payments.add_argument("file", type=Path)
    payments.set_defaults(handler=_import_payments)

    demo = sub.add_parser("demo", help="load the fictional demo portfolio and demo users")
    demo.add_argument(
        "--force",
        action="store_true",
        help="load it even into a database with real data or a non-SQLite database",
    )
    demo.set_defaults(handler=_demo)


def _settings() -> Any:
    from bot.config import load_settings

    return load_settings()


def _upgrade(args: argparse.Namespace) -> int:
    from bot.store.db import upgrade

    settings = _settings()
    _ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url, args.revision)
    print("database is up to date")
    return 0


def _ensure_sqlite_dir(url: str) -> None:
    # sqlite:///relative/path.db and sqlite:////absolute/path.db alike
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _read(path: Path) -> str:
    """The file's text (UTF-8, UTF-16 or Windows-1252); ``ImportFileError`` in one line."""
    from bot.store.importer import decode_csv

    try:
        return decode_csv(path.read_bytes())
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None


class ImportFileError(Exception):
    """The import file cannot be read at all."""


class StderrProgress:
    """``importing: 45,000/100,000 rows (45%)`` on stderr: rewritten in place on a terminal,
    a line every 10% otherwise (logs). Quiet for small files."""

    def __init__(self, *, min_rows: int = 5000) -> None:
        self.min_rows = min_rows
        self.tty = sys.stderr.isatty()
        self._last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_rows:
            return
        percent = done * 100 // total
        line = f"importing: {done:,}/{total:,} rows ({percent}%)"
        if self.tty:
            print("\r" + line, end="\n" if done == total else "", file=sys.stderr, flush=True)
        elif percent // 10 != self._last_decile:
            self._last_decile = percent // 10
            print(line, file=sys.stderr, flush=True)


def _import_portfolio(args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.importer import import_portfolio

    settings = _settings()
    try:
        text = _read(args.file)
    except ImportFileError as exc:
        print(f"quita import: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        report = import_portfolio(session, text, SystemClock().now(), progress=StderrProgress())
    engine.dispose()
    print(report.summary())
    return 0 if report.ok else 1


def _import_payments(args: argparse.Namespace) -> int:
    import asyncio

    from bot.conversation.operations import OperationError
    from bot.runtime.service import build_runtime
    from bot.store.importer import read_payments

    settings = _settings()
    try:
        rows, errors = read_payments(_read(args.file), settings.business.timezone)
    except ImportFileError as exc:
        print(f"quita import: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    runtime = build_runtime(settings)
    total = len(rows) + len(errors)
    applied = repeated = 0

    async def apply() -> None:
        nonlocal applied, repeated
        for row in rows:
            key = f"import:{row.debt_ref}:{row.amount}:{row.paid_at.isoformat()}"
            flag = runtime.in_transaction(functools.partial(_flag, row=row, key=key))
            if flag:
                errors.append((row.line, flag))
                continue
            try:
                if await runtime.outreach.confirm_payment(
                    row.debt_ref, row.amount, row.paid_at, source="import", dedupe_key=key
                ):
                    applied += 1
                else:
                    repeated += 1
            except OperationError as exc:
                errors.append((row.line, str(exc)))
        await runtime.drain_outbox()

    asyncio.run(apply())
    runtime.engine.dispose()
    print(
        f"{total} rows: {applied} payments applied, {repeated} already recorded, "
        f"{len(errors)} rejected"
    )
    for line, reason in sorted(errors):
        print(f"  line {line}: {reason}")
    return 0 if not errors else 1


def _flag(session: Any, *, row: Any, key: str) -> str | None:
    """A payment far above its debt's open balance is flagged (a repeat of one already
    recorded is not: it is reported as already recorded)."""
    from bot.store.importer import payment_flag
    from bot.store.portfolio import PortfolioRepository

    repo = PortfolioRepository(session)
    debt = repo.debt_by_ref(row.debt_ref)
    if debt is None or repo.payment_seen(key):
        return None  # confirm_payment reports an unknown debt itself
    return payment_flag(row.amount, debt.amount - debt.paid)


def _demo(args: argparse.Namespace) -> int:
    from bot.store.demo import demo_refusal, load_demo

    settings = _settings()
    _ensure_sqlite_dir(settings.database_url)
    refusal = None if args.force else demo_refusal(settings)
    if refusal:
        print(
            f"quita demo: refused: {refusal}. Use --force if you really mean it.", file=sys.stderr
        )
        return 1
    summary = load_demo(settings)
    print(summary)
    return 0
