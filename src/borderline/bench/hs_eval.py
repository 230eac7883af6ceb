"""Measure an HS classifier on the development sets (``hs_devsets``): top-1/top-3 at HS6,
HS4 and HS2, the share of answers accepted and how many accepted answers are right, the share
of vague terms refused, and the time per listing in process."""

from __future__ import annotations

import platform
import statistics
import time
from datetime import date
from typing import Any, Protocol

from borderline.bench.hs_devsets import DevItem, dev_sets, is_refusal_set
from borderline.trade import Classification, Listing


class Classifier(Protocol):
    @property
    def version(self) -> str: ...

    def classify(self, listing: Listing, top: int = 3) -> Classification: ...


def measure(clf: Classifier, items: list[DevItem]) -> dict[str, Any]:
    results = [clf.classify(i.listing, top=3) for i in items]
    n = len(items)
    if is_refusal_set(items):
        refused = sum(not r.accepted for r in results)
        return {"n": n, "refused": refused / n if n else 0.0}
    block: dict[str, Any] = {"n": n}
    for digits in (6, 4, 2):
        for k in (1, 3):
            hits = sum(
                any(c.hs6[:digits] == i.hs6[:digits] for c in r.candidates[:k])
                for r, i in zip(results, items, strict=True)
            )
            block[f"top{k}_hs{digits}"] = hits / n if n else 0.0
    acc = [r.candidates[0].hs6 == i.hs6 for r, i in zip(results, items, strict=True) if r.accepted]
    block["accepted"] = len(acc) / n if n else 0.0
    block["precision_accepted"] = sum(acc) / len(acc) if acc else None
    return block


def latency_ms(clf: Classifier, items: list[DevItem]) -> dict[str, float]:
    """Per-listing time in process, each listing classified once (memo cleared)."""
    memo = getattr(clf, "_memo", None)
    times, cpu = [], []
    for i in items:
        if memo is not None:
            memo.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        clf.classify(i.listing, top=3)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    # Wall time suffers when other processes share the cores; CPU time is this process's own.
    return {
        "p50": statistics.median(times),
        "p90": times[int(0.9 * (len(times) - 1))],
        "cpu_p50": statistics.median(cpu),
        "n": float(len(times)),
    }


def run(clf: Classifier, limit: int | None = 1000, seed: int = 0) -> dict[str, Any]:
    import os

    sets = dev_sets(limit, seed, "dev")
    test = dev_sets(limit, seed, "test")
    del test["team"]
    _ = clf.version  # load the model before timing
    warm = sets["team"][:20]
    for i in warm:
        clf.classify(i.listing)
    report: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPU, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
        "model": clf.version,
        "limit_per_set": limit,
        "sets": {name: measure(clf, items) for name, items in sets.items()},
        "test": {name: measure(clf, items) for name, items in test.items()},
    }
    report["latency_ms"] = latency_ms(clf, sets["team"] + sets["uk-parcel"][:200])
    return report
