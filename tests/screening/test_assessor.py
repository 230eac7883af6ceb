"""ScreeningAssessor on real orders, directly and through the core Engine."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from borderline.engine import AssessContext, Engine
from borderline.model import Order
from borderline.samples import generate_orders
from borderline.screening import whitelist
from borderline.screening.assessor import ScreeningAssessor


@pytest.fixture
def order() -> dict[str, Any]:
    return dict(next(iter(generate_orders(1, seed=1))))


def _with_party(order: dict[str, Any], **party: Any) -> Order:
    o = copy.deepcopy(order)
    o["parties"].append(party)
    return Order.model_validate(o)


def test_clean_order_has_only_the_summary(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    fresh_enough = {"max_list_age_days": {"default": 100_000}}
    findings = ScreeningAssessor(fresh_enough, index=index).assess(
        Order.model_validate(order), AssessContext()
    )
    assert [f.code for f in findings] == ["screening.summary"]
    assert findings[0].signals == {"screening.max_score": 0.0, "screening.hits": 0}


def test_sanctioned_consignee_is_reported(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    o = _with_party(
        order,
        role="consignee",
        kind="organization",
        name="Banco Nacional de Cuba",
        address={"country": "CU"},
    )
    findings = ScreeningAssessor(index=index).assess(o, AssessContext())
    codes = {f.code: f for f in findings}
    hit = codes["screening.sanctions.us_ofac_sdn"]
    assert hit.severity in ("high", "critical") and hit.score >= 80
    assert hit.evidence["hits"][0]["source_id"] == "306"
    assert hit.evidence["hits"][0]["party"] == "parties[2](consignee)"
    assert "hold_shipment" in hit.actions and hit.assessor == "screening"
    assert codes["screening.summary"].signals["screening.hits"] >= 1


def test_person_with_dob_and_nationality(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    o = _with_party(
        order,
        role="recipient",
        kind="person",
        name="Kim Jong Un",
        date_of_birth="1984-01-08",
        nationality="KP",
    )
    f = next(
        x
        for x in ScreeningAssessor(index=index).assess(o, AssessContext())
        if x.code == "screening.sanctions.us_ofac_sdn"
    )
    best = f.evidence["hits"][0]
    assert best["source_id"] == "20157" and "dob +0.08" in best["explanation"]


def test_whitelisted_hit_is_suppressed(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    o = _with_party(
        order,
        role="consignee",
        kind="organization",
        name="Banco Nacional de Cuba",
        customer_id="c-41",
    )
    whitelist.replace_all(
        [
            whitelist.Decision(
                whitelist.party_key("Banco Nacional de Cuba", customer_id="c-41"),
                "us_ofac_sdn",
                "306",
                "other bank",
                None,
            )
        ]
    )
    try:
        findings = ScreeningAssessor(index=index).assess(o, AssessContext())
    finally:
        whitelist.replace_all([])
    summary = next(f for f in findings if f.code == "screening.summary")
    assert summary.evidence["whitelisted"][0]["source_id"] == "306"
    assert all(
        h["source_id"] != "306"
        for f in findings
        if f.code.startswith("screening.sanctions.")
        for h in f.evidence["hits"]
    )


def test_config_and_pickling(index) -> None:  # type: ignore[no-untyped-def]
    a = ScreeningAssessor({"threshold": 0.95, "lists": ["uk_sl"]}, index=index)
    again = pickle.loads(pickle.dumps(a))
    assert again.config == a.config and again._index is None
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput):
        ScreeningAssessor({"treshold": 0.9})


def test_through_the_engine(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    o = _with_party(order, role="forwarder", kind="organization", name="Banco Nacional de Cuba")
    decision = Engine(assessors=[ScreeningAssessor(index=index)]).assess(o, AssessContext())
    assert any(f.code == "screening.sanctions.us_ofac_sdn" for f in decision.findings)
    assert decision.signals["screening.hits"] >= 1


def _dated(order: dict[str, Any], day: str) -> Order:
    o = copy.deepcopy(order)
    o["created_at"] = f"{day}T10:00:00Z"
    return Order.model_validate(o)


def test_decision_on_an_old_list_says_which_and_its_date(index, order: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    # The shipped UK list is of 2026-04-29: 209 days before an order of 2026-11-24.
    a = ScreeningAssessor({"max_list_age_days": {"default": 100_000, "uk_sl": 30}}, index=index)
    (stale,) = [
        f for f in a.assess(_dated(order, "2026-11-24"), AssessContext()) if "stale" in f.code
    ]
    assert stale.code == "screening.data.stale"
    (entry,) = stale.evidence["stale"]
    assert (entry["list"], entry["published"], entry["age_days"], entry["max_age_days"]) == (
        "uk_sl",
        "2026-04-29",
        209,
        30,
    )
    assert "uk_sl (UK Sanctions List (FCDO)) of 2026-04-29 is 209 days older" in stale.explanation
    # Eleven days after the list's date it is fresh; a list not screened against never counts.
    assert not [
        f for f in a.assess(_dated(order, "2026-05-10"), AssessContext()) if "stale" in f.code
    ]
    only_un = ScreeningAssessor(
        {"lists": ["un_sc"], "max_list_age_days": {"default": 30}}, index=index
    )
    (stale,) = [
        f for f in only_un.assess(_dated(order, "2026-11-24"), AssessContext()) if "stale" in f.code
    ]
    assert [e["list"] for e in stale.evidence["stale"]] == ["un_sc"]
    # By default (30 days) every shipped list is stale by the end of 2026, and says so.
    (stale,) = [
        f
        for f in ScreeningAssessor(index=index).assess(_dated(order, "2026-12-07"), AssessContext())
        if "stale" in f.code
    ]
    assert {e["list"] for e in stale.evidence["stale"]} == set(index.lists)


@pytest.mark.parametrize("bad", [{"default": -1}, {"default": "30"}, ["uk_sl"], {"uk_sl": True}])
def test_list_age_setting_is_checked(bad: object) -> None:
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        ScreeningAssessor({"max_list_age_days": bad})
    assert err.value.where == "assessors.screening.max_list_age_days"
