"""``quita serve``, ``quita worker`` and ``quita test conversations``."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the web app (and, embedded, the scheduler)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    worker = sub.add_parser("worker", help="run jobs (cadence, sends) from the Redis queue")
    worker.set_defaults(handler=_worker)

    test = sub.add_parser("test", help="run conversation scripts")
    test_sub = test.add_subparsers(dest="test_command", metavar="KIND")
    conv = test_sub.add_parser("conversations", help="run conversation scripts (YAML)")
    conv.add_argument("paths", nargs="+", type=Path)
    conv.add_argument("--json", action="store_true", help="one JSON result per script")
    conv.add_argument("-v", "--verbose", action="store_true", help="print transcripts")
    conv.set_defaults(handler=_test_conversations)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.config import ConfigError, load_settings
    from bot.logs import configure_logging
    from bot.runtime.service import build_runtime
    from bot.web.app import build_app

    configure_logging()
    try:
        settings = load_settings()
        local = local_public_url(settings.public_url, args.port)
        if local != settings.public_url:
            settings = settings.model_copy(update={"public_url": local})
        runtime = build_runtime(settings)
    except (ConfigError, ValueError) as exc:
        print(f"quita: cannot start: {exc}", file=sys.stderr)
        return 2
    if settings.database_url.startswith("sqlite") and not at_head(runtime.engine):
        from bot.store.db import upgrade

        upgrade(runtime.engine)
    app = build_app(settings, runtime)
    # no access log (a line per webhook costs CPU; our own logs say what happened), no
    # Server header; uvloop and httptools when installed (uvicorn's "auto")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        server_header=False,
    )
    return 0


SHIPPED_PUBLIC_URLS = ("http://localhost:8000", "http://127.0.0.1:8000")


def local_public_url(public_url: str, port: int) -> str:
    """The address our links (the self-service page's) point to: the configured one, unless
    it is the shipped local default and this server listens on another port (``PORT=8010
    make run`` sent links to :8000)."""
    if public_url.rstrip("/") in SHIPPED_PUBLIC_URLS and port != 8000:
        return f"http://localhost:{port}"
    return public_url


_REVISION = re.compile(r"^(down_)?revision\b[^=]*=\s*(.+)$", re.MULTILINE)


def migration_heads(folder: Path) -> set[str]:
    """The head revisions of the migrations in ``folder``, read from their text (importing
    Alembic and every migration to learn it took a good part of start-up)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            names = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (parents if down else revisions).update(names)
    return revisions - parents


def at_head(engine: Any) -> bool:
    """True when the database's Alembic version is every migration head (nothing to do);
    False when it is behind, empty, or anything is unclear (then Alembic decides)."""
    from sqlalchemy import text

    from bot.store.db import MIGRATIONS_DIR

    heads = migration_heads(MIGRATIONS_DIR / "versions")
    try:
        with engine.connect() as conn:
            current = {
                str(v) for (v,) in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except Exception:
        return False  # no version table yet: a new database
    return bool(heads) and current == heads


def _worker(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings
    from bot.logs import configure_logging

    configure_logging()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"quita: cannot start: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print(
            "quita worker needs redis_url (QUITA_REDIS_URL); in embedded mode "
            "`quita serve` runs the jobs itself",
            file=sys.stderr,
        )
        return 2
    from bot.cadence.worker import redis_settings, run_worker
    from bot.runtime.service import build_runtime

    redis_settings(settings)  # fail before building anything when Redis is not configured
    run_worker(settings, build_runtime(settings).outreach.cadence_deps())
    return 0


def _test_conversations(args: argparse.Namespace) -> int:
    from bot.testing.scripts import collect, run_script

    logging.basicConfig(level=logging.WARNING)
    paths = collect(args.paths)
    if not paths:
        print("no conversation scripts found", file=sys.stderr)
        return 1
    failed = user_turns = not_understood = 0
    for path in paths:
        result = run_script(path)
        failed += not result.passed
        user_turns += result.user_turns
        not_understood += result.not_understood_turns
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            _print_result(result, path, verbose=args.verbose)
    # with --json the summary goes to stderr so stdout stays one JSON object per line
    out = sys.stderr if args.json else sys.stdout
    print(summary_line(len(paths) - failed, failed, user_turns, not_understood), file=out)
    return 1 if failed else 0


def _print_result(result: Any, path: Path, *, verbose: bool) -> None:
    mark = "PASS" if result.passed else "FAIL"
    turns = f"{result.not_understood_turns}/{result.user_turns} not understood"
    print(f"{mark} {result.name} ({path}) [{turns}]", flush=True)
    for failure in result.failures:
        print(f"     {failure}")
    if verbose or not result.passed:
        for line in result.transcript:
            print(f"       | {line}")


def summary_line(passed: int, failed: int, user_turns: int, not_understood: int) -> str:
    rate = 100 * not_understood / user_turns if user_turns else 0.0
    return (
        f"{passed} passed, {failed} failed; {user_turns} user turns, "
        f"{not_understood} not understood ({rate:.1f}%)"
    )
