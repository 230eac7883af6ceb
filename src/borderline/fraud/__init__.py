"""Fraud: point-in-time features, an online feature store, LightGBM training, a model
registry, per-decision reasons and drift monitoring.

Public API: see ``__all__``. The Handbook benchmark and the synthetic order generator live
beside the product, in ``borderline.bench.handbook`` and ``borderline.bench.fraud_synth``.
"""

from borderline.fraud.drift import psi
from borderline.fraud.features import (
    FEATURES,
    SPEC,
    MemoryFeatureStore,
    offline_features,
    online_features,
)
from borderline.fraud.flat import flatten, read_labels, read_orders

__all__ = [
    "FEATURES",
    "SPEC",
    "MemoryFeatureStore",
    "flatten",
    "offline_features",
    "online_features",
    "psi",
    "read_labels",
    "read_orders",
]
