"""The Handbook's evaluation protocol, exactly: train week, delay week, test week.

For a fold whose training starts on day ``S``:

- labelled training examples: transactions of days ``S .. S+6`` (their features may use any
  earlier history, and labels only older than the delay);
- the delay week ``S+7 .. S+13`` is never trained on (its labels are not known yet);
- test days ``S+14 .. S+20``; on test day ``S+14+k`` the transactions of every card already
  known to be compromised are removed: cards with a fraud in the training week, or on any day
  from ``S+7`` up to (excluding) ``S+7+k`` — i.e. strictly before "test day minus delay",
  as the Handbook's ``get_train_test_set`` does;
- metrics over the fold's scored test transactions: AUC ROC, average precision, and Card
  Precision@100 per test day (cards detected on earlier test days excluded), averaged.

Prequential: four folds with training starting 2018-08-15, 08-08, 08-01 and 07-25.
Single split: training from 2018-07-25, test from 2018-08-08.

When the data carries the simulator's ``TX_FRAUD_SCENARIO`` (ground truth, never a feature),
each fold also reports how much of its AUC is reachable at all (``trace_diagnostics``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from borderline.bench.handbook.features import DAY, compute_features
from borderline.errors import InvalidInput
from borderline.fraud import (
    Grouped,
    auc,
    average_precision,
    card_precision_top_k,
    train_booster,
    window_sum,
)

PREQUENTIAL_STARTS = [date(2018, 8, 15), date(2018, 8, 8), date(2018, 8, 1), date(2018, 7, 25)]
SINGLE_START = date(2018, 7, 25)
PROTOCOLS = ("prequential", "single")
# Small trees, slow learning: a training week holds only ~400 frauds. Chosen on the
# prequential folds of simulation seed 0; the benchmark reports other seeds (1 by default).
HANDBOOK_PARAMS: dict[str, Any] = {"num_leaves": 7, "min_child_samples": 50, "learning_rate": 0.03}
HANDBOOK_ROUNDS = 400

# The Handbook's best published test figures with its own 15 features (chapter 6/7).
PUBLISHED = {"auc": 0.879, "ap": 0.694, "cp100": 0.305}
PUBLISHED_SOURCE = (
    "Le Borgne, Siblini, Lebichot, Bontempi: Reproducible Machine Learning for Credit Card "
    "Fraud Detection - Practical Handbook (ULB / Worldline): AP 0.694 (XGBoost), "
    "CP@100 0.305 (balanced bagging), AUC 0.879"
)


@dataclass(frozen=True)
class Fold:
    index: int
    train_start: date
    train_days: int = 7
    delay_days: int = 7
    test_days: int = 7

    @property
    def test_start(self) -> date:
        return self.train_start + timedelta(days=self.train_days + self.delay_days)


def folds(protocol: str) -> list[Fold]:
    if protocol == "prequential":
        return [Fold(i, s) for i, s in enumerate(PREQUENTIAL_STARTS)]
    if protocol == "single":
        return [Fold(0, SINGLE_START)]
    raise InvalidInput(
        f"unknown protocol {protocol!r}; one of {', '.join(PROTOCOLS)}", where="protocol"
    )


def split(df: pd.DataFrame, fold: Fold) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the training set and of the (filtered) test set, in time order."""
    start = pd.Timestamp(fold.train_start)
    day = ((df["TX_DATETIME"] - start) // pd.Timedelta(days=1)).to_numpy()
    fraud = df["TX_FRAUD"].to_numpy()
    cust = df["CUSTOMER_ID"].to_numpy()
    train = np.flatnonzero((day >= 0) & (day < fold.train_days))
    known = set(cust[train][fraud[train] == 1].tolist())
    test_parts = []
    first_test = fold.train_days + fold.delay_days
    for k in range(fold.test_days):
        if k > 0:
            seen = day == fold.train_days + k - 1
            known.update(cust[seen & (fraud == 1)].tolist())
        rows = np.flatnonzero(day == first_test + k)
        keep = ~np.isin(cust[rows], np.fromiter(known, dtype=cust.dtype, count=len(known)))
        test_parts.append(rows[keep])
    return train, np.concatenate(test_parts) if test_parts else np.array([], dtype=np.int64)


def _check_coverage(df: pd.DataFrame, fs: list[Fold]) -> None:
    lo, hi = df["TX_DATETIME"].min(), df["TX_DATETIME"].max()
    for f in fs:
        need_lo = pd.Timestamp(f.train_start)
        need_hi = pd.Timestamp(f.test_start + timedelta(days=f.test_days)) - pd.Timedelta(seconds=1)
        if lo > need_lo or hi < need_hi - pd.Timedelta(days=1):
            raise InvalidInput(
                f"data spans {lo.date()}..{hi.date()} but fold {f.index} needs "
                f"{need_lo.date()}..{need_hi.date()}",
                where="data",
            )


@dataclass
class FoldResult:
    fold: int
    train_start: str
    test_start: str
    n_train: int
    n_train_frauds: int
    n_test: int
    n_test_frauds: int
    auc: float
    ap: float
    cp100: float
    cp100_per_day: list[float] = field(default_factory=list)
    diagnostics: dict[str, float] | None = None


def evaluate(
    df: pd.DataFrame,
    protocol: str = "prequential",
    feature_set: str = "borderline",
    delay_days: int = 7,
    params: Mapping[str, Any] | None = None,
    rounds: int = HANDBOOK_ROUNDS,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run the protocol; returns the JSON-able report and one row per scored test transaction."""
    fs = folds(protocol)
    _check_coverage(df, fs)
    X = compute_features(df, feature_set=feature_set, delay_days=delay_days)
    y = df["TX_FRAUD"].to_numpy()
    results: list[FoldResult] = []
    preds: list[pd.DataFrame] = []
    # Ground truth for the diagnostics, once for all folds (it groups every transaction).
    hidden = no_trace_frauds(df, delay_days) if "TX_FRAUD_SCENARIO" in df.columns else None
    for f in fs:
        train, test = split(df, f)
        booster = train_booster(
            X.iloc[train], y[train], params=params or HANDBOOK_PARAMS, rounds=rounds
        )
        score = np.asarray(booster.predict(X.iloc[test]), dtype=np.float64)
        test_day = (
            (df["TX_DATETIME"].iloc[test] - pd.Timestamp(f.test_start)) // pd.Timedelta(days=1)
        ).to_numpy()
        customer = df["CUSTOMER_ID"].to_numpy()[test]
        cp, cp_days = card_precision_top_k(test_day, customer, y[test], score, k=100)
        results.append(
            FoldResult(
                fold=f.index,
                train_start=f.train_start.isoformat(),
                test_start=f.test_start.isoformat(),
                n_train=len(train),
                n_train_frauds=int(y[train].sum()),
                n_test=len(test),
                n_test_frauds=int(y[test].sum()),
                auc=auc(y[test], score),
                ap=average_precision(y[test], score),
                cp100=cp,
                cp100_per_day=cp_days,
                diagnostics=(
                    trace_diagnostics(y[test], hidden[test], test_day, customer, score)
                    if hidden is not None
                    else None
                ),
            )
        )
        preds.append(
            pd.DataFrame(
                {
                    "fold": f.index,
                    "TRANSACTION_ID": df["TRANSACTION_ID"].to_numpy()[test],
                    "score": score,
                }
            )
        )
    report = summarise(results, protocol, feature_set, delay_days, list(X.columns))
    return report, pd.concat(preds, ignore_index=True)


def no_trace_frauds(df: pd.DataFrame, delay_days: int = 7) -> np.ndarray:
    """Frauds of a terminal compromise (scenario 2) that have left no usable trace yet.

    A compromised terminal turns every payment on it into fraud for 28 days and changes
    nothing else, so the only evidence is the labels of its earlier payments — and those are
    usable only once older than the delay. A scenario-2 fraud whose terminal has no
    scenario-2 fraud in ``(t - delay - 28 d, t - delay]`` (a known fraud of another kind says
    nothing about a compromise) is, at scoring time, indistinguishable from a genuine payment:
    any model ranks it like a genuine one, half-way on average.
    """
    ts = pd.to_datetime(df["TX_DATETIME"])
    t = ((ts - ts.min().normalize()).dt.total_seconds()).to_numpy().astype(np.int64)
    delay = delay_days * DAY
    g = Grouped.build(df["TERMINAL_ID"].to_numpy(dtype=np.int64), t, horizon=delay + 28 * DAY)
    lo, hi = g.bounds(delay + 28 * DAY, delay)
    scenario = df["TX_FRAUD_SCENARIO"].to_numpy()
    known = g.to_original(window_sum(g.sorted_view(scenario == 2), lo, hi))
    return np.asarray((scenario == 2) & (known == 0))


def trace_diagnostics(
    y: np.ndarray, hidden: np.ndarray, day: np.ndarray, customer: np.ndarray, score: np.ndarray
) -> dict[str, float]:
    """How much of a fold's AUC any model can reach, from the simulator's ground truth.

    Arguments are the fold's test rows: labels, ``no_trace_frauds`` flags, test day, card,
    model score. ``auc_ceiling`` = 1 - ½ · (share of test frauds with no trace): what a model
    scores if it ranks every traceable fraud above every genuine payment and the untraceable
    ones at random. ``auc_traceable`` is the model's AUC with the untraceable frauds left out.
    ``cp100_ceiling`` is the Card Precision@100 of that same ranking (averaged over a few
    random orders of the rest).
    """
    n_fraud = int(y.sum())
    keep = ~hidden
    rng = np.random.default_rng(0)
    cps = [
        card_precision_top_k(day, customer, y, ((y == 1) & keep) + rng.random(len(y)), k=100)[0]
        for _ in range(5)
    ]
    return {
        "no_trace_frauds": int(hidden.sum()),
        "auc_ceiling": 1.0 - 0.5 * float(hidden.sum()) / n_fraud if n_fraud else float("nan"),
        "auc_traceable": auc(y[keep], score[keep]),
        "cp100_ceiling": float(np.mean(cps)),
    }


def summarise(
    results: list[FoldResult], protocol: str, feature_set: str, delay_days: int, features: list[str]
) -> dict[str, Any]:
    def stat(name: str) -> dict[str, float]:
        v = np.array([getattr(r, name) for r in results], dtype=float)
        return {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0}

    summary = {m: stat(m) for m in ("auc", "ap", "cp100")}
    if results and all(r.diagnostics for r in results):
        for m in ("auc_ceiling", "auc_traceable", "cp100_ceiling"):
            v = np.array([(r.diagnostics or {})[m] for r in results], dtype=float)
            summary[m] = {
                "mean": float(np.mean(v)),
                "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
            }
    return {
        "protocol": protocol,
        "feature_set": feature_set,
        "label_delay_days": delay_days,
        "model": "lightgbm",
        "features": features,
        "folds": [r.__dict__ for r in results],
        "summary": summary,
        "published": {**PUBLISHED, "source": PUBLISHED_SOURCE},
        "beats_published": {m: summary[m]["mean"] > PUBLISHED[m] for m in PUBLISHED},
    }
