"""Scan and redact whole files through the CLI: formats, streaming, atomic output, bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.files import redact_file

runner = CliRunner()


@pytest.fixture()
def jsonl(tmp_path):
    p = tmp_path / "orders.jsonl"
    rows = [
        {
            "order_id": "A1",
            "buyer_email": "li@example.cn",
            "收货人": "李娜",
            "收货人电话": "13912345678",
            "country": "CN",
            "sku": "TEA-001",
        },
        {
            "order_id": "A2",
            "buyer": {"name": "John Smith", "phone": "+1 415 555 2671"},
            "notes": "leave at door, card 4111 1111 1111 1111",
        },
    ]
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return p


def test_scan_reports_counts_by_field_without_values(jsonl):
    res = runner.invoke(app, ["privacy", "scan", str(jsonl), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["units"] == 2 and rep["format"] == "jsonl"
    assert rep["by_field"]["收货人电话"] == {"PHONE_NUMBER": 1}
    assert rep["by_field"]["buyer.name"] == {"PERSON": 1}
    assert rep["by_type"]["CREDIT_CARD"] == 1
    assert "13912345678" not in res.stdout and "John" not in res.stdout


def test_redact_jsonl_keeps_structure(jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["privacy", "redact", str(jsonl), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert rows[0]["收货人电话"] == "<PHONE_NUMBER>" and rows[0]["sku"] == "TEA-001"
    assert rows[1]["buyer"]["name"] == "<PERSON>"
    assert rows[1]["notes"] == "leave at door, card <CREDIT_CARD>"


def test_redact_text_with_hash_is_consistent(tmp_path):
    src = tmp_path / "chat.log"
    src.write_text("from jo@example.org\nagain jo@example.org\n", "utf-8")
    ring = tmp_path / "ring.json"
    assert runner.invoke(app, ["privacy", "keys", "rotate", "--keyring", str(ring)]).exit_code == 0
    out = tmp_path / "chat.redacted.log"
    res = runner.invoke(
        app,
        ["privacy", "redact", str(src), "-o", str(out), "--method", "hash", "--keyring", str(ring)],
    )
    assert res.exit_code == 0, res.output
    a, b = out.read_text("utf-8").splitlines()
    assert a.split()[-1] == b.split()[-1] and a.split()[-1].startswith("<EMAIL_ADDRESS_")


def test_redact_encrypt_then_decrypt(tmp_path):
    src = tmp_path / "n.txt"
    src.write_text("IBAN DE89 3704 0044 0532 0130 00\n", "utf-8")
    ring = tmp_path / "ring.json"
    runner.invoke(app, ["privacy", "keys", "rotate", "--keyring", str(ring)])
    out = tmp_path / "n.enc.txt"
    runner.invoke(
        app,
        [
            "privacy",
            "redact",
            str(src),
            "-o",
            str(out),
            "--method",
            "encrypt",
            "--keyring",
            str(ring),
        ],
    )
    enc = out.read_text("utf-8")
    assert "DE89" not in enc and "enc:" in enc
    res = runner.invoke(app, ["privacy", "decrypt", enc.strip(), "--keyring", str(ring)])
    assert res.stdout.strip() == "IBAN DE89 3704 0044 0532 0130 00"


def test_csv_columns_are_evidence(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("name,zip,product_name\nJoost Dijkstra,1012 AB,Kerk Lamp\n", "utf-8")
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["privacy", "redact", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text("utf-8").splitlines()[1] == "<PERSON>,<POSTAL_CODE>,Kerk Lamp"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x00\x00binary", "binary file"),
        ("Adresse: Hauptstraße 5, Köln".encode("latin-1"), "not UTF-8"),
    ],
)
def test_binary_and_wrong_encoding_refused_and_no_output(tmp_path, content, message):
    src = tmp_path / "in.txt"
    src.write_bytes(content)
    out = tmp_path / "out.txt"
    with pytest.raises(InvalidInput, match=message):
        redact_file(src, out, Analyzer())
    assert list(tmp_path.iterdir()) == [src]


def test_failure_mid_stream_leaves_no_half_written_output(tmp_path):
    src = tmp_path / "in.jsonl"
    # The bad line comes after a good one: the good one was already written to the temp file.
    src.write_text('{"email": "a@b.co"}\n{"email": \n', "utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.raises(InvalidInput, match=r"in.jsonl:2"):
        redact_file(src, out, Analyzer())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_invalid_utf8_deep_in_a_file_names_the_line(tmp_path):
    src = tmp_path / "big.txt"
    good = ("plain line without data\n" * 5000).encode()
    src.write_bytes(good + b"caf\xe9\n")
    with pytest.raises(InvalidInput, match="not UTF-8") as exc:
        redact_file(src, tmp_path / "o.txt", Analyzer())
    assert "big.txt:5001" in str(exc.value)
    assert not (tmp_path / "o.txt").exists()


def test_a_file_without_newlines_is_not_loaded_whole(tmp_path, monkeypatch):
    from borderline.privacy import files

    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1_000_000)
    src = tmp_path / "one-line.txt"
    src.write_text("x" * 1_500_000, "utf-8")
    with pytest.raises(InvalidInput, match="line longer than 1 MB") as exc:
        redact_file(src, tmp_path / "o.txt", Analyzer())
    assert exc.value.where == f"{src}:1"
    assert not (tmp_path / "o.txt").exists()
