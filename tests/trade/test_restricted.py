"""Dangerous goods, dual-use hints, embargoes and regions recognised from address text."""

from __future__ import annotations

from datetime import date

import pytest

from borderline.trade.restricted import check_destination, check_item, un_numbers


@pytest.mark.parametrize(
    ("title", "hs6", "expected"),
    [
        ("Anker Power Bank 20000mAh USB-C", None, {("lithium_ion_standalone", "restricted")}),
        ("20000毫安 充电宝", None, {("lithium_ion_standalone", "restricted")}),
        ("Unlocked 5G smartphone 256GB", "851713", {("lithium_ion_in_equipment", "informational")}),
        ("CR2032 3V coin cell 10 pack", None, {("lithium_metal", "restricted")}),
        ("Eau de Parfum for Women 100ml", "330300", {("perfume", "restricted")}),
        ("Spray paint matte black 400ml aerosol", None, {("aerosol", "restricted")}),
        ("Consumer fireworks cake 36 shots", None, {("fireworks", "prohibited")}),
        ("Gen 3 night vision monocular", None, {("night_vision", "restricted")}),
        ("Portable GPS jammer", None, {("jammers", "prohibited")}),
        ("Women's cotton T-shirt", "610910", set()),
        ("纯棉短袖T恤", None, set()),
    ],
)
def test_items(title: str, hs6: str | None, expected: set[tuple[str, str]]) -> None:
    found = check_item(title, hs6=hs6)
    assert {(r.id, r.level) for r in found} == expected
    for r in found:
        assert r.source and r.evidence
        if r.kind == "dangerous_goods":
            assert r.transport
            assert r.evidence["un_number"].startswith("UN")


def test_un_numbers_come_from_the_adr_file() -> None:
    un = un_numbers()
    assert len(un) > 2000
    assert un["3480"].cls == "9" and "LITHIUM ION" in un["3480"].name
    r = check_item("power bank")[0]
    assert r.evidence["class"] == "9"


@pytest.mark.parametrize(
    ("country", "address", "postal", "on", "expected"),
    [
        (
            "UA",
            "ul. Kirova 5, Simferopol, Republic of Crimea",
            None,
            None,
            {("crimea", "prohibited")},
        ),
        (
            "RU",
            "ул. Ленина 1, Севастополь",
            None,
            None,
            {("crimea", "prohibited"), ("ru", "restricted")},
        ),
        ("RU", "ул. Пушкина 3", "295000", None, {("crimea", "prohibited"), ("ru", "restricted")}),
        ("UA", "pr. Illicha 10, Donetsk, DNR", None, None, {("dnr", "prohibited")}),
        ("UA", "vul. Lenina 2, Luhansk", None, None, {("lnr", "prohibited")}),
        # A government-controlled town in Donetsk oblast: review, not a block.
        (
            "UA",
            "vul. Shevchenka 3, Kramatorsk, Donetsk oblast",
            "84300",
            None,
            {("occupied_oblasts", "restricted")},
        ),
        ("UA", "Khreshchatyk 1, Kyiv", "01001", None, set()),
        ("KP", "Pyongyang", None, None, {("kp", "prohibited")}),
        ("CU", "Havana", None, None, {("cu", "prohibited")}),
        ("SY", "Damascus", None, date(2024, 1, 1), {("sy_us", "prohibited")}),
        ("SY", "Damascus", None, date(2026, 1, 1), {("sy_export_controls", "restricted")}),
        ("UA", "Simferopol", None, date(2013, 1, 1), set()),  # before the 2014 measures
        ("DE", "Hauptstr. 1, Berlin", "10115", None, set()),
    ],
)
def test_destinations(
    country: str, address: str, postal: str | None, on: date | None, expected: set
) -> None:
    found = check_destination(country, address, postal, on)
    assert {(r.id, r.level) for r in found} == expected
    for r in found:
        assert r.source


def test_jurisdiction_filter() -> None:
    assert check_destination("CU", "Havana", jurisdictions=frozenset({"EU"})) == []
    assert check_destination("CU", "Havana", jurisdictions=frozenset({"US"}))
