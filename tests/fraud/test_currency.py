"""Amounts across currencies: sums, means and ratios use only the entity's orders in the
order's own currency (no FX rates ship), counts span every currency — in the offline execution
and in both online stores alike."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from borderline.fraud.features import FEATURES, MemoryFeatureStore, offline_features
from borderline.fraud.store import SqlFeatureStore
from borderline.store import make_engine

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
HOUR = 3600


def _order(i: int, amount: float, currency: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "order_id": f"o{i}",
        "t": T0 + i * HOUR,
        "amount": amount,
        "currency": currency,
        "method": "card",
        "n_items": 1,
        "forwarder": 0,
        "reshipper": 0,
        "name_mismatch": 0,
        "customer": "c1",
        "card": "k1",
        "device": "d1",
        "ip": "198.51.100.4",
        "email": "c1@example.com",
        "ship_addr": "1 chome marunouchi tokyo",
        "corridor": "FR>JP",
        "merchant": "marketplace:s_fr_0",
        "card_country": "FR",
        "ip_country": "JP",
        "bill_country": "FR",
        "ship_country": "JP",
        "buyer_country": "FR",
        "origin_country": "FR",
    }
    base.update(kw)
    return base


# One customer alternating euros and yen: 100 EUR is about 16,000 JPY, so any mix of the two
# would make every amount look wildly off against the "mean".
ALTERNATING = [
    _order(0, 100.0, "EUR"),
    _order(1, 16_000.0, "JPY"),
    _order(2, 120.0, "EUR"),
    _order(3, 18_000.0, "JPY"),
    _order(4, 110.0, "EUR"),
    _order(5, 17_000.0, "JPY"),
    _order(6, 330.0, "EUR"),  # three times the usual in euros
]


def _online(store: MemoryFeatureStore | SqlFeatureStore) -> pd.DataFrame:
    rows = []
    for rec in ALTERNATING:
        rows.append(store.features(rec))
        store.record(rec)
    return pd.DataFrame(rows)[FEATURES]


def test_amounts_compare_within_a_currency_counts_across(session: Session) -> None:
    off = offline_features(pd.DataFrame(ALTERNATING)).reset_index(drop=True)
    mem = _online(MemoryFeatureStore())
    sql = _online(SqlFeatureStore(session))
    pd.testing.assert_frame_equal(mem, off, rtol=1e-12)
    pd.testing.assert_frame_equal(sql, off, rtol=1e-12)

    c = off
    # counts span both currencies
    assert c["customer_prior_orders"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert c["customer_count_1d"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    # the same-currency history is only the orders in that currency
    assert c["customer_prior_orders_same_currency"].tolist() == [0, 0, 1, 1, 2, 2, 3]
    # means per currency: the 3rd EUR order against 100 and 120, the 3rd JPY against 16k, 18k
    assert c["customer_prior_mean_amount"].iloc[4] == pytest.approx(110.0)
    assert c["customer_prior_mean_amount"].iloc[5] == pytest.approx(17_000.0)
    assert c["customer_amount_ratio"].iloc[5] == pytest.approx(1.0)
    # the large euro order stands out against euros (mean 110), not against a mix (~8,600)
    assert c["customer_amount_ratio"].iloc[6] == pytest.approx(3.0)
    assert c["customer_amount_z"].iloc[6] > 10
    # a first order in a currency has no amount history: ratio and z are 0, never NaN
    assert c["customer_amount_ratio"].iloc[1] == 0.0 and c["customer_amount_z"].iloc[1] == 0.0
    # window sums add up the current currency only
    assert c["customer_sum_1d"].tolist() == [100, 16_000, 220, 34_000, 330, 51_000, 660]
    assert c["card_sum_1d"].iloc[6] == 660.0
    assert not off.isna().to_numpy().any()


def test_missing_currency_column_is_a_clear_error() -> None:
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"missing column.*currency"):
        offline_features(pd.DataFrame(ALTERNATING).drop(columns=["currency"]))


def test_upgrade_takes_each_event_currency_from_its_order(database_url: str) -> None:
    """f003 adds fraud_events.currency from the core orders table ("" where the order is not
    there: those rows count as orders but add no amount to any currency)."""
    from alembic import command
    from sqlalchemy import text

    from borderline.store import migrate
    from borderline.store.db import alembic_config

    command.upgrade(alembic_config(database_url), "f002_event_labels")
    engine = make_engine(database_url)
    try:
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO orders (id, merchant_id, customer_key, created_at, received_at, "
                    "currency, total, origin_country, destination_country, payload_hash, "
                    "payload) VALUES ('a', 'm', 'c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                    "'JPY', 1, 'JP', 'FR', 'h', '{}')"
                )
            )
            for oid in ("a", "b"):
                c.execute(
                    text(
                        "INSERT INTO fraud_events (order_id, entity, value, t, amount) "
                        "VALUES (:o, 'card', 'x', 1, 1.0)"
                    ),
                    {"o": oid},
                )
        migrate(database_url)
        with engine.connect() as c:
            got = dict(c.execute(text("SELECT order_id, currency FROM fraud_events")).all())
        assert got == {"a": "JPY", "b": ""}
    finally:
        engine.dispose()
