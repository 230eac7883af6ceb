"""Bad Handbook files are refused with the file and line named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from borderline.bench.handbook import SimulationConfig, load_transactions, simulate
from borderline.errors import BorderlineError


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return simulate(SimulationConfig(n_customers=20, n_terminals=40, days=2, seed=1)).head(30)


def _csv(tmp_path: Path, df: pd.DataFrame) -> Path:
    p = tmp_path / "2018-04-01.csv"
    df.to_csv(p, index=False)
    return p


CASES = [
    ("missing column", lambda d: d.drop(columns=["TX_AMOUNT"]), "missing column(s) TX_AMOUNT", ""),
    (
        "null",
        lambda d: d.assign(CUSTOMER_ID=d["CUSTOMER_ID"].astype("Int64").mask(d.index == 4)),
        "null value in column CUSTOMER_ID",
        ":6",
    ),
    (
        "unsorted",
        lambda d: pd.concat([d.iloc[:10], d.iloc[[2]].assign(TRANSACTION_ID=999), d.iloc[10:]]),
        "TX_DATETIME goes backwards",
        ":12",
    ),
    (
        "duplicate id",
        lambda d: d.assign(TRANSACTION_ID=[*range(len(d) - 1), 0]),
        "duplicate TRANSACTION_ID 0",
        f":{30 + 1}",
    ),
    (
        "bad label",
        lambda d: d.assign(TX_FRAUD=[2] + [0] * (len(d) - 1)),
        "TX_FRAUD must be 0 or 1",
        ":2",
    ),
    (
        "negative amount",
        lambda d: d.assign(TX_AMOUNT=[-1.0, *list(d["TX_AMOUNT"].iloc[1:])]),
        "non-negative",
        ":2",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "message", "line"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(
    tmp_path: Path, small: pd.DataFrame, name: str, mutate, message: str, line: str
) -> None:
    p = _csv(tmp_path, mutate(small.copy()))
    with pytest.raises(BorderlineError) as err:
        load_transactions(p)
    assert message in err.value.message
    assert err.value.where is not None and err.value.where.startswith(str(p))
    assert err.value.where.endswith(line)


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(BorderlineError, match="no such file"):
        load_transactions(tmp_path / "nope")
    with pytest.raises(BorderlineError, match=r"no \.csv or \.parquet"):
        load_transactions(tmp_path)


def test_scenario_column_is_optional(tmp_path: Path, small: pd.DataFrame) -> None:
    p = _csv(tmp_path, small.drop(columns=["TX_FRAUD_SCENARIO"]))
    assert len(load_transactions(p)) == len(small)
