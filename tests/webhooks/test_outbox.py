"""The outbox and its dispatcher against real SQLite and PostgreSQL and a real HTTP receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from borderline.api.app import create_app
from borderline.cases import service as cases
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.store import transaction
from borderline.webhooks import (
    DispatchConfig,
    create_endpoint,
    deliver_due,
    get_delivery,
    list_deliveries,
    resend,
    verify,
)
from borderline.webhooks.dispatcher import backoff_delay
from borderline.webhooks.tables import DeliveryRow, EventRow

FAST = DispatchConfig(max_attempts=3, backoff_seconds=10, timeout_seconds=5, poll_seconds=0.1)


def _orders(n: int, seed: int = 3) -> list[dict[str, Any]]:
    return list(generate_orders(n, seed=seed))


def _count(services: Services, table: Any) -> int:
    with services.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_register_through_the_api_returns_id_and_secret(services: Services, admin_key: str) -> None:
    client = TestClient(create_app(services))
    auth = {"Authorization": f"Bearer {admin_key}"}
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://hooks.example/x", "events": ["decision.created"]},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"].startswith("wh_") and body["secret"].startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=auth).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"url": "ftp://x.example/", "events": ["decision.created"]}, "url"),
        ({"url": "https://x.example/", "events": ["decision.made"]}, "events[0]"),
        ({"url": "https://u:p@x.example/", "events": ["case.closed"]}, "url"),
        ({"url": "https://x.example/", "events": []}, "events"),
    ],
)
def test_bad_registrations_are_422_with_where(
    services: Services, admin_key: str, payload: dict[str, Any], where: str
) -> None:
    client = TestClient(create_app(services))
    r = client.post("/v1/webhooks", json=payload, headers={"Authorization": f"Bearer {admin_key}"})
    assert r.status_code == 422
    assert r.json()["where"] == where


def test_only_admins_register(services: Services) -> None:
    from borderline.auth import create_key

    with transaction(services.sessions) as s:
        analyst = create_key(s, "ann", "analyst")[1]
    client = TestClient(create_app(services))
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://x.example/", "events": ["decision.created"]},
        headers={"Authorization": f"Bearer {analyst}"},
    )
    assert r.status_code == 403
    assert client.post("/v1/webhooks", json={}).status_code == 401


def test_a_decision_writes_one_event_per_subscribed_type(services: Services) -> None:
    create_endpoint(
        services.sessions,
        services.ledger,
        url="https://a.example/",
        events=["decision.created"],
        actor="ada",
    )
    create_endpoint(
        services.sessions,
        services.ledger,
        url="https://b.example/",
        events=["case.closed"],
        actor="ada",
    )
    decision, _ = services.assess(_orders(1)[0])
    with services.sessions() as s:
        events = list(s.scalars(select(EventRow)))
        deliveries = list(s.scalars(select(DeliveryRow)))
    assert [e.type for e in events] == ["decision.created"]
    assert events[0].payload["data"]["decision_id"] == decision.decision_id
    assert events[0].payload["data"]["receipt"]["log_index"] == decision.receipt.log_index  # type: ignore[union-attr]
    assert len(deliveries) == 1 and deliveries[0].status == "pending"


def test_no_endpoint_means_no_outbox_rows(services: Services) -> None:
    services.assess(_orders(1)[0])
    assert _count(services, EventRow) == 0


def test_a_rolled_back_decision_leaves_no_event(services: Services) -> None:
    """The event row is in the decision's transaction: no decision, no event (nothing invented)."""
    create_endpoint(
        services.sessions,
        services.ledger,
        url="https://a.example/",
        events=["decision.created"],
        actor="ada",
    )
    order = _orders(1)[0]
    with pytest.raises(RuntimeError), transaction(services.sessions) as s:
        services.decisions.assess_in(s, _order(order), services.engine_for(s))
        assert s.scalar(select(func.count()).select_from(EventRow)) == 1  # written in it
        raise RuntimeError("crash before commit")
    assert _count(services, EventRow) == 0
    assert _count(services, DeliveryRow) == 0


def _order(payload: dict[str, Any]) -> Any:
    from borderline.model import Order

    return Order.model_validate(payload)


def test_delivery_is_signed_and_verifies(services: Services, receiver: Any) -> None:
    ep = create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=["decision.created"],
        actor="ada",
    )
    decision, _ = services.assess(_orders(1)[0])
    report = deliver_due(services.sessions, FAST)
    assert report.delivered == 1
    (got,) = receiver.received
    assert got.headers["Borderline-Event"] == "decision.created"
    assert verify(ep["secret"], got.body, got.headers["Borderline-Signature"])
    assert got.json["type"] == "decision.created"
    assert got.json["data"]["decision_id"] == decision.decision_id
    # Delivered means done: another round sends nothing.
    assert deliver_due(services.sessions, FAST).claimed == 0


def test_failures_back_off_then_give_up_and_resend_delivers(
    services: Services, receiver: Any
) -> None:
    create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=["decision.created"],
        actor="ada",
    )
    services.assess(_orders(1)[0])
    receiver.statuses.extend([500, 503, 404])
    now = datetime.now(UTC)
    r1 = deliver_due(services.sessions, FAST, now=now, rng=lambda: 0.5)
    assert (r1.claimed, r1.retrying) == (1, 1)
    # Not due again before its back-off (10 s after the first failure).
    assert deliver_due(services.sessions, FAST, now=now + timedelta(seconds=5)).claimed == 0
    r2 = deliver_due(services.sessions, FAST, now=now + timedelta(seconds=60), rng=lambda: 0.5)
    assert r2.retrying == 1
    r3 = deliver_due(services.sessions, FAST, now=now + timedelta(seconds=600))
    assert r3.failed == 1  # third attempt of three: give up
    (d,) = list_deliveries(services.sessions)
    assert d["status"] == "failed" and d["attempts"] == 3 and d["last_status"] == 404
    log = get_delivery(services.sessions, d["id"])["log"]
    assert [a["status_code"] for a in log] == [500, 503, 404]
    resend(services.sessions, d["id"], "ada")
    assert deliver_due(services.sessions, FAST).delivered == 1
    assert len(receiver.received) == 4
    assert get_delivery(services.sessions, d["id"])["log"][-1]["status_code"] == 200


def test_an_unreachable_endpoint_is_an_attempt_not_a_crash(services: Services) -> None:
    create_endpoint(
        services.sessions,
        services.ledger,
        url="http://127.0.0.1:9/nothing-listens",
        events=["decision.created"],
        actor="ada",
    )
    services.assess(_orders(1)[0])
    report = deliver_due(services.sessions, FAST)
    assert report.retrying == 1
    (d,) = list_deliveries(services.sessions)
    assert d["last_status"] is None and "ConnectError" in d["last_error"]


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 9.0, 11.0), (2, 18.0, 22.0), (5, 144.0, 176.0), (30, 19440.0, 23760.0)],
)
def test_backoff_doubles_with_jitter_and_a_cap(attempts: int, low: float, high: float) -> None:
    for r in (0.0, 0.5, 0.999):
        assert low <= backoff_delay(attempts, 10, rng=lambda r=r: r) <= high


def test_case_policy_and_list_events(services: Services, receiver: Any) -> None:
    ep = create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=[
            "case.created",
            "case.closed",
            "decision.changed",
            "list.updated",
            "policy.activated",
        ],
        actor="ada",
    )
    d1, _ = services.assess(_orders(1, seed=5)[0])
    case_id = cases.open_case(services, [d1.decision_id], "ann")
    cases.disposition(services, case_id, "confirmed_fraud", "ann", expected_version=1)
    services.add_list_entry(
        list_name="blocked",
        kind="email",
        value="x@bad.example",
        action="block",
        reason=None,
        actor="ann",
    )
    draft = services.create_policy(services.get_policy()["source"], "ann")
    services.backtest(draft["version"])
    services.activate_policy(draft["version"], "ada")
    deliver_due(services.sessions, FAST)
    got = {r.headers["Borderline-Event"]: r.json for r in receiver.received}
    assert sorted(got) == sorted(
        ["case.created", "case.closed", "decision.changed", "list.updated", "policy.activated"]
    )
    assert got["case.created"]["data"]["case_id"] == case_id
    assert got["decision.changed"]["data"] == {
        **got["decision.changed"]["data"],
        "decision_id": d1.decision_id,
        "review_outcome": "confirmed_fraud",
        "is_fraud": True,
    }
    assert got["list.updated"]["data"]["entry"]["value"] == "x@bad.example"
    assert got["policy.activated"]["data"]["version"] == draft["version"]
    for r in receiver.received:
        assert verify(ep["secret"], r.body, r.headers["Borderline-Signature"])


def test_disabled_endpoint_gets_nothing(services: Services, receiver: Any) -> None:
    from borderline.webhooks import disable_endpoint

    ep = create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=["decision.created"],
        actor="ada",
    )
    disable_endpoint(services.sessions, services.ledger, ep["id"], "ada")
    services.assess(_orders(1)[0])
    assert deliver_due(services.sessions, FAST).claimed == 0
    assert receiver.received == []


def test_rescreening_hits_and_sanctions_list_versions_are_events(
    services: Services, receiver: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from borderline.screening import service as screening_service

    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(services.settings.data_dir))
    create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=["screening.hit", "list.updated"],
        actor="ada",
    )
    order = _orders(1, seed=8)[0]
    order["parties"][0]["name"] = "Ysolde Samplewright"
    services.assess(order)

    def ftm(name: str, people: dict[str, str]) -> Any:
        path = tmp_path / name
        path.write_text(
            "".join(
                json.dumps({"id": k, "schema": "Person", "properties": {"name": [v]}}) + "\n"
                for k, v in people.items()
            )
        )
        return path

    for path in (
        ftm("v1.jsonl", {"p1": "Ordo Testvalue"}),
        ftm("v2.jsonl", {"p1": "Ordo Testvalue", "p3": "Ysolde Samplewright"}),
    ):
        screening_service.import_list(
            path,
            format="ftm",
            list_name="demo_watch",
            rescreen=True,
            actor="bob",
            services=services,
        )
    deliver_due(services.sessions, FAST)
    by_type: dict[str, list[Any]] = {}
    for r in receiver.received:
        by_type.setdefault(r.headers["Borderline-Event"], []).append(r.json["data"])
    assert [d["change"] for d in by_type["list.updated"]] == ["sanctions_version"] * 2
    (hit,) = by_type["screening.hit"]
    assert hit["source"] == "rescreen"
    assert (hit["order_id"], hit["list"], hit["source_id"]) == (order["id"], "demo_watch", "p3")


def test_prune_deletes_only_old_finished_events(services: Services, receiver: Any) -> None:
    from sqlalchemy import update

    from borderline.webhooks import prune

    create_endpoint(
        services.sessions,
        services.ledger,
        url=receiver.url,
        events=["decision.created"],
        actor="ada",
    )
    for order in _orders(3, seed=12):
        services.assess(order)
    receiver.statuses.extend([200, 500, 200])  # one stays pending (retrying)
    deliver_due(services.sessions, FAST)
    old = datetime.now(UTC) - timedelta(days=40)
    with transaction(services.sessions) as s:
        s.execute(update(EventRow).values(created_at=old))
    with pytest.raises(Exception, match="at least one day"):
        prune(services.sessions, 0)
    assert prune(services.sessions, 30) == {"events": 2, "deliveries": 2, "attempts": 2}
    (left,) = list_deliveries(services.sessions)
    assert left["status"] == "pending"
    assert prune(services.sessions, 30)["events"] == 0
