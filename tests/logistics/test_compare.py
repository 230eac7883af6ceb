"""Fulfilment-model comparison: real landed-cost engine, orderings that must hold, bad configs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput
from borderline.logistics.compare import compare, load_compare_config, parse_compare_config

EXAMPLE = Path(
    str(resources.files("borderline.logistics") / "data" / "examples" / "compare-apparel.yaml")
)
runner = CliRunner()


def _example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, Any]]:
    return {r["model"]: r for r in compare(load_compare_config(EXAMPLE)).rows}


def test_all_five_models_compared(rows: dict[str, dict[str, Any]]) -> None:
    assert set(rows) == {
        "postal",
        "express",
        "bonded-warehouse",
        "overseas-warehouse",
        "dropshipping",
    }


def test_orderings_that_must_hold(rows: dict[str, dict[str, Any]]) -> None:
    # Express is faster and dearer than postal; warehouses deliver fastest; dropshipping adds
    # the supplier's handling to a postal transit.
    assert rows["express"]["freight_usd"] > rows["postal"]["freight_usd"]
    assert rows["express"]["delivery_days"]["p50"] < rows["postal"]["delivery_days"]["p50"]
    for w in ("bonded-warehouse", "overseas-warehouse"):
        assert rows[w]["delivery_days"]["p50"] < rows["express"]["delivery_days"]["p50"]
        assert rows[w]["fx_exposure_days"] > 30 and rows[w]["holding_usd"] > 0
    assert rows["dropshipping"]["delivery_days"]["p50"] > rows["postal"]["delivery_days"]["p50"]
    # Clearing stock in bulk at purchase cost pays less duty than clearing at retail value.
    assert rows["overseas-warehouse"]["duty_usd"] < rows["bonded-warehouse"]["duty_usd"]
    # Only the sea leg of the warehouses crosses the Red Sea (DE/GB stock from China).
    assert rows["overseas-warehouse"]["inbound_disruption_days"] > 5
    assert rows["postal"]["inbound_disruption_days"] == 0


def test_duty_and_vat_come_from_the_trade_engine() -> None:
    cfg = load_compare_config(EXAMPLE)
    res = compare(cfg)
    assert res.landed_cost_method == "borderline.trade.landed_cost"
    only_us = parse_compare_config(
        {**_example(), "destinations": [{"country": "US"}], "scenario": None}
    )
    us = {r["model"]: r for r in compare(only_us).rows}
    # US: no VAT; duty 16.5% on HS 610910 in the trade tariff sample, 0 on the earbuds.
    assert us["postal"]["vat_usd"] == 0
    assert us["postal"]["duty_usd"] > 0


def test_simple_estimate_when_rates_are_given() -> None:
    data = {
        **_example(),
        "scenario": None,
        "catalogue": [
            {"sku": "A", "hs": "610910", "unit_value": 100, "unit_cost": 40, "weight_kg": 1}
        ],
        "destinations": [
            {"country": "DE", "duty_rate": 0.1, "vat_rate": 0.2, "duty_free_threshold": 150}
        ],
        "models": [{"name": "p", "kind": "direct", "mode": "postal"}],
    }
    res = compare(parse_compare_config(data))
    r = res.rows[0]
    assert res.landed_cost_method == "simple duty+VAT from config"
    assert r["duty_usd"] == 0  # 100 USD is under the 150 threshold
    assert r["vat_usd"] == pytest.approx(20.0)
    data["destinations"][0]["duty_free_threshold"] = 0
    r = compare(parse_compare_config(data)).rows[0]
    assert r["duty_usd"] == pytest.approx(10.0) and r["vat_usd"] == pytest.approx(22.0)


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"origin": "Oz"}, "c.yaml: origin"),
        ({"destinations": [{"country": "ZZ"}]}, "c.yaml: destinations[0]"),
        (
            {
                "catalogue": [
                    {"sku": "A", "hs": "61", "unit_value": 1, "unit_cost": 1, "weight_kg": 1}
                ]
            },
            "c.yaml: catalogue[0].hs",
        ),
        (
            {
                "catalogue": [
                    {"sku": "A", "hs": "610910", "unit_value": -5, "unit_cost": 1, "weight_kg": 1}
                ]
            },
            "c.yaml: catalogue[0].unit_value",
        ),
        ({"models": [{"name": "x", "kind": "teleport"}]}, "c.yaml: models[0].kind"),
        ({"scenario_date": None}, "c.yaml: scenario_date"),
    ],
)
def test_bad_config_names_the_field(patch: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_compare_config({**_example(), **patch}, "c.yaml")
    assert exc.value.where == where


def test_compare_cli_table_json_and_chart(tmp_path: Path) -> None:
    plot = tmp_path / "c.svg"
    r = runner.invoke(app, ["logistics", "compare", str(EXAMPLE), "--json", "--plot", str(plot)])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert [m["model"] for m in body["models"]] == [
        "postal",
        "express",
        "bonded-warehouse",
        "overseas-warehouse",
        "dropshipping",
    ]
    assert b"<svg" in plot.read_bytes()
    r = runner.invoke(app, ["logistics", "compare", str(EXAMPLE)])
    assert r.exit_code == 0 and "overseas-warehouse" in r.stdout
