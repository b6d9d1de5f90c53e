"""``quita db upgrade``, ``quita import portfolio|payments FILE.csv`` and ``quita demo``."""

from __future__ import annotations

import argparse
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
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")


def _import_portfolio(args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.importer import import_portfolio

    settings = _settings()
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        report = import_portfolio(session, _read(args.file), SystemClock().now())
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
            try:
                if await runtime.confirm_payment(
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
