"""`borderline risk register|kri|quant|maturity|report` end to end on a real data directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from borderline.cli import app

TODAY = datetime.now(UTC).date()
runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        "BORDERLINE_DATA_DIR": str(tmp_path / "data"),
        "BORDERLINE_DATABASE_URL": "",
        "USER": "ann",
    }

    def run(*args: str, ok: bool = True) -> object:
        result = runner.invoke(app, list(args), env=env)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
            return json.loads(result.stdout) if "--json" in args else result.stdout
        return result

    return run


def test_register_flow(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = cli("risk", "register", "create", "--name", "Q1", "--period", "2026-Q1", "--json")
    risks = tmp_path / "risks.yaml"
    risks.write_text(
        yaml.safe_dump(
            {
                "risks": [
                    {
                        "key": "R-001",
                        "title": "CNP fraud",
                        "category": "payments",
                        "owner": "pay",
                        "inherent": {"likelihood": 4, "impact": 4},
                        "controls": [
                            {"name": "3DS", "kind": "preventive", "effectiveness": "strong"}
                        ],
                        "treatments": [
                            {
                                "action": "3DS2 in BR",
                                "owner": "pay",
                                "due": (TODAY - timedelta(days=2)).isoformat(),
                            }
                        ],
                    },
                    {
                        "key": "R-002",
                        "title": "Sanctioned consignee",
                        "category": "sanctions",
                        "owner": "compliance",
                        "inherent": {"likelihood": 2, "impact": 5},
                    },
                ]
            }
        )
    )
    out = cli("risk", "register", "import", str(a["id"]), str(risks), "--json")
    r1 = next(r for r in out if r["key"] == "R-001")
    assert r1["suggested_residual"]["likelihood"] == 2
    overdue = cli("risk", "register", "overdue", "--json")
    assert overdue[0]["days_overdue"] == 2

    bad = cli("risk", "register", "rate", str(r1["id"]), "--residual", "1,1", ok=False)
    assert bad.exit_code != 0 and "residual_override_reason" in str(bad.exception)
    r = cli(
        "risk",
        "register",
        "rate",
        str(r1["id"]),
        "--residual",
        "1,1",
        "--reason",
        "tested",
        "--json",
    )
    assert r["residual"]["level"] == "low"

    expires = (TODAY + timedelta(days=30)).isoformat()
    bad = cli(
        "risk",
        "register",
        "accept",
        str(r1["id"]),
        "--approver",
        "ann",
        "--reason",
        "x",
        "--expires",
        expires,
        ok=False,
    )
    assert "cannot approve" in str(bad.exception)
    acc = cli(
        "risk",
        "register",
        "accept",
        str(r1["id"]),
        "--approver",
        "cro",
        "--reason",
        "cost of control exceeds loss",
        "--expires",
        expires,
        "--json",
    )
    assert acc["snapshot"]["requester"] == "ann" and acc["log_index"] >= 0

    b = cli(
        "risk", "register", "copy", str(a["id"]), "--name", "Q2", "--period", "2026-Q2", "--json"
    )
    moved = cli("risk", "register", "matrix", str(b["id"]), "regulator-4x4", "--json")
    assert moved["to"] == "regulator-4x4"
    d = cli("risk", "register", "diff", str(a["id"]), str(b["id"]), "--json")
    assert {c["key"] for c in d["changed"]} == {"R-001", "R-002"}
    hm = cli("risk", "register", "heatmap", str(b["id"]), "--json")
    assert sum(map(sum, hm["counts"])) == 2
    ledger = cli("ledger", "verify")
    assert "ok" in str(ledger)


def test_import_is_all_or_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = cli("risk", "register", "create", "--name", "Q1", "--period", "2026-Q1", "--json")
    f = tmp_path / "r.yaml"
    f.write_text(
        yaml.safe_dump(
            [
                {
                    "key": "A",
                    "title": "a",
                    "category": "fx",
                    "owner": "o",
                    "inherent": {"likelihood": 1, "impact": 1},
                },
                {
                    "key": "B",
                    "title": "b",
                    "category": "fx",
                    "owner": "o",
                    "inherent": {"likelihood": 1, "impact": 1},
                    "residual": {"likelihood": 1, "impact": 1},
                    "controls": [{"name": "c", "effectiveness": "sometimes"}],
                },
            ]
        )
    )
    bad = cli("risk", "register", "import", str(a["id"]), str(f), ok=False)
    assert "risks[1]" in str(bad.exception) and "effectiveness" in str(bad.exception)
    assert cli("risk", "register", "show", str(a["id"]), "--json")["register"] == []


def test_kri_quant_maturity_report(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(
        "risk",
        "kri",
        "add",
        "--name",
        "declines",
        "--metric",
        "decline_rate",
        "--amber",
        "0.05",
        "--red",
        "0.1",
        "--origin",
        "CN",
    )
    bad = cli(
        "risk",
        "kri",
        "add",
        "--name",
        "x",
        "--metric",
        "decline_rate",
        "--amber",
        "0.5",
        "--red",
        "0.1",
        ok=False,
    )
    assert "red must be" in str(bad.exception)
    check = cli("risk", "kri", "check", "--json")
    assert check["readings"][0]["reading"]["status"] == "no_data"

    q = tmp_path / "q.yaml"
    q.write_text(
        yaml.safe_dump(
            {
                "name": "demo",
                "seed": 9,
                "trials": 2000,
                "scenarios": [
                    {
                        "id": "fraud",
                        "frequency": {"dist": "pert", "min": 1, "mode": 2, "max": 5},
                        "magnitude": {"dist": "lognormal", "low": 2000, "high": 50000},
                    }
                ],
            }
        )
    )
    a1 = cli("risk", "quant", str(q), "--json", "--save")
    a2 = cli("risk", "quant", str(q), "--json")
    assert a1["portfolio"] == a2["portfolio"] and a1["run"]["seed"] == 9

    qn = cli("risk", "maturity", "questionnaire", "--json")
    answers = {qu["id"]: 1 for d in qn["domains"] for qu in d["questions"]}
    f = tmp_path / "answers.yaml"
    f.write_text(yaml.safe_dump(answers))
    cli("risk", "maturity", "score", str(f), "--period", "2026-Q1", "--save")
    f.write_text(yaml.safe_dump({k: 3 for k in answers}))
    res = cli("risk", "maturity", "score", str(f), "--period", "2026-Q2", "--save", "--json")
    assert {g["domain"] for g in res["gaps"]} == {"compliance"}
    prog = cli("risk", "maturity", "progress", "--json")
    assert [p["overall"] for p in prog["overall"]] == [1.0, 3.0]

    a = cli("risk", "register", "create", "--name", "Q1", "--period", "2026-Q1", "--json")
    html_path, pdf_path = tmp_path / "r.html", tmp_path / "r.pdf"
    cli("risk", "report", str(a["id"]), "--html", str(html_path), "--pdf", str(pdf_path))
    text = html_path.read_text()
    assert "Loss exceedance" in text or "loss exceedance" in text
    assert text.count("data:image/png;base64,") == 3  # heatmap, radar, exceedance curve
    assert "declines" in text and "no_data" in text  # the KRI table
    assert pdf_path.read_bytes().startswith(b"%PDF")
