"""Drift monitoring: the population stability index (PSI) of features and scores.

At training time ``reference_profile`` stores, per feature, ten quantile bins of the training
data and the share of rows in each; ``psi_report`` bins new data the same way and compares:

    PSI = sum over bins of (actual - expected) * ln(actual / expected)

with shares floored at 1e-4 so an empty bin does not divide by zero. Customary reading (Siddiqi,
"Credit Risk Scorecards", 2006): below 0.1 stable, 0.1-0.25 some shift, above 0.25 a shift to
act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from borderline.errors import InvalidInput
from borderline.lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


BINS = 10
FLOOR = 1e-4
STABLE, SHIFT = 0.1, 0.25


def _edges(v: np.ndarray) -> list[float]:
    qs = np.quantile(v, np.linspace(0, 1, BINS + 1)[1:-1]) if len(v) else np.array([])
    return sorted({float(q) for q in qs})


def _shares(v: np.ndarray, edges: list[float]) -> list[float]:
    idx = np.searchsorted(np.asarray(edges), v, side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    return [float(c) for c in counts / max(counts.sum(), 1.0)]


def reference_profile(X: pd.DataFrame, score: np.ndarray) -> dict[str, Any]:
    feats = {}
    for c in X.columns:
        v = X[c].to_numpy(dtype=float)
        e = _edges(v)
        feats[c] = {"edges": e, "shares": _shares(v, e)}
    e = _edges(np.asarray(score, dtype=float))
    return {"features": feats, "score": {"edges": e, "shares": _shares(np.asarray(score), e)}}


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index between two histograms over the same bins, given as shares
    or as counts (each is scaled to shares; an empty bin counts as ``FLOOR``)."""
    e_total, a_total = sum(expected) or 1.0, sum(actual) or 1.0
    out = 0.0
    for e, a in zip(expected, actual, strict=True):
        pe, pa = max(e / e_total, FLOOR), max(a / a_total, FLOOR)
        out += (pa - pe) * math.log(pa / pe)
    return out


def level(value: float) -> str:
    return "stable" if value < STABLE else "shift" if value < SHIFT else "major_shift"


def psi_report(reference: dict[str, Any], X: pd.DataFrame, score: np.ndarray) -> dict[str, Any]:
    if len(X) == 0:
        raise InvalidInput("no orders to compare", where="data")
    rows = []
    for name, ref in reference["features"].items():
        if name not in X.columns:
            raise InvalidInput(f"feature {name} missing from the data", where="features")
        value = psi(ref["shares"], _shares(X[name].to_numpy(dtype=float), ref["edges"]))
        rows.append({"feature": name, "psi": round(value, 6), "level": level(value)})
    rows.sort(key=lambda r: -float(r["psi"]))
    s_ref = reference["score"]
    s_psi = psi(s_ref["shares"], _shares(np.asarray(score, dtype=float), s_ref["edges"]))
    return {
        "n": len(X),
        "score": {"psi": round(s_psi, 6), "level": level(s_psi)},
        "features": rows,
        "shifted": [r["feature"] for r in rows if r["level"] != "stable"],
        "thresholds": {"stable_below": STABLE, "act_above": SHIFT},
    }
