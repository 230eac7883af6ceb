"""The order model: a table of invalid inputs and the field path each error names."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.errors import InvalidInput
from borderline.model import Order
from borderline.samples import generate_orders
from borderline.service import parse_order, payload_hash

BASE = next(generate_orders(1, seed=3))


def mutate(path: str, value: Any) -> dict[str, Any]:
    order = copy.deepcopy(BASE)
    node: Any = order
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return order


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        ("currency", "EURO", "currency", "unknown ISO 4217"),
        ("currency", "ZZZ", "currency", "unknown ISO 4217"),
        ("shipment.destination_country", "XX", "shipment.destination_country", "unknown ISO 3166"),
        ("items.0.quantity", -2, "items[0].quantity", "greater than 0"),
        ("items.0.quantity", "many", "items[0].quantity", "valid integer"),
        ("items.0.unit_price", "-1.00", "items[0].unit_price", "greater than or equal to 0"),
        ("total", "12.3.4", "total", "decimal"),
        ("created_at", "2026-01-01T10:00:00", "created_at", "time zone"),
        ("payment.card_bin", "4111111111111111", "payment.card_bin", "pattern"),
        ("device.ip", "300.1.1.1", "device.ip", "IPv4 or IPv6"),
        ("parties.0.email", "not-an-email", "parties[0].email", "email"),
        ("parties", [], "parties", "at least 1"),
        ("shipment", KeyError, "shipment", "Field required"),
        ("id", "has spaces in it", "id", "pattern"),
        ("surprise", 1, "surprise", "Extra inputs"),
    ],
)
def test_invalid_orders_name_the_field(path: str, value: Any, where: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_order(mutate(path, value))
    assert err.value.where == where
    assert message in err.value.message


def test_an_order_needs_a_buyer_or_consignee() -> None:
    order = copy.deepcopy(BASE)
    order["parties"] = [p for p in order["parties"] if p["role"] == "seller"]
    with pytest.raises(InvalidInput, match="buyer"):
        parse_order(order)


def test_normalises_codes_and_money() -> None:
    o = parse_order(mutate("currency", " usd "))
    assert o.currency == "USD"
    assert str(o.total) == BASE["total"]
    assert o.created_at.utcoffset() is not None


def test_json_schema_is_published_and_names_every_contract_part() -> None:
    schema = Order.model_json_schema()
    defs = set(schema["$defs"])
    assert {"Party", "Address", "LineItem", "Payment", "Device", "Shipment", "DataTransfer"} <= defs
    assert "card_number" not in json.dumps(schema)


def test_payload_hash_ignores_key_order() -> None:
    reordered = dict(reversed(list(BASE.items())))
    assert payload_hash(parse_order(BASE)) == payload_hash(parse_order(reordered))


@given(
    st.dictionaries(
        st.text(max_size=10), st.one_of(st.text(max_size=10), st.integers()), max_size=6
    )
)
def test_arbitrary_objects_fail_cleanly(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_order(payload)
    assert err.value.where
