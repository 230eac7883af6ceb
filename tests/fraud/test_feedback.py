"""The feedback loop's first step: a stored label reaches the online feature store at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from borderline.bench.fraud_synth import to_order_json
from borderline.fraud.flat import flatten
from borderline.fraud.store import SqlFeatureStore
from borderline.fraud.tables import FraudLabelRow
from borderline.model import Order
from borderline.service import Services
from borderline.settings import Settings


@pytest.fixture
def svc(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    s = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    yield s
    s.close()


def _label(svc: Services, oid: str) -> bool | None:
    with svc.sessions() as s:
        row = s.scalar(select(FraudLabelRow).where(FraudLabelRow.order_id == oid))
        return None if row is None else row.is_fraud


def test_labels_reach_the_store_without_a_sync(
    svc: Services, orders: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    df = orders[0]
    card = df["card"].iloc[0]
    same_card = df[df["card"] == card]
    first = same_card.iloc[0]
    payload = to_order_json(first)
    svc.assess(payload)
    oid = payload["id"]
    assert _label(svc, oid) is None

    # A chargeback, then an analyst's later "legitimate": the latest by event_at wins ...
    # after every generated order (Jan-Mar 2026) and in the past: a future event_at is refused
    at = datetime(2026, 6, 1, tzinfo=UTC)
    svc.add_labels([{"order_id": oid, "kind": "chargeback", "event_at": at.isoformat()}], "ann")
    assert _label(svc, oid) is True
    svc.add_labels(
        [{"order_id": oid, "kind": "legitimate", "event_at": (at + timedelta(days=1)).isoformat()}],
        "ann",
    )
    assert _label(svc, oid) is False
    # ... also when the earlier-dated label arrives last.
    svc.add_labels(
        [{"order_id": oid, "kind": "chargeback", "event_at": (at - timedelta(days=3)).isoformat()}],
        "ann",
    )
    assert _label(svc, oid) is False

    # A label on an order of the same card makes the card's known-fraud count rise for a
    # later order once the label delay has passed.
    svc.add_labels(
        [{"order_id": oid, "kind": "chargeback", "event_at": (at + timedelta(days=2)).isoformat()}],
        "ann",
    )
    later = to_order_json(first)
    later["id"] = "later-order"
    t = datetime.fromisoformat(later["created_at"]) + timedelta(days=8)
    later["created_at"] = t.isoformat()
    with svc.sessions() as s:
        feats = SqlFeatureStore(s).features(flatten(Order.model_validate(later)))
    assert feats["card_known_orders"] >= 1 and feats["card_known_frauds"] == 1


def test_a_label_for_an_unknown_order_is_refused_and_nothing_is_written(svc: Services) -> None:
    from borderline.errors import NotFound

    with pytest.raises(NotFound):
        svc.add_labels([{"order_id": "nope", "kind": "chargeback"}], "ann")
    with svc.sessions() as s:
        assert s.scalar(select(FraudLabelRow).where(FraudLabelRow.order_id == "nope")) is None
