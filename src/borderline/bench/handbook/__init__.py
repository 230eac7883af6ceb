"""The Fraud Detection Handbook benchmark: simulator, loader, features and protocol."""

from borderline.bench.handbook.features import FEATURE_SETS, compute_features
from borderline.bench.handbook.loader import load_transactions
from borderline.bench.handbook.protocol import PROTOCOLS, PUBLISHED, evaluate, folds, split
from borderline.bench.handbook.simulate import SimulationConfig, simulate, write_daily

__all__ = [
    "FEATURE_SETS",
    "PROTOCOLS",
    "PUBLISHED",
    "SimulationConfig",
    "compute_features",
    "evaluate",
    "folds",
    "load_transactions",
    "simulate",
    "split",
    "write_daily",
]
