"""``FraudAssessor``: the fraud model's score and its reasons, as findings.

For each order: online features from the feature store handed in
``ctx.extras["fraud.feature_store"]`` (any object with ``features(flat) -> dict``, e.g.
``MemoryFeatureStore`` or ``fraud.store.SqlFeatureStore``), the champion model's calibrated
probability, and its exact SHAP contributions grouped into reason codes.

Findings:

- ``fraud.model.score`` — score = fraud probability x 100, signal ``fraud.score`` (0-100) and
  ``fraud.above_threshold`` (the model card's cost-based threshold), the model version in
  ``source`` and evidence;
- ``fraud.reason.<family>`` — one per top reason (severity low, score 0 so the score is not
  counted twice), evidence: the contribution in log-odds and the feature values behind it.

The model is loaded once from the registry and kept; if a reload fails (a corrupt file), the
model already in service stays. With no model registered the assessor reports
``fraud.model.unavailable`` (info) instead of failing every decision.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import BorderlineError
from borderline.fraud.explain import reasons
from borderline.fraud.features import DEFAULT_LABEL_DELAY_DAYS, MemoryFeatureStore
from borderline.fraud.flat import flatten
from borderline.model import Finding, Order, Severity
from borderline.refdata.recheck import Recheck

if TYPE_CHECKING:  # LightGBM and scikit-learn load only when a model is loaded or given
    from borderline.fraud.training import FraudModel


def _severity(score: float, above: bool) -> Severity:
    if above and score >= 80:
        return Severity.HIGH
    if above:
        return Severity.MEDIUM
    return Severity.LOW if score >= 20 else Severity.INFO


@dataclass(frozen=True, slots=True)
class Prescored:
    """One order's score and contributions, computed with the others of a batch (``prescore``).

    Handed to the assessor in ``ctx.extras["fraud.prescored"]``; used only when ``model`` is
    the model in service for that order, else the assessor scores the order itself."""

    model: Any
    row: np.ndarray  # (1, n_features), the model's feature order
    probability: float
    contributions: np.ndarray  # the row's TreeSHAP values in log-odds, bias last


def prescore(model: FraudModel, feature_rows: Sequence[Mapping[str, float]]) -> list[Prescored]:
    """Score many orders' online features at once: one call into LightGBM for the
    probabilities and one for the contributions, where order by order each paid the library's
    per-call cost. The values are the same as one at a time: each row goes down the same trees
    (the Spark parity tests compare every score with the in-process engine's)."""
    if not feature_rows:
        return []
    matrix = np.array([[f[name] for name in model.features] for f in feature_rows], np.float64)
    probabilities = model.predict(matrix)
    contributions = model.contributions(matrix)
    return [
        Prescored(model, matrix[i : i + 1], float(probabilities[i]), contributions[i])
        for i in range(len(feature_rows))
    ]


class FraudAssessor(BaseAssessor):
    name: ClassVar[str] = "fraud"
    version: ClassVar[str] = "1"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "fraud.model.score": "the fraud model's score for the order",
        "fraud.model.unavailable": "no trained fraud model is available",
        "fraud.reason.*": "a family of model features that raised the fraud score "
        "(velocity.card, amount, …)",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "registry": "",  # folder of the model registry; empty = <data_dir>/fraud/models
        "model": "champion",  # champion, challenger or a version
        "reasons": 3,  # how many reason codes to report
        "min_reason_logodds": 0.1,  # smaller pushes are not worth a reason
        "label_delay_days": DEFAULT_LABEL_DELAY_DAYS,
    }
    signals: ClassVar[Mapping[str, str]] = {
        "fraud.score": "calibrated fraud probability of the champion model, x100 (0-100)",
        "fraud.above_threshold": "true when fraud.score reaches the model card's cost-based "
        "threshold",
    }

    uses_data_dir: ClassVar[bool] = True  # the application hands it its data folder

    def __init__(
        self, config: Mapping[str, Any] | None = None, *, data_dir: str | Path | None = None
    ) -> None:
        super().__init__(config)
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._model: FraudModel | None = None
        self._lock = threading.Lock()
        self.last_load_error: str | None = None
        self._seen_state: float | None = None  # mtime of registry.json at the last load
        self._root: Path | None = None
        self._recheck = Recheck()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable for Spark tasks: the lock is recreated, the model travels as text.
        state = dict(self.__dict__)
        state.pop("_lock", None)
        state.pop("_recheck", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._recheck = Recheck()

    def use_model(self, model: FraudModel) -> None:
        """Put a model in service directly (tests, benchmarks, a just-trained model)."""
        self._model = model
        self._recheck.reset()

    def reload(self) -> FraudModel | None:
        """Load the configured model from the registry; on failure keep the one in service."""
        from borderline.fraud.registry import Registry, models_dir

        with self._lock:
            if self.config["registry"]:
                reg = Registry(self.config["registry"])
            elif self._data_dir is not None:
                reg = Registry(models_dir(self._data_dir))
            else:
                self.last_load_error = (
                    "no model registry: set assessors.fraud.registry, or build the engine "
                    "with a data folder"
                )
                return self._model
            self._root = reg.root
            self._seen_state = self._state_mtime(reg.root)
            try:
                self._model = reg.load(str(self.config["model"]))
                self.last_load_error = None
            except BorderlineError as exc:
                self.last_load_error = str(exc)
            return self._model

    @staticmethod
    def _state_mtime(root: Path) -> float | None:
        try:
            return (root / "registry.json").stat().st_mtime
        except OSError:
            return None

    def model(self, ctx: AssessContext) -> FraudModel | None:
        given = ctx.extras.get("fraud.model")
        if given is not None:
            from borderline.fraud.training import FraudModel

            if isinstance(given, FraudModel):
                return given
        # A promotion or rollback rewrites registry.json: pick the new champion up without a
        # restart. Looked at most once a second (at once after a change in this process:
        # ``refdata.recheck``), not with a stat per order; a failed load keeps the model in
        # service, and without a model the registry is tried again on the same schedule.
        if not self._recheck.due():
            return self._model
        root = self._root
        if self._model is None or (
            root is not None and self._state_mtime(root) != self._seen_state
        ):
            self.reload()
        return self._model

    def reads_recorded(self, ctx: AssessContext) -> bool:
        """True when this assessor would read the stored feature store for the next order (a
        model is in service): a batch must then store each order before deciding the next."""
        return ctx.extras.get("fraud.feature_store") is not None and self.model(ctx) is not None

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        model = self.model(ctx)
        if model is None:
            return [
                self.finding(
                    "fraud.model.unavailable",
                    "no fraud model in service; train one with `borderline fraud train`",
                    evidence={"error": self.last_load_error} if self.last_load_error else {},
                )
            ]
        store = ctx.extras.get("fraud.feature_store")
        history = store is not None
        pre = ctx.extras.get("fraud.prescored")
        if not (isinstance(pre, Prescored) and pre.model is model):
            # Scored alone: the same path as a batch's, with a batch of one.
            if store is None:
                store = MemoryFeatureStore(int(self.config["label_delay_days"]))
            pre = prescore(model, [store.features(flatten(order))])[0]
        row, p, contrib = pre.row, pre.probability, pre.contributions
        score = round(100.0 * p, 3)
        above = p >= model.threshold
        source = f"fraud-model@{model.version}"
        ctx.versions["model.fraud"] = model.version
        findings = [
            self.finding(
                "fraud.model.score",
                f"fraud model scores this order {score:.1f}/100"
                + (" (above the cost-based threshold)" if above else ""),
                severity=_severity(score, above),
                score=min(max(score, 0.0), 100.0),
                evidence={
                    "model_version": model.version,
                    "probability": p,
                    "threshold": model.threshold,
                    "history": history,
                },
                signals={"fraud.score": score, "fraud.above_threshold": above},
                source=source,
            )
        ]
        for r in reasons(
            model.features,
            row[0],
            contrib,
            int(self.config["reasons"]),
            float(self.config["min_reason_logodds"]),
        ):
            shown = ", ".join(f"{k}={v:g}" for k, v in list(r.features.items())[:3])
            findings.append(
                self.finding(
                    r.code,
                    f"{shown} raised the fraud log-odds by {r.contribution:.2f}",
                    severity=Severity.LOW,
                    evidence={
                        "contribution_logodds": round(r.contribution, 4),
                        "features": r.features,
                        "model_version": model.version,
                    },
                    source=source,
                )
            )
        return findings
