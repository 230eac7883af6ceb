"""Borderline orders through the CLI: generate, evaluate, train, registry, drift."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import BorderlineError
from borderline.model import Order

runner = CliRunner()


def _generate(out: Path, orders: int, days: int, seed: int) -> Path:
    """`borderline fraud generate` through the CLI, checked."""
    args = ["fraud", "generate", "--out", str(out), "--orders", str(orders)]
    r = runner.invoke(app, [*args, "--days", str(days), "--seed", str(seed), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["orders"] == orders and s["frauds"] > 0
    return out


def _evaluate(data: Path, split: str, *extra: str) -> Any:
    """`borderline fraud evaluate` on a generated folder's orders and labels."""
    orders, labels = str(data / "orders.jsonl"), str(data / "labels.csv")
    args = ["fraud", "evaluate", "--data", orders, "--labels", labels, "--split-date", split]
    return runner.invoke(app, [*args, *extra])


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("orders"), 1500, 40, 2)


def test_generated_jsonl_is_valid_orders(data: Path) -> None:
    lines = (data / "orders.jsonl").read_text().splitlines()
    assert len(lines) == 1500
    for line in lines[:200]:
        Order.model_validate_json(line)


def test_evaluate_orders(data: Path, tmp_path: Path) -> None:
    preds = tmp_path / "p.csv"
    r = _evaluate(data, "2026-02-01", "--json", "--rounds", "40", "--predictions", str(preds))
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert {"auc", "ap", "recall_at_1pct_fpr", "n_test", "n_test_frauds"} <= set(rep)
    assert rep["n_test"] == len(preds.read_text().splitlines()) - 1
    assert rep["auc"] > 0.8


@pytest.fixture(scope="module")
def longer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 days: enough chargebacks arrive before each prequential cut-off to train on."""
    return _generate(tmp_path_factory.mktemp("orders100"), 8000, 100, 4)


def test_evaluate_orders_prequential(longer: Path, tmp_path: Path) -> None:
    data = longer
    preds = tmp_path / "p.csv"
    r = _evaluate(
        data,
        "2026-04-01",
        "--folds",
        "3",
        "--test-days",
        "7",
        "--json",
        "--rounds",
        "40",
        "--predictions",
        str(preds),
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["protocol"] == "prequential"
    assert [f["cut_off"][:10] for f in rep["folds"]] == ["2026-04-01", "2026-03-25", "2026-03-18"]
    assert set(rep["summary"]) == {"auc", "ap", "recall_at_1pct_fpr"}
    assert rep["summary"]["auc"]["mean"] > 0.8 and rep["summary"]["auc"]["std"] >= 0
    lines = preds.read_text().splitlines()
    assert lines[0] == "fold,order_id,score"
    assert len(lines) - 1 == sum(f["n_test"] for f in rep["folds"])
    # a fold with no orders is a clear error, not a NaN
    r = _evaluate(data, "2030-01-01", "--folds", "2")
    assert isinstance(r.exception, BorderlineError)
    assert "fold 0 (2030-01-01..2030-01-07) has 0 orders" in str(r.exception)


def test_train_registry_drift(data: Path, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    common = ["--registry", str(reg)]
    r = runner.invoke(
        app,
        [
            "fraud",
            "train",
            "--data",
            str(data / "orders.jsonl"),
            "--labels",
            str(data / "labels.csv"),
            "--until",
            "2026-02-05",
            "--json",
            "--rounds",
            "30",
            *common,
        ],
    )
    assert r.exit_code == 0, r.output
    card = json.loads(r.output)
    assert card["version"].startswith("fraud-") and card["algorithm"] == "lightgbm"
    r = runner.invoke(app, ["fraud", "models", "--json", *common])
    assert json.loads(r.output)["champion"] == card["version"]
    r = runner.invoke(app, ["fraud", "show", "champion", *common])
    assert json.loads(r.output)["sha256"] == card["sha256"]
    r = runner.invoke(
        app,
        [
            "fraud",
            "drift",
            "--data",
            str(data / "orders.jsonl"),
            "--labels",
            str(data / "labels.csv"),
            "--json",
            *common,
        ],
    )
    assert r.exit_code == 0, r.output
    drift = json.loads(r.output)
    assert drift["model_version"] == card["version"]
    assert drift["score"]["level"] in ("stable", "shift", "major_shift")
    assert len(drift["features"]) == len(card["features"])
    r = runner.invoke(app, ["fraud", "rollback", *common])
    assert r.exit_code != 0 and "no earlier champion" in str(r.exception)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from borderline.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_labels_for_unknown_orders(data: Path, tmp_path: Path) -> None:
    head = tmp_path / "o.jsonl"
    head.write_text("".join((data / "orders.jsonl").read_text().splitlines(True)[:3]))
    labels = tmp_path / "labels.csv"
    labels.write_text("order_id,is_fraud\no0000001,1\nnope,1\n")
    r = runner.invoke(
        app,
        [
            "fraud",
            "evaluate",
            "--data",
            str(head),
            "--labels",
            str(labels),
            "--split-date",
            "2026-02-15",
            "--json",
        ],
    )
    assert isinstance(r.exception, BorderlineError)
    assert str(r.exception) == f"{labels}:3: label for unknown order 'nope'"


def test_bad_order_lines(tmp_path: Path, data: Path) -> None:
    lines = (data / "orders.jsonl").read_text().splitlines()[:5]
    bad = json.loads(lines[2])
    bad["currency"] = "XYZ"
    lines[2] = json.dumps(bad)
    lines.append(lines[0])
    f = tmp_path / "o.jsonl"
    f.write_text("\n".join(lines) + "\n")
    args = [
        "fraud",
        "train",
        "--data",
        str(f),
        "--labels",
        str(data / "labels.csv"),
        "--registry",
        str(tmp_path / "r"),
    ]
    r = runner.invoke(app, args)
    assert isinstance(r.exception, BorderlineError)
    assert str(r.exception).startswith(f"{f}:3: currency") and "XYZ" in str(r.exception)
    bad["currency"] = "EUR"
    lines[2] = json.dumps(bad)
    f.write_text("\n".join(lines) + "\n")
    r = runner.invoke(app, args)
    assert str(r.exception) == f"{f}:6: duplicate order id 'o0000000' (first on line 1)"


def test_errors_exit_2_on_stderr(tmp_path: Path) -> None:
    """The real entry point turns a BorderlineError into `error: where: message`, exit 2."""
    missing = tmp_path / "none.jsonl"
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            "from borderline.cli import main; main()",
            "fraud",
            "evaluate",
            "--data",
            str(missing),
            "--labels",
            "x.csv",
            "--split-date",
            "2026-01-01",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 2
    assert p.stderr.strip() == f"error: {missing}: no such file"


def test_assess_workers_stay_one_process_when_the_fraud_model_reads_shared_history(
    data: Path, tmp_path: Path
) -> None:
    """With a fraud model in service a decision reads other customers' recorded orders (a
    shared card or device), which dealing orders by customer would hide: one process."""
    home = tmp_path / "home"
    train = ["fraud", "train", "--data", str(data / "orders.jsonl"), "--labels"]
    train += [str(data / "labels.csv"), "--until", "2026-02-05", "--rounds", "30"]
    r = runner.invoke(app, [*train, "--registry", str(home / "fraud" / "models")])
    assert r.exit_code == 0, r.output
    some = tmp_path / "some.jsonl"
    some.write_text("".join((data / "orders.jsonl").read_text().splitlines(True)[:60]))
    env = {"BORDERLINE_DATA_DIR": str(home), "BORDERLINE_DATABASE_URL": ""}
    r = runner.invoke(app, ["assess", str(some), "--workers", "2"], env=env)
    assert r.exit_code == 0, r.output
    assert "assessing in one process" in r.stderr and "assessed 60" in r.stderr
    decisions = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(decisions) == 60
    assert all(d["versions"]["model.fraud"].startswith("fraud-") for d in decisions)
