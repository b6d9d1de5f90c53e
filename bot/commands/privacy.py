"""``quita privacy export|erase --debtor REF``: LGPD art. 18 requests from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    privacy = sub.add_parser("privacy", help="LGPD: export or erase one debtor's data")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", metavar="COMMAND")
    export = privacy_sub.add_parser("export", help="print the debtor's data and messages (JSON)")
    export.add_argument("--debtor", required=True, metavar="REF")
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=_export)
    erase = privacy_sub.add_parser(
        "erase", help="anonymise the debtor (financial records are kept, the basis recorded)"
    )
    erase.add_argument("--debtor", required=True, metavar="REF")
    erase.set_defaults(handler=_erase)


def _export(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.ledger import EventLog
    from bot.store.privacy import PrivacyError, export_debtor

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            data = export_debtor(session, args.debtor)
            debtor_id = session.scalar(_debtor_id(args.debtor))
            EventLog(session).append(
                "privacy_exported", at=SystemClock().now(), actor="cli", debtor_id=debtor_id
            )
    except PrivacyError as exc:
        print(f"quita privacy: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"written to {args.out}")
    else:
        print(text)
    return 0


def _erase(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.privacy import PrivacyError, erase_debtor

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            done = erase_debtor(
                session,
                args.debtor,
                now=SystemClock().now(),
                actor="cli",
                legal_basis=settings.privacy.legal_basis,
            )
    except PrivacyError as exc:
        print(f"quita privacy: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"debtor {done.ref} erased: name and CPF removed, {done.contacts} contacts removed, "
        f"{done.messages} message bodies blanked; financial records kept ({done.legal_basis})"
    )
    return 0


def _debtor_id(ref: str) -> Any:
    from sqlalchemy import select

    from bot.store.tables import Debtor

    return select(Debtor.id).where(Debtor.ref == ref)
