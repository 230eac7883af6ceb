"""`borderline risk countries|corridor|indicators` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
        "value": 77.0,
        "date": "2025",
        "risk": 23.0,
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
    assert {"ti_cpi", "wgi_cc", "inform_risk", "oecd_crc", "wb_lpi", "fatf"} <= set(ids)
    # The Fragile States Index is CC BY-NC-SA (non-commercial): not shipped.
    assert "ffp_fsi" not in ids
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


def _pairwise(names: list[str], weights: list[float]) -> str:
    lines = ["component," + ",".join(names)]
    for i, n in enumerate(names):
        lines.append(n + "," + ",".join(f"{weights[i] / weights[j]!r}" for j in range(len(names))))
    return "\n".join(lines) + "\n"


def test_countries_with_ahp_weights(tmp_path: Path) -> None:
    names = [
        "ti_cpi",
        "wgi_cc",
        "wgi_rl",
        "wgi_pv",
        "wgi_rq",
        "inform_risk",
        "oecd_crc",
        "fatf",
        "ofac_sdn_exposure",
    ]
    weights = [3.0, 2, 2, 2, 1, 2, 2, 4, 1]
    f = tmp_path / "ahp.csv"
    f.write_text(_pairwise(names, weights))
    result = runner.invoke(
        app, ["risk", "countries", "--weighting", f"ahp:{f}", "--json", "--top", "3"]
    )
    assert result.exit_code == 0, result.output
    params = json.loads(result.stdout)["parameters"]
    assert params["weighting"] == "ahp"
    assert params["weighting_details"]["cr"] < 1e-9
    assert params["weights"]["fatf"] == pytest.approx(4 / sum(weights), abs=1e-6)


def test_countries_refuse_inconsistent_or_mismatched_ahp(tmp_path: Path) -> None:
    f = tmp_path / "ahp.csv"
    f.write_text(_pairwise(["ti_cpi", "fatf"], [1.0, 2.0]))
    result = runner.invoke(app, ["risk", "countries", "--weighting", f"ahp:{f}", "--json"])
    assert "the pairwise matrix compares" in str(result.exception)
    g = tmp_path / "wang_chin.csv"
    g.write_text((Path(__file__).parent / "data" / "ahp_wang_chin_2011.csv").read_text())
    result = runner.invoke(app, ["risk", "countries", "--weighting", f"ahp:{g}", "--json"])
    assert "the pairwise matrix compares" in str(result.exception)
