"""One definition, two executions: offline vectorised features equal the online stores'."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from borderline.bench.fraud_synth import OrderSimConfig, generate, to_order_json
from borderline.errors import InvalidInput
from borderline.fraud.features import (
    FEATURES,
    MemoryFeatureStore,
    offline_features,
    online_features,
    online_features_many,
    reason_group,
)
from borderline.fraud.flat import flatten
from borderline.fraud.store import SqlFeatureStore
from borderline.model import Order
from borderline.model.types import TaxonomyCode  # noqa: F401  (codes checked below)
from borderline.store import make_engine, migrate, session_factory


def _online(
    store: MemoryFeatureStore | SqlFeatureStore, flat: pd.DataFrame, labels: pd.DataFrame
) -> pd.DataFrame:
    for oid, f in zip(labels["order_id"], labels["is_fraud"], strict=True):
        store.record_label(oid, bool(f))
    rows = []
    for rec in flat.to_dict("records"):
        rows.append(store.features(rec))
        store.record(rec)
    return pd.DataFrame(rows)[FEATURES]


def test_memory_store_parity(orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame) -> None:
    off = offline_features(flat, orders[1])
    on = _online(MemoryFeatureStore(), flat, orders[1])
    np.testing.assert_allclose(on.to_numpy(), off.to_numpy(), rtol=1e-9, atol=1e-9)
    # the comparison is not vacuous: history, links and label risk all take values
    for col in (
        "card_count_1d",
        "device_distinct_card",
        "ship_addr_known_frauds",
        "customer_amount_ratio",
        "corridor_known_fraud_rate",
        "merchant_count_1h",
        "merchant_known_frauds",
    ):
        assert off[col].max() > 0, col


def test_a_batch_has_exactly_the_features_of_its_orders_one_by_one(
    orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame
) -> None:
    # The order-only signals of a batch are computed over its columns at once (the Spark
    # path): every value must equal the one-order computation, not merely be close to it.
    store = MemoryFeatureStore()
    for oid, f in zip(orders[1]["order_id"], orders[1]["is_fraud"], strict=True):
        store.record_label(oid, bool(f))
    records = flat.to_dict("records")
    for rec in records[:3000]:
        store.record(rec)
    batch = records[3000:]
    many = online_features_many(batch, [store] * len(batch), store.label_delay_days)
    one = [online_features(rec, store, store.label_delay_days) for rec in batch]
    assert many == one
    assert len({m["ip_card_km"] for m in many}) > 10  # distances, not all zero
    assert sum(m["customer_prior_orders"] > 0 for m in many) > 100  # history, not an empty store
    assert online_features_many([], []) == []


def test_sql_store_parity(
    database_url: str, orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame
) -> None:
    sub = flat.iloc[:200]
    labels = orders[1][orders[1]["order_id"].isin(sub["order_id"])]
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as s:
            on = _online(SqlFeatureStore(s), sub, labels)
            s.commit()
    finally:
        engine.dispose()
    off = offline_features(sub, labels)
    np.testing.assert_allclose(on.to_numpy(), off.to_numpy(), rtol=1e-9, atol=1e-9)


def test_generated_orders_are_valid_and_flatten_to_the_columns(
    orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame
) -> None:
    df = orders[0]
    sample = df.groupby("pattern").head(20)
    for row in sample.itertuples(index=False):
        order = Order.model_validate(to_order_json(row))
        assert flatten(order) == flat.loc[flat["order_id"] == row.order_id].iloc[0].to_dict()


def test_generator_is_seeded_and_has_every_pattern() -> None:
    cfg = OrderSimConfig(n_orders=3000, seed=4, days=30)
    a, la = generate(cfg)
    b, lb = generate(cfg)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(la, lb)
    assert set(a["pattern"]) == {
        "",
        "stolen_card",
        "account_takeover",
        "triangulation",
        "reshipping_mule",
        "friendly_fraud",
    }
    assert (la["is_fraud"] == 1).sum() == (a["is_fraud"] == 1).sum()
    assert set(la["kind"]) == {"chargeback", "friendly_fraud", "legitimate"}
    # the stories leave their traces
    mules = a[a["pattern"] == "reshipping_mule"]
    assert (mules["ship_country"] == mules["card_country"]).mean() > 0.9
    tri = a[a["pattern"] == "triangulation"]
    assert tri["name_mismatch"].mean() > 0.9


def test_label_delay_is_respected(flat: pd.DataFrame) -> None:
    """A fraud label counts for later orders of the same card only 7 days after its order."""
    sub = flat.iloc[:0].copy()
    base = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    rows = []
    for i, day in enumerate([0, 3, 6.9, 7.1, 20]):
        r = flat.iloc[0].to_dict()
        r.update(order_id=f"x{i}", t=base + int(day * 86400), card="fp_test")
        rows.append(r)
    sub = pd.DataFrame(rows)
    labels = pd.DataFrame(
        {"order_id": ["x0"], "is_fraud": [1], "event_at": [pd.Timestamp("2026-01-02", tz="UTC")]}
    )
    X = offline_features(sub, labels)
    assert X["card_known_frauds"].tolist() == [0, 0, 0, 1, 1]
    assert X["card_known_orders"].tolist() == [0, 0, 0, 1, 4]
    X0 = offline_features(sub, labels, label_delay_days=0)
    assert X0["card_known_frauds"].tolist() == [0, 1, 1, 1, 1]  # never its own label


def test_bad_flat_input(flat: pd.DataFrame) -> None:
    dup = pd.concat([flat.iloc[:3], flat.iloc[:1]])
    with pytest.raises(InvalidInput, match="duplicate order id"):
        offline_features(dup)
    with pytest.raises(InvalidInput, match="missing column"):
        offline_features(flat.drop(columns=["card"]))
    nulls = flat.iloc[:5].copy()
    nulls.loc[nulls.index[2], "amount"] = np.nan
    with pytest.raises(InvalidInput, match="null value in column amount"):
        offline_features(nulls)


def test_no_nan_and_reason_codes(
    flat: pd.DataFrame, orders: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    X = offline_features(flat, orders[1])
    assert not X.isna().to_numpy().any()
    import re

    for f in FEATURES:
        assert re.match(r"^[a-z][a-z0-9_]*(\.[a-z0-9_*]+)*$", "fraud.reason." + reason_group(f))


def test_ring_storefronts_carry_merchant_risk() -> None:
    """The merchant ("terminal") entity: a triangulation ring sells through its own storefronts,
    whose known fraud rate rises once their chargebacks are older than the label delay."""
    from borderline.bench.fraud_synth import flat_frame

    df, labels = generate(OrderSimConfig(n_orders=20_000, days=60, seed=5, triangulation=0.005))
    labels = labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True))
    ring = (df["pattern"] == "triangulation").to_numpy()
    assert ring.sum() > 50
    assert set(df.loc[ring, "merchant"]).isdisjoint(set(df.loc[~ring, "merchant"]))
    off = offline_features(flat_frame(df), labels)
    rate = off["merchant_known_fraud_rate"].to_numpy()
    genuine = (df["pattern"] == "").to_numpy()
    # After the first week (nothing is known before), ring shops stand out clearly.
    late = (df["t"] - df["t"].min()).to_numpy() > 14 * 86400
    assert rate[ring & late].mean() > 0.5
    assert rate[genuine & late].mean() < 0.05
