"""Reason codes from the model's own feature contributions.

LightGBM's ``pred_contrib`` gives exact TreeSHAP values: per feature, how much it moved this
order's log-odds away from the average. We group features into reason families
(``velocity.card``, ``label_risk.ship_addr``, ``cross_border.ip_ne_card`` …), add their
contributions, and report the largest positive ones — what pushed *this* score up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from borderline.fraud.features import reason_group


@dataclass(frozen=True)
class Reason:
    code: str  # e.g. fraud.reason.velocity.card
    contribution: float  # log-odds
    features: dict[str, float]  # feature -> its value for this order
    top_feature: str


@lru_cache(maxsize=16)
def _families(features: tuple[str, ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The model's features grouped by reason family, in feature order (once per model)."""
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(features):
        groups.setdefault(reason_group(name), []).append(i)
    return tuple((group, tuple(ix)) for group, ix in groups.items())


def reasons(
    features: Sequence[str],
    values: np.ndarray,
    contrib: np.ndarray,
    k: int = 3,
    min_contribution: float = 0.1,
) -> list[Reason]:
    """Top-``k`` reason families by summed positive contribution (one order)."""
    names = tuple(features)
    vals: list[float] = np.asarray(values, dtype=np.float64).tolist()
    cons: list[float] = np.asarray(contrib[: len(names)], dtype=np.float64).tolist()
    if not len(vals) == len(cons) == len(names):
        raise ValueError("one value and one contribution per feature")
    out = []
    for group, ix in _families(names):
        total = sum(cons[i] for i in ix)  # in feature order, as ever: the same float sum
        if total < min_contribution:
            continue
        ranked = sorted(ix, key=lambda i: -cons[i])
        out.append(
            Reason(
                code=f"fraud.reason.{group}",
                contribution=total,
                features={names[i]: vals[i] for i in ranked if cons[i] > 0},
                top_feature=names[ranked[0]],
            )
        )
    out.sort(key=lambda r: -r.contribution)
    return out[:k]
