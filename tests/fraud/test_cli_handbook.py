"""End to end through the CLI: simulate daily files, evaluate with the exact interface."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import BorderlineError
from borderline.fraud.metrics import auc, average_precision

runner = CliRunner()


@pytest.fixture(scope="module")
def days_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handbook")
    r = runner.invoke(
        app,
        [
            "fraud",
            "simulate",
            "--out",
            str(out),
            "--format",
            "csv",
            "--customers",
            "150",
            "--terminals",
            "300",
            "--seed",
            "5",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["files"] == 183
    assert summary["config"]["end"] == "2018-09-30"
    return out


def test_single_split_json_and_predictions(days_dir: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.csv"
    r = runner.invoke(
        app,
        [
            "fraud",
            "evaluate",
            "--data",
            str(days_dir),
            "--format",
            "handbook",
            "--protocol",
            "single",
            "--json",
            "--predictions",
            str(preds),
            "--rounds",
            "60",
        ],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["protocol"] == "single" and len(rep["folds"]) == 1
    assert "TX_FRAUD_SCENARIO" not in rep["features"]
    fold = rep["folds"][0]
    assert (fold["train_start"], fold["test_start"]) == ("2018-07-25", "2018-08-08")
    # The simulator's ground truth is in the files, so the report says what is reachable.
    assert set(rep["summary"]) == {
        "auc",
        "ap",
        "cp100",
        "auc_ceiling",
        "auc_traceable",
        "cp100_ceiling",
    }
    diag = fold["diagnostics"]
    assert 0 < diag["no_trace_frauds"] < fold["n_test_frauds"]
    assert diag["auc_ceiling"] == pytest.approx(
        1 - 0.5 * diag["no_trace_frauds"] / fold["n_test_frauds"]
    )
    assert 0 < diag["cp100_ceiling"] <= 1 and diag["auc_traceable"] > fold["auc"]
    assert rep["published"]["ap"] == 0.694
    # The figures can be checked independently from the predictions file.
    p = pd.read_csv(preds)
    assert list(p.columns) == ["fold", "TRANSACTION_ID", "score"]
    assert len(p) == fold["n_test"]
    truth = pd.concat(pd.read_csv(f) for f in sorted(days_dir.glob("*.csv")))
    m = p.merge(truth, on="TRANSACTION_ID")
    assert auc(m["TX_FRAUD"], m["score"]) == pytest.approx(fold["auc"])
    assert average_precision(m["TX_FRAUD"], m["score"]) == pytest.approx(fold["ap"])
    # Better than chance even on this tiny world, where two compromised terminals a day out of
    # 300 make most fraud invisible until its labels age past the delay.
    assert fold["auc"] > 0.6
    assert fold["ap"] > 2 * fold["n_test_frauds"] / fold["n_test"]


def test_prequential_four_folds(days_dir: Path) -> None:
    r = runner.invoke(
        app,
        [
            "fraud",
            "evaluate",
            "--data",
            str(days_dir),
            "--format",
            "handbook",
            "--protocol",
            "prequential",
            "--json",
            "--feature-set",
            "handbook",
            "--rounds",
            "30",
        ],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert [f["test_start"] for f in rep["folds"]] == [
        "2018-08-29",
        "2018-08-22",
        "2018-08-15",
        "2018-08-08",
    ]
    assert rep["summary"]["auc"]["std"] >= 0


def test_bad_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "2018-04-01.csv"
    bad.write_text("TRANSACTION_ID,TX_DATETIME\n1,2018-04-01 00:00:00\n")
    r = runner.invoke(app, ["fraud", "evaluate", "--data", str(bad), "--format", "handbook"])
    assert isinstance(r.exception, BorderlineError)
    assert str(r.exception).startswith(f"{bad}: missing column(s) CUSTOMER_ID")


def test_data_not_covering_the_folds(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "fraud",
            "simulate",
            "--out",
            str(tmp_path),
            "--customers",
            "30",
            "--terminals",
            "60",
            "--days",
            "30",
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "fraud",
            "evaluate",
            "--data",
            str(tmp_path),
            "--format",
            "handbook",
            "--protocol",
            "single",
        ],
    )
    assert r.exit_code != 0
    assert "needs 2018-07-25" in str(r.exception)
