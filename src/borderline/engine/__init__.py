"""The decision engine and the assessor contract."""

from borderline.engine.assessor import (
    AssessContext,
    Assessor,
    BaseAssessor,
    CustomerHistory,
    HistoryProvider,
    ListHit,
    ListProvider,
)
from borderline.engine.core import (
    Engine,
    declared_codes,
    declared_signals,
    discover_assessors,
)

__all__ = [
    "AssessContext",
    "Assessor",
    "BaseAssessor",
    "CustomerHistory",
    "Engine",
    "HistoryProvider",
    "ListHit",
    "ListProvider",
    "declared_codes",
    "declared_signals",
    "discover_assessors",
]
