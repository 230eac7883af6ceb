"""Landed cost: golden cases worked out by hand, tariff-file errors, bad requests.

Each golden case's arithmetic is in its comment; amounts in the destination currency."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.errors import DataFileError, InvalidInput
from borderline.trade.landed import LandedCostRequest, TariffSchedule, landed_cost, tax_rate
from borderline.trade.tariff import TariffRow


def tshirts(qty: int, price: float) -> list[dict[str, Any]]:
    return [{"hs": "6109100010", "quantity": qty, "unit_price": price}]


def run(req: dict[str, Any], schedule: TariffSchedule | None = None) -> dict[str, Any]:
    return landed_cost(LandedCostRequest.from_dict(req), schedule).to_dict()


GOLDEN = [
    # DE, EUR 200 of cotton T-shirts + EUR 15 freight, DAP, above EUR 150: CIF 215;
    # duty 12% x 215 = 25.80; VAT 19% x (215 + 25.80) = 45.752; total 286.552.
    (
        {
            "destination": "DE",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 15,
            "items": tshirts(10, 20),
        },
        {
            "customs_value": 215.0,
            "duty": 25.8,
            "tax": 45.75,
            "collected": "border",
            "total_landed_cost": 286.55,
            "payable_by_buyer_on_delivery": 71.55,
        },
    ),
    # DE, EUR 60 + 8 freight, seller in IOSS, DDP: intrinsic 60 <= 150 so no duty; VAT at
    # checkout 19% x 68 = 12.92; nothing at the border.
    (
        {
            "destination": "DE",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "EUR",
            "incoterm": "DDP",
            "shipping": 8,
            "items": tshirts(3, 20),
            "seller_registrations": ["IOSS"],
        },
        {
            "customs_value": 68.0,
            "duty": 0.0,
            "tax": 12.92,
            "collected": "point_of_sale",
            "total_landed_cost": 80.92,
            "payable_at_border": 0.0,
        },
    ),
    # Same without IOSS: import VAT at the border on CIF 68 = 12.92, buyer pays on delivery.
    (
        {
            "destination": "DE",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 8,
            "items": tshirts(3, 20),
        },
        {"duty": 0.0, "tax": 12.92, "collected": "border", "payable_by_buyer_on_delivery": 12.92},
    ),
    # DE before 1 Jul 2021: EUR 20 of goods was under the EUR 22 VAT exemption (no tax at all).
    (
        {
            "destination": "DE",
            "date": "2021-06-15",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 5,
            "items": tshirts(1, 20),
        },
        {"duty": 0.0, "tax": 0.0, "collected": "none", "total_landed_cost": 25.0},
    ),
    # ...and from 1 Jul 2021 the same parcel pays VAT: 19% x 25 = 4.75.
    (
        {
            "destination": "DE",
            "date": "2021-07-01",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 5,
            "items": tshirts(1, 20),
        },
        {"duty": 0.0, "tax": 4.75, "collected": "border"},
    ),
    # US after 29 Aug 2025: no de minimis for anyone; FOB value 100 (freight excluded);
    # duty on Chinese cotton T-shirts: MFN 16.5% + Section 301 list 4A 7.5% (9903.88.15) + IEEPA
    # fentanyl 20% (9903.01.24, 2025-04-09..2025-11-14) + reciprocal 10% (9903.01.25) = 54%;
    # no federal VAT.
    (
        {
            "destination": "US",
            "date": "2025-09-15",
            "origin": "CN",
            "currency": "USD",
            "shipping": 20,
            "items": tshirts(5, 20),
        },
        {"customs_value": 100.0, "duty": 54.0, "tax": 0.0, "total_landed_cost": 174.0},
    ),
    # US 1 Mar 2025: USD 100 under the USD 800 de minimis, even from China (ended 2 May 2025).
    (
        {
            "destination": "US",
            "date": "2025-03-01",
            "origin": "CN",
            "currency": "USD",
            "shipping": 20,
            "items": tshirts(5, 20),
        },
        {"duty": 0.0, "total_landed_cost": 120.0},
    ),
    # US 1 Jun 2025: de minimis already gone for Chinese goods (the same 54%)...
    (
        {
            "destination": "US",
            "date": "2025-06-01",
            "origin": "CN",
            "currency": "USD",
            "items": tshirts(5, 20),
        },
        {"duty": 54.0},
    ),
    # ...but still there for Vietnamese goods until 29 Aug 2025.
    (
        {
            "destination": "US",
            "date": "2025-06-01",
            "origin": "VN",
            "currency": "USD",
            "items": tshirts(5, 20),
        },
        {"duty": 0.0},
    ),
    # GB GBP 100 + 10 freight, seller UK-VAT registered: <= GBP 135 so no duty, 20% VAT at
    # checkout on 110 = 22.00.
    (
        {
            "destination": "GB",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "GBP",
            "shipping": 10,
            "items": tshirts(5, 20),
            "seller_registrations": ["UK_VAT"],
        },
        {"duty": 0.0, "tax": 22.0, "collected": "point_of_sale", "total_landed_cost": 132.0},
    ),
    # GB GBP 200 + 10: CIF 210; duty 12% = 25.20; VAT 20% x 235.20 = 47.04; total 282.24.
    (
        {
            "destination": "GB",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "GBP",
            "shipping": 10,
            "items": tshirts(10, 20),
        },
        {"customs_value": 210.0, "duty": 25.2, "tax": 47.04, "total_landed_cost": 282.24},
    ),
    # AU AUD 1,500 + 50 freight: FOB 1,500 > 1,000; duty 5% = 75; GST 10% x (1500 + 75 + 50)
    # = 162.50; total 1,787.50.
    (
        {
            "destination": "AU",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "AUD",
            "shipping": 50,
            "items": tshirts(75, 20),
        },
        {"customs_value": 1500.0, "duty": 75.0, "tax": 162.5, "total_landed_cost": 1787.5},
    ),
    # AU AUD 200 + 20, vendor GST-registered: low value goods, 10% GST at checkout on 220.
    (
        {
            "destination": "AU",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "AUD",
            "shipping": 20,
            "items": tshirts(10, 20),
            "seller_registrations": ["AU_GST"],
        },
        {"duty": 0.0, "tax": 22.0, "collected": "point_of_sale"},
    ),
    # CH CHF 40 + 10: industrial goods duty-free since 2024; VAT 8.1% x 50 = 4.05 <= CHF 5 waived.
    (
        {
            "destination": "CH",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "CHF",
            "shipping": 10,
            "items": tshirts(2, 20),
        },
        {"duty": 0.0, "tax": 0.0, "collected": "none", "total_landed_cost": 50.0},
    ),
    # CH CHF 200 + 10: VAT 8.1% x 210 = 17.01.
    (
        {
            "destination": "CH",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "CHF",
            "shipping": 10,
            "items": tshirts(10, 20),
        },
        {"duty": 0.0, "tax": 17.01, "collected": "border"},
    ),
    # CH in 2023 at the old 7.7% rate: 7.7% x 210 = 16.17.
    (
        {
            "destination": "CH",
            "date": "2023-06-01",
            "origin": "CN",
            "currency": "CHF",
            "shipping": 10,
            "items": [{"hs": "851713", "quantity": 1, "unit_price": 200}],
        },
        {"tax": 16.17},
    ),
    # FX: USD 250 + USD 20 to DE at 1 USD = 0.9 EUR: goods 225, CIF 243; duty 12% = 29.16;
    # VAT 19% x 272.16 = 51.7104; total 323.8704.
    (
        {
            "destination": "DE",
            "date": "2026-01-15",
            "origin": "US",
            "currency": "USD",
            "shipping": 20,
            "items": tshirts(10, 25),
            "fx": {"base": "EUR", "rates": {"USD": 0.9}},
        },
        {"customs_value": 243.0, "duty": 29.16, "tax": 51.71, "total_landed_cost": 323.87},
    ),
    # Specific duty: US wine (HTS 2204.21.50) 9 litres x USD 0.063/l = 0.567; the EU's 15%
    # all-in reciprocal ceiling cannot be applied to a specific rate: a warning, not a guess.
    (
        {
            "destination": "US",
            "date": "2026-01-15",
            "origin": "FR",
            "currency": "USD",
            "items": [{"hs": "22042150", "quantity": 12, "unit_price": 15, "volume_l": 9}],
        },
        {"duty": 0.57, "total_landed_cost": 180.57},
    ),
    # Excise goods get no EUR 150 duty relief: perfume (3303) is free anyway, VAT 19% x 55 = 10.45.
    (
        {
            "destination": "FR",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 5,
            "items": [{"hs": "330300", "quantity": 1, "unit_price": 50}],
        },
        {"duty": 0.0, "tax": 11.0, "collected": "border"},
    ),
    # Fees: a EUR 6 taxable broker fee to DE on EUR 60: VAT 19% x (60 + 6) = 12.54, fees 6.
    (
        {
            "destination": "DE",
            "date": "2026-01-15",
            "origin": "CN",
            "currency": "EUR",
            "items": tshirts(3, 20),
            "fees": [{"name": "broker", "amount": 6, "taxable": True}],
        },
        {"fees": 6.0, "tax": 12.54, "total_landed_cost": 78.54},
    ),
    # EU from 1 Jul 2026: the interim EUR 3 flat duty per distinct subheading on low-value
    # IOSS consignments (the Council's own example: one silk blouse and two woollen blouses
    # are two subheadings, EUR 6). DE, DDP: goods 40 + 2 x 30 = 100, freight 5; duty 2 x 3 = 6;
    # VAT at checkout 19% x 105 = 19.95; total 100 + 5 + 6 + 19.95 = 130.95; at the border
    # only the duty, paid by the seller.
    (
        {
            "destination": "DE",
            "date": "2026-08-03",
            "origin": "CN",
            "currency": "EUR",
            "incoterm": "DDP",
            "shipping": 5,
            "items": [
                {"hs": "620610", "quantity": 1, "unit_price": 40},
                {"hs": "620620", "quantity": 2, "unit_price": 30},
            ],
            "seller_registrations": ["IOSS"],
        },
        {
            "duty": 6.0,
            "tax": 19.95,
            "collected": "point_of_sale",
            "total_landed_cost": 130.95,
            "payable_at_border": 6.0,
            "payable_by_buyer_on_delivery": 0.0,
        },
    ),
    # The IOSS T-shirt parcel above, on the first day of the flat duty: one subheading, EUR 3;
    # total 60 + 8 + 3 + 12.92 = 83.92. The day before it was 80.92 (no duty).
    (
        {
            "destination": "DE",
            "date": "2026-07-01",
            "origin": "CN",
            "currency": "EUR",
            "incoterm": "DDP",
            "shipping": 8,
            "items": tshirts(3, 20),
            "seller_registrations": ["IOSS"],
        },
        {"duty": 3.0, "tax": 12.92, "collected": "point_of_sale", "total_landed_cost": 83.92},
    ),
    (
        {
            "destination": "DE",
            "date": "2026-06-30",
            "origin": "CN",
            "currency": "EUR",
            "incoterm": "DDP",
            "shipping": 8,
            "items": tshirts(3, 20),
            "seller_registrations": ["IOSS"],
        },
        {"duty": 0.0, "total_landed_cost": 80.92},
    ),
    # One subheading on two lines pays EUR 3 once. FR, goods 20 + 2 x 10 = 40, no freight;
    # duty 3; VAT at checkout 20% x 40 = 8; total 40 + 3 + 8 = 51.
    (
        {
            "destination": "FR",
            "date": "2026-09-01",
            "origin": "CN",
            "currency": "EUR",
            "incoterm": "DDP",
            "items": tshirts(1, 20) + tshirts(2, 10),
            "seller_registrations": ["IOSS"],
        },
        {"duty": 3.0, "tax": 8.0, "collected": "point_of_sale", "total_landed_cost": 51.0},
    ),
]


@pytest.mark.parametrize(("req", "expected"), GOLDEN)
def test_golden(req: dict[str, Any], expected: dict[str, Any]) -> None:
    out = run(req)
    got = {
        k: (
            out["tax"]["amount"]
            if k == "tax"
            else out["tax"]["collected"]
            if k == "collected"
            else out[k]
        )
        for k in expected
    }
    assert got == expected, out


def test_rules_cite_sources() -> None:
    out = run(GOLDEN[0][0])
    assert any("2017/2455" in (r["source"] or "") for r in out["rules"])
    assert out["lines"][0]["duty_rule"]["source"].startswith("EU TARIC")


def test_missing_tariff_row_is_a_warning_not_a_guess() -> None:
    out = run(
        {
            "destination": "DE",
            "date": "2026-01-15",
            "currency": "EUR",
            "items": [{"hs": "030617", "quantity": 1, "unit_price": 500}],
        }
    )
    assert out["duty"] == 0.0
    assert out["warnings"] and "no tariff row" in out["warnings"][0]


def _schedule(tmp_path: Path, rows: str) -> Path:
    p = tmp_path / "tariff.csv"
    p.write_text(
        "destination,hs,duty_type,ad_valorem_pct,specific_amount,specific_unit,min_amount,max_amount,currency,effective_from,effective_to,source\n"
        + rows,
        encoding="utf-8",
    )
    return p


def test_compound_min_max_per_kg(tmp_path: Path) -> None:
    sched = TariffSchedule.load(
        _schedule(
            tmp_path,
            "GB,6403,compound,4,1.50,pair,,,GBP,2021-01-01,,test\n"
            "GB,0409,specific,,2.00,kg,5,,GBP,2021-01-01,,test\n"
            "GB,7113,ad_valorem,10,,,,20,GBP,2021-01-01,,test\n"
            "GB,7113,ad_valorem,50,,,,,GBP,2000-01-01,2020-12-31,old\n",
        )
    )
    base = {"destination": "GB", "date": "2026-01-15", "currency": "GBP"}
    # compound: 4% x 400 + 1.50 x 10 pairs = 16 + 15 = 31
    out = run({**base, "items": [{"hs": "640359", "quantity": 10, "unit_price": 40}]}, sched)
    assert out["duty"] == 31.0
    # specific per kg with a minimum: 2.00 x 1.2 kg = 2.40, raised to the minimum 5
    out = run(
        {**base, "items": [{"hs": "040900", "quantity": 4, "unit_price": 40, "weight_kg": 1.2}]},
        sched,
    )
    assert out["duty"] == 5.0
    # ad valorem with a maximum: 10% x 1000 = 100, capped at 20; the older 50% row is not in force
    out = run({**base, "items": [{"hs": "711311", "quantity": 1, "unit_price": 1000}]}, sched)
    assert out["duty"] == 20.0
    out = run(
        {
            **base,
            "date": "2019-01-01",
            "items": [{"hs": "711311", "quantity": 1, "unit_price": 1000}],
        },
        sched,
    )
    assert out["duty"] == 500.0
    with pytest.raises(InvalidInput) as e:
        run({**base, "items": [{"hs": "040900", "quantity": 4, "unit_price": 40}]}, sched)
    assert e.value.where == "items[0].weight_kg"


@pytest.mark.parametrize(
    ("row", "where_suffix"),
    [
        ("ZZ,6109,ad_valorem,12,,,,,EUR,2022-01-01,,x\n", ":destination"),
        ("EU,61a9,ad_valorem,12,,,,,EUR,2022-01-01,,x\n", ":hs"),
        ("EU,6109,percent,12,,,,,EUR,2022-01-01,,x\n", ":duty_type"),
        ("EU,6109,ad_valorem,,,,,,EUR,2022-01-01,,x\n", ":ad_valorem_pct"),
        ("EU,6109,ad_valorem,-3,,,,,EUR,2022-01-01,,x\n", ":ad_valorem_pct"),
        ("EU,6109,specific,,2,bushel,,,EUR,2022-01-01,,x\n", ":specific_unit"),
        ("EU,6109,ad_valorem,12,,,,,EURO,2022-01-01,,x\n", ":currency"),
        ("EU,6109,ad_valorem,12,,,,,EUR,2022-13-01,,x\n", ":effective_from"),
        ("EU,6109,ad_valorem,12,,,9,3,EUR,2022-01-01,,x\n", ":min_amount"),
    ],
)
def test_malformed_tariff_rows(tmp_path: Path, row: str, where_suffix: str) -> None:
    with pytest.raises(DataFileError) as e:
        TariffSchedule.load(
            _schedule(tmp_path, "EU,6110,ad_valorem,12,,,,,EUR,2022-01-01,,ok\n" + row)
        )
    assert e.value.where is not None and e.value.where.endswith(":3" + where_suffix), e.value.where


def test_tariff_file_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("destination,hs\nEU,6109\n", encoding="utf-8")
    with pytest.raises(DataFileError) as e:
        TariffSchedule.load(p)
    assert e.value.where == f"{p}:1"


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"destination": "XX"}, "destination"),
        ({"currency": "EURO"}, "currency"),
        ({"items": []}, "items"),
        ({"items": [{"hs": "6109", "quantity": 1, "unit_price": 1}]}, "items[0].hs"),
        ({"items": [{"hs": "851712", "quantity": 1, "unit_price": 1}]}, "items[0].hs"),
        ({"items": [{"hs": "610910", "quantity": 1, "unit_price": -5}]}, "items[0].unit_price"),
        ({"items": [{"hs": "610910", "quantity": 0, "unit_price": 5}]}, "items[0].quantity"),
        ({"shipping": -1}, "shipping"),
        ({"date": "15/01/2026"}, "date"),
        ({"incoterm": "FOB"}, "incoterm"),
        ({"currency": "AED"}, "items[0]"),  # AED: not an ECB currency, no fx table
        ({"currency": "USD", "fx": {"base": "EUR", "rates": {"USX": 1}}}, "fx.rates.USX"),
        ({"fees": [{"name": "x", "amount": 1, "currency": "ABC"}]}, "fees[0].currency"),
        ({"colour": "red"}, "request"),
    ],
)
def test_bad_requests_name_the_field(patch: dict[str, Any], where: str) -> None:
    req = {
        "destination": "DE",
        "date": "2026-01-15",
        "currency": "EUR",
        "items": tshirts(1, 20),
        **patch,
    }
    with pytest.raises(InvalidInput) as e:
        run(req)
    assert e.value.where == where


def test_vat_regional_exception_and_history() -> None:
    from datetime import date

    assert float(tax_rate("DE", date(2020, 10, 1)).rate) == 0.16  # German 2020 temporary cut
    assert float(tax_rate("DE", date(2021, 1, 1)).rate) == 0.19
    assert float(tax_rate("ES", date(2026, 1, 1), "35001").rate) == 0.0  # Canary Islands


def test_flat_duty_needs_ioss_and_says_so() -> None:
    """A low-value consignment of a seller outside the IOSS keeps the relief, with a warning."""
    out = run(
        {
            "destination": "DE",
            "date": "2026-08-03",
            "origin": "CN",
            "currency": "EUR",
            "shipping": 8,
            "items": tshirts(3, 20),
        }
    )
    assert out["duty"] == 0.0 and out["tax"]["collected"] == "border"
    assert any("flat duty" in w and "IOSS" in w for w in out["warnings"])
    # ... and the flat duty's rule cites the Council's decision for an IOSS seller.
    out = run(
        {
            "destination": "DE",
            "date": "2026-08-03",
            "origin": "CN",
            "currency": "EUR",
            "items": tshirts(3, 20),
            "seller_registrations": ["IOSS"],
        }
    )
    rule = out["lines"][0]["duty_rule"]
    assert rule["rule"].startswith("flat duty 3 EUR") and "11 Feb 2026" in rule["source"]
    # At EUR 150 and above the tariff applies: 12% x 200 = 24 on cotton T-shirts.
    out = run(
        {
            "destination": "DE",
            "date": "2026-08-03",
            "origin": "CN",
            "currency": "EUR",
            "items": tshirts(10, 20),
            "seller_registrations": ["IOSS"],
        }
    )
    assert out["duty"] == 24.0


# -- the indexed lookups answer what a scan of every row answers -----------------------------------


def _scan_longest(rows: list[Any], hs: str, on: date) -> Any:
    best = None
    for row in rows:
        if (
            hs.startswith(row.hs)
            and row.active(on)
            and (best is None or len(row.hs) > len(best.hs))
        ):
            best = row
    return best


_row = st.builds(
    lambda dest, hs, start, days: TariffRow(
        dest, hs, "ad_valorem", Decimal(len(hs)), None, None, None, None, "USD", start,
        None if days is None else start + timedelta(days=days), "test", "test",
    ),
    st.sampled_from(["US", "CH"]),
    st.text(alphabet="12", min_size=2, max_size=6),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2022, 12, 31)),
    st.none() | st.integers(0, 400),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_row, max_size=40),
    st.text(alphabet="12", min_size=2, max_size=8),
    st.dates(min_value=date(2019, 6, 1), max_value=date(2023, 6, 1)),
)
def test_indexed_tariff_lookups_equal_a_scan_of_every_row(
    rows: list[TariffRow], hs: str, on: date
) -> None:
    schedule = TariffSchedule(rows, "generated")
    us = [r for r in rows if r.destination == "US"]
    assert schedule.lookup("US", None, hs, on) is _scan_longest(us, hs, on)
    assert schedule._indexed("US").under(hs[:3]) == [r for r in us if r.hs.startswith(hs[:3])]


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=2, max_size=10),
    st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
)
def test_indexed_lookups_on_the_shipped_us_schedule(hs: str, on: date) -> None:
    from borderline.trade.tariff import default_schedule

    schedule = default_schedule()
    rows = [r for r in schedule.rows if r.destination == "US"]
    hs = rows[int(hs) % len(rows)].hs[: len(hs)]  # a real line, cut short
    assert schedule.lookup("US", None, hs, on) is _scan_longest(rows, hs, on)
    assert schedule._indexed("US").under(hs) == [r for r in rows if r.hs.startswith(hs)]
