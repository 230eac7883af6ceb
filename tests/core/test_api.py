"""The HTTP API end to end on real SQLite and PostgreSQL: what a merchant and a risk team do."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from borderline.api.app import create_app
from borderline.service import Services
from borderline.store import transaction


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_health_needs_no_key(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_assess_replay_and_conflict(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    h = auth(keys["svc"])
    first = client.post("/v1/decisions", json=orders[0], headers=h)
    assert first.status_code == 201
    body = first.json()
    assert body["outcome"] in ("approve", "review", "hold", "decline")
    assert 0 <= body["score"] <= 100
    assert body["receipt"]["log_index"] >= 0
    assert body["versions"]["policy"] == "default@1"
    again = client.post("/v1/decisions", json=orders[0], headers=h)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.json()["decision_id"] == body["decision_id"]
    changed = copy.deepcopy(orders[0])
    changed["total"] = "1.00"
    conflict = client.post("/v1/decisions", json=changed, headers=h)
    assert conflict.status_code == 409
    assert conflict.json()["where"] == "id"
    got = client.get(f"/v1/decisions/{orders[0]['id']}", headers=auth(keys["aud"]))
    assert got.json()["decision_id"] == body["decision_id"]


@pytest.mark.parametrize(
    ("mutate", "status", "where"),
    [
        (lambda o: o.update(currency="XYZ"), 422, "currency"),
        (lambda o: o["items"][0].update(quantity=-1), 422, "items[0].quantity"),
        (
            lambda o: o["shipment"].update(destination_country="ZZ"),
            422,
            "shipment.destination_country",
        ),
        (lambda o: o.update(total="abc"), 422, "total"),
        (lambda o: o.pop("parties"), 422, "parties"),
    ],
)
def test_bad_orders_get_4xx_with_the_field(
    client: TestClient,
    keys: dict[str, str],
    orders: list[dict[str, Any]],
    mutate: Any,
    status: int,
    where: str,
) -> None:
    o = copy.deepcopy(orders[1])
    mutate(o)
    r = client.post("/v1/decisions", json=o, headers=auth(keys["svc"]))
    assert r.status_code == status
    assert r.json()["where"] == where


def test_malformed_and_oversized_bodies(client: TestClient, keys: dict[str, str]) -> None:
    h = {**auth(keys["svc"]), "content-type": "application/json"}
    r = client.post("/v1/decisions", content=b'{"id": "x",', headers=h)
    assert r.status_code == 422
    assert "malformed JSON" in r.json()["message"]
    big = b'{"id": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    r = client.post("/v1/decisions", content=big, headers=h)
    assert r.status_code == 413
    assert client.get("/health").status_code == 200  # still serving


def test_chunked_upload_is_cut_off_as_it_arrives(client: TestClient, keys: dict[str, str]) -> None:
    sent = 0

    def chunks():  # type: ignore[no-untyped-def]
        nonlocal sent
        yield b'{"id": "'
        for _ in range(40):  # 40 x 256 KiB = 10 MiB, over the 2 MB limit
            sent += 1
            yield b"a" * 262_144
        yield b'"}'

    h = {**auth(keys["svc"]), "content-type": "application/json"}
    r = client.post("/v1/decisions", content=chunks(), headers=h)
    assert r.status_code == 413, r.text
    assert "limit" in r.json()["message"]
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer bl_000000000000_forged"}, 401),
        ({"Authorization": "Bearer nonsense"}, 401),
        ({"X-API-Key": "bl_abc"}, 401),
    ],
)
def test_forged_or_missing_keys(
    client: TestClient, orders: list[dict[str, Any]], header: dict[str, str], status: int
) -> None:
    r = client.post("/v1/decisions", json=orders[0], headers=header)
    assert r.status_code == status


def test_a_key_revoked_through_the_api_stops_working_at_once(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    """The API remembers keys that authenticated (``auth.KeyCache``); revoking one through
    this process forgets it before the next request."""
    minted = client.post(
        "/v1/keys", json={"name": "shop", "role": "service"}, headers=auth(keys["ada"])
    ).json()
    assert (
        client.post("/v1/decisions", json=orders[0], headers=auth(minted["key"])).status_code == 201
    )
    # remembered now: a wrong secret under the same key id is still refused
    forged = minted["key"][:-4] + ("AAAA" if not minted["key"].endswith("AAAA") else "BBBB")
    assert client.post("/v1/decisions", json=orders[1], headers=auth(forged)).status_code == 401
    assert client.delete(f"/v1/keys/{minted['id']}", headers=auth(keys["ada"])).status_code == 204
    r = client.post("/v1/decisions", json=orders[1], headers=auth(minted["key"]))
    assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_time(
    client: TestClient,
    services: Services,
    keys: dict[str, str],
    orders: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Revoked by another process (the CLI, another worker): refused once the remembered
    principal is older than BORDERLINE_KEY_CACHE_SECONDS."""
    import borderline.auth as auth_module
    from borderline.auth import revoke_key

    clock = [1000.0]
    monkeypatch.setattr(auth_module.time, "monotonic", lambda: clock[0])
    key_id = keys["svc"].split("_")[1]
    assert client.get("/v1/decisions", headers=auth(keys["svc"])).status_code == 200
    with transaction(services.sessions) as s:  # as `borderline keys revoke` would
        revoke_key(s, key_id, by="someone")
    clock[0] += services.settings.key_cache_seconds / 2
    assert client.get("/v1/decisions", headers=auth(keys["svc"])).status_code == 200
    clock[0] += services.settings.key_cache_seconds
    r = client.get("/v1/decisions", headers=auth(keys["svc"]))
    assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_the_server_path_decides_on_the_loop_and_stores_through_the_committer(
    services: Services, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    """With its lifespan (what `borderline serve` runs) a decision is stored by the group
    committer: a new order 201 with a receipt, the same again a 200 replay, another payload
    under its id 409; nothing is lost on the way."""
    with TestClient(create_app(services)) as c:
        committer = services.decisions.committer
        assert committer is not None
        first = c.post("/v1/decisions", json=orders[3], headers=auth(keys["svc"]))
        assert first.status_code == 201, first.text
        assert first.json()["receipt"]["log_index"] >= 0
        again = c.post("/v1/decisions", json=orders[3], headers=auth(keys["svc"]))
        assert again.status_code == 200 and again.headers["idempotent-replay"] == "true"
        assert again.json()["decision_id"] == first.json()["decision_id"]
        clash = dict(orders[3], metadata={"changed": True})
        assert c.post("/v1/decisions", json=clash, headers=auth(keys["svc"])).status_code == 409
        assert committer.orders == 1
    stored = services.get_decision(orders[3]["id"])
    assert stored.decision_id == first.json()["decision_id"]


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("aud", "post", "/v1/decisions", False),
        ("aud", "get", "/v1/decisions", True),
        ("aud", "post", "/v1/lists", False),
        ("svc", "post", "/v1/lists", False),
        ("ann", "post", "/v1/lists", True),
        ("ann", "post", "/v1/policies/1/activate", False),
        ("ann", "get", "/v1/keys", False),
        ("svc", "post", "/v1/ledger/verify", False),
        ("ada", "get", "/v1/keys", True),
    ],
)
def test_roles(
    client: TestClient,
    keys: dict[str, str],
    orders: list[dict[str, Any]],
    role: str,
    method: str,
    path: str,
    allowed: bool,
) -> None:
    body: dict[str, Any] = {}
    if path == "/v1/decisions" and method == "post":
        body = orders[2]
    if path == "/v1/lists":
        body = {"list": "x", "kind": "email", "value": "a@example.com", "action": "block"}
    r = client.request(method, path, json=body or None, headers=auth(keys[role]))
    assert (r.status_code != 403) is allowed, r.text
    if not allowed:
        assert "may not" in r.json()["message"]


def test_batch_reports_each_order(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    bad = copy.deepcopy(orders[5])
    bad["currency"] = "???"
    batch = [*orders[3:5], bad, orders[3]]
    r = client.post("/v1/decisions:batch", json={"orders": batch}, headers=auth(keys["svc"]))
    assert r.status_code == 200
    res = r.json()
    assert [x["status"] for x in res["results"]] == [201, 201, 422, 409]
    assert res["results"][2]["error"]["where"] == "orders[2].currency"
    assert (res["assessed"], res["failed"]) == (2, 2)
    again = client.post(
        "/v1/decisions:batch", json={"orders": orders[3:5]}, headers=auth(keys["svc"])
    ).json()
    assert again["replayed"] == 2


def test_block_list_declines_and_removal_restores(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]], services: Services
) -> None:
    email = orders[10]["parties"][0]["email"]
    entry = client.post(
        "/v1/lists",
        json={
            "list": "chargebacks",
            "kind": "email",
            "value": email.upper(),
            "action": "block",
            "reason": "chargeback 2026-01",
        },
        headers=auth(keys["ann"]),
    )
    assert entry.status_code == 201
    assert entry.json()["value"] == email  # normalised
    dup = client.post(
        "/v1/lists",
        json={"list": "chargebacks", "kind": "email", "value": email, "action": "block"},
        headers=auth(keys["ann"]),
    )
    assert dup.status_code == 409
    d = client.post("/v1/decisions", json=orders[10], headers=auth(keys["svc"])).json()
    assert d["outcome"] == "decline"
    assert any(r["code"] == "lists.block.email" for r in d["reasons"])
    r = client.delete(f"/v1/lists/{entry.json()['id']}", headers=auth(keys["ann"]))
    assert r.status_code == 204
    services.lists.invalidate()
    d2 = client.post("/v1/decisions", json=orders[11], headers=auth(keys["svc"])).json()
    assert not any(r["code"].startswith("lists.block") for r in d2["reasons"])


def test_cidr_block(client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]) -> None:
    ip = orders[12]["device"]["ip"]
    net = ".".join(ip.split(".")[:3]) + ".0/24"
    r = client.post(
        "/v1/lists",
        json={"list": "proxies", "kind": "ip", "value": net, "action": "block"},
        headers=auth(keys["ann"]),
    )
    assert r.status_code == 201
    bad = client.post(
        "/v1/lists",
        json={"list": "proxies", "kind": "ip", "value": "10.0.0/8", "action": "block"},
        headers=auth(keys["ann"]),
    )
    assert bad.status_code == 422 and bad.json()["where"] == "value"
    d = client.post("/v1/decisions", json=orders[12], headers=auth(keys["svc"])).json()
    assert any(r["code"] == "lists.block.ip" for r in d["reasons"])


def test_policy_lifecycle(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    client.post("/v1/decisions:batch", json={"orders": orders[:40]}, headers=auth(keys["svc"]))
    src = client.get("/v1/policies/active", headers=auth(keys["ann"])).json()["source"]
    broken = client.post(
        "/v1/policies",
        json={"source": src + "\nrule x: hold when scor > 1"},
        headers=auth(keys["ann"]),
    )
    assert broken.status_code == 422
    assert broken.json()["where"].endswith(":19")
    stricter = src.replace("thresholds review 40", "thresholds review 5")
    draft = client.post(
        "/v1/policies", json={"source": stricter, "comment": "tighter"}, headers=auth(keys["ann"])
    ).json()
    assert (draft["version"], draft["status"]) == (2, "draft")
    early = client.post("/v1/policies/2/activate", headers=auth(keys["ada"]))
    assert early.status_code == 409 and "backtest" in early.json()["message"]
    bt = client.post("/v1/policies/2/backtest", headers=auth(keys["ann"])).json()
    assert bt["orders"] == 40
    assert bt["changed"] == sum(bt["transitions"].values()) > 0
    assert all(c["after"] == "review" for c in bt["changes"])
    assert all("threshold.review" in c["rules"] for c in bt["changes"])
    assert client.get("/v1/policies/2", headers=auth(keys["ann"])).json()["status"] == "tested"
    act = client.post("/v1/policies/2/activate", headers=auth(keys["ada"]))
    assert act.status_code == 200 and act.json()["status"] == "active"
    assert client.get("/v1/policies/1", headers=auth(keys["ann"])).json()["status"] == "retired"
    d = client.post("/v1/decisions", json=orders[50], headers=auth(keys["svc"])).json()
    assert d["versions"]["policy"] == "default@2"


def test_four_eyes_on_activation(client: TestClient, keys: dict[str, str]) -> None:
    src = client.get("/v1/policies/active", headers=auth(keys["ada"])).json()["source"]
    client.post("/v1/policies", json={"source": src}, headers=auth(keys["ada"]))
    client.post("/v1/policies/2/backtest", headers=auth(keys["ada"]))
    own = client.post("/v1/policies/2/activate", headers=auth(keys["ada"]))
    assert own.status_code == 409 and "four eyes" in own.json()["message"]
    assert client.post("/v1/policies/2/activate", headers=auth(keys["adam"])).status_code == 200


def test_labels(client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]) -> None:
    client.post("/v1/decisions", json=orders[20], headers=auth(keys["svc"]))
    r = client.post(
        "/v1/labels",
        json={
            "labels": [
                {
                    "order_id": orders[20]["id"],
                    "kind": "chargeback",
                    "reason": "10.4 fraud",
                    "event_at": "2026-02-01T00:00:00Z",
                }
            ]
        },
        headers=auth(keys["svc"]),
    )
    assert r.status_code == 201 and r.json()[0]["is_fraud"] is True
    unknown = client.post(
        "/v1/labels",
        json={"labels": [{"order_id": "nope", "kind": "chargeback"}]},
        headers=auth(keys["svc"]),
    )
    assert unknown.status_code == 404 and unknown.json()["where"] == "labels[0].order_id"
    wrong = client.post(
        "/v1/labels",
        json={"labels": [{"order_id": orders[20]["id"], "kind": "vibes"}]},
        headers=auth(keys["svc"]),
    )
    assert wrong.status_code == 422


def test_ledger_receipts_verify_and_tampering_is_caught(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]], services: Services
) -> None:
    from borderline.ledger import merkle, open_checkpoint

    client.post("/v1/decisions:batch", json={"orders": orders[:9]}, headers=auth(keys["svc"]))
    d = client.get(f"/v1/decisions/{orders[4]['id']}", headers=auth(keys["aud"])).json()
    proof = client.get(f"/v1/ledger/decisions/{d['decision_id']}", headers=auth(keys["aud"])).json()
    vkey = client.get("/v1/ledger/key", headers=auth(keys["aud"])).json()["verifier_key"]
    cp = open_checkpoint(proof["checkpoint"], vkey)
    assert merkle.verify_inclusion(
        proof["index"],
        proof["tree_size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["path"]],
        cp.root,
    )
    c = client.get(
        "/v1/ledger/proof/consistency", params={"old": 3}, headers=auth(keys["aud"])
    ).json()
    assert merkle.verify_consistency(
        3,
        c["new_size"],
        bytes.fromhex(c["old_root"]),
        bytes.fromhex(c["new_root"]),
        [bytes.fromhex(p) for p in c["path"]],
    )
    assert client.post("/v1/ledger/verify", headers=auth(keys["ada"])).json()["ok"]
    with transaction(services.sessions) as s:
        s.execute(text("UPDATE orders SET total = 1 WHERE id = :i"), {"i": orders[4]["id"]})
        s.execute(
            text("UPDATE decisions SET score = 0 WHERE order_id = :i"), {"i": orders[6]["id"]}
        )
    copies = client.post("/v1/ledger/verify", headers=auth(keys["ada"])).json()
    # Columns beside the committed record (orders.total, decisions.score) are re-derived from
    # the logged payload and body: editing one alone is reported too.
    assert not copies["ok"]
    assert (
        f"orders: order {orders[4]['id']}: column total differs from the logged payload"
        in (copies["problems"])
    )
    assert any("column score differs from the logged decision" in p for p in copies["problems"])
    dialect = services.db.dialect.name
    edit = (
        ("UPDATE decisions SET body = jsonb_set(body, '{score}', '99.5') WHERE order_id = :i")
        if dialect == "postgresql"
        else ("UPDATE decisions SET body = json_set(body, '$.score', 99.5) WHERE order_id = :i")
    )
    with transaction(services.sessions) as s:
        s.execute(text(edit), {"i": orders[6]["id"]})
    report = client.post("/v1/ledger/verify", headers=auth(keys["ada"])).json()
    assert not report["ok"]
    assert any("changed after it was logged" in p for p in report["problems"])


def test_openapi_and_schema(client: TestClient, keys: dict[str, str]) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=auth(keys["aud"])).status_code == 200, path
    spec = client.get("/openapi.json", headers=auth(keys["aud"])).json()
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert spec["security"] == [{"bearer": []}, {"apiKey": []}]
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert "/v1/decisions" in spec["paths"] and "/v1/decisions:batch" in spec["paths"]
    schema = client.get("/v1/schema/order", headers=auth(keys["aud"])).json()
    assert schema["title"] == "Order"
