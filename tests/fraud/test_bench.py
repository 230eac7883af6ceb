"""`borderline bench fraud` runs end to end on a small world and reports what it measured."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from borderline.cli import app


def test_bench_small() -> None:
    r = CliRunner().invoke(
        app,
        [
            "bench",
            "fraud",
            "--orders",
            "3000",
            "--score-orders",
            "50",
            "--latency-orders",
            "2000",
            "--no-handbook",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.splitlines()[-1])
    assert out["machine"]["cpus"] >= 1
    t = out["training"]
    assert t["orders"] == 3000 and t["features_plus_train_s"] >= 0
    assert 0.5 <= t["test"]["auc"] <= 1
    (mem, sql) = out["latency"]
    assert (mem["store"], sql["store"]) == ("memory", "sqlite")
    assert mem["scored"] == 50 and mem["p99_ms"] >= mem["p50_ms"] > 0
