"""Order training respects time: only labels known at the cut-off, and a delay gap before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from borderline.fraud.training import labels_known_at, train


def test_labels_known_at_drops_later_labels() -> None:
    labels = pd.DataFrame(
        {
            "order_id": ["a", "b", "c"],
            "is_fraud": [1, 1, 0],
            "event_at": pd.to_datetime(
                ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", None], utc=True
            ),
        }
    )
    known = labels_known_at(labels, datetime(2026, 2, 15, tzinfo=UTC))
    assert known is not None and known["order_id"].tolist() == ["a", "c"]  # c has no date


def test_training_uses_no_label_from_after_the_cut_off(
    orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame
) -> None:
    labels = orders[1]
    t0 = datetime.fromtimestamp(int(flat["t"].min()), tz=UTC)
    until = t0 + timedelta(days=40)
    model = train(flat, labels, until=until, rounds=20)
    data = model.card["data"]
    gap_from = until - timedelta(days=7)
    # the trees and the calibration stop before the delay gap
    assert datetime.fromisoformat(data["calibration_to"]) < gap_from
    assert datetime.fromisoformat(data["delay_gap_from"]) == gap_from
    # frauds seen = frauds among those orders whose chargeback had arrived by the cut-off
    t = flat["t"].to_numpy()
    used = t < gap_from.timestamp()
    known = labels[(labels["is_fraud"] == 1) & (labels["event_at"] <= pd.Timestamp(until))]
    expected = int(np.isin(flat["order_id"].to_numpy()[used], known["order_id"]).sum())
    seen = data["n_train_frauds"] + data["n_calibration_frauds"]
    assert seen == expected
    all_frauds = int(
        np.isin(
            flat["order_id"].to_numpy()[used], labels.loc[labels["is_fraud"] == 1, "order_id"]
        ).sum()
    )
    assert seen < all_frauds  # some chargebacks of the last weeks came after the cut-off
