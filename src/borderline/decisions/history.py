"""Customer aggregates read from the database, and the snapshot of them kept with a decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from borderline.engine import CustomerHistory
from borderline.store import in_chunks
from borderline.store.models import CustomerStatsRow
from borderline.store.times import aware

# Table columns (Core), not ORM attributes: read for every decision, and a Core select skips
# the ORM's compile step and result processing.
_STATS = CustomerStatsRow.__table__.c
_COLUMNS = select(
    _STATS.orders,
    _STATS.amount_sum,
    _STATS.amount_sumsq,
    _STATS.first_seen,
    _STATS.last_seen,
    _STATS.countries,
)


_ONE = _COLUMNS.where(_STATS.customer_key == bindparam("key"))


def _history(row: Any) -> CustomerHistory:
    return CustomerHistory(
        orders=row[0],
        amount_sum=row[1],
        amount_sumsq=row[2],
        first_seen=aware(row[3]),
        last_seen=aware(row[4]),
        countries=frozenset(c for c in row[5].split(",") if c),
    )


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
        row = self.session.execute(_ONE, {"key": key}).first()
        hist = CustomerHistory() if row is None else _history(row)
        self._memo[key] = hist
        return hist

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the aggregates of many customers at once (a batch's), in a query per 500."""
        wanted = sorted({k for k in keys if k not in self._memo})
        for part in in_chunks(wanted):
            found = {
                row[6]: _history(row)
                for row in self.session.execute(
                    _COLUMNS.add_columns(_STATS.customer_key).where(_STATS.customer_key.in_(part))
                )
            }
            for k in part:
                self._memo[k] = found.get(k) or CustomerHistory()

    def stored(self, key: str, row: Mapping[str, Any]) -> None:
        """Fold the ``customer_stats`` upsert of an order decided in this transaction but not
        written yet (``_stats_row``) into what this history answers: exactly what reading the
        row back after the upsert would give. A batch decides its orders first and stores them
        together; the next order of the same customer must see this one."""
        prev = self._memo.get(key) or self.customer(key, row["last_seen"])  # before the write
        self._memo[key] = CustomerHistory(
            orders=prev.orders + row["orders"],
            amount_sum=prev.amount_sum + row["amount_sum"],
            amount_sumsq=prev.amount_sumsq + row["amount_sumsq"],
            first_seen=prev.first_seen if prev.orders else row["first_seen"],
            last_seen=row["last_seen"],
            countries=frozenset(c for c in row["countries"].split(",") if c),
        )


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
