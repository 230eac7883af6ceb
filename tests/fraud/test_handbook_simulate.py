"""The Handbook-schema simulator: seeded, schema-exact, fraud scenarios as described."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderline.bench.handbook import SimulationConfig, load_transactions, simulate, write_daily
from borderline.bench.handbook.simulate import COLUMNS
from borderline.errors import InvalidInput


def test_schema_and_period(handbook_df: pd.DataFrame) -> None:
    df = handbook_df
    assert list(df.columns) == COLUMNS
    assert df["TX_DATETIME"].min() >= pd.Timestamp("2018-04-01")
    assert df["TX_DATETIME"].max() < pd.Timestamp("2018-10-01")
    assert df["TX_DATETIME"].is_monotonic_increasing
    assert (df["TRANSACTION_ID"] == np.arange(len(df))).all()
    secs = (df["TX_DATETIME"] - pd.Timestamp("2018-04-01")).dt.total_seconds()
    assert (secs == df["TX_TIME_SECONDS"]).all()
    assert (df["TX_TIME_DAYS"] == df["TX_TIME_SECONDS"] // 86400).all()
    assert set(df["TX_FRAUD_SCENARIO"].unique()) <= {0, 1, 2, 3}
    assert ((df["TX_FRAUD"] == 1) == (df["TX_FRAUD_SCENARIO"] > 0)).all()


def test_seeded() -> None:
    cfg = SimulationConfig(n_customers=50, n_terminals=100, days=20, seed=9)
    pd.testing.assert_frame_equal(simulate(cfg), simulate(cfg))
    other = simulate(SimulationConfig(n_customers=50, n_terminals=100, days=20, seed=10))
    assert len(other) != len(simulate(cfg)) or not other.equals(simulate(cfg))


def test_scenarios_follow_the_design(handbook_df: pd.DataFrame) -> None:
    df = handbook_df
    s1 = df[df["TX_FRAUD_SCENARIO"] == 1]
    assert (s1["TX_AMOUNT"] > 220).all()
    # Scenario 1 catches every large genuine-looking amount: nothing above 220 is genuine.
    assert (df.loc[df["TX_AMOUNT"] > 220, "TX_FRAUD"] == 1).all()
    # Scenario 3 amounts are inflated relative to the customer's genuine spending.
    s3 = df[df["TX_FRAUD_SCENARIO"] == 3]
    genuine_mean = df[df["TX_FRAUD"] == 0].groupby("CUSTOMER_ID")["TX_AMOUNT"].mean()
    ratio = s3["TX_AMOUNT"].to_numpy() / genuine_mean.reindex(s3["CUSTOMER_ID"]).to_numpy()
    assert np.nanmedian(ratio) > 3
    # Every transaction on a compromised terminal that day is fraudulent.
    s2 = df[df["TX_FRAUD_SCENARIO"] == 2][["TERMINAL_ID", "TX_TIME_DAYS"]].drop_duplicates()
    same = df.merge(s2, on=["TERMINAL_ID", "TX_TIME_DAYS"])
    assert len(s2) > 0 and (same["TX_FRAUD"] == 1).all()
    # (this small world has 600 terminals, so 2 compromised a day weigh more than in 10,000)
    assert 0.005 < df["TX_FRAUD"].mean() < 0.2


def test_full_scale_matches_the_published_size() -> None:
    # The Handbook's data: ~1.75M transactions, fraud rate ~0.8 %. Ours from the same design.
    df = simulate(SimulationConfig(n_customers=5000, n_terminals=10000, days=183, seed=1))
    assert 1_600_000 < len(df) < 1_950_000
    assert 0.006 < df["TX_FRAUD"].mean() < 0.011


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_daily_files_round_trip(tmp_path: Path, fmt: str) -> None:
    df = simulate(SimulationConfig(n_customers=40, n_terminals=80, days=5, seed=2))
    files = write_daily(df, tmp_path, fmt)
    assert [f.name for f in files][:2] == [f"2018-04-01.{fmt}", f"2018-04-02.{fmt}"]
    back = load_transactions(tmp_path)
    pd.testing.assert_frame_equal(back[COLUMNS], df[COLUMNS], check_dtype=False)


def test_bad_config() -> None:
    with pytest.raises(InvalidInput, match="n_customers"):
        simulate(SimulationConfig(n_customers=0))
