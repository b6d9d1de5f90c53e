"""``quita bench nlu``: speed, memory and accuracy of the embedded NLU."""

from __future__ import annotations

import gc
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.parse import Interpreter

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_HELDOUT = Path("tests/nlu/heldout.yml")


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc, else peak RSS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(sorted_ms: list[float], q: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[index]


def run_nlu_bench(
    settings: Settings, *, heldout: Path | None = None, rounds: int = 10
) -> dict[str, Any]:
    """Train, load, time parses and score the held-out set; one dict of figures."""
    from bot.nlu.embedded import EmbeddedInterpreter
    from bot.nlu.evaluate import evaluate, load_cases
    from bot.nlu.model import load_cached, save_model, train_model

    data_dir, model_path = Path(settings.nlu.data_dir), Path(settings.nlu.model_path)
    trained = train_model(data_dir)
    save_model(trained, model_path)
    train_seconds = trained.train_seconds
    del trained
    gc.collect()

    before = rss_mb()
    model = load_cached(model_path)
    if model is None:
        raise RuntimeError(f"could not load the model just written to {model_path}")
    model_mb = max(0.0, rss_mb() - before)
    interpreter = EmbeddedInterpreter(
        model,
        timezone=settings.business.timezone,
        default_language=settings.business.default_language,
    )

    path = heldout or DEFAULT_HELDOUT
    cases, declared = load_cases(path)
    now = declared or datetime.fromisoformat("2026-11-23T10:00:00-03:00")
    timings, elapsed = time_parses(interpreter, [c.text for c in cases], now, rounds=rounds)

    report = evaluate(interpreter, cases, now)
    rates = report["rates"]
    return {
        "parses_per_second": round(len(timings) / elapsed, 1),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "p99_ms": round(_percentile(timings, 0.99), 3),
        "rss_mb": round(rss_mb(), 1),
        "model_mb": round(model_mb, 1),
        "train_seconds": round(train_seconds, 2),
        "examples": len(cases),
        "intent_accuracy": round(report["accuracy"], 4),
        "intent_macro_f1": round(report["macro_f1"], 4),
        "language_accuracy": round(rates.get("language", 0.0), 4),
        "date_accuracy": round(rates.get("date", 0.0), 4),
        "amount_accuracy": round(rates.get("amount", 0.0), 4),
        "installments_accuracy": round(rates.get("installments", 0.0), 4),
        "option_accuracy": round(rates.get("option", 0.0), 4),
        "heldout": str(path),
    }


def time_parses(
    interpreter: Interpreter, texts: list[str], now: datetime, *, rounds: int, warm_up: int = 50
) -> tuple[list[float], float]:
    """Sorted per-parse latencies in ms over ``rounds`` passes, and the seconds it all took."""
    for text in texts[:warm_up]:
        interpreter.parse(text, now)
    timings: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            interpreter.parse(text, now)
            timings.append((time.perf_counter() - t0) * 1000)
    return sorted(timings), time.perf_counter() - started
