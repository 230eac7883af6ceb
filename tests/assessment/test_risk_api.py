"""The /v1/risk API end to end through FastAPI, with real keys, roles and storage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.service import Services
from borderline.store import transaction

DATA = Path(__file__).parent / "data"
TODAY = datetime.now(UTC).date()


@pytest.fixture
def api(sqlite_services: Services) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    headers = {}
    with transaction(sqlite_services.sessions) as s:
        for name, role in [
            ("ann", "analyst"),
            ("cro", "admin"),
            ("aud", "auditor"),
            ("svc", "service"),
        ]:
            headers[name] = {"Authorization": f"Bearer {create_key(s, name, role)[1]}"}
    with TestClient(create_app(sqlite_services)) as client:
        yield client, headers


def test_mcda_endpoints(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    csv = (DATA / "ahp_wang_chin_2011.csv").read_text()
    r = client.post("/v1/risk/mcda/ahp", json={"csv": csv}, headers=h["svc"])
    assert r.status_code == 200
    assert r.json()["cr"] == pytest.approx(0.229, abs=5e-4)
    r = client.post("/v1/risk/mcda/ahp", json={"csv": csv, "strict": True}, headers=h["svc"])
    assert r.status_code == 422 and "CR = 0.229" in r.json()["message"]
    topsis = (DATA / "topsis_opricovic_tzeng_2004.csv").read_text()
    r = client.post(
        "/v1/risk/mcda/topsis",
        headers=h["svc"],
        json={"csv": topsis, "weights": [0.5, 0.5], "types": ["-", "+"], "normalization": "vector"},
    )
    assert r.json()["ranking"] == ["A1", "A2", "A3"]
    r = client.post("/v1/risk/mcda/topsis", headers=h["svc"], json={"csv": topsis})
    assert r.status_code == 422 and r.json()["where"] == "types"
    r = client.post("/v1/risk/mcda/ahp", headers=h["svc"], json={"csv": "c,a,b\na,1,3\nb,1/2,1\n"})
    assert r.status_code == 422 and "not reciprocal" in r.json()["message"]
    assert client.post("/v1/risk/mcda/ahp", json={"csv": csv}).status_code == 401
    assert client.post("/v1/risk/mcda/ahp", json={"csv": csv}, headers=h["aud"]).status_code == 403


def test_country_endpoints(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    r = client.get("/v1/risk/countries", params={"country": ["DE", "Iran"]}, headers=h["aud"])
    assert r.status_code == 200
    assert [c["country"] for c in r.json()["countries"]] == ["IR", "DE"]
    r = client.get(
        "/v1/risk/corridor", params={"origin": "CN", "destination": "US"}, headers=h["aud"]
    )
    assert r.status_code == 200 and 0 < r.json()["risk"] < 100
    r = client.get(
        "/v1/risk/corridor", params={"origin": "Atlantis", "destination": "US"}, headers=h["aud"]
    )
    assert r.status_code == 422 and r.json()["where"] == "origin"


def test_register_endpoints(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    r = client.post(
        "/v1/risk/assessments", json={"name": "Q1", "period": "2026-Q1"}, headers=h["ann"]
    )
    assert r.status_code == 201
    aid = r.json()["id"]
    assert (
        client.post(
            "/v1/risk/assessments", json={"name": "Q1", "period": "2026-Q1"}, headers=h["aud"]
        ).status_code
        == 403
    )
    risk = {
        "key": "R-001",
        "title": "Chargebacks on BR",
        "category": "payments",
        "owner": "payments",
        "inherent": {"likelihood": 4, "impact": 4},
    }
    r = client.post(f"/v1/risk/assessments/{aid}/risks", json=risk, headers=h["ann"])
    assert r.status_code == 201
    rid = r.json()["id"]
    bad = {**risk, "key": "R-002", "category": "crypto"}
    r = client.post(f"/v1/risk/assessments/{aid}/risks", json=bad, headers=h["ann"])
    assert r.status_code == 422 and r.json()["where"] == "category"
    r = client.post(
        f"/v1/risk/assessments/{aid}/risks:import",
        headers=h["ann"],
        json=[
            {**risk, "key": "R-003"},
            {**risk, "key": "R-004", "inherent": {"likelihood": 9, "impact": 1}},
        ],
    )
    assert r.status_code == 422 and r.json()["where"].startswith("risks[1]")
    assert (
        len(client.get(f"/v1/risk/assessments/{aid}", headers=h["aud"]).json()["register"]) == 1
    )  # the import was all or nothing
    r = client.post(
        f"/v1/risk/risks/{rid}/controls",
        headers=h["ann"],
        json={"name": "3DS", "kind": "preventive", "effectiveness": "strong"},
    )
    assert r.json()["suggested_residual"]["likelihood"] == 2
    r = client.post(
        f"/v1/risk/risks/{rid}/treatments",
        headers=h["ann"],
        json={"action": "3DS2", "owner": "pay", "due": (TODAY - timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 201
    assert (
        client.get("/v1/risk/treatments/overdue", headers=h["aud"]).json()[0]["risk_key"] == "R-001"
    )
    expires = (TODAY + timedelta(days=60)).isoformat()
    r = client.post(
        f"/v1/risk/risks/{rid}/acceptance",
        headers=h["ann"],
        json={"requester": "ann", "reason": "r", "expires": expires},
    )
    assert r.status_code == 409 and r.json()["where"] == "approver"
    r = client.post(
        f"/v1/risk/risks/{rid}/acceptance",
        headers=h["cro"],
        json={"requester": "ann", "reason": "cost exceeds benefit", "expires": expires},
    )
    assert r.status_code == 201
    due = client.get("/v1/risk/acceptances:due", params={"within_days": 90}, headers=h["aud"])
    assert [d["risk_key"] for d in due.json()] == ["R-001"]
    acc = client.get(f"/v1/risk/acceptances/{r.json()['id']}", headers=h["aud"]).json()
    assert acc["snapshot"]["approver"] == "cro"
    r = client.post(
        f"/v1/risk/assessments/{aid}/copy",
        headers=h["ann"],
        json={"name": "Q2", "period": "2026-Q2"},
    )
    new_id = r.json()["id"]
    r = client.get(f"/v1/risk/assessments/{aid}/diff/{new_id}", headers=h["aud"])
    assert r.status_code == 200 and r.json()["changed"][0]["changes"]["status"] == {
        "old": "accepted",
        "new": "open",
    }
    r = client.get(f"/v1/risk/assessments/{aid}/heatmap", headers=h["aud"])
    assert sum(map(sum, r.json()["counts"])) == 1
    assert client.get("/v1/risk/assessments/999", headers=h["aud"]).status_code == 404
    r = client.get(f"/v1/risk/assessments/{aid}/report.html", headers=h["aud"])
    assert r.status_code == 200 and "Chargebacks on BR" in r.text
    r = client.get("/v1/risk/dashboard", headers=h["aud"])
    assert r.status_code == 200 and f"/v1/risk/assessments/{aid}/report.html" in r.text
    assert "South Sudan" in r.text and "3DS2" in r.text  # countries and overdue treatments
    r = client.get(f"/v1/risk/assessments/{aid}/report.pdf", headers=h["aud"])
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_kri_quant_maturity_endpoints(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, h = api
    r = client.post(
        "/v1/risk/kris",
        headers=h["ann"],
        json={"name": "decline", "metric": "decline_rate", "amber": 0.1, "red": 0.2},
    )
    assert r.status_code == 201
    r = client.post(
        "/v1/risk/kris",
        headers=h["ann"],
        json={"name": "bad", "metric": "nope", "amber": 0.1, "red": 0.2},
    )
    assert r.status_code == 422
    r = client.post("/v1/risk/kris:check", headers=h["ann"])
    assert r.json()["readings"][0]["reading"]["status"] in ("no_data", "green", "amber", "red")
    quant = {
        "seed": 5,
        "trials": 2000,
        "scenarios": [
            {
                "id": "s",
                "frequency": {"dist": "pert", "min": 1, "mode": 2, "max": 4},
                "magnitude": {"dist": "lognormal", "low": 1000, "high": 9000},
            }
        ],
    }
    r = client.post("/v1/risk/quant", json=quant, headers=h["svc"])
    assert r.status_code == 200 and r.json()["parameters"]["seed"] == 5
    assert (
        client.post(
            "/v1/risk/quant", params={"save": True}, json=quant, headers=h["svc"]
        ).status_code
        == 403
    )
    r = client.post("/v1/risk/quant", params={"save": True}, json=quant, headers=h["ann"])
    assert r.json()["run"]["seed"] == 5
    bad = {
        **quant,
        "scenarios": [
            {
                **quant["scenarios"][0],  # type: ignore[dict-item]
                "magnitude": {"dist": "lognormal", "low": 9, "high": 1},
            }
        ],
    }
    assert client.post("/v1/risk/quant", json=bad, headers=h["svc"]).status_code == 422
    q = client.get("/v1/risk/maturity/questionnaire", headers=h["aud"]).json()
    answers = {qu["id"]: 2 for d in q["domains"] for qu in d["questions"]}
    r = client.post(
        "/v1/risk/maturity", json={"period": "2026-Q1", "answers": answers}, headers=h["ann"]
    )
    assert r.status_code == 201 and r.json()["overall"] == 2.0
    r = client.post(
        "/v1/risk/maturity", json={"period": "2026-Q1", "answers": {"x": 1}}, headers=h["ann"]
    )
    assert r.status_code == 422
    p = client.get("/v1/risk/maturity/progress", headers=h["aud"]).json()
    assert p["overall"] == [{"period": "2026-Q1", "overall": 2.0}]
