"""The /v1/trade API end to end through FastAPI with real keys, roles and SQLite storage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    data = tmp_path_factory.mktemp("data")
    svc = Services.open(Settings(data_dir=data, database_url=f"sqlite:///{data / 'b.db'}"))
    headers = {}
    with transaction(svc.sessions) as s:
        for name, role in [("ann", "analyst"), ("svc", "service")]:
            headers[name] = {"Authorization": f"Bearer {create_key(s, name, role)[1]}"}
    with TestClient(create_app(svc)) as client:
        yield client, headers
    svc.close()


REQ = {
    "destination": "DE",
    "date": "2026-01-15",
    "origin": "CN",
    "currency": "EUR",
    "shipping": 15,
    "items": [{"hs": "610910", "quantity": 10, "unit_price": 20}],
}


def test_landed_cost(api) -> None:
    client, h = api
    r = client.post("/v1/trade/landed-cost", json=REQ, headers=h["svc"])
    assert r.status_code == 200, r.text
    assert r.json()["total_landed_cost"] == 286.55


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"destination": "XX"}, "destination"),
        ({"items": [{"hs": "610910", "quantity": 1, "unit_price": -1}]}, "items[0].unit_price"),
        ({"currency": "AED"}, "items[0]"),  # not an ECB currency and no fx table
    ],
)
def test_landed_cost_bad_input_is_422(api, patch, where) -> None:
    client, h = api
    r = client.post("/v1/trade/landed-cost", json={**REQ, **patch}, headers=h["svc"])
    assert r.status_code == 422
    assert r.json()["where"] == where


def test_needs_a_key(api) -> None:
    client, _ = api
    assert client.post("/v1/trade/landed-cost", json=REQ).status_code == 401


def test_classify_and_check(api) -> None:
    client, h = api
    r = client.post(
        "/v1/trade/classify",
        json={
            "listings": [{"id": "1", "title": "蓝牙耳机"}, {"id": "2", "title": "Leather wallet"}]
        },
        headers=h["svc"],
    )
    assert r.status_code == 200
    assert [x["candidates"][0]["hs6"] for x in r.json()["results"]] == ["851830", "420231"]
    r = client.post("/v1/trade/classify", json={"listings": [{"title": ""}]}, headers=h["svc"])
    assert r.status_code == 422 and r.json()["where"] == "listings[0].title"
    r = client.post("/v1/trade/hs-check", json={"code": "880330"}, headers=h["svc"])
    assert r.json()["status"] == "mapped_from_2017"


def test_restricted(api) -> None:
    client, h = api
    r = client.post(
        "/v1/trade/restricted",
        json={"title": "Power bank", "country": "UA", "address": "Simferopol"},
        headers=h["svc"],
    )
    assert r.status_code == 200
    assert {x["level"] for x in r.json()["results"]} == {"restricted", "prohibited"}
    r = client.post("/v1/trade/restricted", json={"country": "XX"}, headers=h["svc"])
    assert r.status_code == 422
    # Judged on a past date: Syria under the US programme before it ended on 2025-07-01.
    body = {"country": "SY", "address": "Damascus", "date": "2024-01-01", "jurisdictions": ["US"]}
    r = client.post("/v1/trade/restricted", json=body, headers=h["svc"])
    assert [(x["id"], x["level"]) for x in r.json()["results"]] == [("sy_us", "prohibited")]
    r = client.post("/v1/trade/restricted", json={**body, "date": "2024-13-01"}, headers=h["svc"])
    assert r.status_code == 422
