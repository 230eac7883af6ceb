"""Detection metrics: AUC ROC, average precision, Card Precision@k, recall at a fixed FPR.

AUC and AP come from scikit-learn. Card Precision@k follows the Handbook's definition
(chapter 4.2): per day, each card (customer) gets its maximum score and maximum label, the k
highest-scored cards are "investigated", and precision is the share of them that were
compromised; cards found compromised on an earlier day are left out of later days; the figure is
the mean over days. Ties in score are broken by customer id so the result is deterministic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve


def auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, score))


def average_precision(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    y = np.asarray(y)
    if y.sum() == 0:
        return float("nan")
    return float(average_precision_score(y, score))


def card_precision_top_k(
    day: npt.ArrayLike,
    customer: npt.ArrayLike,
    label: npt.ArrayLike,
    score: npt.ArrayLike,
    k: int = 100,
) -> tuple[float, list[float]]:
    """Mean over days of the Card Precision@k, and the per-day values (days in order)."""
    df = pd.DataFrame(
        {
            "day": np.asarray(day),
            "c": np.asarray(customer),
            "y": np.asarray(label),
            "s": np.asarray(score, dtype=float),
        }
    )
    detected: set[object] = set()
    per_day: list[float] = []
    for _, part in df.groupby("day", sort=True):
        part = part[~part["c"].isin(detected)]
        cards = part.groupby("c", sort=True).agg(s=("s", "max"), y=("y", "max")).reset_index()
        cards = cards.sort_values(["s", "c"], ascending=[False, True], kind="stable").head(k)
        hits = cards.loc[cards["y"] == 1, "c"].tolist()
        per_day.append(len(hits) / k)
        detected.update(hits)
    return (float(np.mean(per_day)) if per_day else float("nan")), per_day


def recall_at_fpr(y: npt.ArrayLike, score: npt.ArrayLike, max_fpr: float = 0.01) -> float:
    """Share of frauds caught at the best threshold whose false-positive rate is ≤ ``max_fpr``."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return float("nan")
    fpr, tpr, _ = roc_curve(y, score)
    ok = fpr <= max_fpr
    return float(tpr[ok].max()) if ok.any() else 0.0
