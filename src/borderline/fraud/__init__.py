"""Fraud: point-in-time features, an online feature store, LightGBM training, a model
registry, per-decision reasons, drift monitoring and the Handbook benchmark.

Public API: see ``__all__``; the handbook benchmark lives in ``borderline.fraud.handbook``.
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
