"""Storefront payload -> Borderline order: what is mapped, and each gap named, never guessed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from borderline.errors import InvalidInput
from borderline.intake import map_shopify, map_woocommerce
from borderline.model import Order

from .conftest import load


def gaps(mapped: Any) -> dict[str, str]:
    return {g["field"]: g["reason"] for g in mapped.gaps}


def test_shopify_fixture_maps_to_a_valid_order() -> None:
    m = map_shopify(
        load("shopify_orders_create.json"), shop="noordkust.myshopify.com", origin_setting=""
    )
    order = Order.model_validate(m.order)
    assert order.id == "shopify:noordkust.myshopify.com:5820912345678"
    assert order.created_at.isoformat() == "2026-11-30T13:12:08+00:00"
    assert str(order.total) == "184.90" and order.currency == "EUR"
    assert order.buyer.email == "lena.hoffmann@example.de"
    assert order.buyer.customer_id == "shopify:7712345678901"
    assert order.bill_to is not None and order.bill_to.country == "DE"
    assert order.ship_to is not None and order.ship_to.line2 == "Hinterhaus"
    assert order.shipment.origin_country == "NL"  # the line items' origin_location
    assert order.shipment.destination_country == "DE"
    assert order.shipment.carrier == "dhl"
    sweater, kit = order.items
    assert (sweater.hs_code, sweater.origin_country) == ("611011", "PT")
    assert (kit.hs_code, kit.origin_country) == (None, None)
    assert order.payment is not None
    assert (order.payment.method, order.payment.card_bin, order.payment.card_last4) == (
        "card",
        "411111",
        "1111",
    )
    assert order.device is not None and order.device.ip == "84.150.22.17"
    assert gaps(m) == {
        "items[1].hs_code": "no HS code recorded on the line item",
        "items[1].origin_country": "no country of origin recorded on the line item",
        "payment.card_country": "Shopify order webhooks do not carry the card's country",
    }


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    p = copy.deepcopy(payload)
    target = p
    for key in path[:-1]:
        target = target[key]
    target.pop(path[-1])
    return p


@pytest.mark.parametrize(
    ("drop", "field", "reason_part"),
    [
        (("browser_ip",), "device.ip", None),  # client_details still has it: no gap
        (("payment_details",), "payment.card_bin", None),
        (("customer",), "parties[buyer].customer_id", "guest checkout"),
        (("shipping_address",), "shipment.destination_country", "billing address country"),
    ],
)
def test_shopify_gaps_table(drop: tuple[str, ...], field: str, reason_part: str | None) -> None:
    payload = _without(load("shopify_orders_create.json"), *drop)
    m = map_shopify(payload, shop=None, origin_setting="")
    Order.model_validate(m.order)
    if reason_part is None:
        if drop == ("payment_details",):
            # No card details and shopify_payments: a card, with neither BIN nor last four.
            assert m.order["payment"]["method"] == "card"
            assert "card_bin" not in m.order["payment"]
        else:
            assert field not in gaps(m)
    else:
        assert reason_part in gaps(m)[field]


def test_no_ip_anywhere_is_a_gap() -> None:
    payload = _without(load("shopify_orders_create.json"), "browser_ip")
    payload["client_details"].pop("browser_ip")
    m = map_shopify(payload, shop=None, origin_setting="")
    assert "device.ip" in gaps(m) and "ip" not in m.order.get("device", {})


@pytest.mark.parametrize(
    ("gateway", "method", "gap"),
    [
        ("paypal", "wallet", False),
        ("Cash on Delivery (COD)", "cod", False),
        ("Bank Deposit", "bank_transfer", False),
        ("klarna", "other", True),
    ],
)
def test_shopify_gateway_to_method(gateway: str, method: str, gap: bool) -> None:
    payload = _without(load("shopify_orders_create.json"), "payment_details")
    payload["payment_gateway_names"] = [gateway]
    m = map_shopify(payload, shop=None, origin_setting="")
    assert m.order["payment"]["method"] == method
    assert ("payment.method" in gaps(m)) is gap


def test_origin_comes_from_the_setting_when_locations_disagree_or_are_missing() -> None:
    payload = load("shopify_orders_create.json")
    payload["line_items"][1]["origin_location"]["country_code"] = "BE"
    assert (
        map_shopify(payload, shop=None, origin_setting="nl").order["shipment"]["origin_country"]
        == "NL"
    )
    with pytest.raises(InvalidInput) as err:
        map_shopify(payload, shop=None, origin_setting="")
    assert err.value.where == "shopify.origin_country"
    assert "BORDERLINE_INTAKE_ORIGIN_COUNTRY" in err.value.message


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda p: p.pop("line_items"), "shopify.line_items"),
        (lambda p: p.update(id="abc"), "shopify.id"),
        (lambda p: p.update(total_price="lots"), "shopify.total_price"),
        (lambda p: p.pop("currency"), "shopify.currency"),
    ],
)
def test_shopify_bad_payloads_name_the_field(mutate: Any, where: str) -> None:
    payload = load("shopify_orders_create.json")
    mutate(payload)
    with pytest.raises(InvalidInput) as err:
        map_shopify(payload, shop=None, origin_setting="NL")
    assert err.value.where == where


def test_woocommerce_fixture_maps_to_a_valid_order() -> None:
    m = map_woocommerce(
        load("woocommerce_order_created.json"),
        source="https://teahouse.example/",
        origin_setting="GB",
    )
    order = Order.model_validate(m.order)
    assert order.id == "woocommerce:teahouse.example:7311"
    assert order.created_at.isoformat() == "2026-11-30T09:41:27+00:00"
    assert order.buyer.name == "Priya Raman" and order.bill_to.country == "GB"  # type: ignore[union-attr]
    assert order.ship_to is not None and order.ship_to.country == "IN"
    assert (order.items[0].hs_code, order.items[0].origin_country) == ("090230", "IN")
    assert order.device is not None and order.device.ip == "2a02:c7c:5f1a:2e00::17"
    assert m.payment_refs == ["pi_3QKx7fLkdIwHu7ix0a1b2c3d"]
    assert order.metadata["payment_references"] == m.payment_refs
    assert gaps(m) == {
        "parties[buyer].customer_id": "guest checkout: customer_id is 0",
        "payment.card_bin": "WooCommerce order webhooks do not carry the card BIN",
        "payment.card_country": "WooCommerce order webhooks do not carry the card's country",
    }


def test_woocommerce_empty_shipping_block_means_billing_destination() -> None:
    payload = load("woocommerce_order_created.json")
    payload["shipping"] = {k: "" for k in payload["shipping"]}
    m = map_woocommerce(payload, source=None, origin_setting="GB")
    assert m.order["shipment"]["destination_country"] == "GB"
    assert "shipment.destination_country" in gaps(m)
    assert len(m.order["parties"]) == 1
