"""``quita telegram link --debtor REF [--qr FILE.png]``: the deep link that ties a Telegram
chat to a debtor, to send or to print as a QR code on the payment booklet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    telegram = sub.add_parser("telegram", help="Telegram helpers")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", metavar="COMMAND")
    link = telegram_sub.add_parser("link", help="a debtor's /start deep link (and QR code)")
    link.add_argument("--debtor", required=True, help="the debtor's ref from the portfolio")
    link.add_argument("--qr", type=Path, help="also write the link as a QR code PNG here")
    link.set_defaults(handler=_link)


def deep_link(bot_username: str, token: str) -> str:
    """Telegram's deep link: opening it sends ``/start <token>`` to the bot."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def _link(args: argparse.Namespace) -> int:
    import secrets

    from bot.config import load_settings
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.portfolio import PortfolioRepository

    settings = load_settings()
    username = settings.channels.telegram.bot_username
    if not username:
        print("set channels.telegram.bot_username in config.yml first", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        debtor = PortfolioRepository(session).debtor_by_ref(args.debtor)
        if debtor is None:
            print(f"no debtor {args.debtor!r}", file=sys.stderr)
            engine.dispose()
            return 1
        if not debtor.link_token:
            debtor.link_token = secrets.token_urlsafe(12)
        token = debtor.link_token
    engine.dispose()
    url = deep_link(username, token)
    print(url)
    if args.qr:
        import segno

        segno.make(url, error="m").save(str(args.qr), kind="png", scale=8, border=2)
        print(f"QR code written to {args.qr}")
    return 0
