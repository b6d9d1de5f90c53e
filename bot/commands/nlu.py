"""``quita nlu train|parse|test|export-rasa``. Heavy imports happen inside the handlers."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``nlu`` command group to the top-level ``quita`` parser."""
    nlu = subparsers.add_parser("nlu", help="NLU commands")
    sub = nlu.add_subparsers(dest="nlu_command", metavar="SUBCOMMAND")

    train = sub.add_parser("train", help="train the embedded model from nlu_data/")
    train.set_defaults(handler=cmd_train)

    parse = sub.add_parser("parse", help="parse one message per stdin line to JSON lines")
    parse.add_argument("--now", help="ISO datetime with offset that relative dates resolve to")
    parse.add_argument("--language", choices=("pt", "en"), help="hint for ambiguous texts")
    parse.set_defaults(handler=cmd_parse)

    test = sub.add_parser("test", help="evaluate on Rasa-format test data (or an eval file)")
    test.add_argument("files", nargs="+", type=Path, metavar="FILE")
    test.add_argument("--now", help="reference time for entity checks in eval files")
    test.add_argument("--json", action="store_true", help="print the report as JSON")
    test.set_defaults(handler=cmd_test)

    export = sub.add_parser("export-rasa", help="write a Rasa 3 project for `rasa train nlu`")
    export.add_argument("dir", type=Path)
    export.set_defaults(handler=cmd_export_rasa)

    nlu.set_defaults(handler=lambda _args: nlu.print_help() or 2)


def _now(value: str | None, timezone: str) -> datetime:
    from zoneinfo import ZoneInfo

    if not value:
        return datetime.now(ZoneInfo(timezone))
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def cmd_train(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.nlu.model import save_model, train_model

    settings = load_settings()
    model = train_model(Path(settings.nlu.data_dir))
    save_model(model, Path(settings.nlu.model_path))
    print(
        f"trained on {model.examples} examples in {model.train_seconds:.2f}s "
        f"-> {settings.nlu.model_path}"
    )
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.nlu import build_interpreter

    settings = load_settings()
    now = _now(args.now, settings.business.timezone)
    interpreter = build_interpreter(settings)
    from bot.nlu.rasa import RasaUnavailable

    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        try:
            parsed = interpreter.parse(text, now, language=args.language)
        except RasaUnavailable as exc:
            print(f"quita nlu parse: {exc}", file=sys.stderr)
            return 3
        out.write(json.dumps(parsed.to_json(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.nlu import build_interpreter
    from bot.nlu.evaluate import evaluate_files, format_report

    settings = load_settings()
    interpreter = build_interpreter(settings)
    now = _now(args.now, settings.business.timezone) if args.now else None
    report = evaluate_files(interpreter, args.files, now=now, timezone=settings.business.timezone)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def cmd_export_rasa(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.nlu.export import export_rasa

    settings = load_settings()
    written = export_rasa(Path(settings.nlu.data_dir), args.dir)
    for path in written:
        print(path)
    return 0
