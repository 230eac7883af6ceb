"""Point-in-time features in Spark equal the in-process online store's, labels included."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate
from borderline.fraud.features import FEATURES, MemoryFeatureStore, online_features
from borderline.spark._context import RowView
from borderline.spark.features import point_in_time


@pytest.fixture(scope="module")
def flat_and_labels() -> tuple[pd.DataFrame, dict[str, int]]:
    df, labels = generate(OrderSimConfig(n_orders=3000, n_customers=200, days=60, seed=4))
    latest = dict(zip(labels["order_id"], labels["is_fraud"].astype(int), strict=True))
    flat = flat_frame(df)
    # Orders in the same second as another of the same customer, card and merchant.
    twins = flat.iloc[100:2900:140].assign(order_id=lambda d: d["order_id"] + "-b", amount=12.5)
    both = pd.concat([flat, twins]).sort_values("t", kind="stable").reset_index(drop=True)
    return both, latest


def _in_process(flat: pd.DataFrame, labels: dict[str, int], delay: int) -> list[dict[str, float]]:
    """What ``borderline assess`` computes: each order against the store of those before
    it, every label known (labels of orders not yet recorded wait for them)."""
    store = MemoryFeatureStore(delay)
    for oid, fraud in labels.items():
        store.record_label(oid, bool(fraud))
    out = []
    for rec in flat.to_dict("records"):
        out.append(store.features(rec))
        store.record(rec)
    return out


def _in_spark(
    spark: Any, flat: pd.DataFrame, labels: dict[str, int], delay: int
) -> list[dict[str, float]]:
    records = flat.to_dict("records")
    rows = [
        {
            **{k: rec[k] for k in ("t", "amount", "currency", "ship_country")},
            **{e: rec[e] for e in ("customer", "card", "device", "ip", "email")},
            **{e: rec[e] for e in ("ship_addr", "corridor", "merchant")},
            "seq": i,
            "created_us": int(rec["t"]) * 1_000_000,
            "fraud": labels.get(rec["order_id"], 0),
        }
        for i, rec in enumerate(records)
    ]
    df = spark.createDataFrame(pd.DataFrame(rows).to_dict("records"))
    got = {r["seq"]: r.asDict() for r in point_in_time(df, label_delay_days=delay).collect()}
    return [online_features(rec, RowView(got[i], delay), delay) for i, rec in enumerate(records)]


@pytest.mark.parametrize("delay", [7, 0])
def test_every_feature_of_every_order_equals_the_online_store(
    spark: Any, flat_and_labels: tuple[pd.DataFrame, dict[str, int]], delay: int
) -> None:
    flat, labels = flat_and_labels
    want = _in_process(flat, labels, delay)
    got = _in_spark(spark, flat, labels, delay)
    bad = [
        (i, f, got[i][f], want[i][f])
        for i in range(len(want))
        for f in FEATURES
        if abs(got[i][f] - want[i][f]) > 1e-9 * max(1.0, abs(want[i][f]))
    ]
    assert bad == []
    # The comparison covers orders with history, labels and same-second neighbours.
    assert max(w["customer_prior_orders"] for w in want) >= 10
    assert sum(w["card_known_frauds"] > 0 for w in want) > 10
    assert flat.duplicated(subset=["customer", "card", "merchant", "t"]).sum() == 20


def test_one_shuffle_per_entity(spark: Any) -> None:
    # Every window of an entity (its distinct links, its own counts, its amounts per currency)
    # runs over the rows of one shuffle by the entity: a window spec of its own would shuffle
    # every row again (23 shuffles for 8 entities before).
    entities = ("card", "corridor", "customer", "device", "email", "ip", "merchant", "ship_addr")
    row: dict[str, Any] = {e: "x" for e in entities}
    row |= {"currency": "EUR", "ship_country": "DE", "seq": 0, "t": 0, "created_us": 0}
    row |= {"amount": 1.0, "fraud": 0}
    df = point_in_time(spark.createDataFrame([row]))
    plan = df._jdf.queryExecution().executedPlan().toString()
    keys = re.findall(r"Exchange hashpartitioning\(([^)]*)\)", plan)
    assert sorted(re.sub(r"#\d+|, \d+$", "", k) for k in keys) == [f"_k_{e}" for e in entities]
