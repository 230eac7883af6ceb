"""What the platform knows about a customer and about list entries, as plain values.

They live here, below the engine and the policy, because both read them: the engine hands
them to assessors and the policy turns them into facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """Running aggregates of a customer's earlier orders (amounts in the order currency)."""

    orders: int = 0
    amount_sum: float = 0.0
    amount_sumsq: float = 0.0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    countries: frozenset[str] = frozenset()

    @property
    def mean(self) -> float:
        return self.amount_sum / self.orders if self.orders else 0.0

    @property
    def std(self) -> float:
        if self.orders < 2:
            return 0.0
        var = (self.amount_sumsq - self.amount_sum**2 / self.orders) / (self.orders - 1)
        return float(max(var, 0.0) ** 0.5)


@dataclass(frozen=True, slots=True)
class ListHit:
    list_name: str
    kind: str
    value: str
    action: str  # "block" or "allow"
    reason: str | None = None
