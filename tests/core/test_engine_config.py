"""The engine configuration: one checked, versioned, four-eyes document for assessor settings and
the seller's profile, on real SQLite and PostgreSQL (issue 21)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.engine_config import check_config
from borderline.errors import Conflict, InvalidInput
from borderline.service import Services
from borderline.settings import Settings


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("assessors: {trade: {tariff_fil: x.csv}}\n", "assessors.trade"),
        ("assessors: {trade: {tariff_file: /no/such/file.csv}}\n", "assessors.trade"),
        ("assessors: {tradez: {}}\n", "assessors.tradez"),
        ("run: [consistency, nope]\n", "run[1]"),
        ("seller: {registrations: [IOSS, EU_VAT]}\n", "seller.registrations[1]"),
        ("seller: {fx: {base: EUR, rates: {USD: 0}}}\n", "seller.fx.rates.USD"),
        ("sellers: {}\n", "config"),
        ("assessors: [trade\n", "2:1"),
    ],
)
def test_a_bad_configuration_says_where(source: str, where: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_config(source)
    assert (exc.value.where or "").startswith(where), (exc.value.where, exc.value.message)


GOOD = """\
assessors:
  trade: {jurisdictions: [EU, GB]}
run: [consistency, lists, trade]
seller:
  registrations: [IOSS, UK_VAT]
"""


def _ddp(oid: str, dest: str, currency: str, city: str) -> dict[str, Any]:
    return {
        "id": oid,
        "created_at": "2026-03-02T10:00:00Z",
        "currency": currency,
        "total": "60",
        "parties": [
            {"role": "buyer", "name": "A. Buyer", "address": {"city": city, "country": dest}}
        ],
        "items": [
            {"title": "Cotton T-shirt", "hs_code": "610910", "quantity": 3, "unit_price": "20"}
        ],
        "shipment": {"origin_country": "CN", "destination_country": dest, "incoterm": "DDP"},
    }


def _landed(services: Services, order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    d, _ = services.assess(order)
    f = next(f for f in d.findings if f.code == "trade.landed_cost")
    return f.evidence, d.versions


def test_draft_four_eyes_activate_and_the_seller_profile_applies(services: Services) -> None:
    from borderline import assessor_config

    before, versions = _landed(services, _ddp("cfg-1", "DE", "EUR", "Berlin"))
    assert before["tax"]["collected"] == "border"  # no IOSS registration known yet
    assert "config" not in versions
    row = assessor_config.draft(services, GOOD, "alice", "our registrations")
    with pytest.raises(Conflict):
        assessor_config.activate(services, row["version"], "alice")
    # The same four eyes as policies: letter case is not a second person, nor is a key the
    # author minted for someone else.
    with pytest.raises(Conflict):
        assessor_config.activate(services, row["version"], " Alice ")
    with pytest.raises(Conflict):
        assessor_config.activate(services, row["version"], "bob", acting_for=["ALICE"])
    assessor_config.activate(services, row["version"], "bob")
    after, versions = _landed(services, _ddp("cfg-2", "DE", "EUR", "Berlin"))
    assert after["tax"]["collected"] == "point_of_sale"  # IOSS: VAT charged at checkout
    assert versions["config"] == f"assessors@{row['version']}"
    assert "assessor.screening" not in versions  # `run` chose the assessors
    uk, _ = _landed(services, _ddp("cfg-3", "GB", "GBP", "London"))
    assert not any("not registered" in w for w in uk["warnings"])
    with services.sessions() as s:
        report = services.ledger.verify(s)
    assert report.ok, report.problems


def test_start_up_refuses_an_invalid_configuration(migrated_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "engine.yaml"
    bad.write_text("assessors: {trade: {undervalued_ratio: 0.5, tariff_file: /nope.csv}}\n")
    settings = Settings(
        data_dir=tmp_path / "data", database_url=migrated_url, assessor_config=str(bad)
    )
    with pytest.raises(InvalidInput) as exc:
        Services.open(settings, run_migrations=False)
    assert (exc.value.where or "").startswith("assessors.trade")


def test_config_over_the_api(services: Services, keys: dict[str, str]) -> None:
    client = TestClient(create_app(services))

    def h(k: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[k]}"}

    bad = client.post(
        "/v1/config", json={"source": "seller: {registrations: [X]}"}, headers=h("ada")
    )
    assert bad.status_code == 422 and bad.json()["where"] == "seller.registrations[0]"
    r = client.post("/v1/config", json={"source": GOOD}, headers=h("ada"))
    assert r.status_code == 201
    v = r.json()["version"]
    same = client.post(f"/v1/config/{v}/activate", headers=h("ada"))
    assert same.status_code == 409  # the author cannot approve
    assert client.post(f"/v1/config/{v}/activate", headers=h("ann")).status_code == 403
    ok = client.post(f"/v1/config/{v}/activate", headers=h("adam"))
    assert ok.status_code == 200 and ok.json()["activated_by"] == "adam"
    active = client.get("/v1/config", headers=h("aud")).json()
    assert active["version"] == v and "UK_VAT" in active["source"]
