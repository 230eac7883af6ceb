"""Storefront orders -> Borderline orders, with every field the storefront did not give named.

Nothing is guessed: a field the payload does not carry is left out of the order and listed in
``gaps`` (``{"field": ..., "reason": ...}``), which the ``intake`` assessor puts in the
decision's evidence. The one value an order cannot do without and a storefront does not send,
the country the goods ship from, comes from the merchant's own setting
(``BORDERLINE_INTAKE_ORIGIN_COUNTRY``) or a Shopify line item's ``origin_location``; without
either the order is refused with 422.

Field names follow the platforms' published webhook payloads: Shopify's REST ``Order``
resource (``orders/create``) and WooCommerce's REST API v3 order (``order.created``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from borderline.errors import InvalidInput

# Names a shop may give a line-item property (Shopify) or meta entry (WooCommerce) that holds
# the HS code or the country of origin. Compared case-insensitively, spaces as underscores.
HS_KEYS = ("hs_code", "harmonized_system_code", "hs", "tariff_code", "_hs_code")
ORIGIN_KEYS = ("country_of_origin", "country_code_of_origin", "origin_country", "_origin_country")

# Gateways whose name says how the buyer paid; any other leaves ``payment.method`` "other".
GATEWAY_METHODS = {
    "paypal": "wallet",
    "paypal express checkout": "wallet",
    "ppcp-gateway": "wallet",
    "cash on delivery (cod)": "cod",
    "cod": "cod",
    "bank deposit": "bank_transfer",
    "bacs": "bank_transfer",
    "stripe": "card",
    "shopify_payments": "card",
    "woocommerce_payments": "card",
}


@dataclass
class Mapped:
    order: dict[str, Any]
    gaps: list[dict[str, str]] = field(default_factory=list)
    payment_refs: list[str] = field(default_factory=list)
    external_id: str = ""


class _Gaps:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, where: str, reason: str) -> None:
        self.items.append({"field": where, "reason": reason})


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _obj(v: Any) -> dict[str, Any] | None:
    return v if isinstance(v, dict) else None


def _key(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _amount(v: Any, where: str) -> str:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"not an amount: {v!r}", where=where) from None
    if not d.is_finite():
        raise InvalidInput(f"not an amount: {v!r}", where=where)
    return str(d)


def _country(v: Any) -> str | None:
    s = _str(v)
    return s.upper() if s else None


def _need(p: dict[str, Any], key: str, platform: str) -> Any:
    v = p.get(key)
    if v in (None, "", []):
        raise InvalidInput(f"the {platform} payload has no {key}", where=f"{platform}.{key}")
    return v


def _hs(props: dict[str, str]) -> str | None:
    for k in HS_KEYS:
        if k in props:
            digits = re.sub(r"[.\s]", "", props[k])
            if digits.isdigit() and 4 <= len(digits) <= 10:
                return digits
    return None


def _origin(props: dict[str, str]) -> str | None:
    for k in ORIGIN_KEYS:
        v = props.get(k, "").strip().upper()
        if re.fullmatch(r"[A-Z]{2}", v):
            return v
    return None


def _item(
    i: int,
    title: Any,
    sku: Any,
    quantity: Any,
    price: Any,
    props: dict[str, str],
    gaps: _Gaps,
    platform: str,
    extra: dict[str, Any],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": _str(title) or f"item {i + 1}",
        "quantity": quantity,
        "unit_price": _amount(price, f"{platform}.line_items[{i}].price"),
    }
    if not _str(title):
        gaps.add(f"items[{i}].title", "the line item has no title or name")
    if _str(sku):
        item["sku"] = _str(sku)
    hs = _hs(props)
    if hs:
        item["hs_code"] = hs
    else:
        gaps.add(f"items[{i}].hs_code", "no HS code recorded on the line item")
    origin = _origin(props)
    if origin:
        item["origin_country"] = origin
    else:
        gaps.add(f"items[{i}].origin_country", "no country of origin recorded on the line item")
    item.update({k: v for k, v in extra.items() if v is not None})
    return item


def _party(
    role: str, src: dict[str, Any] | None, fallback_name: str | None, platform: str
) -> dict[str, Any] | None:
    if not src:
        return None
    first, last = _str(src.get("first_name")), _str(src.get("last_name"))
    name = _str(src.get("name")) or " ".join(p for p in (first, last) if p) or fallback_name
    company = _str(src.get("company"))
    country = _country(src.get("country_code") or src.get("country"))
    party: dict[str, Any] = {"role": role, "name": name or company or "unknown"}
    if not name and company:
        party["kind"] = "organization"
    if country:
        party["address"] = {
            k: v
            for k, v in {
                "line1": _str(src.get("address1") or src.get("address_1")),
                "line2": _str(src.get("address2") or src.get("address_2")),
                "city": _str(src.get("city")),
                "region": _str(src.get("province_code") or src.get("province") or src.get("state")),
                "postal_code": _str(src.get("zip") or src.get("postcode")),
                "country": country,
            }.items()
            if v
        }
    if _str(src.get("phone")):
        party["phone"] = _str(src.get("phone"))
    return party


def _origin_country(candidates: set[str], setting: str, platform: str) -> str:
    if len(candidates) == 1:
        return next(iter(candidates))
    if setting.strip():
        return setting.strip().upper()
    raise InvalidInput(
        "the payload does not say which country the order ships from; set "
        "BORDERLINE_INTAKE_ORIGIN_COUNTRY to the shop's shipping country",
        where=f"{platform}.origin_country",
    )


def _payment_method(gateway: str | None, has_card: bool, gaps: _Gaps) -> str:
    if has_card:
        return "card"
    method = GATEWAY_METHODS.get((gateway or "").strip().lower())
    if method is None:
        gaps.add(
            "payment.method",
            f"payment gateway {gateway!r} does not say how the buyer paid"
            if gateway
            else "no payment gateway in the payload",
        )
        return "other"
    return method


def map_shopify(p: dict[str, Any], *, shop: str | None, origin_setting: str) -> Mapped:
    """Map a Shopify ``orders/create`` payload (REST Order resource)."""
    g = _Gaps()
    ext = str(_need(p, "id", "shopify"))
    if not re.fullmatch(r"\d{1,30}", ext):
        raise InvalidInput("the Shopify order id must be a number", where="shopify.id")
    shop = (shop or "").strip().lower() or None
    if shop is not None and not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{0,250}", shop):
        raise InvalidInput("not a shop domain", where="X-Shopify-Shop-Domain")
    customer = _obj(p.get("customer")) or {}
    billing = _obj(p.get("billing_address"))
    shipping = _obj(p.get("shipping_address"))
    cust_name = " ".join(
        x for x in (_str(customer.get("first_name")), _str(customer.get("last_name"))) if x
    )
    buyer = _party("buyer", billing, cust_name or None, "shopify") or {
        "role": "buyer",
        "name": cust_name or "unknown",
    }
    if buyer["name"] == "unknown":
        g.add("parties[buyer].name", "no customer or billing name")
    if billing is None:
        g.add("parties[buyer].address", "no billing_address")
    email = _str(p.get("email")) or _str(p.get("contact_email")) or _str(customer.get("email"))
    if email:
        buyer["email"] = email
    else:
        g.add("parties[buyer].email", "no email on the order or customer")
    if customer.get("id") is not None:
        buyer["customer_id"] = f"shopify:{customer['id']}"
    else:
        g.add("parties[buyer].customer_id", "guest checkout: no customer id")
    if "phone" not in buyer and _str(p.get("phone") or customer.get("phone")):
        buyer["phone"] = _str(p.get("phone") or customer.get("phone"))
    parties = [buyer]
    recipient = _party("recipient", shipping, None, "shopify")
    if recipient is not None:
        parties.append(recipient)

    items_in = _need(p, "line_items", "shopify")
    if not isinstance(items_in, list):
        raise InvalidInput("line_items must be a list", where="shopify.line_items")
    items, origins = [], set()
    for i, li in enumerate(items_in):
        if not isinstance(li, dict):
            raise InvalidInput("a line item must be an object", where=f"shopify.line_items[{i}]")
        props = {
            _key(pr.get("name")): str(pr.get("value") or "")
            for pr in li.get("properties") or []
            if isinstance(pr, dict) and pr.get("name")
        }
        loc = _obj(li.get("origin_location")) or {}
        if _country(loc.get("country_code")):
            origins.add(str(_country(loc.get("country_code"))))
        grams = li.get("grams")
        items.append(
            _item(
                i,
                li.get("title") or li.get("name"),
                li.get("sku"),
                li.get("quantity"),
                li.get("price"),
                props,
                g,
                "shopify",
                {
                    "weight_kg": str(Decimal(str(grams)) / 1000) if grams else None,
                    "attributes": {
                        k: str(v)
                        for k, v in (
                            ("vendor", li.get("vendor")),
                            ("variant", li.get("variant_title")),
                            ("product_id", li.get("product_id")),
                        )
                        if v not in (None, "")
                    },
                },
            )
        )

    currency = _need(p, "currency", "shopify")
    total = _amount(_need(p, "total_price", "shopify"), "shopify.total_price")
    details = _obj(p.get("payment_details")) or {}
    gateways = [str(x) for x in p.get("payment_gateway_names") or [] if x]
    gateway = gateways[0] if gateways else _str(p.get("gateway"))
    bin_ = re.sub(r"\D", "", str(details.get("credit_card_bin") or ""))
    last4 = re.sub(r"\D", "", str(details.get("credit_card_number") or ""))[-4:]
    payment: dict[str, Any] = {
        "method": _payment_method(gateway, bool(bin_ or details.get("credit_card_company")), g),
        "amount": total,
        "currency": currency,
    }
    if 6 <= len(bin_) <= 8:
        payment["card_bin"] = bin_
    elif payment["method"] == "card":
        g.add("payment.card_bin", "no payment_details.credit_card_bin")
    if len(last4) == 4:
        payment["card_last4"] = last4
    if payment["method"] == "card":
        g.add("payment.card_country", "Shopify order webhooks do not carry the card's country")

    client = _obj(p.get("client_details")) or {}
    device: dict[str, Any] = {}
    ip = _str(p.get("browser_ip")) or _str(client.get("browser_ip"))
    if ip:
        device["ip"] = ip
    else:
        g.add("device.ip", "no browser_ip (orders created by staff or through an API)")
    for src, dst, limit in (
        ("user_agent", "user_agent", 1000),
        ("accept_language", "accept_language", 200),
        ("session_hash", "session_id", 200),
    ):
        value = _str(client.get(src))
        if value:
            device[dst] = value[:limit]

    dest = _country((shipping or {}).get("country_code"))
    if dest is None:
        dest = _country((billing or {}).get("country_code"))
        g.add(
            "shipment.destination_country",
            "no shipping_address; the billing address country is the destination"
            if dest
            else "no shipping or billing address",
        )
        if dest is None:
            raise InvalidInput(
                "the order has neither a shipping nor a billing country",
                where="shopify.shipping_address.country_code",
            )
    shipment: dict[str, Any] = {
        "origin_country": _origin_country(origins, origin_setting, "shopify"),
        "destination_country": dest,
    }
    lines = [s for s in p.get("shipping_lines") or [] if isinstance(s, dict)]
    if lines:
        if _str(lines[0].get("carrier_identifier")):
            shipment["carrier"] = _str(lines[0].get("carrier_identifier"))
        if _str(lines[0].get("title")):
            shipment["service"] = str(_str(lines[0].get("title")))[:100]

    order_id = f"shopify:{shop}:{ext}" if shop else f"shopify:{ext}"
    source = _str(p.get("source_name"))
    order: dict[str, Any] = {
        "id": order_id,
        "merchant_id": shop or "shopify",
        "created_at": _need(p, "created_at", "shopify"),
        "currency": currency,
        "total": total,
        "channel": f"shopify/{source}"[:50] if source else "shopify",
        "parties": parties,
        "items": items,
        "payment": payment,
        "shipment": shipment,
        "metadata": {
            "intake": {
                "platform": "shopify",
                "shop": shop,
                "external_id": ext,
                "order_name": _str(p.get("name")),
                "admin_graphql_api_id": _str(p.get("admin_graphql_api_id"))
                or f"gid://shopify/Order/{ext}",
                "gaps": g.items,
            }
        },
    }
    if device:
        order["device"] = device
    return Mapped(order=order, gaps=g.items, payment_refs=[], external_id=ext)


def _wc_meta(entries: Any) -> dict[str, str]:
    return {
        _key(m.get("key")): str(m.get("value") if m.get("value") is not None else "")
        for m in entries or []
        if isinstance(m, dict) and m.get("key") and not isinstance(m.get("value"), dict | list)
    }


def _wc_time(p: dict[str, Any]) -> str:
    gmt = _str(p.get("date_created_gmt"))
    if gmt:
        # The _gmt field is documented as GMT without an offset: say so explicitly.
        try:
            return datetime.fromisoformat(gmt).replace(tzinfo=UTC).isoformat()
        except ValueError:
            raise InvalidInput(
                "not an ISO 8601 time", where="woocommerce.date_created_gmt"
            ) from None
    raise InvalidInput(
        "the WooCommerce payload has no date_created_gmt", where="woocommerce.date_created_gmt"
    )


def map_woocommerce(p: dict[str, Any], *, source: str | None, origin_setting: str) -> Mapped:
    """Map a WooCommerce ``order.created`` payload (REST API v3 order)."""
    g = _Gaps()
    ext = str(_need(p, "id", "woocommerce"))
    if not re.fullmatch(r"\d{1,30}", ext):
        raise InvalidInput("the WooCommerce order id must be a number", where="woocommerce.id")
    host = (urlsplit(source).hostname or "") if source else ""
    host = host.lower() if re.fullmatch(r"[A-Za-z0-9.\-]{1,250}", host or "-") else ""
    billing = _obj(p.get("billing"))
    shipping = _obj(p.get("shipping"))
    if shipping is not None and not _str(shipping.get("country")):
        shipping = None  # WooCommerce sends an all-empty shipping block for no address
    buyer = _party("buyer", billing, None, "woocommerce") or {"role": "buyer", "name": "unknown"}
    if buyer["name"] == "unknown":
        g.add("parties[buyer].name", "no billing name or company")
    if billing is None or "address" not in buyer:
        g.add("parties[buyer].address", "no billing country")
    email = _str((billing or {}).get("email"))
    if email:
        buyer["email"] = email
    else:
        g.add("parties[buyer].email", "no billing email")
    cid = p.get("customer_id")
    if cid not in (None, 0, "0", ""):
        buyer["customer_id"] = f"woocommerce:{host}:{cid}" if host else f"woocommerce:{cid}"
    else:
        g.add("parties[buyer].customer_id", "guest checkout: customer_id is 0")
    parties = [buyer]
    recipient = _party("recipient", shipping, None, "woocommerce")
    if recipient is not None:
        parties.append(recipient)

    items_in = _need(p, "line_items", "woocommerce")
    if not isinstance(items_in, list):
        raise InvalidInput("line_items must be a list", where="woocommerce.line_items")
    items = []
    for i, li in enumerate(items_in):
        if not isinstance(li, dict):
            raise InvalidInput(
                "a line item must be an object", where=f"woocommerce.line_items[{i}]"
            )
        price = li.get("price")
        if price in (None, ""):
            qty = li.get("quantity") or 1
            price = Decimal(str(li.get("subtotal") or 0)) / Decimal(str(qty))
        items.append(
            _item(
                i,
                li.get("name"),
                li.get("sku"),
                li.get("quantity"),
                price,
                _wc_meta(li.get("meta_data")),
                g,
                "woocommerce",
                {
                    "attributes": {
                        k: str(v)
                        for k, v in (
                            ("product_id", li.get("product_id")),
                            ("variation_id", li.get("variation_id")),
                        )
                        if v not in (None, "", 0)
                    }
                },
            )
        )
    currency = _need(p, "currency", "woocommerce")
    total = _amount(_need(p, "total", "woocommerce"), "woocommerce.total")
    gateway = _str(p.get("payment_method"))
    payment: dict[str, Any] = {
        "method": _payment_method(gateway, False, g),
        "amount": total,
        "currency": currency,
    }
    if payment["method"] == "card":
        g.add("payment.card_bin", "WooCommerce order webhooks do not carry the card BIN")
        g.add("payment.card_country", "WooCommerce order webhooks do not carry the card's country")
    refs = [r for r in (_str(p.get("transaction_id")),) if r]
    if not refs:
        g.add("payment.reference", "no transaction_id (payment not captured yet)")
    device: dict[str, Any] = {}
    if _str(p.get("customer_ip_address")):
        device["ip"] = _str(p.get("customer_ip_address"))
    else:
        g.add("device.ip", "no customer_ip_address")
    if _str(p.get("customer_user_agent")):
        device["user_agent"] = _str(p.get("customer_user_agent"))
    dest = _country((shipping or {}).get("country"))
    if dest is None:
        dest = _country((billing or {}).get("country"))
        g.add(
            "shipment.destination_country",
            "no shipping address; the billing address country is the destination",
        )
        if dest is None:
            raise InvalidInput(
                "the order has neither a shipping nor a billing country",
                where="woocommerce.shipping.country",
            )
    shipment: dict[str, Any] = {
        "origin_country": _origin_country(set(), origin_setting, "woocommerce"),
        "destination_country": dest,
    }
    lines = [s for s in p.get("shipping_lines") or [] if isinstance(s, dict)]
    if lines and _str(lines[0].get("method_title")):
        shipment["service"] = str(_str(lines[0].get("method_title")))[:100]
    order_id = f"woocommerce:{host}:{ext}" if host else f"woocommerce:{ext}"
    order: dict[str, Any] = {
        "id": order_id,
        "merchant_id": host or "woocommerce",
        "created_at": _wc_time(p),
        "currency": currency,
        "total": total,
        "channel": "woocommerce",
        "parties": parties,
        "items": items,
        "payment": payment,
        "shipment": shipment,
        "metadata": {
            "intake": {
                "platform": "woocommerce",
                "shop": host or None,
                "external_id": ext,
                "order_name": _str(p.get("number")),
                "gaps": g.items,
            },
            "payment_references": refs,
        },
    }
    if device:
        order["device"] = device
    return Mapped(order=order, gaps=g.items, payment_refs=refs, external_id=ext)
