"""Card Precision@k, recall at FPR and the protocol's splits on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderline.bench.handbook.protocol import Fold, folds, no_trace_frauds, split
from borderline.errors import InvalidInput
from borderline.fraud.metrics import card_precision_top_k, recall_at_fpr


def test_card_precision_by_hand() -> None:
    # Day 0: cards A(fraud, .9), B(genuine, .8 and .1), C(fraud, .7). Top-2 cards: A, B -> 1/2.
    # Day 1: A again (already detected -> excluded), C(.95 fraud), D(.2 genuine) -> top-2 C, D.
    day = [0, 0, 0, 0, 1, 1, 1]
    cust = ["A", "B", "B", "C", "A", "C", "D"]
    y = [1, 0, 0, 1, 1, 1, 0]
    s = [0.9, 0.8, 0.1, 0.7, 0.99, 0.95, 0.2]
    mean, per_day = card_precision_top_k(day, cust, y, s, k=2)
    assert per_day == [0.5, 0.5]
    assert mean == 0.5


def test_card_precision_uses_max_score_and_max_label() -> None:
    # B's max score (.95) ranks it first; its max label is 1 though one row is genuine.
    mean, _ = card_precision_top_k([0, 0, 0], ["A", "B", "B"], [0, 0, 1], [0.9, 0.95, 0.1], k=1)
    assert mean == 1.0


def test_recall_at_fpr() -> None:
    y = np.array([1, 1, 1, 1] + [0] * 100)
    s = np.array([0.99, 0.98, 0.5, 0.01] + [0.9] + [0.1] * 99)
    # one genuine at 0.9: threshold above it keeps FPR 0 and catches 2 of 4
    assert recall_at_fpr(y, s, 0.0) == 0.5
    # at 1 % FPR that genuine may be flagged: 0.5 is then also caught
    assert recall_at_fpr(y, s, 0.01) == 0.75


def test_fold_dates_are_the_issue_s() -> None:
    pre = folds("prequential")
    assert [f.train_start.isoformat() for f in pre] == [
        "2018-08-15",
        "2018-08-08",
        "2018-08-01",
        "2018-07-25",
    ]
    assert [f.test_start.isoformat() for f in pre] == [
        "2018-08-29",
        "2018-08-22",
        "2018-08-15",
        "2018-08-08",
    ]
    (single,) = folds("single")
    assert (single.train_start.isoformat(), single.test_start.isoformat()) == (
        "2018-07-25",
        "2018-08-08",
    )
    with pytest.raises(InvalidInput, match="protocol"):
        folds("kfold")


def _tx(day: int, cust: int, fraud: int) -> dict[str, object]:
    return {
        "TX_DATETIME": pd.Timestamp("2018-07-25") + pd.Timedelta(days=day, hours=12),
        "CUSTOMER_ID": cust,
        "TX_FRAUD": fraud,
    }


def test_compromised_cards_are_removed() -> None:
    fold = Fold(0, pd.Timestamp("2018-07-25").date())
    rows = [
        _tx(2, 1, 1),  # card 1 fraud in training: removed from all test days
        _tx(8, 2, 1),  # card 2 fraud on delay day 8 (S+8): known from test day S+16 on
        _tx(14, 1, 0),
        _tx(14, 2, 0),
        _tx(15, 2, 0),
        _tx(16, 2, 0),
        _tx(14, 3, 1),
        _tx(15, 3, 0),  # card 3's test-day fraud is not "known" (no delay elapsed)
        _tx(21, 3, 0),  # outside the 7 test days
    ]
    df = pd.DataFrame(rows)
    train, test = split(df, fold)
    assert list(train) == [0]
    kept = df.iloc[test]
    assert 1 not in set(kept["CUSTOMER_ID"])
    days = ((kept["TX_DATETIME"] - pd.Timestamp("2018-08-08")).dt.days).tolist()
    pairs = sorted(zip(days, kept["CUSTOMER_ID"], strict=True))
    # card 2 stays on test days 0 and 1 (its fraud is on day S+8 = test day - 8 for S+16)
    assert pairs == [(0, 2), (0, 3), (1, 2), (1, 3)]


def test_no_trace_frauds_by_hand() -> None:
    """A compromise leaves a trace only through a scenario-2 fraud older than the delay."""
    rows = [
        # terminal 1: a compromise fraud 10 days earlier is known -> traceable
        (1, 0, 2, 10),
        (1, 0, 2, 20),
        # terminal 2: the earlier compromise fraud is only 5 days old -> hidden
        (2, 0, 2, 15),
        (2, 0, 2, 20),
        # terminal 3: the known fraud is a large amount (scenario 1): says nothing -> hidden
        (3, 0, 1, 10),
        (3, 0, 2, 20),
        # terminal 4: the known compromise fraud is 40 days old, past 28 + 7 -> hidden
        (4, 0, 2, 0),
        (4, 0, 2, 40),
        # a scenario-3 fraud is never "no trace" (the customer's amounts are its trace)
        (5, 0, 3, 20),
    ]
    df = pd.DataFrame(rows, columns=["TERMINAL_ID", "CUSTOMER_ID", "TX_FRAUD_SCENARIO", "day"])
    df["TX_DATETIME"] = pd.Timestamp("2018-04-01") + pd.to_timedelta(df["day"], unit="D")
    df["TX_FRAUD"] = (df["TX_FRAUD_SCENARIO"] > 0).astype(int)
    hidden = no_trace_frauds(df, delay_days=7)
    assert hidden.tolist() == [True, False, True, True, False, True, True, True, False]
