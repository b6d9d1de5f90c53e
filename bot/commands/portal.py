"""``quita portal link --debtor REF [--revoke]``: the debtor's signed self-service link."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    portal = sub.add_parser("portal", help="the debtor's self-service page")
    portal_sub = portal.add_subparsers(dest="portal_command", metavar="COMMAND")
    link = portal_sub.add_parser("link", help="print a debtor's signed link (/p/<token>)")
    link.add_argument("--debtor", required=True, help="the debtor's ref from the portfolio")
    link.add_argument(
        "--revoke",
        action="store_true",
        help="first make every earlier link of this debtor stop working",
    )
    link.set_defaults(handler=_link)


def _link(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.portal.links import issue_link, revoke_links
    from bot.portal.tokens import LinkSigner
    from bot.store.db import make_engine, make_sessionmaker, transaction
    from bot.store.portfolio import PortfolioRepository
    from bot.web.security import resolve_secret_key

    settings = load_settings()
    if not settings.portal.enabled:
        print("the portal is off (portal.enabled in config.yml)", file=sys.stderr)
        return 2
    signer = LinkSigner(resolve_secret_key(settings))
    now = SystemClock().now()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            debtor = PortfolioRepository(session).debtor_by_ref(args.debtor)
            if debtor is None:
                print(f"no debtor {args.debtor!r}", file=sys.stderr)
                return 1
            if args.revoke:
                revoke_links(session, debtor.id, now)
            url = issue_link(session, signer, settings, debtor.id, now)
    finally:
        engine.dispose()
    print(url)
    return 0
