"""The intake routes end to end: signed by the platform, 401 otherwise, idempotent."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from borderline.api.app import create_app
from borderline.intake.signatures import base64_hmac, stripe_signature
from borderline.service import Services
from borderline.store.models import DecisionRow, LabelRow, OrderRow

from .conftest import SHOPIFY_SECRET, STRIPE_SECRET, WOO_SECRET, load


def counts(services: Services) -> tuple[int, int, int]:
    with services.sessions() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (OrderRow, DecisionRow, LabelRow)
        )


def shopify_post(
    client: TestClient, payload: dict[str, Any] | bytes, secret: str = SHOPIFY_SECRET
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/v1/intake/shopify",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": base64_hmac(secret, body),
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "noordkust.myshopify.com",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        },
    )


def test_shopify_order_is_assessed_and_answered_exactly(services: Services) -> None:
    client = TestClient(create_app(services))
    r = shopify_post(client, load("shopify_orders_create.json"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"order_id", "decision_id", "outcome"}
    assert body["order_id"] == "shopify:noordkust.myshopify.com:5820912345678"
    decision = services.get_decision(body["decision_id"])
    gap = next(f for f in decision.findings if f.code == "intake.mapping.gaps")
    assert gap.evidence["gaps"]["items[1].hs_code"] == "no HS code recorded on the line item"
    assert gap.signals == {"intake.gaps": 3}


def test_the_same_webhook_twice_is_one_order_and_one_decision(services: Services) -> None:
    client = TestClient(create_app(services))
    payload = load("shopify_orders_create.json")
    first = shopify_post(client, payload).json()
    second = shopify_post(client, payload).json()
    assert first == second
    # A re-delivery with a changed field (Shopify's updated_at) is still the same order.
    payload["updated_at"] = "2026-11-30T14:20:00+01:00"
    payload["note"] = "gift wrap"
    payload["total_price"] = "184.91"
    assert shopify_post(client, payload).json() == first
    assert counts(services) == (1, 1, 0)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Shopify-Hmac-Sha256": base64_hmac("wrong-secret", b"{}")},
        {"X-Shopify-Hmac-Sha256": "not base64 at all"},
        {},
    ],
)
def test_bad_shopify_signature_is_401_and_stores_nothing(
    services: Services, headers: dict[str, str]
) -> None:
    client = TestClient(create_app(services))
    body = json.dumps(load("shopify_orders_create.json")).encode()
    r = client.post("/v1/intake/shopify", content=body, headers=headers)
    assert r.status_code == 401
    assert r.json()["where"] == "X-Shopify-Hmac-Sha256"
    assert counts(services) == (0, 0, 0)


def test_signed_with_another_secret_is_401(services: Services) -> None:
    client = TestClient(create_app(services))
    r = shopify_post(client, load("shopify_orders_create.json"), secret="someone-else")
    assert r.status_code == 401
    assert counts(services) == (0, 0, 0)


def test_no_configured_secret_refuses_everything(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_SHOPIFY_SECRET", "")
    client = TestClient(create_app(services))
    r = shopify_post(client, load("shopify_orders_create.json"), secret="")
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        (b"{not json", 422, "shopify body"),
        (b"[1, 2]", 422, "shopify body"),
        (json.dumps({"id": 1}).encode(), 422, "shopify.line_items"),
    ],
)
def test_signed_but_bad_payloads_are_4xx(
    services: Services, body: bytes, status: int, where: str
) -> None:
    client = TestClient(create_app(services))
    r = shopify_post(client, body)
    assert r.status_code == status
    assert r.json()["where"] == where


def test_bad_country_inside_a_signed_order_is_422_with_the_path(services: Services) -> None:
    payload = load("shopify_orders_create.json")
    payload["shipping_address"]["country_code"] = "XX"
    r = shopify_post(TestClient(create_app(services)), payload)
    assert r.status_code == 422
    assert "shipment.destination_country" in r.json()["where"] or "country" in r.json()["where"]


def woo_post(client: TestClient, payload: dict[str, Any], secret: str = WOO_SECRET) -> Any:
    body = json.dumps(payload).encode()
    return client.post(
        "/v1/intake/woocommerce",
        content=body,
        headers={
            "X-WC-Webhook-Signature": base64_hmac(secret, body),
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Source": "https://teahouse.example/",
        },
    )


def stripe_post(
    client: TestClient,
    payload: dict[str, Any],
    *,
    t: int | None = None,
    secret: str = STRIPE_SECRET,
) -> Any:
    body = json.dumps(payload).encode()
    ts = int(time.time()) if t is None else t
    return client.post(
        "/v1/intake/stripe",
        content=body,
        headers={"Stripe-Signature": stripe_signature(secret, body, ts)},
    )


def test_woocommerce_order_then_stripe_dispute_labels_it(services: Services) -> None:
    client = TestClient(create_app(services))
    r = woo_post(client, load("woocommerce_order_created.json"))
    assert r.status_code == 200, r.text
    order_id = r.json()["order_id"]
    assert woo_post(client, load("woocommerce_order_created.json")).json() == r.json()
    assert woo_post(client, load("woocommerce_order_created.json"), "x").status_code == 401

    created = load("stripe_charge_dispute_created.json")
    d1 = stripe_post(client, created)
    assert d1.status_code == 200, d1.text
    assert d1.json()["order_id"] == order_id
    assert (d1.json()["kind"], d1.json()["is_fraud"]) == ("chargeback", True)
    # Stripe retries: the same event is one label.
    assert stripe_post(client, created).json()["label_id"] == d1.json()["label_id"]
    closed = stripe_post(client, load("stripe_charge_dispute_closed.json")).json()
    assert (closed["kind"], closed["is_fraud"]) == ("legitimate", False)
    with services.sessions() as s:
        labels = list(s.execute(select(LabelRow.kind, LabelRow.is_fraud, LabelRow.source)))
    assert sorted(labels) == [("chargeback", True, "stripe"), ("legitimate", False, "stripe")]


@pytest.mark.parametrize(
    ("reason", "status", "etype", "expected"),
    [
        ("fraudulent", "needs_response", "charge.dispute.created", ("chargeback", True)),
        ("unrecognized", "needs_response", "charge.dispute.created", ("chargeback", True)),
        ("product_not_received", "needs_response", "charge.dispute.created", ("chargeback", False)),
        ("fraudulent", "lost", "charge.dispute.closed", ("chargeback", True)),
        ("duplicate", "won", "charge.dispute.closed", ("legitimate", False)),
        ("fraudulent", "warning_closed", "charge.dispute.closed", None),
    ],
)
def test_dispute_label_table(
    reason: str, status: str, etype: str, expected: tuple[str, bool] | None
) -> None:
    from borderline.intake import dispute_label

    event = load("stripe_charge_dispute_created.json")
    event["type"] = etype
    event["data"]["object"].update(reason=reason, status=status)
    label = dispute_label(event, "o1")
    assert (None if label is None else (label["kind"], label["is_fraud"])) == expected


def test_stripe_signature_checks(services: Services) -> None:
    client = TestClient(create_app(services))
    event = load("stripe_charge_dispute_created.json")
    old = stripe_post(client, event, t=int(time.time()) - 301)
    assert old.status_code == 401 and "tolerance" in old.json()["message"]
    assert stripe_post(client, event, secret="whsec_other").status_code == 401
    r = client.post("/v1/intake/stripe", content=b"{}")
    assert r.status_code == 401 and r.json()["where"] == "Stripe-Signature"


def test_unmatched_dispute_and_other_event_types_are_answered(services: Services) -> None:
    client = TestClient(create_app(services))
    r = stripe_post(client, load("stripe_charge_dispute_created.json"))
    assert r.status_code == 200
    assert r.json()["order_id"] is None and "unmatched" in r.json()
    other = {"id": "evt_x", "type": "charge.succeeded", "data": {"object": {}}}
    assert stripe_post(client, other).json()["handled"] is False
    assert counts(services) == (0, 0, 0)


def test_orders_posted_to_the_api_match_disputes_by_payment_reference(
    services: Services,
) -> None:
    from borderline.samples import generate_orders

    order = next(iter(generate_orders(1, seed=9)))
    order["metadata"] = {"payment_reference": "ch_3QKx7fLkdIwHu7ix0e4f5g6h"}
    services.assess(order)
    r = stripe_post(TestClient(create_app(services)), load("stripe_charge_dispute_created.json"))
    assert r.json()["order_id"] == order["id"]


def test_woocommerce_url_check_ping_is_answered_and_stores_nothing(services: Services) -> None:
    client = TestClient(create_app(services))
    r = client.post(
        "/v1/intake/woocommerce",
        content=b"webhook_id=17",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (r.status_code, r.json()) == (200, {"ping": "ok"})
    assert client.post("/v1/intake/woocommerce", content=b"webhook_id=17&x=1").status_code == 401
    assert counts(services) == (0, 0, 0)
