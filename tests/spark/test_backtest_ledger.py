"""Spark-made decisions backtest like stored ones and enter the ledger, verifiably."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from tests.spark.conftest import World, cli


def _draft(world: World) -> str:
    from borderline.policy import default_policy_source

    src = default_policy_source()
    assert "thresholds review 40, hold 70, decline 90" in src
    return src.replace(
        "thresholds review 40, hold 70, decline 90", "thresholds review 15, hold 50, decline 90"
    )


def test_backtest_gives_the_change_summary_of_policy_backtest(
    spark: Any, world: World, decisions_dir: Path
) -> None:
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.spark import backtest
    from borderline.spark.stored import snapshot

    source = _draft(world)
    with world.env():
        svc = Services.open(Settings())
        try:
            version = svc.create_policy(source, author="tests")["version"]
            want = svc.backtest(version, sample_changes=100_000).to_dict()
            snap = snapshot(svc)
        finally:
            svc.close()
        got = backtest(
            spark.read.parquet(str(decisions_dir)),
            source,
            version=version,
            engine=snap.engine,
            lists=snap.lists,
            sample_changes=100_000,
        ).to_dict()
    assert want["changed"] > 20
    for key in ("policy", "version", "orders", "changed", "transitions", "before", "after"):
        assert got[key] == want[key], key
    assert got["rules_fired"] == want["rules_fired"]

    def changes(r: dict[str, Any]) -> set[tuple[Any, ...]]:
        return {
            (c["order_id"], c["before"], c["after"], c["score_after"], tuple(c["rules"]))
            for c in r["changes"]
        }

    assert changes(got) == changes(want)


def test_ledger_append_records_spark_decisions_and_verify_passes(
    world: World, decisions_dir: Path, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    r = cli(fresh, "ledger", "append", str(decisions_dir))
    assert r.returncode == 0, r.stderr
    decided = sum(1 for d in world.inprocess.values() if "error" not in d)
    assert r.stdout.startswith(f"appended {decided} decisions")
    v = cli(fresh, "ledger", "verify")
    assert v.returncode == 0, v.stdout + v.stderr
    assert v.stdout.startswith("ok: ")
    # Again: nothing is appended twice.
    again = cli(fresh, "ledger", "append", str(decisions_dir), "--json")
    report = json.loads(again.stdout)
    assert (report["appended"], report["already_recorded"]) == (0, decided)

    # The customer aggregates equal those the in-process run built.
    def stats(db: Path) -> dict[str, tuple[Any, ...]]:
        with sqlite3.connect(db) as c:
            rows = c.execute(
                "select customer_key, orders, round(amount_sum, 6), countries, first_seen "
                "from customer_stats"
            )
            return {r[0]: tuple(r[1:]) for r in rows}

    assert stats(fresh / "borderline.db") == stats(world.data_dir / "borderline.db")


def test_ledger_append_refuses_a_changed_decision(
    world: World, decisions_dir: Path, tmp_path: Path
) -> None:
    rows = pq.read_table(decisions_dir).to_pylist()
    rows = sorted((r for r in rows if r["error"] is None), key=lambda r: r["seq"])[:30]
    body = json.loads(rows[7]["decision_json"])
    body["outcome"] = "approve" if body["outcome"] != "approve" else "decline"
    rows[7]["decision_json"] = json.dumps(body)
    bad = tmp_path / "tampered.jsonl"
    bad.write_text("".join(json.dumps(r, default=str) + "\n" for r in rows), encoding="utf-8")
    r = cli(tmp_path / "d", "ledger", "append", str(bad))
    assert r.returncode == 2
    assert "does not hash to its record_hash" in r.stderr
    assert rows[7]["order_id"] in r.stderr
    # Nothing of the refused file was stored: the check runs before any write.
    with sqlite3.connect(tmp_path / "d" / "borderline.db") as c:
        assert c.execute("select count(*) from decisions").fetchone() == (0,)
