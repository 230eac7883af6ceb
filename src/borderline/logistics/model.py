"""Late-delivery model: LightGBM on pre-shipment features, against a logistic-regression baseline.

Features are only what is known when a shipment is booked: corridor (origin, destination),
mode, carrier/vendor, incoterm, weight, value, quantity, lead time between order and scheduled
delivery, season (month of the scheduled date) and the destination's and origin's World Bank
LPI scores from the latest edition published by then. Outcomes (actual delivery, delay) only
make the label. The SCMS file adds its own pre-shipment columns (fulfilment route, product
group, manufacturing site, freight terms, lines on the same ASN).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderline.errors import DataFileError, InvalidInput
from borderline.files import existing_file
from borderline.lazy import lazy
from borderline.logistics.history import BASE_CATEGORICAL, BASE_NUMERIC, History
from borderline.logistics.lpi import lpi

if TYPE_CHECKING:
    import lightgbm as lgb
    import pandas as pd
    from sklearn.pipeline import Pipeline
else:
    pd = lazy("pandas")
    lgb = lazy("lightgbm")

MODEL_VERSION = "late-lgbm-1"
LPI_FEATURES = ("overall", "customs", "timeliness", "infrastructure")


def _lpi_columns(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    # Point in time: look up each (country, year) once, then broadcast.
    keys = frame[[column, "year"]].drop_duplicates()
    rows = []
    for country, year in keys.itertuples(index=False):
        score = lpi(country, int(year)) if isinstance(country, str) else None
        rows.append(
            {column: country, "year": year}
            | {f"{prefix}_lpi_{f}": (getattr(score, f) if score else np.nan) for f in LPI_FEATURES}
        )
    table = pd.DataFrame(
        rows, columns=[column, "year", *(f"{prefix}_lpi_{f}" for f in LPI_FEATURES)]
    )
    merged = frame[[column, "year"]].merge(table, on=[column, "year"], how="left")
    return merged.drop(columns=[column, "year"]).set_index(frame.index)


@dataclass
class FeatureSpec:
    categorical: list[str]
    numeric: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.categorical, *self.numeric]


def feature_spec(history: History) -> FeatureSpec:
    numeric = [*BASE_NUMERIC, *history.extra_numeric, "month"]
    numeric += [f"{p}_lpi_{f}" for p in ("dest", "orig") for f in LPI_FEATURES]
    return FeatureSpec(categorical=[*BASE_CATEGORICAL, *history.extra_categorical], numeric=numeric)


def features(history: History, spec: FeatureSpec) -> pd.DataFrame:
    """The model matrix. Categories are pinned to the training set's (unseen -> missing)."""
    f = history.frame
    out = pd.DataFrame(index=f.index)
    for c in spec.categorical:
        values = f[c] if c in f else pd.Series([None] * len(f), index=f.index)
        cats = spec.categories.get(c)
        obj = values.astype(object)
        known = obj.notna() if cats is None else obj.isin(cats)
        out[c] = pd.Categorical(obj.where(known, None), categories=cats)
    for c in BASE_NUMERIC + tuple(history.extra_numeric):
        if c in spec.numeric:
            out[c] = f[c].astype(float)
    out["value_usd"] = np.log1p(out["value_usd"])
    out["weight_kg"] = np.log1p(out["weight_kg"])
    out["quantity"] = np.log1p(out["quantity"])
    out["month"] = f["scheduled"].dt.month.astype(float)
    out = out.join(_lpi_columns(f, "destination", "dest")).join(_lpi_columns(f, "origin", "orig"))
    for c in spec.numeric:
        if c not in out:
            out[c] = np.nan
    return out[spec.columns]


def fit_spec(history: History) -> FeatureSpec:
    spec = feature_spec(history)
    f = history.frame
    for c in spec.categorical:
        if c in f:
            spec.categories[c] = sorted({str(v) for v in f[c].dropna().unique()})
        else:
            spec.categories[c] = []
    return spec


LGBM_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.02,
    # Stumps of 4 leaves: with ~5k rows and a drifting late rate, deeper trees overfit the
    # vendor/site categories (docs/benchmarks/logistics.md: 15 leaves lost 0.03 AUC, 7 leaves
    # 0.005 on average over the three SCMS time splits).
    "num_leaves": 4,
    "min_child_samples": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 20,
    "min_data_per_group": 30,
    "num_threads": 2,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
NUM_ROUNDS = 400


@dataclass
class LateModel:
    """A fitted late-delivery model: the booster, the baseline and the feature spec."""

    spec: FeatureSpec
    booster: lgb.Booster
    baseline: Pipeline
    base_rate: float
    mean_delay_if_late: float
    version: str = MODEL_VERSION

    def predict(self, history: History) -> np.ndarray:
        x = features(history, self.spec)
        return np.asarray(self.booster.predict(x), dtype=float)

    def predict_baseline(self, history: History) -> np.ndarray:
        x = features(history, self.spec)
        return np.asarray(self.baseline.predict_proba(_lr_frame(x, self.spec))[:, 1], dtype=float)


def _lr_frame(x: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    out = x.copy()
    for c in spec.categorical:
        out[c] = out[c].astype(object).where(out[c].notna(), "(missing)")
    return out


def _baseline(spec: FeatureSpec) -> Pipeline:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", min_frequency=20),
                spec.categorical,
            ),
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                    StandardScaler(),
                ),
                spec.numeric,
            ),
        ]
    )
    return Pipeline([("pre", pre), ("lr", LogisticRegression(C=0.3, max_iter=2000))])


def _labelled(history: History, role: str) -> None:
    f = history.frame
    if len(f) == 0:
        raise InvalidInput("no shipments", where=role)
    missing = f["late"].isna()
    if missing.any():
        first = f.loc[missing, "id"].iloc[0]
        raise InvalidInput(
            f"{int(missing.sum())} shipment(s) have no actual delivery date (first: id {first}); "
            "training and evaluation need the outcome",
            where=role,
        )
    if f["late"].nunique() < 2:
        raise InvalidInput("needs both late and on-time shipments", where=role)


def train(history: History) -> LateModel:
    _labelled(history, history.source)
    spec = fit_spec(history)
    x = features(history, spec)
    y = history.frame["late"].to_numpy(dtype=float)
    # A fixed number of rounds chosen on the 2006-2011/2012-2013 split of the SCMS file (see
    # docs/benchmarks/logistics.md): early stopping on the test set would be peeking.
    data = lgb.Dataset(x, label=y, categorical_feature=spec.categorical, free_raw_data=False)
    booster = lgb.train(LGBM_PARAMS, data, num_boost_round=NUM_ROUNDS)
    baseline = _baseline(spec).fit(_lr_frame(x, spec), y)
    delays = history.frame.loc[history.frame["late"] == 1, "delay_days"]
    return LateModel(
        spec=spec,
        booster=booster,
        baseline=baseline,
        base_rate=float(y.mean()),
        mean_delay_if_late=float(delays.mean()) if len(delays) else 0.0,
    )


def lift_at(y: np.ndarray, p: np.ndarray, share: float = 0.10) -> float:
    """Late rate among the top ``share`` of predictions divided by the overall late rate."""
    n = max(1, math.ceil(len(p) * share))
    # Stable sort on -p so ties keep file order and the figure is reproducible.
    top = np.argsort(-p, kind="stable")[:n]
    base = float(y.mean())
    return float(y[top].mean() / base) if base > 0 else float("nan")


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    return {
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "lift_top10": round(lift_at(y, p, 0.10), 3),
    }


@dataclass
class Evaluation:
    model: dict[str, float]
    baseline: dict[str, float]
    n_train: int
    n_test: int
    late_rate_train: float
    late_rate_test: float
    ids: list[str]
    probabilities: np.ndarray
    train_period: tuple[str, str]
    test_period: tuple[str, str]
    n_test_unlabelled: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "lightgbm",
            "model_version": MODEL_VERSION,
            "metrics": self.model,
            "baseline": {"model": "logistic_regression", "metrics": self.baseline},
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_test_unlabelled": self.n_test_unlabelled,
            "late_rate_train": round(self.late_rate_train, 4),
            "late_rate_test": round(self.late_rate_test, 4),
            "train_period": list(self.train_period),
            "test_period": list(self.test_period),
        }


def _period(h: History) -> tuple[str, str]:
    s = h.frame["scheduled"]
    return (s.min().date().isoformat(), s.max().date().isoformat())


def evaluate(train_h: History, test_h: History) -> Evaluation:
    """Fit on ``train_h``, score ``test_h``: LightGBM and the logistic-regression baseline.

    Every test shipment gets a probability; metrics use those with an outcome (test rows still
    in transit are counted in ``n_test_unlabelled``, not guessed).
    """
    f = test_h.frame
    if len(f) == 0:
        raise InvalidInput("no shipments", where=test_h.source)
    known = f["late"].notna().to_numpy()
    if f.loc[known, "late"].nunique() < 2:
        raise InvalidInput(
            "needs both late and on-time shipments with an actual delivery date",
            where=test_h.source,
        )
    model = train(train_h)
    y = f.loc[known, "late"].to_numpy(dtype=float)
    p = model.predict(test_h)
    pb = model.predict_baseline(test_h)
    return Evaluation(
        model=metrics(y, p[known]),
        baseline=metrics(y, pb[known]),
        n_train=len(train_h.frame),
        n_test=len(f),
        late_rate_train=model.base_rate,
        late_rate_test=float(y.mean()),
        ids=f["id"].astype(str).tolist(),
        probabilities=p,
        train_period=_period(train_h),
        test_period=_period(test_h),
        n_test_unlabelled=int((~known).sum()),
    )


def split_by_year(history: History, last_train_year: int) -> tuple[History, History]:
    """Time split: scheduled year <= ``last_train_year`` trains, later years test."""
    f = history.frame
    mask = f["year"] <= last_train_year
    if mask.all() or not mask.any():
        raise InvalidInput(
            f"year {last_train_year} does not split {f['year'].min()}-{f['year'].max()}",
            where="--split-year",
        )

    def part(m: pd.Series, tag: str) -> History:
        return History(
            frame=f.loc[m].reset_index(drop=True),
            source=f"{history.source}[{tag}]",
            format=history.format,
            extra_categorical=history.extra_categorical,
            extra_numeric=history.extra_numeric,
        )

    return part(mask, f"<={last_train_year}"), part(~mask, f">{last_train_year}")


# --- saving a model for the assessor ------------------------------------------------------------

MODEL_FORMAT = "borderline.logistics.late-model/1"


def save_model(model: LateModel, path: str | Path, trained_on: str) -> Path:
    """Write the LightGBM model as JSON (booster text + feature spec); no pickle, so loading a
    model file can never run code."""
    p = Path(path)
    if not p.parent.exists():
        raise InvalidInput("folder does not exist", where=str(path))
    doc = {
        "format": MODEL_FORMAT,
        "version": model.version,
        "trained_on": trained_on,
        "base_rate": model.base_rate,
        "mean_delay_if_late": model.mean_delay_if_late,
        "spec": {
            "categorical": model.spec.categorical,
            "numeric": model.spec.numeric,
            "categories": model.spec.categories,
        },
        "booster": model.booster.model_to_string(),
    }
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


@dataclass
class SavedModel:
    """A late-delivery model loaded from ``save_model`` output: scoring only."""

    spec: FeatureSpec
    booster: lgb.Booster
    base_rate: float
    mean_delay_if_late: float
    version: str
    trained_on: str

    def predict(self, history: History) -> np.ndarray:
        return np.asarray(self.booster.predict(features(history, self.spec)), dtype=float)


def load_model(path: str | Path) -> SavedModel:
    p = existing_file(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        if doc.get("format") != MODEL_FORMAT:
            raise DataFileError(f"not a late-delivery model file ({MODEL_FORMAT})", where=str(path))
        spec = FeatureSpec(
            categorical=list(doc["spec"]["categorical"]),
            numeric=list(doc["spec"]["numeric"]),
            categories={k: list(v) for k, v in doc["spec"]["categories"].items()},
        )
        booster = lgb.Booster(model_str=doc["booster"])
        return SavedModel(
            spec=spec,
            booster=booster,
            base_rate=float(doc["base_rate"]),
            mean_delay_if_late=float(doc["mean_delay_if_late"]),
            version=str(doc["version"]),
            trained_on=str(doc["trained_on"]),
        )
    except (ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
        raise DataFileError(f"unreadable model file: {exc}", where=str(path)) from None
