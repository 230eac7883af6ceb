"""Customer aggregates read from the database, and the snapshot of them kept with a decision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.engine import CustomerHistory
from borderline.store.models import CustomerStatsRow
from borderline.store.times import aware


class DbHistory:
    """Customer aggregates read inside the caller's session (sees its own pending writes)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Several assessors and the policy ask about the same customer for one order.
        self._memo: dict[str, CustomerHistory] = {}

    def forget(self, key: str) -> None:
        self._memo.pop(key, None)

    def customer(self, key: str, before: datetime) -> CustomerHistory:
        if key in self._memo:
            return self._memo[key]
        row = self.session.execute(
            select(
                CustomerStatsRow.orders,
                CustomerStatsRow.amount_sum,
                CustomerStatsRow.amount_sumsq,
                CustomerStatsRow.first_seen,
                CustomerStatsRow.last_seen,
                CustomerStatsRow.countries,
            ).where(CustomerStatsRow.customer_key == key)
        ).first()
        if row is None:
            hist = CustomerHistory()
        else:
            hist = CustomerHistory(
                orders=row[0],
                amount_sum=row[1],
                amount_sumsq=row[2],
                first_seen=aware(row[3]),
                last_seen=aware(row[4]),
                countries=frozenset(c for c in row[5].split(",") if c),
            )
        self._memo[key] = hist
        return hist


def history_snapshot(history: CustomerHistory) -> dict[str, Any]:
    """The customer facts the policy saw, stored with the decision for replay and backtests."""
    return {
        "customer": {
            "orders": history.orders,
            "amount_sum": history.amount_sum,
            "amount_sumsq": history.amount_sumsq,
            "first_seen": history.first_seen.isoformat() if history.first_seen else None,
        }
    }


def history_from_snapshot(context: Mapping[str, Any]) -> CustomerHistory:
    """The inverse of :func:`history_snapshot`, read from a stored decision's ``context``."""
    ctx = context.get("customer", {})
    first = ctx.get("first_seen")
    return CustomerHistory(
        orders=ctx.get("orders", 0),
        amount_sum=ctx.get("amount_sum", 0.0),
        amount_sumsq=ctx.get("amount_sumsq", 0.0),
        first_seen=datetime.fromisoformat(first) if first else None,
    )
