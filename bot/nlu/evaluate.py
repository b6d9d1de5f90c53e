"""``quita nlu test``: accuracy, macro-F1, per-intent table, confusions and every error.

Reads Rasa NLU YAML (``nlu:`` / ``intent:`` / ``examples:``) or our evaluation format
(``now:`` + ``examples:`` of ``{t, i, l, d, a, n, o}``, like shared/eval/nlu_sample.yml;
``e: {entity: value}`` adds expectations on the other entities, e.g. ``{topic: discount}``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.core.parse import Interpreter, Parse
from bot.nlu.data import read_rasa_file

ENTITY_KEYS = (("d", "date"), ("a", "amount"), ("n", "installments"), ("o", "option"))


@dataclass(frozen=True)
class Case:
    """One expected parse: the text, its intent and optional language and entity values."""

    text: str
    intent: str
    language: str | None = None
    expected: dict[str, Any] = field(default_factory=dict)


def load_cases(path: Path) -> tuple[list[Case], datetime | None]:
    """Cases of one file and the reference time it declares (eval format only)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if isinstance(loaded, dict) and "examples" in loaded:
        now = datetime.fromisoformat(str(loaded["now"])) if loaded.get("now") else None
        cases = [
            Case(
                str(ex["t"]),
                str(ex["i"]),
                ex.get("l"),
                {
                    **{name: ex[key] for key, name in ENTITY_KEYS if key in ex},
                    **{str(k): v for k, v in (ex.get("e") or {}).items()},
                },
            )
            for ex in loaded["examples"]
        ]
        return cases, now
    lang = path.parent.name if path.parent.name in ("pt", "en") else None
    examples = read_rasa_file(path, language=lang or "")
    return [Case(e.text, e.intent, lang) for e in examples], None


def entity_matches(name: str, got: Sequence[Any], want: Any) -> bool:
    """Whether an extracted value equals the expected one.

    A list of dates means any of them; a list of amounts, installments or options means
    each of them must be found.
    """
    if isinstance(want, list) and name in ("amount", "installments", "option"):
        return all(entity_matches(name, got, w) for w in want)
    for value in got:
        try:
            if name == "amount" and Decimal(str(value)) == Decimal(str(want)):
                return True
            if name in ("installments", "option") and int(value) == int(want):
                return True
        except (InvalidOperation, TypeError, ValueError):
            continue
        wants = want if isinstance(want, list) else [want]
        if name not in ("amount", "installments", "option") and str(value) in [
            str(w) for w in wants
        ]:
            return True
    return False


def evaluate(interpreter: Interpreter, cases: Sequence[Case], now: datetime) -> dict[str, Any]:
    """Score parses of ``cases`` against their expectations."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    for case in cases:
        parsed: Parse = interpreter.parse(case.text, now, language=None)
        totals["intent"] += 1
        if parsed.intent == case.intent:
            hits["intent"] += 1
            tp[case.intent] += 1
        else:
            fn[case.intent] += 1
            fp[parsed.intent] += 1
            confusions[(case.intent, parsed.intent)] += 1
            errors.append(
                {
                    "text": case.text,
                    "expected": case.intent,
                    "got": parsed.intent,
                    "confidence": round(parsed.confidence, 4),
                }
            )
        if case.language:
            totals["language"] += 1
            hits["language"] += parsed.language == case.language
        for name, want in case.expected.items():
            totals[name] += 1
            got = [e.value for e in parsed.entities if e.entity == name]
            if entity_matches(name, got, want):
                hits[name] += 1
            else:
                errors.append({"text": case.text, "entity": name, "expected": want, "got": got})
    per_intent: dict[str, dict[str, float]] = {}
    for intent in sorted(set(tp) | set(fn) | set(fp)):
        support = tp[intent] + fn[intent]
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
        }
    scored = [v["f1"] for v in per_intent.values() if v["support"]]
    rates = {k: hits[k] / totals[k] for k in totals if totals[k]}
    return {
        "n": len(cases),
        "accuracy": rates.get("intent", 0.0),
        "macro_f1": sum(scored) / len(scored) if scored else 0.0,
        "rates": rates,
        "totals": dict(totals),
        "per_intent": per_intent,
        "confusions": [
            {"expected": a, "got": b, "count": c} for (a, b), c in confusions.most_common()
        ],
        "errors": errors,
    }


def evaluate_files(
    interpreter: Interpreter,
    files: Sequence[Path],
    *,
    now: datetime | None = None,
    timezone: str = "America/Sao_Paulo",
) -> dict[str, Any]:
    """Evaluate every file (each with its own ``now`` unless one is given) as one set."""
    all_cases: list[tuple[Case, datetime]] = []
    for path in files:
        cases, declared = load_cases(path)
        when = now or declared or datetime.now(ZoneInfo(timezone))
        all_cases.extend((c, when) for c in cases)
    by_now: dict[datetime, list[Case]] = {}
    for case, when in all_cases:
        by_now.setdefault(when, []).append(case)
    reports = [evaluate(interpreter, cases, when) for when, cases in by_now.items()]
    return reports[0] if len(reports) == 1 else _merge(reports)


def _merge(reports: list[dict[str, Any]]) -> dict[str, Any]:
    # Simple merge: recompute nothing fancy; concatenate errors and weight rates by totals.
    merged: dict[str, Any] = {"n": sum(r["n"] for r in reports), "errors": [], "confusions": []}
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for r in reports:
        merged["errors"].extend(r["errors"])
        merged["confusions"].extend(r["confusions"])
        for k, t in r["totals"].items():
            totals[k] += t
            hits[k] += round(r["rates"][k] * t)
    merged["rates"] = {k: hits[k] / totals[k] for k in totals}
    merged["totals"] = dict(totals)
    merged["accuracy"] = merged["rates"].get("intent", 0.0)
    merged["per_intent"] = reports[0]["per_intent"]
    merged["macro_f1"] = sum(r["macro_f1"] * r["n"] for r in reports) / max(merged["n"], 1)
    return merged


def format_report(report: dict[str, Any]) -> str:
    """The report as a text table, like ``rasa test nlu``."""
    lines = [
        f"examples: {report['n']}",
        f"intent accuracy: {report['accuracy']:.3f}",
        f"intent macro-F1: {report['macro_f1']:.3f}",
    ]
    for key, rate in sorted(report["rates"].items()):
        if key != "intent":
            lines.append(f"{key} accuracy: {rate:.3f} (n={report['totals'][key]})")
    lines.append("")
    lines.append(f"{'intent':20s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'support':>8s}")
    for intent, row in report["per_intent"].items():
        lines.append(
            f"{intent:20s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f} "
            f"{int(row['support']):8d}"
        )
    if report["confusions"]:
        lines.append("\nconfusions (expected -> got: count)")
        for c in report["confusions"]:
            lines.append(f"  {c['expected']} -> {c['got']}: {c['count']}")
    if report["errors"]:
        lines.append("\nerrors")
        for e in report["errors"]:
            if "entity" in e:
                lines.append(
                    f"  {e['entity']} want {e['expected']!r} got {e['got']!r}: {e['text']}"
                )
            else:
                lines.append(f"  {e['expected']} -> {e['got']} ({e['confidence']}): {e['text']}")
    return "\n".join(lines)
