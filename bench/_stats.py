"""Shared figures for the bench scripts: medians and percentiles, printed the same way everywhere."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(name: str, samples_ms: list[float], target_p95_ms: float | None = None) -> None:
    med, p95 = statistics.median(samples_ms), percentile(samples_ms, 95)
    line = f"{name}: n={len(samples_ms)} median={med:.2f} ms p95={p95:.2f} ms"
    if target_p95_ms is not None:
        verdict = "OK" if p95 < target_p95_ms else "OVER TARGET"
        line += f" target p95<{target_p95_ms:g} ms ratio={p95 / target_p95_ms:.2f} {verdict}"
    print(line)
