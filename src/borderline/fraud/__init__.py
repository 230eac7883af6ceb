"""Fraud: point-in-time features, an online feature store, LightGBM training, a model
registry, per-decision reasons and drift monitoring.

Public API (training, metrics, the registry and the stores are exported lazily; the rest is
internal):

- Features: ``FEATURES``, ``SPEC``, ``Spec``, ``online_features`` (and
  ``online_features_many`` for a batch), ``offline_features``, ``Prior``,
  ``MemoryFeatureStore``, ``SqlFeatureStore``, ``stored_history``; label timing
  ``label_bounds``, ``DEFAULT_LABEL_DELAY_DAYS``, ``LABEL_WINDOW_DAYS``, ``DAY``; window
  helpers ``Grouped``, ``window_count``, ``window_sum``, ``first_event_age``,
  ``last_event_age``, ``safe_div``.
- Orders as rows: ``flatten``, ``FLAT_COLUMNS``, ``read_orders``, ``read_labels``,
  ``reshipper_markers``.
- Training and evaluation: ``train``, ``train_booster``, ``labels_vector``,
  ``evaluate_split``, ``evaluate_prequential``; metrics ``auc``, ``average_precision``,
  ``recall_at_fpr``, ``card_precision_top_k``.
- Models in service: ``Registry``, ``models_dir``, ``FraudAssessor``; a batch's scores at
  once ``prescore`` (``Prescored``, handed in ``ctx.extras["fraud.prescored"]``); drift ``psi``,
  ``psi_report``.

The Handbook benchmark and the synthetic order generator live beside the product, in
``borderline.bench.handbook`` and ``borderline.bench.fraud_synth``.
"""

from typing import TYPE_CHECKING

from borderline.fraud.drift import psi, psi_report
from borderline.fraud.features import (
    DAY,
    DEFAULT_LABEL_DELAY_DAYS,
    FEATURES,
    LABEL_WINDOW_DAYS,
    SPEC,
    MemoryFeatureStore,
    Prior,
    Spec,
    label_bounds,
    offline_features,
    online_features,
    online_features_many,
)
from borderline.fraud.flat import FLAT_COLUMNS, flatten, read_labels, read_orders, reshipper_markers
from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.fraud.assessor import FraudAssessor, Prescored, prescore
    from borderline.fraud.metrics import auc, average_precision, card_precision_top_k, recall_at_fpr
    from borderline.fraud.model import train_booster
    from borderline.fraud.registry import Registry, models_dir
    from borderline.fraud.store import SqlFeatureStore, stored_history
    from borderline.fraud.training import evaluate_prequential, evaluate_split, labels_vector, train
    from borderline.fraud.windows import (
        Grouped,
        first_event_age,
        last_event_age,
        safe_div,
        window_count,
        window_sum,
    )

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".assessor": ("FraudAssessor", "Prescored", "prescore"),
        ".metrics": ("auc", "average_precision", "card_precision_top_k", "recall_at_fpr"),
        ".model": ("train_booster",),
        ".registry": ("Registry", "models_dir"),
        ".store": ("SqlFeatureStore", "stored_history"),
        ".training": ("evaluate_prequential", "evaluate_split", "labels_vector", "train"),
        ".windows": (
            "Grouped",
            "first_event_age",
            "last_event_age",
            "safe_div",
            "window_count",
            "window_sum",
        ),
    },
)

__all__ = [
    "DAY",
    "DEFAULT_LABEL_DELAY_DAYS",
    "FEATURES",
    "FLAT_COLUMNS",
    "LABEL_WINDOW_DAYS",
    "SPEC",
    "FraudAssessor",
    "Grouped",
    "MemoryFeatureStore",
    "Prescored",
    "Prior",
    "Registry",
    "Spec",
    "SqlFeatureStore",
    "auc",
    "average_precision",
    "card_precision_top_k",
    "evaluate_prequential",
    "evaluate_split",
    "first_event_age",
    "flatten",
    "label_bounds",
    "labels_vector",
    "last_event_age",
    "models_dir",
    "offline_features",
    "online_features",
    "online_features_many",
    "prescore",
    "psi",
    "psi_report",
    "read_labels",
    "read_orders",
    "recall_at_fpr",
    "reshipper_markers",
    "safe_div",
    "stored_history",
    "train",
    "train_booster",
    "window_count",
    "window_sum",
]
