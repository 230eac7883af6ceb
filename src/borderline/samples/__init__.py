"""Seeded sample orders for the demo, the tests and ``borderline bench``.

Invented people and places in plausible shapes (no real person's data), spread over real
cross-border corridors, with a share of risky patterns: country mismatches, amount spikes,
embargoed or sanctioned destinations, blocked emails. Same seed, same orders.

Public API: ``start_background_load`` (load the samples into a fresh database in the
background), ``samples_loading`` (whether that is under way) and ``marker_path`` (the file
that says so).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.samples.loading import marker_path, samples_loading, start_background_load

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".loading": ("marker_path", "samples_loading", "start_background_load"),
    },
)

# country: (currency, cities with postal codes, given names, family names, IP prefix)
_PLACES: dict[str, tuple[str, list[tuple[str, str]], list[str], list[str]]] = {
    "US": (
        "USD",
        [("Austin", "78701"), ("Columbus", "43004"), ("Portland", "97201")],
        ["Emily", "James", "Maria", "Daniel"],
        ["Carter", "Nguyen", "Lopez", "Brooks"],
    ),
    "GB": (
        "GBP",
        [("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("Glasgow", "G2 8LU")],
        ["Oliver", "Amelia", "Harry", "Isla"],
        ["Hughes", "Patel", "Walsh", "Reid"],
    ),
    "DE": (
        "EUR",
        [("Köln", "50667"), ("Leipzig", "04109"), ("Bremen", "28195")],
        ["Lukas", "Anna", "Jonas", "Lea"],
        ["Becker", "Hoffmann", "Schulz", "Krüger"],
    ),
    "FR": (
        "EUR",
        [("Lyon", "69002"), ("Nantes", "44000"), ("Lille", "59000")],
        ["Camille", "Louis", "Chloé", "Hugo"],
        ["Moreau", "Lefèvre", "Girard", "Roux"],
    ),
    "NL": (
        "EUR",
        [("Utrecht", "3511 AB"), ("Eindhoven", "5611 AZ")],
        ["Daan", "Sanne", "Bram", "Femke"],
        ["de Vries", "Bakker", "Visser", "Smit"],
    ),
    "CN": (
        "CNY",
        [("Shenzhen", "518000"), ("Hangzhou", "310000"), ("Yiwu", "322000")],
        ["Wei", "Fang", "Lei", "Jing"],
        ["Zhang", "Chen", "Liu", "Huang"],
    ),
    "JP": (
        "JPY",
        [("Osaka", "530-0001"), ("Fukuoka", "810-0001")],
        ["Haruto", "Yui", "Sota", "Aoi"],
        ["Sato", "Suzuki", "Takahashi", "Ito"],
    ),
    "BR": (
        "BRL",
        [("Curitiba", "80010-000"), ("Recife", "50030-000")],
        ["Lucas", "Ana", "Gabriel", "Júlia"],
        ["Silva", "Souza", "Oliveira", "Costa"],
    ),
    "AU": (
        "AUD",
        [("Brisbane", "4000"), ("Perth", "6000")],
        ["Jack", "Charlotte", "Noah", "Mia"],
        ["Taylor", "Kelly", "Ryan", "Evans"],
    ),
    "IN": (
        "INR",
        [("Pune", "411001"), ("Jaipur", "302001")],
        ["Aarav", "Ananya", "Vihaan", "Diya"],
        ["Sharma", "Iyer", "Reddy", "Gupta"],
    ),
    "CA": (
        "CAD",
        [("Calgary", "T2P 1J9"), ("Halifax", "B3H 1A1")],
        ["Liam", "Olivia", "Ethan", "Emma"],
        ["Tremblay", "Roy", "Martin", "Wilson"],
    ),
    "MX": (
        "MXN",
        [("Monterrey", "64000"), ("Puebla", "72000")],
        ["Santiago", "Sofía", "Mateo", "Valentina"],
        ["Hernández", "García", "Ramírez"],
    ),
    "NG": (
        "NGN",
        [("Lagos", "100001"), ("Abuja", "900001")],
        ["Chinedu", "Ngozi", "Tunde", "Amaka"],
        ["Okafor", "Adeyemi", "Bello", "Eze"],
    ),
    "RU": (
        "RUB",
        [("Kazan", "420111"), ("Samara", "443001")],
        ["Dmitri", "Olga", "Ivan", "Elena"],
        ["Ivanov", "Smirnova", "Popov", "Volkova"],
    ),
    "IR": (
        "IRR",
        [("Tehran", "11369"), ("Isfahan", "81465")],
        ["Reza", "Maryam", "Ali", "Sara"],
        ["Ahmadi", "Hosseini", "Karimi", "Rezaei"],
    ),
}
_SELLERS = ["CN", "DE", "US", "GB", "JP", "NL", "FR"]
_BUYERS = ["US", "GB", "DE", "FR", "NL", "JP", "BR", "AU", "IN", "CA", "MX", "NG", "CN"]
_PRODUCTS = [
    ("Men's cotton t-shirt, crew neck", "Apparel > Men > T-shirts", "6109100010", 12, 0.2),
    ("Women's leather handbag", "Bags > Handbags", "4202210000", 85, 0.9),
    (
        "Bluetooth wireless earbuds with charging case",
        "Electronics > Audio",
        "8518300000",
        39,
        0.15,
    ),
    ("Stainless steel chef's knife 20 cm", "Home > Kitchen > Knives", "8211910000", 45, 0.4),
    ("Lithium-ion power bank 20000 mAh", "Electronics > Batteries", "8507600000", 29, 0.45),
    ("Organic green tea 250 g", "Food > Tea", "0902100000", 14, 0.3),
    ("Children's wooden building blocks", "Toys > Blocks", "9503004900", 25, 1.1),
    ("Eau de parfum 100 ml", "Beauty > Fragrance", "3303001000", 70, 0.35),
    ("Running shoes, rubber sole, textile upper", "Shoes > Running", "6404110000", 95, 0.8),
    ("Smartphone 128 GB", "Electronics > Phones", "8517130000", 420, 0.4),
    ("Drone with 4K camera", "Electronics > Drones", "8806220000", 650, 1.2),
    ("Silver ring 925", "Jewellery > Rings", "7113110000", 60, 0.05),
]
_CARRIERS = [
    ("DHL Express", "express"),
    ("UPS", "express"),
    ("China Post", "postal"),
    ("Royal Mail", "postal"),
    ("FedEx", "air"),
    ("Maersk", "ocean"),
]


def _ip(rng: random.Random) -> str:
    # Documentation ranges only (RFC 5737): never a real user's address.
    return f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}"


def _person(rng: random.Random, country: str, role: str, cust: str | None) -> dict[str, Any]:
    _cur, cities, given, family = _PLACES[country]
    city, postal = rng.choice(cities)
    first, last = rng.choice(given), rng.choice(family)
    return {
        "role": role,
        "kind": "person",
        "name": f"{first} {last}",
        "customer_id": cust,
        "email": f"{first}.{last}{rng.randint(1, 999)}@example.com".lower().replace(" ", ""),
        "address": {
            "line1": f"{rng.randint(1, 200)} Example Street",
            "city": city,
            "postal_code": postal,
            "country": country,
        },
    }


def generate_orders(
    n: int, seed: int = 7, start: datetime | None = None, customers: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` order payloads (dicts ready for ``Order.model_validate``)."""
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    n_customers = customers or max(10, n // 4)
    profiles = []
    for c in range(n_customers):
        home = rng.choice(_BUYERS)
        profiles.append(
            (
                f"cust-{seed}-{c:06d}",
                home,
                _person(rng, home, "buyer", None),
                rng.lognormvariate(3.8, 0.7),
            )
        )
    t = start
    for i in range(n):
        t += timedelta(seconds=rng.expovariate(1 / 90))
        cust_id, home, buyer, typical = rng.choice(profiles)
        buyer = {**buyer, "customer_id": cust_id}
        seller_c = rng.choice([c for c in _SELLERS if c != home] or _SELLERS)
        ship_c, ip_c, card_c = home, home, home
        risky = rng.random()
        if risky < 0.06:  # card from elsewhere, shipped to a third country (triangulation)
            card_c = rng.choice([c for c in _BUYERS if c != home])
            ip_c = rng.choice(_BUYERS)
        elif risky < 0.09:  # reshipping: ships abroad from the buyer's home
            ship_c = rng.choice([c for c in _BUYERS if c != home])
        elif risky < 0.095:  # an embargoed or sanctioned destination
            ship_c = rng.choice(["IR", "RU"])
        qty_scale = 8.0 if rng.random() < 0.03 else 1.0  # amount spike
        items = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            title, cat, hs, price, kg = rng.choice(_PRODUCTS)
            unit = Decimal(str(round(price * rng.uniform(0.85, 1.2) * max(1, typical / 60), 2)))
            qty = max(1, int(rng.choice([1, 1, 2, 3]) * qty_scale))
            items.append(
                {
                    "title": title,
                    "category": cat,
                    "hs_code": hs,
                    "quantity": qty,
                    "unit_price": str(unit),
                    "origin_country": seller_c,
                    "weight_kg": str(round(kg * qty, 2)),
                }
            )
        total = sum(
            (Decimal(str(it["unit_price"])) * int(str(it["quantity"])) for it in items), Decimal(0)
        )
        currency = _PLACES[home][0] if rng.random() < 0.3 else "USD"
        carrier, mode = rng.choice(_CARRIERS)
        recipient = _person(rng, ship_c, "recipient", None) if ship_c != home else None
        seller = {
            "role": "seller",
            "kind": "organization",
            "name": f"{rng.choice(['Bright', 'Nordic', 'Golden', 'Pacific'])} "
            f"{rng.choice(['Trading', 'Goods', 'Supply'])} "
            f"{rng.choice(['Ltd', 'GmbH', 'Co., Ltd.', 'LLC'])}",
            "address": {"city": _PLACES[seller_c][1][0][0], "country": seller_c},
        }
        parties = [buyer, seller] + ([recipient] if recipient else [])
        yield {
            "id": f"ord-{seed}-{i:07d}",
            "merchant_id": "demo-shop",
            "created_at": t.isoformat(),
            "currency": currency,
            "total": str(total),
            "channel": rng.choice(["web", "app", "marketplace"]),
            "parties": parties,
            "items": items,
            "payment": {
                "method": "card",
                "amount": str(total),
                "currency": currency,
                "card_bin": f"{rng.randint(400000, 559999)}",
                "card_last4": f"{rng.randint(0, 9999):04d}",
                "card_country": card_c,
                "card_fingerprint": f"fp_{cust_id}_{0 if card_c == home else i}",
            },
            "device": {"ip": _ip(rng), "ip_country": ip_c, "device_id": f"dev-{cust_id}"},
            "shipment": {
                "carrier": carrier,
                "mode": mode,
                "origin_country": seller_c,
                "destination_country": ship_c,
                "incoterm": "DDP" if rng.random() < 0.4 else "DAP",
                "declared_value": str(total),
                "declared_currency": currency,
            },
        }


__all__ = [
    "marker_path",
    "samples_loading",
    "start_background_load",
]
