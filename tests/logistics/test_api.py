"""/v1/logistics end to end through FastAPI with real keys, roles and SQLite storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.logistics import builtin_scenarios
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    svc = Services.open(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    headers = {}
    with transaction(svc.sessions) as s:
        for name, role in [("svc", "service"), ("aud", "auditor")]:
            headers[name] = {"Authorization": f"Bearer {create_key(s, name, role)[1]}"}
    with TestClient(create_app(svc)) as client:
        yield client, headers
    svc.close()


def test_simulate_shipped_and_inline(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    r = client.post(
        "/v1/logistics/simulate", headers=h["svc"], json={"scenario": "red-sea-2023", "draws": 50}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["draws"] == 50
    assert 10 <= body["corridors"]["CN-NL-ocean"]["mean_extra_days_affected"] <= 14
    inline: dict[str, Any] = yaml.safe_load(builtin_scenarios()["suez-2021"].read_text("utf-8"))
    inline["simulation"]["start"] = str(inline["simulation"]["start"])
    for e in inline["events"]:
        e["start"], e["end"] = str(e["start"]), str(e["end"])
    orders = [
        {
            "id": "a",
            "ship_date": "2021-02-28",
            "origin_country": "CN",
            "destination_country": "DE",
            "mode": "ocean",
            "value": 1000,
            "weight_kg": 50,
        }
    ]
    r = client.post(
        "/v1/logistics/simulate",
        headers=h["svc"],
        json={"scenario": inline, "orders": orders, "draws": 100},
    )
    assert r.status_code == 200, r.text
    assert r.json()["corridors"]["CN-DE-ocean"]["affected_share"] > 0.9


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({"scenario": "atlantis"}, 404, "scenario"),
        ({"scenario": "../../etc/passwd"}, 404, "scenario"),
        ({"scenario": "suez-2021", "draws": 10**7}, 422, "draws"),
        (
            {
                "scenario": "suez-2021",
                "orders": [
                    {
                        "id": "x",
                        "ship_date": "2021-02-30",
                        "origin_country": "CN",
                        "destination_country": "DE",
                        "mode": "ocean",
                        "value": 1,
                    }
                ],
            },
            422,
            "orders[0]",
        ),
        ({"scenario": "suez-2021", "orders": [{"id": "x", "colour": "red"}]}, 422, "orders[0]"),
        (
            {
                "scenario": {
                    "id": "x",
                    "name": "x",
                    "events": [
                        {
                            "target": {"kind": "port", "id": "CNSHA"},
                            "effect": "capacity_cut",
                            "value": -0.5,
                            "start": "2022-01-01",
                            "duration_days": 3,
                        }
                    ],
                    "simulation": {"start": "2022-01-01", "days": 5},
                }
            },
            422,
            "scenario: events[0].value",
        ),
    ],
)
def test_simulate_bad_input_is_4xx(
    api: tuple[TestClient, dict[str, dict[str, str]]],
    body: dict[str, Any],
    status: int,
    where: str,
) -> None:
    client, h = api
    r = client.post("/v1/logistics/simulate", headers=h["svc"], json=body)
    assert r.status_code == status, r.text
    assert r.json()["where"] == where


def test_assess_and_auth(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    order = {
        "id": "o-9",
        "created_at": "2021-02-28T09:00:00Z",
        "currency": "EUR",
        "total": "900",
        "parties": [{"role": "buyer", "name": "Bo Buyer", "address": {"country": "DE"}}],
        "items": [{"title": "lamp", "quantity": 1, "unit_price": "900"}],
        "shipment": {"mode": "ocean", "origin_country": "CN", "destination_country": "DE"},
    }
    r = client.post(
        "/v1/logistics/assess", headers=h["svc"], json={"order": order, "scenarios": ["suez-2021"]}
    )
    assert r.status_code == 200, r.text
    codes = {f["code"]: f for f in r.json()["findings"]}
    assert codes["logistics.corridor.closed"]["actions"] == ["hold_shipment"]
    bad = {**order, "shipment": {**order["shipment"], "destination_country": "QQ"}}
    r = client.post("/v1/logistics/assess", headers=h["svc"], json={"order": bad})
    assert r.status_code == 422 and r.json()["where"] == "order.shipment.destination_country"
    assert client.get("/v1/logistics/scenarios").status_code == 401
    r = client.get("/v1/logistics/scenarios", headers=h["aud"])
    assert r.status_code == 200 and len(r.json()) == 4
    r = client.post("/v1/logistics/simulate", headers=h["aud"], json={"scenario": "suez-2021"})
    assert r.status_code == 403


def test_api_caps_memory_whatever_the_scenario_asks(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, h = api
    scenario = {
        "id": "big",
        "name": "big",
        "events": [
            {
                "target": {"kind": "chokepoint", "id": "suez"},
                "effect": "closure",
                "start": "2021-03-23",
                "duration_days": 6,
            }
        ],
        "simulation": {"start": "2021-02-01", "days": 3650, "draws": 5000, "max_memory_mb": 10**9},
        "flow": [
            {
                "origin": "CN",
                "destination": "DE",
                "mode": "ocean",
                "orders_per_day": 100000,
                "value": 1,
            }
        ],
    }
    r = client.post("/v1/logistics/simulate", headers=h["svc"], json={"scenario": scenario})
    assert r.status_code == 422, r.text
    assert r.json()["where"] == "simulation.draws"
    assert "over the limit of 256 MB" in r.json()["message"]
