"""HTTP API on real SQLite and PostgreSQL: search, batch, compare, list status, whitelist
decisions recorded in the ledger, and continuous re-screening of stored orders."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction

from .conftest import FIXTURES


@pytest.fixture
def services(migrated_url: str, tmp_path: Path, index) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    svc = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    yield svc
    svc.close()


@pytest.fixture
def keys(services: Services) -> dict[str, str]:
    out = {}
    with transaction(services.sessions) as s:
        for name, role in [("ann", "analyst"), ("aud", "auditor"), ("svc", "service")]:
            out[name] = create_key(s, name, role)[1]
    return out


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services))


def h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_search_batch_compare(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/v1/screening/search",
        headers=h(keys["svc"]),
        json={"name": "Kim Jong Un", "type": "person", "country": "KP", "dob": "1984-01-08"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["algorithm"] == "v4" and {"us_ofac_sdn", "un_sc"} <= set(body["lists"])
    top = body["matches"][0]
    assert (top["list"], top["source_id"]) == ("us_ofac_sdn", "20157")
    assert top["entity"]["dates_of_birth"] == ["1984-01-08"]

    r = client.post(
        "/v1/screening/batch",
        headers=h(keys["svc"]),
        json={
            "queries": [
                {"id": "a", "name": "Banco Nacional de Cuba"},
                {"id": "b", "name": "Maria Gonzalez", "type": "person"},
            ],
            "top": 3,
        },
    )
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["id"] for x in res] == ["a", "b"] and res[1]["matches"] == []
    assert list(res[0]["matches"][0]) == [
        "list",
        "source_id",
        "name",
        "matched_name",
        "score",
        "explanation",
    ]

    r = client.post(
        "/v1/screening/compare",
        headers=h(keys["svc"]),
        json={"left": "Vladimir Putin", "right": "PUTIN, Vladimir", "type": "person"},
    )
    assert r.json()["match"] is True and r.json()["score"] == 1.0


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "body", "status", "where"),
    [
        ("/v1/screening/search", {"name": ""}, 422, "name"),
        ("/v1/screening/search", {"name": "x" * 5000}, 422, "name"),
        ("/v1/screening/search", {"name": "Putin", "dob": "1952-13-01"}, 422, "dob"),
        ("/v1/screening/search", {"name": "Putin", "type": "alien"}, 422, "type"),
        ("/v1/screening/search", {"name": "Putin", "lists": ["nope"]}, 422, "lists"),
        ("/v1/screening/search", {"name": "Putin", "color": "red"}, 422, "color"),
        ("/v1/screening/batch", {"queries": []}, 422, "queries"),
        ("/v1/screening/compare", {"left": "", "right": "x"}, 422, "name_a"),
    ],
)
def test_bad_requests_are_4xx(
    client: TestClient,
    keys: dict[str, str],
    path: str,
    body: dict[str, Any],
    status: int,
    where: str,
) -> None:
    r = client.post(path, json=body, headers=h(keys["svc"]))
    assert r.status_code == status, r.text
    assert r.json()["where"] == where


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_batch_answers_every_item(client: TestClient, keys: dict[str, str]) -> None:
    # The dates of the batch that used to stop at its tenth row, and items that cannot be
    # screened at all: each gets its own answer, the batch is never refused.
    items: list[dict[str, Any]] = [
        {"id": "ok", "name": "Eric Badege", "dob": "1971"},
        {"id": "short-date", "name": "Eric Badege", "dob": "1971-7-16"},
        {"id": "day-32", "name": "Eric Badege", "dob": "1974-01-32"},
        {"id": "month-13", "name": "Eric Badege", "dob": "1968-13"},
        {"id": "number", "name": 42},
        {"name": "no id"},
        {"id": "extra", "name": "Eric Badege", "colour": "red"},
    ]
    r = client.post("/v1/screening/batch", headers=h(keys["svc"]), json={"queries": items})
    assert r.status_code == 200, r.text
    body = r.json()
    res = {x["id"]: x for x in body["results"]}
    assert [x["id"] for x in body["results"]] == [
        "ok",
        "short-date",
        "day-32",
        "month-13",
        "number",
        "#5",
        "extra",
    ]
    for ident in ("ok", "short-date", "day-32", "month-13"):
        assert ("un_sc", "CDi.001") in {(m["list"], m["source_id"]) for m in res[ident]["matches"]}
    assert "warnings" not in res["ok"] and "warnings" not in res["short-date"]
    assert "day 32 does not exist" in res["day-32"]["warnings"][0]
    assert res["day-32"]["warnings"][0].startswith("queries[2].dob:")
    assert "month 13" in res["month-13"]["warnings"][0]
    assert res["number"]["error"].startswith("queries[4].name:") and res["number"]["matches"] == []
    # A control character is refused before any work (the API's input guard), naming the field.
    nul = [*items[:4], {"id": "nul", "name": "\x00"}]
    r = client.post("/v1/screening/batch", headers=h(keys["svc"]), json={"queries": nul})
    assert r.status_code == 422 and r.json()["where"] == "queries[4].name", r.text
    assert res["#5"]["error"] == "queries[5].id: a non-empty id is required"
    assert res["extra"]["error"].startswith("queries[6].colour:")
    assert body["failed"] == 3


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_auth(client: TestClient, keys: dict[str, str]) -> None:
    assert client.post("/v1/screening/search", json={"name": "x"}).status_code == 401
    r = client.post("/v1/screening/search", json={"name": "x"}, headers=h(keys["aud"]))
    assert r.status_code == 403
    assert client.get("/v1/screening/lists", headers=h(keys["aud"])).status_code == 200


def test_whitelist_decisions_are_ledgered(
    client: TestClient, keys: dict[str, str], services: Services
) -> None:
    body = {
        "party": {"name": "Banco Nacional de Cuba", "customer_id": "c-77"},
        "list": "us_ofac_sdn",
        "source_id": "306",
        "reason": "a different bank, checked",
        "expires_at": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
    }
    assert (
        client.post("/v1/screening/whitelist", json=body, headers=h(keys["svc"])).status_code == 403
    )  # service role cannot write
    r = client.post("/v1/screening/whitelist", json=body, headers=h(keys["ann"]))
    assert r.status_code == 201, r.text
    dec = r.json()
    assert dec["party_key"] == "customer:c-77" and dec["created_by"] == "ann"
    again = client.post("/v1/screening/whitelist", json=body, headers=h(keys["ann"]))
    assert again.status_code == 409
    bad = dict(body, source_id="does-not-exist")
    assert (
        client.post("/v1/screening/whitelist", json=bad, headers=h(keys["ann"])).status_code == 404
    )
    past = dict(body, expires_at="2001-01-01T00:00:00Z")
    r = client.post("/v1/screening/whitelist", json=past, headers=h(keys["ann"]))
    assert r.status_code == 422 and r.json()["where"] == "expires_at"

    from borderline.store.models import LedgerLeafRow

    with services.sessions() as s:
        kinds = [row.kind for row in s.scalars(select(LedgerLeafRow))]
    assert "screening.whitelist" in kinds
    listed = client.get("/v1/screening/whitelist", headers=h(keys["aud"])).json()
    assert [d["id"] for d in listed] == [dec["id"]]
    assert (
        client.delete(f"/v1/screening/whitelist/{dec['id']}", headers=h(keys["ann"])).status_code
        == 204
    )
    assert (
        client.delete(f"/v1/screening/whitelist/{dec['id']}", headers=h(keys["ann"])).status_code
        == 404
    )
    with services.sessions() as s:
        kinds = [row.kind for row in s.scalars(select(LedgerLeafRow))]
    assert "screening.whitelist_revoke" in kinds


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_list_update_rescreens_stored_orders(services: Services, fresh_data_dir: Path) -> None:
    from borderline.screening.service import hits_for_order, import_list
    from borderline.screening.store import ListVersionRow

    order = dict(next(iter(generate_orders(1, seed=5))))
    order = copy.deepcopy(order)
    order["parties"][0]["name"] = "Ivan Petrovich Sidorov"
    # A common Russian name: the listed date of birth is what makes it a hit (algorithm v3).
    order["parties"][0]["date_of_birth"] = "1961-03-04"
    services.assess(order)  # stored in the core orders table, clean today
    rep = import_list(FIXTURES / "ftm_sample.jsonl", list_name="sample", services=services)
    assert rep["diff"] is None  # a new list: nothing to compare with
    # Importing the same list again under a new name version changes nothing...
    # ...a changed version (one more alias) re-screens the stored parties against it.
    changed = fresh_data_dir.parent / "sample_v2.jsonl"
    text = (FIXTURES / "ftm_sample.jsonl").read_text("utf-8")
    changed.write_text(
        text.replace('"alias": ["Ivan Sidorov"]', '"alias": ["Ivan Sidorov", "I. P. Sidorov"]'),
        "utf-8",
    )
    rep = import_list(changed, format="ftm", list_name="sample", services=services)
    assert rep["diff"]["changed"] == 1 and rep["rescreen"]["new_hits"] == 1
    hits = hits_for_order(services, order["id"])
    assert [(x["list"], x["source_id"]) for x in hits] == [("sample", "NK-person-1")]
    with services.sessions() as s:
        versions = list(
            s.scalars(
                select(ListVersionRow)
                .where(ListVersionRow.list_name == "sample")
                .order_by(ListVersionRow.id)
            )
        )
    assert [v.active for v in versions] == [False, True]


def test_name_only_whitelist_stored_earlier_no_longer_clears(
    client: TestClient,
    keys: dict[str, str],
    services: Services,
    index,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    from typer.testing import CliRunner

    from borderline.cli import app as cli
    from borderline.engine.assessor import AssessContext
    from borderline.model import Order
    from borderline.screening import service as svc
    from borderline.screening.assessor import ScreeningAssessor
    from borderline.screening.store import WhitelistRow
    from borderline.screening.whitelist import party_key

    # A decision on a name alone, stored before such decisions were refused, and one keyed on
    # a customer id.
    with transaction(services.sessions) as s:
        old = WhitelistRow(
            party_key=party_key("Banco Nacional de Cuba"),
            list_name="us_ofac_sdn",
            source_id="306",
            reason="a different bank",
            created_by="analyst-2025",
            created_at=datetime(2025, 6, 1, tzinfo=UTC),
        )
        ok = WhitelistRow(
            party_key=party_key("Banco Nacional de Cuba", customer_id="c-9"),
            list_name="us_ofac_sdn",
            source_id="306",
            reason="our customer c-9, checked",
            created_by="ann",
            created_at=datetime(2026, 6, 1, tzinfo=UTC),
        )
        s.add_all([old, ok])
        s.flush()
        old_id, ok_id = old.id, ok.id
    svc.refresh_whitelist(services)

    base = dict(next(iter(generate_orders(1, seed=3))))

    def screened(customer_id: str | None) -> list[Any]:
        o = copy.deepcopy(base)
        party = {"role": "forwarder", "kind": "organization", "name": "Banco Nacional de Cuba"}
        if customer_id:
            party["customer_id"] = customer_id
        o["parties"].append(party)
        return ScreeningAssessor(index=index).assess(Order.model_validate(o), AssessContext())

    # Any other party of that name: the hit stays, and the decision says why it was not cleared.
    findings = {f.code: f for f in screened(None)}
    assert any(
        h["source_id"] == "306"
        for h in findings["screening.sanctions.us_ofac_sdn"].evidence["hits"]
    )
    warn = findings["screening.whitelist.name_only"]
    assert warn.evidence["whitelist_id"] == old_id and str(old_id) in warn.explanation
    assert "no longer clears" in warn.explanation
    # The customer the analyst decided about is still cleared, and nothing is flagged.
    findings = {f.code: f for f in screened("c-9")}
    assert "screening.whitelist.name_only" not in findings
    assert findings["screening.summary"].evidence["whitelisted"][0]["source_id"] == "306"

    # The API and the CLI list it as inactive, with the reason.
    listed = {
        d["id"]: d for d in client.get("/v1/screening/whitelist", headers=h(keys["aud"])).json()
    }
    assert (listed[old_id]["status"], listed[old_id]["active"]) == ("inactive", False)
    assert "name alone" in listed[old_id]["inactive_reason"]
    assert (listed[ok_id]["status"], listed[ok_id]["active"]) == ("active", True)
    monkeypatch.setenv("BORDERLINE_DATABASE_URL", services.settings.database_url)
    r = CliRunner().invoke(cli, ["lists", "whitelist", "--json"])
    assert r.exit_code == 0, r.output
    rows = {d["id"]: d for d in map(json.loads, r.stdout.splitlines())}
    assert rows[old_id]["status"] == "inactive" and rows[ok_id]["status"] == "active"
    assert f"({old_id})" in r.stderr and "no longer honoured" in r.stderr
    # A new decision on a name alone is refused, by the API and by the domain function.
    body = {"party": {"name": "Banco Nacional de Cuba"}, "list": "us_ofac_sdn", "source_id": "306",
            "reason": "same name"}  # fmt: skip
    r2 = client.post("/v1/screening/whitelist", json=body, headers=h(keys["ann"]))
    assert r2.status_code == 422 and r2.json()["where"] == "party"
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput):
        svc.add_whitelist(
            services,
            party_key=party_key("Banco Nacional de Cuba"),
            list_name="us_ofac_sdn",
            source_id="306",
            reason="same name",
            actor="ann",
        )
