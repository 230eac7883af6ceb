"""The benchmark itself: scoring is right on hand-made cases, and a small run ranks systems."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from borderline.bench.privacy import Score, run_benchmark, score
from borderline.bench.privacy_evalset import generate
from borderline.cli import app


def test_span_scoring_iou_and_exact():
    gold = [("s", "", "PERSON", 0, 10), ("s", "", "EMAIL_ADDRESS", 20, 30)]
    pred = [("s", "", "PERSON", 0, 8), ("s", "", "EMAIL_ADDRESS", 20, 22), ("s", "", "URL", 40, 45)]
    relaxed = score(gold, pred)["ALL"]
    assert (relaxed.tp, relaxed.fp, relaxed.fn) == (1, 2, 1)  # 8/10 overlaps, 2/10 does not
    exact = score(gold, pred, exact=True)["ALL"]
    assert (exact.tp, exact.fp, exact.fn) == (0, 3, 2)
    s = Score(tp=6, fp=4, fn=2)
    assert round(s.f(2.0), 4) == round(5 * 0.6 * 0.75 / (4 * 0.6 + 0.75), 4)


def test_generated_spans_point_at_real_values():
    for sample in generate(40, seed=3):
        for sp in sample.spans:
            value = sample.text if sample.kind == "text" else None
            if value is None:
                node = sample.record
                for part in sp["path"].split("."):
                    node = node[part]
                value = node
            assert 0 <= sp["start"] < sp["end"] <= len(value)
            assert value[sp["start"] : sp["end"]].strip() == value[sp["start"] : sp["end"]]


def test_small_run_ranks_borderline_above_presidio_regex():
    report = run_benchmark(generate(60, seed=2026))
    ours = report["systems"]["borderline"]
    for name, other in report["systems"].items():
        if name != "borderline":
            assert ours["overall"]["f2"] > other["overall"]["f2"]
            assert ours["shared_types"]["f2"] > other["shared_types"]["f2"]


def test_bench_command_runs(tmp_path):
    dump = tmp_path / "set.jsonl"
    res = CliRunner().invoke(
        app,
        ["bench", "privacy", "--samples", "20", "--dump", str(dump), "--corpus-limit", "15"],
    )
    assert res.exit_code == 0, res.output
    assert "borderline" in res.stdout and "presidio-regex@0.0" in res.stdout
    assert "presidio+spacy" in res.stdout and "NER corpora, test splits" in res.stdout
    assert "records/s per core" in res.stdout
    assert len(dump.read_text("utf-8").splitlines()) == 20


def test_bench_scores_the_dev_splits_when_asked():
    args = ["bench", "privacy", "--samples", "10", "--corpus-limit", "5", "--no-presidio-model"]
    res = CliRunner().invoke(app, [*args, "--no-speed", "--split", "dev", "--json"])
    assert res.exit_code == 0, res.output
    corpora = json.loads(res.stdout)["corpora (dev splits)"]
    assert corpora["split"] == "dev"
    assert {c: e["samples"] for c, e in corpora["corpora"].items()} == {
        "btc": 5, "wnut17": 5, "wikigold": 5
    }  # fmt: skip
    res = CliRunner().invoke(app, [*args, "--no-speed", "--split", "train"])
    assert res.exit_code != 0 and "--split must be one of dev, test" in str(res.exception)
