"""The "keep exact" interface: ``borderline privacy detect`` through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from borderline.cli import app

runner = CliRunner()


def test_detect_text_json_shape():
    text = "Mail jo@example.org, card 4111 1111 1111 1111"
    res = runner.invoke(app, ["privacy", "detect", text, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    types = [(e["type"], text[e["start"] : e["end"]]) for e in out["entities"]]
    assert types == [("EMAIL_ADDRESS", "jo@example.org"), ("CREDIT_CARD", "4111 1111 1111 1111")]
    for e in out["entities"]:
        assert {"type", "start", "end", "score", "explanation"} <= set(e)
        assert 0 <= e["score"] <= 1


def test_detect_human_table():
    res = runner.invoke(app, ["privacy", "detect", "HKID A123456(3)"])
    assert res.exit_code == 0
    assert "NATIONAL_ID" in res.stdout and "A123456(3)" in res.stdout


def test_detect_batch_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [
        {"id": "n1", "text": "收货人：李娜，手机 13912345678", "country": "CN"},
        {"id": "n2", "text": "nothing personal here"},
        {"id": "r1", "record": {"buyer_email": "a@b.co", "country": "DE"}},
    ]
    src.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8"
    )
    res = runner.invoke(app, ["privacy", "detect", "--batch", str(src), "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["n1", "n2", "r1"]
    text = lines[0]["text"]
    assert [(e["type"], text[e["start"] : e["end"]]) for e in rows[0]["entities"]] == [
        ("PERSON", "李娜"),
        ("PHONE_NUMBER", "13912345678"),
    ]
    assert rows[1]["entities"] == []
    assert rows[2]["entities"][0]["path"] == "buyer_email"


def test_bad_input_exits_2_with_where(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n', encoding="utf-8")
    for args, where in [
        (["privacy", "detect", "--batch", str(bad), "--json"], f"{bad}:2"),
        (["privacy", "detect", "--batch", str(tmp_path / "missing.jsonl")], "missing.jsonl"),
        (["privacy", "detect", "x", "--country", "XX"], "country"),
        (["privacy", "detect"], "privacy detect"),
    ]:
        res = runner.invoke(app, args)
        assert res.exit_code != 0
        assert isinstance(res.exception, Exception)
        assert where in str(res.exception)


def test_cli_process_prints_error_where_and_exits_2(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from borderline.cli import main; main()",
            "privacy",
            "detect",
            "--batch",
            str(bad),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {bad}:2: invalid JSON")
