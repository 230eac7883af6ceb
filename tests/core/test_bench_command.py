"""``borderline bench`` measures what users run: every installed assessor, plus the ceiling.

Real processes, real SQLite, real uvicorn servers; small numbers and no timing assertions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from borderline.bench.ceiling import app as ceiling_app
from borderline.bench.core import load_average, machine

INSTALLED = sorted(ep.name for ep in entry_points(group="borderline.assessors"))
PERCENTILES = {"p50", "p95", "p99"}


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "borderline", "bench", "--data-dir", str(tmp_path / "w"), *args],
        capture_output=True,
        text=True,
        timeout=1800,
    )


def test_every_installed_assessor_by_default_with_http_and_ceiling(tmp_path: Path) -> None:
    # The keep-exact form: --assessors '' --json.
    r = bench(
        tmp_path,
        "--assessors",
        "",
        "--json",
        "--history",
        "50",
        "--measure",
        "20",
        "--http-requests",
        "40",
        "--concurrency",
        "4",
        "--rules",
        "20",
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert sorted(out["assessors"]) == INSTALLED
    for key in ("in_process_engine_ms", "in_process_recorded_ms"):
        assert set(out[key]) >= PERCENTILES, key
    assert out["ingest_batch_orders_per_s"] > 0
    assert out["ingest_batch_steady"] is None  # no batch after the first 1,000 to time
    # `borderline assess FILE` on 50 new orders, by one process and by two.
    one, two = out["ingest_cli"]
    assert (one["workers"], two["workers"]) == (1, 2)
    for run in (one, two):
        assert run["orders"] == 50
        assert run["orders_per_s"] > 0 and run["steady_orders_per_s"] > 0
        assert run["cpu_ms_per_order"] > 0 and run["first_decision_s"] > 0
    assert sorted(out["per_assessor_ms"]) == INSTALLED
    for name, p in out["per_assessor_ms"].items():
        assert set(p) == {"p50", "p99"}, name
        assert 0 <= p["p50"] <= p["p99"], name
    m = out["machine"]
    assert m["cpus"] >= 1
    assert len(m["load_average"]) == 3 and len(out["load_average_after"]) == 3
    h = out["http"]
    assert h["requests"] == 40 and h["concurrency"] == 4
    assert h["decisions_per_s"] > 0 and h["ceiling_requests_per_s"] > 0
    assert h["ratio_to_ceiling"] == pytest.approx(
        h["decisions_per_s"] / h["ceiling_requests_per_s"], abs=0.001
    )
    assert h["first_request_status"] == 201
    assert h["ceiling_errors"] == 0


def test_profile_with_json_keeps_stdout_json(tmp_path: Path) -> None:
    """py-spy's own messages must not land in the JSON a script reads from stdout."""
    r = bench(
        tmp_path,
        "--assessors",
        "consistency,lists",
        "--json",
        "--history",
        "20",
        "--measure",
        "10",
        "--http-requests",
        "60",
        "--concurrency",
        "2",
        "--no-ceiling",
        "--ingest-workers",
        "0",
        "--profile",
        str(tmp_path / "prof"),
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["http"]["profile"], out["http"]
    assert (tmp_path / "prof" / "http.folded").stat().st_size > 0


@pytest.mark.parametrize(
    ("assessors", "expected"),
    [
        ("consistency,lists", ["consistency", "lists"]),
        ("lists", ["lists"]),
        ("screening,consistency", ["screening", "consistency"]),
    ],
)
def test_assessors_option_narrows_the_run(
    tmp_path: Path, assessors: str, expected: list[str]
) -> None:
    r = bench(
        tmp_path,
        "--assessors",
        assessors,
        "--history",
        "20",
        "--measure",
        "10",
        "--http-requests",
        "0",
        "--rules",
        "10",
        "--ingest-workers",
        "0",
    )
    assert r.returncode == 0, r.stderr
    assert f"assessors: {', '.join(expected)}" in r.stdout
    assert "assess FILE" not in r.stdout  # --ingest-workers 0 skips the file runs
    for name in expected:
        assert f"assessor {name} (ms)" in r.stdout
    for name in set(INSTALLED) - set(expected):
        assert f"assessor {name} (ms)" not in r.stdout
    assert "load average (1/5/15 min):" in r.stdout
    assert "HTTP" not in r.stdout  # --http-requests 0 skips the servers


def test_unknown_assessor_is_refused_with_the_installed_list(tmp_path: Path) -> None:
    r = bench(tmp_path, "--assessors", "nosuch", "--http-requests", "0")
    assert r.returncode == 2
    assert "nosuch" in r.stderr and "consistency" in r.stderr


@pytest.mark.parametrize(
    "body",
    [
        {"id": "o-1", "total": 10},
        {"id": "o-2", "items": [{"sku": "x"}], "ship_to": {"country": "DE"}},
        {},
    ],
)
def test_ceiling_answers_any_json_order_with_the_same_fixed_decision(body: dict) -> None:
    with TestClient(ceiling_app) as c:
        r = c.post("/v1/decisions", json=body, headers={"Authorization": "Bearer x"})
        assert r.status_code == 201
        assert r.json() == {
            "decision_id": "dec_ceiling",
            "outcome": "approve",
            "score": 0,
            "actions": [],
            "reasons": [],
        }
        assert c.get("/health").json() == {"status": "ok"}


def test_ceiling_refuses_a_body_that_is_not_json() -> None:
    with TestClient(ceiling_app) as c:
        r = c.post(
            "/v1/decisions", content=b"not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422


def test_machine_reports_cpus_and_load() -> None:
    m = machine()
    assert m["cpus"] >= 1
    la = load_average()
    assert la is not None and len(la) == 3 and all(v >= 0 for v in la)
