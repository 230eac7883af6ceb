"""The decision engine and the assessor contract."""

from borderline.engine.assessor import (
    AssessContext,
    Assessor,
    BaseAssessor,
    HistoryProvider,
    ListProvider,
)
from borderline.engine.core import (
    Engine,
    declared_codes,
    declared_signals,
    discover_assessors,
)
from borderline.model import CustomerHistory, ListHit

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
