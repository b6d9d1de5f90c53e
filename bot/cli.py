"""The ``quita`` command. Each stage registers its own sub-commands; nothing heavy at import."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

# Explicit registry: (group name, help, module path of a ``register(subparsers)`` function).
COMMAND_GROUPS: tuple[tuple[str, str], ...] = (
    ("bot.store.cli", "database, import and demo commands"),
    ("bot.nlu.cli", "NLU commands"),
    ("bot.offers.cli", "offer book commands"),
    ("bot.cadence.cli", "cadence commands"),
    ("bot.channels.cli", "Telegram helpers"),
    ("bot.runtime.cli", "serve, worker and conversation tests"),
    ("bot.web.cli", "user accounts"),
    ("bot.portal.cli", "the self-service page"),
    ("bot.bench", "benchmarks"),
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="quita", description=__doc__)
    parser.add_argument(
        "--config", help="path of config.yml (default: $QUITA_CONFIG or ./config.yml)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_path, _help in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name and module_path.startswith(exc.name):
                continue  # that stage is not built yet
            raise
        register: Callable[[argparse._SubParsersAction], None] = module.register  # type: ignore[type-arg]
        register(sub)
    return parser


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
    try:
        result = handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
