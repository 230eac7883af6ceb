"""Recording many orders in the online feature store at once (``SqlFeatureStore.record_many``).

A group commit or a batch stores tens to hundreds of orders in one transaction; recording each
in the feature store cost five statements per order. Here the whole group goes in with one
statement per table, with exactly the rows the per-order ``record`` writes one after the other:
an order recorded already (or named twice) is recorded once, a label that arrived before its
order is applied, the day counts add up per (entity, value, day), and a link keeps the time of
the first order that made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from borderline.fraud.features import DAY, ENTITY_COLS, SPEC
from borderline.fraud.tables import FraudEventRow, FraudLabelRow, FraudLinkRow, FraudOrderRow
from borderline.store import in_chunks, present

if TYPE_CHECKING:
    from borderline.fraud.store import SqlFeatureStore


def record_many(store: SqlFeatureStore, flats: Sequence[Mapping[str, Any]]) -> int:
    """Add the orders' events, in order; returns how many were new."""
    from borderline.fraud.store import digest

    if not flats:
        return 0
    conn = store.s.connection()
    ids = [str(f["order_id"]) for f in flats]
    seen: set[str] = present(conn, FraudOrderRow.order_id, ids)
    fresh: list[Mapping[str, Any]] = []
    for oid, f in zip(ids, flats, strict=True):
        if oid not in seen:
            seen.add(oid)
            fresh.append(f)
    if not fresh:
        return 0
    now = datetime.now(UTC)
    new_ids = [str(f["order_id"]) for f in fresh]
    conn.execute(
        store._insert_new(FraudOrderRow),
        [
            {"order_id": oid, "t": int(f["t"]), "recorded_at": now}
            for oid, f in zip(new_ids, fresh, strict=True)
        ],
    )
    # A label may have arrived before its order (see SqlFeatureStore.record_label).
    fraud_of: dict[str, bool] = {}
    for part in in_chunks(new_ids):
        fraud_of.update(
            (str(oid), bool(v))
            for oid, v in conn.execute(
                select(FraudLabelRow.order_id, FraudLabelRow.is_fraud).where(
                    FraudLabelRow.order_id.in_(part)
                )
            )
        )
    events: list[dict[str, Any]] = []
    days: dict[tuple[str, str, int], dict[str, Any]] = {}
    links: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    digests: dict[str, str] = {}

    def d(value: str) -> str:
        if value not in digests:
            digests[value] = digest(value)
        return digests[value]

    for oid, f in zip(new_ids, fresh, strict=True):
        t = int(f["t"])
        amount, currency = float(f["amount"]), str(f["currency"])
        fraud = fraud_of.get(oid, False)
        for e in ENTITY_COLS:
            if not f[e]:
                continue
            v = d(f[e])
            events.append(
                {
                    "order_id": oid,
                    "entity": e,
                    "value": v,
                    "t": t,
                    "amount": amount,
                    "currency": currency,
                    "fraud": fraud,
                }
            )
            key = (e, v, t // DAY)
            row = days.setdefault(
                key, {"entity": e, "value": v, "day": t // DAY, "orders": 0, "frauds": 0}
            )
            row["orders"] += 1
            row["frauds"] += int(fraud)
        for ent, other in SPEC.distinct:
            if f[ent] and f[other]:
                link = (ent, d(f[ent]), other, d(f[other]))
                links.setdefault(
                    link,
                    {
                        "entity": link[0],
                        "value": link[1],
                        "other": other,
                        "other_value": link[3],
                        "first_t": t,
                    },
                )
    if events:
        conn.execute(insert(FraudEventRow), events)
        store._add_to_days(list(days.values()))
    if links:
        conn.execute(store._insert_new(FraudLinkRow), list(links.values()))
    return len(fresh)
