"""The gradient-boosted model: LightGBM settings and training shared by every data source.

Threads are capped at 2: Borderline must run beside other work on small machines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from borderline.errors import InvalidInput

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "verbosity": -1,
    "seed": 0,
    "deterministic": True,
    "force_row_wise": True,
}
DEFAULT_ROUNDS = 300


def train_booster(
    X: pd.DataFrame,
    y: np.ndarray,
    params: Mapping[str, Any] | None = None,
    rounds: int = DEFAULT_ROUNDS,
    weight: np.ndarray | None = None,
) -> lgb.Booster:
    if len(X) == 0:
        raise InvalidInput("no training examples", where="training window")
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        raise InvalidInput(
            "training examples hold only one class; the window needs frauds and genuine orders",
            where="training window",
        )
    if X.isna().to_numpy().any():
        bad = [c for c in X.columns if X[c].isna().any()]
        raise InvalidInput(f"NaN in feature(s) {', '.join(bad)}", where="features")
    merged = {**DEFAULT_PARAMS, **(params or {})}
    # Two threads at most; one below 200k rows, where OpenMP's spin-waiting on a busy shared
    # machine costs more than the second core gains.
    merged["num_threads"] = min(int(merged.get("num_threads", 2)), 2 if len(X) >= 200_000 else 1)
    ds = lgb.Dataset(X, label=y, weight=weight, free_raw_data=True)
    return lgb.train(merged, ds, num_boost_round=rounds)
