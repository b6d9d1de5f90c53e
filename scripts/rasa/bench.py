"""Rasa backend vs the embedded one on the held-out set, side by side.

    .venv/bin/python scripts/rasa/bench.py [--url http://127.0.0.1:5005] [--rounds 3]
        [--train-seconds N] [--json]

Needs a Rasa server already running (``scripts/rasa/build_env.sh serve``). The Rasa server's
memory is the RSS of the process listening on the URL's port (from ``ps``/``/proc``), or of
``--pid``. The embedded figures come from ``bot.nlu.bench.run_nlu_bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.config import load_settings
from bot.nlu.bench import DEFAULT_HELDOUT, _percentile, run_nlu_bench, time_parses
from bot.nlu.evaluate import evaluate, load_cases
from bot.nlu.rasa import RasaInterpreter

ROOT = Path(__file__).resolve().parents[2]


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on ``port`` (via ``ss -ltnp``), if any."""
    try:
        out = subprocess.run(
            ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return None
    marker = "pid="
    if marker not in out:
        return None
    return int(out.split(marker, 1)[1].split(",", 1)[0])


def rss_mb_of(pid: int) -> float:
    """Resident memory of ``pid`` and its children in MB, as ``ps`` reports it."""
    pids = [str(pid)]
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    pids.extend(children)
    out = subprocess.run(
        ["ps", "-o", "rss=", "-p", ",".join(pids)], capture_output=True, text=True, check=False
    ).stdout
    return sum(int(x) for x in out.split()) / 1024


def bench_rasa(url: str, heldout: Path, rounds: int, timeout: float) -> dict[str, Any]:
    rasa = RasaInterpreter(url, timeout=timeout)
    cases, declared = load_cases(heldout)
    now = declared or datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    # the warm-up lets TensorFlow build its graphs before we time anything
    texts = [c.text for c in cases]
    timings, elapsed = time_parses(rasa, texts, now, rounds=rounds, warm_up=30)
    report = evaluate(rasa, cases, now)
    rasa.close()
    rates = report["rates"]
    return {
        "parses_per_second": round(len(timings) / elapsed, 1),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "p99_ms": round(_percentile(timings, 0.99), 3),
        "examples": len(cases),
        "intent_accuracy": round(report["accuracy"], 4),
        "intent_macro_f1": round(report["macro_f1"], 4),
        "language_accuracy": round(rates.get("language", 0.0), 4),
        "date_accuracy": round(rates.get("date", 0.0), 4),
        "amount_accuracy": round(rates.get("amount", 0.0), 4),
        "confusions": report["confusions"][:10],
    }


ROWS = (
    ("intent accuracy", "intent_accuracy"),
    ("intent macro-F1", "intent_macro_f1"),
    ("language accuracy", "language_accuracy"),
    ("date resolution", "date_accuracy"),
    ("amount resolution", "amount_accuracy"),
    ("parse p50 (ms)", "p50_ms"),
    ("parse p95 (ms)", "p95_ms"),
    ("parse p99 (ms)", "p99_ms"),
    ("parses / s (one client)", "parses_per_second"),
    ("memory RSS (MB)", "rss_mb"),
    ("training (s)", "train_seconds"),
)


def table(embedded: dict[str, Any], rasa: dict[str, Any]) -> str:
    lines = ["| figure | embedded | Rasa 3.6.21 (DIET) |", "|---|---|---|"]
    for label, key in ROWS:
        lines.append(f"| {label} | {embedded.get(key, '-')} | {rasa.get(key, '-')} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("QUITA_RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--heldout", type=Path, default=ROOT / DEFAULT_HELDOUT)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--pid", type=int, help="the Rasa server's pid (default: by port)")
    parser.add_argument("--train-seconds", type=float, help="measured `rasa train nlu` time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rasa = bench_rasa(args.url, args.heldout, args.rounds, args.timeout)
    pid = args.pid or listening_pid(urlparse(args.url).port or 5005)
    if pid:
        rasa["rss_mb"] = round(rss_mb_of(pid), 1)
        rasa["pid"] = pid
    if args.train_seconds is not None:
        rasa["train_seconds"] = args.train_seconds
    os.chdir(ROOT)
    embedded = run_nlu_bench(load_settings(), heldout=args.heldout, rounds=args.rounds)
    result = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "embedded": embedded,
        "rasa": rasa,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{result['date']} on {result['machine']}")
        print(table(embedded, rasa))
        print("rasa confusions:", json.dumps(rasa["confusions"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
