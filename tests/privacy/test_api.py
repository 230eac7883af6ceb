"""The /v1/privacy API end to end through FastAPI with real keys, roles and SQLite storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict, Path]]:
    data = tmp_path_factory.mktemp("data")
    svc = Services.open(Settings(data_dir=data, database_url=f"sqlite:///{data / 'b.db'}"))
    headers = {}
    with transaction(svc.sessions) as s:
        for name, role in [("ann", "analyst"), ("aud", "auditor"), ("svc", "service")]:
            # Minted with its ledger entry: `ledger verify` reports keys that have none.
            secret = create_key(s, name, role, by="test", ledger=svc.ledger)[1]
            headers[name] = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(svc)) as client:
        yield client, headers, data
    svc.close()


def test_detect_text_and_record(api):
    client, h, _ = api
    text = "Call +44 20 7946 0958 or mail a@b.co"
    r = client.post("/v1/privacy/detect", json={"text": text}, headers=h["svc"])
    assert r.status_code == 200
    assert [(e["type"], text[e["start"] : e["end"]]) for e in r.json()["entities"]] == [
        ("PHONE_NUMBER", "+44 20 7946 0958"),
        ("EMAIL_ADDRESS", "a@b.co"),
    ]
    r = client.post(
        "/v1/privacy/detect",
        json={"record": {"收货人电话": "13812345678"}, "country": "CN"},
        headers=h["svc"],
    )
    assert r.json()["entities"][0]["path"] == "收货人电话"


def test_redact_methods_and_keyring(api):
    client, h, data = api
    body = {"text": "card 4111 1111 1111 1111", "method": "mask"}
    r = client.post("/v1/privacy/redact", json=body, headers=h["svc"])
    assert r.json()["text"] == "card **** **** **** 1111"
    r = client.post("/v1/privacy/redact", json=body | {"method": "hash"}, headers=h["svc"])
    assert r.status_code == 503 and "keyring" in r.json()["message"]
    from borderline.privacy.anonymise import Keyring

    Keyring.generate().save(data / "privacy-keyring.json")
    r = client.post("/v1/privacy/redact", json=body | {"method": "hash"}, headers=h["svc"])
    assert r.json()["text"].startswith("card <CREDIT_CARD_")


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/v1/privacy/detect", {"text": "x", "record": {}}, "body"),
        ("/v1/privacy/detect", {"text": "x", "country": "ZZ"}, "country"),
        ("/v1/privacy/redact", {"text": "x", "method": "shred"}, "method"),
        (
            "/v1/privacy/transfers:assess",
            {"exporter_country": "DE", "importer_country": "US", "data_categories": ["user.nope"]},
            "data_categories[0]",
        ),
        ("/v1/privacy/transfers:assess", {"exporter_country": "DE"}, "importer_country"),
    ],
)
def test_bad_input_is_4xx_with_where(api, path, body, where):
    client, h, _ = api
    r = client.post(path, json=body, headers=h["svc"])
    assert r.status_code == 422, r.text
    assert where in r.json()["where"]


def test_transfer_assess_record_register_report(api):
    client, h, _ = api
    t = {
        "exporter_country": "CN",
        "importer_country": "DE",
        "exporter": {"name": "Shop"},
        "importer": {"name": "Acme GmbH"},
        "data_categories": ["user.contact"],
        "data_subjects": 70_000,
        "purpose": "marketing.advertising",
        "date": "2026-04-01",
    }
    r = client.post("/v1/privacy/transfers:assess", json=t, headers=h["svc"])
    assert r.status_code == 200 and r.json()["outcome"] == "allowed_with_conditions"
    assert client.post("/v1/privacy/transfers", json=t, headers=h["svc"]).status_code == 403
    first = client.post("/v1/privacy/transfers", json=t, headers=h["ann"]).json()
    second = client.post("/v1/privacy/transfers", json=t, headers=h["ann"]).json()
    assert second["regimes"][0]["volume"]["cumulative"] == 140_000
    listed = client.get("/v1/privacy/transfers", headers=h["aud"]).json()
    assert {x["id"] for x in listed} >= {first["id"], second["id"]}
    one = client.get(f"/v1/privacy/transfers/{second['id']}", headers=h["aud"]).json()
    assert one["assessment"]["outcome"] == "allowed_with_conditions"
    pdf = client.get(f"/v1/privacy/transfers/{second['id']}/report?format=pdf", headers=h["aud"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    html = client.get(f"/v1/privacy/transfers/{second['id']}/report", headers=h["aud"])
    assert "CAC Order No. 16" in html.text
    csv = client.get("/v1/privacy/transfers:export", headers=h["aud"]).text
    assert csv.splitlines()[0].startswith("id,transfer_date")
    assert client.get("/v1/privacy/transfers/nope", headers=h["aud"]).status_code == 404
    assert client.post("/v1/privacy/detect", json={"text": "x"}).status_code == 401


def test_recorded_transfers_verify_in_the_ledger(api):
    client, h, _ = api
    t = {
        "exporter_country": "DE",
        "importer_country": "CH",
        "importer": {"name": "Zürich AG"},
        "data_categories": ["user.name"],
        "date": "2026-04-01",
    }
    rid = client.post("/v1/privacy/transfers", json=t, headers=h["ann"]).json()["id"]
    services = client.app.state.services
    from borderline.privacy.store import TransferRow
    from borderline.store import transaction

    with services.sessions() as s:
        report = services.ledger.verify(s)
    assert not report.problems
    with transaction(services.sessions) as s:  # tamper with the register behind the log's back
        s.get(TransferRow, rid).outcome = "allowed_with_conditions"
    with services.sessions() as s:
        problems = services.ledger.verify(s).problems
    assert any("privacy.transfer" in p and "changed" in p for p in problems)
