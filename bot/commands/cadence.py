"""``quita cadence preview --debtor REF --days 30`` and ``quita cadence run --now ISO``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from bot.core.clock import FixedClock, parse_iso


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``cadence`` command group."""
    cadence = subparsers.add_parser("cadence", help="cadence commands")
    cadence.set_defaults(handler=lambda _args: _help(cadence))
    sub = cadence.add_subparsers(dest="cadence_command", metavar="COMMAND")

    show = sub.add_parser("preview", help="print the plan of contacts for one debtor")
    show.add_argument("--debtor", required=True, metavar="REF", help="the debtor's ref")
    show.add_argument("--days", type=int, default=30, help="how many days ahead (default 30)")
    show.add_argument("--now", type=_instant, default=None, help="start, ISO with offset")
    show.add_argument("--json", action="store_true", help="one JSON object per contact")
    show.set_defaults(handler=run_preview)

    once = sub.add_parser("run", help="run one cadence pass")
    once.add_argument("--now", type=_instant, default=None, help="the pass's now, ISO")
    once.add_argument("--json", action="store_true", help="print the report as JSON")
    once.set_defaults(handler=run_once)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _instant(text: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def run_preview(args: argparse.Namespace) -> int:
    """Print the contacts the cadence would make, assuming none is answered."""
    from bot.cadence.facts import FactsQuery, facts_for
    from bot.cadence.planner import history_days, preview
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker
    from bot.store.portfolio import PortfolioRepository

    settings = load_settings()
    now: datetime = args.now or SystemClock().now()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            debtor = PortfolioRepository(session).debtor_by_ref(args.debtor)
            if debtor is None:
                print(f"no debtor with ref {args.debtor!r}")
                return 1
            query = FactsQuery(
                now=now,
                history_days=history_days(settings.cadence),
                default_state=settings.business.state,
            )
            facts = facts_for(session, debtor.id, query)
    finally:
        engine.dispose()
    assert facts is not None
    plan = preview(facts, now, args.days, settings.cadence, settings.business.timezone)
    for contact in plan:
        if args.json:
            print(
                json.dumps(
                    {
                        "at": contact.at.isoformat(),
                        "template": contact.template,
                        "kind": contact.kind.value,
                        "key": contact.idempotency_key,
                        "vars": contact.vars,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            local = contact.at.strftime("%a %Y-%m-%d %H:%M %z")
            print(f"{local}  {contact.template:<16} {contact.idempotency_key}")
    if not plan and not args.json:
        print(f"no contact planned in the next {args.days} days")
    return 0


def run_once(args: argparse.Namespace) -> int:
    """Run one pass through the runtime (``remind`` writes the message and its outbox row)."""
    from bot.config import load_settings
    from bot.runtime.service import build_runtime

    settings = load_settings()
    deps = build_runtime(settings).outreach.cadence_deps()
    if args.now is not None:
        deps = type(deps)(
            sessions=deps.sessions,
            settings=deps.settings,
            clock=FixedClock(args.now),
            remind=deps.remind,
            with_thanks=deps.with_thanks,
        )
    report = deps.run(args.now)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        summary = report.as_dict()
        print(
            f"{summary['debtors']} debtors, {summary['due']} due, {summary['sent']} sent, "
            f"{summary['duplicates']} already sent, {summary['errors']} errors "
            f"in {summary['seconds']}s"
        )
        for template, count in report.by_template.items():
            print(f"  {template}: {count}")
    return 1 if report.errors else 0
