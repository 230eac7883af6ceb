"""`borderline risk countries|corridor|indicators` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from borderline.cli import app

runner = CliRunner()


def test_countries_json_has_index_and_components() -> None:
    result = runner.invoke(app, ["risk", "countries", "--as-of", "2025-12-01", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["as_of"] == "2025-12-01"
    assert body["parameters"]["weighting"] == "config"
    by_code = {c["country"]: c for c in body["countries"]}
    de = by_code["DE"]
    assert 0 <= de["index"] <= 100
    assert de["components"]["ti_cpi"] == {
        "value": 81.0,
        "date": "2017",
        "risk": 19.0,
        "weight": de["components"]["ti_cpi"]["weight"],
    }
    indexes = [c["index"] for c in body["countries"]]
    assert indexes == sorted(indexes, reverse=True)


def test_countries_filter_and_weighting() -> None:
    result = runner.invoke(
        app,
        [
            "risk",
            "countries",
            "--country",
            "Germany",
            "--country",
            "IRN",
            "--weighting",
            "equal",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [c["country"] for c in body["countries"]] == ["IR", "DE"]
    assert len(set(body["parameters"]["weights"].values())) == 1


def test_corridor_command() -> None:
    result = runner.invoke(
        app, ["risk", "corridor", "Germany", "IR", "--as-of", "2025-12-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["origin"], body["destination"]) == ("DE", "IR")
    assert body["risk"] > 40


def test_indicators_list_licences() -> None:
    result = runner.invoke(app, ["risk", "indicators", "--json"])
    assert result.exit_code == 0
    ids = {r["id"]: r for r in json.loads(result.stdout)["indicators"]}
    assert {"ti_cpi", "wgi_cc", "ffp_fsi", "inform_risk", "oecd_crc", "wb_lpi", "fatf"} <= set(ids)
    assert all(r["licence"] for r in ids.values())
    # The Basel AML Index is licensed for non-commercial use only and is not shipped.
    assert not any("basel" in k for k in ids)


def test_bad_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "indicators.yaml").write_text(
        "format: borderline.indicators/1\nindicators:\n"
        "  - {id: x, name: X, publisher: P, vintage: '1', version: '1', licence: L,\n"
        "     file: x.csv, key: iso3, scale: {min: 0, max: 1}, direction: higher_is_riskier}\n"
    )
    (tmp_path / "x.csv").write_text("country,date,value\nDEU,2020,0.5\nFrance,2020,0.2\n")
    result = runner.invoke(app, ["risk", "countries", "--data", str(tmp_path), "--json"])
    assert result.exit_code != 0
    assert "mixed country keys" in str(result.exception)
    assert f"{tmp_path}/x.csv:3" in str(result.exception)
