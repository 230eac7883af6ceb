"""Reason codes from the model's own feature contributions.

LightGBM's ``pred_contrib`` gives exact TreeSHAP values: per feature, how much it moved this
order's log-odds away from the average. We group features into reason families
(``velocity.card``, ``label_risk.ship_addr``, ``cross_border.ip_ne_card`` …), add their
contributions, and report the largest positive ones — what pushed *this* score up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from borderline.fraud.features import reason_group


@dataclass(frozen=True)
class Reason:
    code: str  # e.g. fraud.reason.velocity.card
    contribution: float  # log-odds
    features: dict[str, float]  # feature -> its value for this order
    top_feature: str


def reasons(
    features: Sequence[str],
    values: np.ndarray,
    contrib: np.ndarray,
    k: int = 3,
    min_contribution: float = 0.1,
) -> list[Reason]:
    """Top-``k`` reason families by summed positive contribution (one order)."""
    groups: dict[str, list[tuple[str, float, float]]] = {}
    for name, v, c in zip(features, values, contrib[: len(features)], strict=True):
        groups.setdefault(reason_group(name), []).append((name, float(v), float(c)))
    out = []
    for group, items in groups.items():
        total = sum(c for _, _, c in items)
        if total < min_contribution:
            continue
        items.sort(key=lambda x: -x[2])
        out.append(
            Reason(
                code=f"fraud.reason.{group}",
                contribution=total,
                features={n: v for n, v, c in items if c > 0},
                top_feature=items[0][0],
            )
        )
    out.sort(key=lambda r: -r.contribution)
    return out[:k]
