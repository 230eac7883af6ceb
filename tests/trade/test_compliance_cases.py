"""The calls a compliance officer must be able to defend, on real cases, under the default policy.

Each row is a case from issue 21: a T-shirt to Russia is not an embargo, Crimea in Ukrainian is
Crimea, knives to the UK need an age check, the prohibited-goods gate can fire, US duties on
Chinese goods include the additional duties in force on the order's date.
"""

from __future__ import annotations

from typing import Any

import pytest

from borderline.engine import AssessContext, Engine
from borderline.model import Order
from borderline.policy import default_policy_source
from borderline.trade.assessor import TradeAssessor


def order(
    dest: str,
    items: list[dict[str, Any]],
    *,
    city: str = "Capital",
    country: str | None = None,
    currency: str = "EUR",
    incoterm: str = "DAP",
    created_at: str = "2026-03-02T10:00:00Z",
    mode: str | None = None,
    postal_code: str | None = None,
) -> Order:
    shipment: dict[str, Any] = {
        "origin_country": "CN",
        "destination_country": dest,
        "incoterm": incoterm,
    }
    if mode:
        shipment["mode"] = mode
    total = sum(float(i["unit_price"]) * i.get("quantity", 1) for i in items)
    return Order.model_validate(
        {
            "id": "case-1",
            "created_at": created_at,
            "currency": currency,
            "total": str(total),
            "parties": [
                {
                    "role": "buyer",
                    "name": "A. Buyer",
                    "address": {
                        "line1": "1 Main Street",
                        "city": city,
                        "country": country or dest,
                        **({"postal_code": postal_code} if postal_code else {}),
                    },
                }
            ],
            "items": [{"quantity": 1, **i} for i in items],
            "shipment": shipment,
        }
    )


TSHIRT = {"title": "Men's cotton crew neck T-shirt", "unit_price": "60", "hs_code": "610910"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(assessors=[TradeAssessor()], policy=default_policy_source())


def decide(engine: Engine, o: Order) -> tuple[str, set[str], list[str], dict[str, Any]]:
    d = engine.assess(o, AssessContext())
    return str(d.outcome), {f.code for f in d.findings}, [h.rule for h in d.rules], d


# (case, order, outcome, codes that must be there, codes that must not, gate or None)
CASES = [
    (
        "EUR 60 T-shirt to Russia: sectoral restrictions, not an embargo",
        order("RU", [TSHIRT], city="Moscow"),
        "approve",
        {"trade.restrictions.destination"},
        {"trade.embargo.destination"},
        None,
    ),
    (
        "a EUR 450 watch to Russia is over the luxury-goods threshold: review",
        order("RU", [{"title": "Men's automatic wrist watch", "unit_price": "450"}]),
        "review",
        {"trade.restrictions.destination"},
        {"trade.embargo.destination"},
        None,
    ),
    (
        "T-shirt to Belarus: sectoral restrictions",
        order("BY", [TSHIRT], city="Minsk"),
        "approve",
        {"trade.restrictions.destination"},
        {"trade.embargo.destination"},
        None,
    ),
    (
        "T-shirt to Syria after the US programme ended: export controls only",
        order("SY", [TSHIRT], city="Damascus"),
        "approve",
        {"trade.restrictions.destination"},
        {"trade.embargo.destination"},
        None,
    ),
    (
        "T-shirt to North Korea: comprehensive embargo",
        order("KP", [TSHIRT], city="Pyongyang"),
        "decline",
        {"trade.embargo.destination"},
        set(),
        "embargo",
    ),
    (
        "Simferopol in Ukrainian (Сімферополь): Crimea, comprehensive",
        order("UA", [TSHIRT], city="Сімферополь"),
        "decline",
        {"trade.embargo.region"},
        set(),
        "embargo",
    ),
    (
        "Kerch in Ukrainian (Керч) with a Russian-assigned postcode",
        order("RU", [TSHIRT], city="Керч", postal_code="298300"),
        "decline",
        {"trade.embargo.region"},
        set(),
        "embargo",
    ),
    (
        "Melitopol in Ukrainian (Мелітополь): partly occupied oblast, sectoral",
        order("UA", [TSHIRT], city="Мелітополь"),
        "approve",
        {"trade.restrictions.region"},
        {"trade.embargo.region"},
        None,
    ),
    (
        "night-vision monocular to Russia: dual-use to a sectoral destination is held",
        order("RU", [{"title": "Gen 3 night vision monocular", "unit_price": "900"}]),
        "hold",
        {"trade.restrictions.destination", "trade.restricted.dual_use"},
        set(),
        "sectoral_dual_use",
    ),
    (
        "fireworks to Germany: the prohibited-goods gate fires",
        order("DE", [{"title": "Consumer fireworks cake 36 shots", "unit_price": "40"}]),
        "hold",
        {"trade.restricted.dangerous_goods"},
        set(),
        "prohibited_goods",
    ),
    (
        "a GPS jammer to France: prohibited dual-use, the gate fires",
        order("FR", [{"title": "Portable GPS jammer 8 bands", "unit_price": "80"}]),
        "hold",
        {"trade.restricted.dual_use"},
        set(),
        "prohibited_goods",
    ),
]


@pytest.mark.parametrize(
    ("case", "o", "outcome", "must", "must_not", "gate"), CASES, ids=[c[0] for c in CASES]
)
def test_default_policy_on_real_cases(
    engine: Engine,
    case: str,
    o: Order,
    outcome: str,
    must: set[str],
    must_not: set[str],
    gate: str | None,
) -> None:
    got, codes, rules, d = decide(engine, o)
    assert got == outcome, (case, rules, [(r.code, r.contribution) for r in d.reasons])
    assert must <= codes, codes
    assert not (must_not & codes), codes
    if gate:
        assert gate in rules
    else:
        assert "embargo" not in rules


def test_sectoral_finding_explains_itself_and_asks_for_a_check(engine: Engine) -> None:
    _, _, _, d = decide(engine, order("RU", [TSHIRT], city="Moscow"))
    f = next(f for f in d.findings if f.code == "trade.restrictions.destination")
    assert "comprehensive" not in f.explanation
    assert f.evidence["measure"] == "sectoral and list-based restrictions"
    assert "check_sectoral_restrictions" in d.actions
    assert f.evidence["items_over"] == []


@pytest.mark.parametrize(
    ("dest", "title", "asks"),
    [
        ("GB", "Stainless steel kitchen knife 8 inch", True),
        ("GB", "Folding pocket knife with locking blade", True),
        ("GB", "Cotton kitchen apron", False),
        ("DE", "Stainless steel kitchen knife 8 inch", False),
    ],
)
def test_knives_to_the_uk_need_age_verification(
    engine: Engine, dest: str, title: str, asks: bool
) -> None:
    _, codes, _, d = decide(engine, order(dest, [{"title": title, "unit_price": "25"}]))
    assert ("trade.restricted.age_verification" in codes) is asks
    assert ("verify_age" in d.actions) is asks
    if asks:
        f = next(f for f in d.findings if f.code == "trade.restricted.age_verification")
        assert "Offensive Weapons Act 2019" in f.source


def _landed(o: Order) -> dict[str, Any]:
    found = {f.code: f for f in TradeAssessor().assess(o, AssessContext())}
    return {k: v.evidence for k, v in found.items() if k.startswith("trade.")}


def test_tshirts_china_to_us_carry_the_additional_duties_of_the_order_date() -> None:
    o = order(
        "US",
        [{**TSHIRT, "unit_price": "10", "quantity": 10}],
        currency="USD",
        incoterm="DDP",
        created_at="2026-01-20T10:00:00Z",
    )
    ev = _landed(o)["trade.landed_cost"]
    line = ev["lines"][0]
    programs = {d["program"]: d for d in line["additional_duties"]}
    # MFN 16.5% (HTSUS 6109.10.00) + Section 301 list 4A 7.5% (9903.88.15) + IEEPA 10% + 10%
    assert programs["section_301"]["chapter_99"] == "9903.88.15"
    assert programs["ieepa_fentanyl"]["rate_pct"] == 10.0
    assert programs["ieepa_reciprocal"]["chapter_99"] == "9903.01.25"
    assert ev["duty"] == pytest.approx(100 * (0.165 + 0.075 + 0.10 + 0.10))
    assert "HTSUS 2026" in line["duty_rule"]["source"]
    assert {d["dataset"] for d in ev["data"]} >= {"us-additional-duties"}


def test_the_same_tshirts_in_may_2025_paid_the_doubled_fentanyl_duty() -> None:
    o = order(
        "US",
        [{**TSHIRT, "unit_price": "10", "quantity": 10}],
        currency="USD",
        incoterm="DDP",
        created_at="2025-05-20T10:00:00Z",
    )
    ev = _landed(o)["trade.landed_cost"]
    programs = {d["program"]: d["rate_pct"] for d in ev["lines"][0]["additional_duties"]}
    assert programs["ieepa_fentanyl"] == 20.0


def test_power_bank_china_to_us_is_not_a_silent_zero() -> None:
    o = order(
        "US",
        [{"title": "Power bank 20000mAh", "unit_price": "30", "hs_code": "850760"}],
        currency="USD",
        incoterm="DDP",
        created_at="2026-01-20T10:00:00Z",
    )
    ev = _landed(o)["trade.landed_cost"]
    # MFN 3.4% + Section 301 25% (9903.91.06, from 2026-01-01) + IEEPA 10% + 10%
    assert ev["duty"] == pytest.approx(30 * (0.034 + 0.25 + 0.10 + 0.10))
    assert ev["complete"] is True


def test_a_missing_tariff_row_is_a_warning_finding_not_a_zero() -> None:
    o = order(
        "AU",
        [{"title": "Power bank 20000mAh", "unit_price": "1500", "hs_code": "850760"}],
        currency="AUD",
        incoterm="DDP",
    )
    found = _landed(o)
    assert found["trade.landed_cost"]["complete"] is False
    assert "no tariff row for HS 850760" in found["trade.landed_cost.incomplete"]["warnings"][0]


def test_a_usd_order_to_germany_is_converted_with_the_ecb_rate_of_its_date() -> None:
    o = order(
        "DE",
        [{**TSHIRT, "unit_price": "100", "quantity": 3}],
        currency="USD",
        incoterm="DDP",
        created_at="2026-10-30T10:00:00Z",
    )
    found = _landed(o)
    assert "trade.landed_cost.unavailable" not in found
    ev = found["trade.landed_cost"]
    # USD 300 at the ECB rate of 30 Oct 2026 (1 EUR = 1.1172 USD)
    assert ev["customs_value"] == pytest.approx(300 / 1.1172, abs=0.01)
    fx = next(d for d in ev["data"] if d["dataset"] == "ecb-fx")
    assert fx["published"] == "2026-10-30"


def test_a_decision_on_old_rates_says_so() -> None:
    o = order(
        "DE",
        [{**TSHIRT, "unit_price": "100", "quantity": 3}],
        currency="USD",
        incoterm="DDP",
        created_at="2026-12-01T10:00:00Z",
    )
    found = _landed(o)
    stale = found["trade.data.stale"]["stale"]
    assert any("ECB" in s and "2026-10-30" in s for s in stale)
