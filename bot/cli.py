"""The ``quita`` command. Each stage registers its own sub-commands; nothing heavy at import."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

# Explicit registry: (group name, help, module path of a ``register(subparsers)`` function).
COMMAND_GROUPS: tuple[tuple[str, str], ...] = (
    ("bot.commands.store", "database, import and demo commands"),
    ("bot.commands.nlu", "NLU commands"),
    ("bot.commands.offers", "offer book commands"),
    ("bot.commands.cadence", "cadence commands"),
    ("bot.commands.telegram", "Telegram helpers"),
    ("bot.commands.serve", "serve, worker and conversation tests"),
    ("bot.commands.users", "user accounts"),
    ("bot.commands.privacy", "LGPD requests"),
    ("bot.commands.payments", "PSP charges and received Pix"),
    ("bot.commands.portal", "the self-service page"),
    ("bot.commands.bench", "benchmarks"),
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="quita", description=__doc__)
    parser.add_argument(
        "--config", help="path of config.yml (default: $QUITA_CONFIG or ./config.yml)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_path, _help in COMMAND_GROUPS:
        module = importlib.import_module(module_path)  # a missing module is an error
        register: Callable[[argparse._SubParsersAction], None] = module.register  # type: ignore[type-arg]
        register(sub)
    return parser


def project_problem() -> str | None:
    """Why this is not a project directory, or None.

    Without this a command run in the wrong directory created an empty ``quita.db`` there and
    then died with a traceback about a missing offer book or training data.
    """
    import os
    from pathlib import Path

    if os.environ.get("QUITA_CONFIG"):
        return None  # load_settings reports a missing QUITA_CONFIG file itself
    if Path("config.yml").exists():
        return None
    return (
        f"no config.yml in {Path.cwd()}: run quita in the project directory "
        "(the one with config.yml), or pass --config PATH / set QUITA_CONFIG"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if args.config:
        import os

        os.environ["QUITA_CONFIG"] = args.config
    problem = project_problem()
    if problem:
        print(f"quita: {problem}", file=sys.stderr)
        return 2
    from bot.config import ConfigError

    try:
        result = handler(args)
    except ConfigError as exc:
        print(f"quita: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
