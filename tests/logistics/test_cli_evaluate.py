"""`borderline logistics evaluate` end to end (the interface is fixed: keep it exact)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import DataFileError
from borderline.logistics import History

from .conftest import scms_rows, shipments_from_scms, write_csv

runner = CliRunner()


def _split_files(tmp_path: Path) -> tuple[Path, Path]:
    header, rows = scms_rows()
    i = header.index("Scheduled Delivery Date")
    early = [r for r in rows if int(r[i][-2:]) <= 10]
    late = [r for r in rows if int(r[i][-2:]) in (11, 12)]
    return (
        write_csv(tmp_path / "train.csv", header, early),
        write_csv(tmp_path / "test.csv", header, late),
    )


def test_evaluate_scms_json_and_predictions(tmp_path: Path) -> None:
    train, test = _split_files(tmp_path)
    pred = tmp_path / "pred.csv"
    result = runner.invoke(
        app,
        [
            "logistics",
            "evaluate",
            "--train",
            str(train),
            "--test",
            str(test),
            "--format",
            "scms",
            "--json",
            "--predictions",
            str(pred),
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    for block in (body["metrics"], body["baseline"]["metrics"]):
        assert set(block) == {"roc_auc", "pr_auc", "brier", "lift_top10"}
        assert 0.5 < block["roc_auc"] <= 1
    assert body["baseline"]["model"] == "logistic_regression"
    assert body["test_period"][0].startswith("2011")
    with pred.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["ID", "probability"]
    with test.open(encoding="utf-8") as fh:
        ids = [r[0] for r in list(csv.reader(fh))[1:]]
    assert [r[0] for r in rows[1:]] == ids
    assert all(0.0 < float(r[1]) < 1.0 for r in rows[1:])
    assert body["n_test"] == len(ids)


def test_evaluate_shipments_format(scms: History, tmp_path: Path) -> None:
    train = shipments_from_scms(scms, tmp_path / "train.csv", (2006, 2011))
    test = shipments_from_scms(scms, tmp_path / "test.csv", (2012, 2013))
    result = runner.invoke(
        app,
        [
            "logistics",
            "evaluate",
            "--train",
            str(train),
            "--test",
            str(test),
            "--format",
            "shipments",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "lightgbm" in result.stdout and "logistic regression" in result.stdout


def test_evaluate_errors_exit_2(tmp_path: Path) -> None:
    # One real process: the `error: where: message` line and exit code 2 come from main().
    header, rows = scms_rows()
    f = write_csv(tmp_path / "a.csv", header, rows[:50])
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from borderline.cli import main; main()",
            "logistics",
            "evaluate",
            "--train",
            str(f),
            "--test",
            str(f),
            "--format",
            "xml",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error: --format: unknown format 'xml'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_evaluate_scms_file_read_as_shipments_is_refused(tmp_path: Path) -> None:
    header, rows = scms_rows()
    f = write_csv(tmp_path / "a.csv", header, rows[:50])
    result = runner.invoke(
        app, ["logistics", "evaluate", "--train", str(f), "--test", str(f), "--format", "shipments"]
    )
    assert isinstance(result.exception, DataFileError)
    assert result.exception.where == f"{f}:1"
    assert "missing column(s)" in result.exception.message


def test_evaluate_bad_row_names_file_and_line(tmp_path: Path) -> None:
    header, rows = scms_rows()
    rows = [list(r) for r in rows[:40]]
    rows[10][header.index("Scheduled Delivery Date")] = "32-Jan-09"
    bad = write_csv(tmp_path / "bad.csv", header, rows)
    result = runner.invoke(
        app, ["logistics", "evaluate", "--train", str(bad), "--test", str(bad), "--format", "scms"]
    )
    assert result.exit_code != 0
    assert str(result.exception) == (
        f"{bad}:12: column 'Scheduled Delivery Date': unparseable date '32-Jan-09' "
        "(expected e.g. 2-Jun-06 or 2006-06-02)"
    )
