"""Percentiles for the benches (figures, not pass/fail)."""

from __future__ import annotations

import statistics


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    qs = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return round(qs[p - 1] if qs else ordered[0], 1)

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99)}
