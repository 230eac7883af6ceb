"""The `borderline spark` commands as a user runs them (in the tests' Spark session)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tests.spark.conftest import World, cli


def test_spark_assess_writes_parquet_decisions(spark: Any, world: World, tmp_path: Path) -> None:
    """Keep exact: --input ORDERS.jsonl --output DIR writes Parquet with order_id, outcome,
    score and reason_codes (array of strings)."""
    head = world.orders_file.read_text(encoding="utf-8").splitlines()[:150]
    orders = tmp_path / "ORDERS.jsonl"
    orders.write_text("\n".join(head) + "\n", encoding="utf-8")
    out = tmp_path / "DIR"
    r = cli(world.data_dir, "spark", "assess", "--input", str(orders), "--output", str(out))
    assert r.returncode == 1, r.stderr  # line 42 repeats an order id, as in-process
    assert "stage " in r.stderr and " done: " in r.stderr
    assert "assessed 150 (" in r.stderr
    table = pq.read_table(out)
    assert table.schema.field("reason_codes").type == pa.list_(pa.string())
    assert table.schema.field("score").type == pa.float64()
    rows = table.to_pylist()
    # Point in time: the first 150 orders have the same history as in the whole file.
    for row in rows:
        ref = world.inprocess[row["input"].replace(str(orders), str(world.orders_file))]
        if row["error"] is None:
            assert (row["outcome"], row["score"]) == (ref["outcome"], ref["score"])
            assert row["reason_codes"] == [x["code"] for x in ref["reasons"]]
        else:
            assert "error" in ref
    again = cli(world.data_dir, "spark", "assess", "--input", str(orders), "--output", str(out))
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_spark_assess_reads_the_csv_borderline_assess_reads(spark: Any, tmp_path: Path) -> None:
    cols = ["id", "created_at", "currency", "total", "buyer_name", "buyer_email", "customer_id"]
    cols += ["buyer_country", "ship_country", "origin_country", "payment_method", "card_country"]
    cols += ["item_title"]
    rows = [
        "c1,2026-02-01T10:00:00Z,USD,40.00,Ann Lee,ann@ex.com,a1,US,US,CN,card,US,T-shirt",
        "c2,2026-02-01T11:00:00Z,USD,2400.00,Ann Lee,ann@ex.com,a1,US,IR,CN,card,GB,Laptop",
        "c3,2026-02-02T09:00:00Z,EUR,not money,Bo Chen,,b2,DE,DE,CN,card,DE,Wool scarf",
    ]
    path = tmp_path / "orders.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows(r.split(",") for r in rows)
    data = tmp_path / "data"
    out = tmp_path / "out"
    r = cli(data, "spark", "assess", "--input", str(path), "--output", str(out))
    assert r.returncode == 1  # c3 has no valid total
    got = {x["order_id"] or x["input"]: x for x in pq.read_table(out).to_pylist()}
    ref = cli(data, "assess", str(path))
    import json

    want = [json.loads(line) for line in ref.stdout.splitlines()]
    decided = {d["order_id"]: d for d in want if "order_id" in d}
    assert set(decided) == {"c1", "c2"}
    for oid, d in decided.items():
        assert (got[oid]["outcome"], got[oid]["score"]) == (d["outcome"], d["score"])
        assert got[oid]["reason_codes"] == [x["code"] for x in d["reasons"]]
    assert got["c2"]["outcome"] == "decline"  # embargoed destination
    bad = [x for x in got.values() if x["error"]]
    assert len(bad) == 1 and bad[0]["input"] == f"{path}:4" and "total" in bad[0]["error"]


def test_spark_rescreen_command_writes_hits_and_changes(
    spark: Any, world: World, tmp_path: Path
) -> None:
    parties = tmp_path / "parties.csv"
    parties.write_text(
        "id,name,type,country,dob\n"
        "1,Vladimir Vladimirovich Putin,person,,\n"
        "2,Ann Lee,person,US,\n"
        "3,Bank Melli Iran,organization,,\n",
        encoding="utf-8",
    )
    first = tmp_path / "run1"
    r = cli(world.data_dir, "spark", "rescreen", "--parties", str(parties), "--output", str(first))
    assert r.returncode == 0, r.stderr
    hits = pq.read_table(first / "hits").to_pylist()
    assert {h["id"] for h in hits} == {"1", "3"}
    second = tmp_path / "run2"
    r = cli(
        world.data_dir,
        "spark",
        "rescreen",
        "--parties",
        str(parties),
        "--output",
        str(second),
        "--previous",
        str(first),
        "--lists",
        "un_sc",
    )
    assert r.returncode == 0, r.stderr
    # Neither party is on the UN list: against it alone, both earlier hits are gone.
    gone = pq.read_table(second / "gone").to_pylist()
    assert {g["id"] for g in gone} == {"1", "3"} and {g["list"] for g in gone} - {"un_sc"}
    assert pq.read_table(second / "new").num_rows == 0
    assert "gone: " in r.stderr


def test_spark_workers_run_this_interpreter_without_an_activated_virtualenv(
    world: World, tmp_path: Path
) -> None:
    """`borderline spark` from a virtualenv that is not on PATH: the local workers must run the
    interpreter that has Borderline, not the first `python3` on PATH."""
    import os
    import subprocess
    import sys

    parties = tmp_path / "parties.csv"
    parties.write_text("id,name,type,country,dob\n3,Bank Melli Iran,organization,,\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_PYTHON", "VIRTUAL_ENV")}
    env.update(
        PATH="/usr/local/bin:/usr/bin:/bin",
        BORDERLINE_DATA_DIR=str(world.data_dir),
        BORDERLINE_DATABASE_URL="",
    )
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "borderline", "spark", "rescreen", "--parties", str(parties)]
    r = subprocess.run(
        [*cmd, "--output", str(out), "--master", "local[1]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert {h["id"] for h in pq.read_table(out / "hits").to_pylist()} == {"3"}
