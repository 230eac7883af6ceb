"""The risk register on real SQLite and PostgreSQL, with the real ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import update

from borderline.assessment.kri import KriIn
from borderline.assessment.register import (
    AcceptanceIn,
    ControlIn,
    Rating,
    RiskIn,
    TreatmentIn,
    check_acceptance,
    default_matrices,
    diff_registers,
    suggest_residual,
)
from borderline.assessment.service import RegisterService
from borderline.assessment.store import AcceptanceRow, RiskRow
from borderline.errors import Conflict, InvalidInput
from borderline.service import Services
from borderline.store import transaction

TODAY = datetime.now(UTC).date()


def _risk(key: str = "R-001", **kw: object) -> RiskIn:
    base: dict[str, object] = {
        "key": key,
        "title": "Card-not-present fraud on new corridors",
        "category": "payments",
        "owner": "head of payments",
        "causes": ["no 3-D Secure on first orders", "reshipping services"],
        "consequences": ["chargebacks", "scheme fines"],
        "inherent": {"likelihood": 4, "impact": 4},
    }
    base.update(kw)
    return RiskIn.model_validate(base)


# ------------------------------------------------------------------------------------ pure rules


def test_matrices_are_data() -> None:
    book = default_matrices()
    m5 = book.get("standard-5x5")
    assert m5.level(1, 1) == "low" and m5.level(3, 3) == "medium" and m5.level(5, 5) == "critical"
    m4 = book.get("regulator-4x4")
    assert m4.level(4, 3) == "critical" and m4.level(1, 4) == "medium"  # explicit cells
    assert book.remap("standard-5x5", "regulator-4x4", 5, 3) == (4, 3)
    with pytest.raises(InvalidInput, match="no re-mapping rule"):
        book.remap("regulator-4x4", "simple-3x3", 1, 1)


@pytest.mark.parametrize(
    ("base", "controls", "expected"),
    [
        ((4, 4), [], (4, 4)),
        ((5, 5), [("preventive", "strong")], (2, 5)),  # 1 + 4·0.25 = 2
        ((5, 5), [("preventive", "moderate"), ("preventive", "moderate")], (2, 5)),  # keep 25%
        ((5, 4), [("detective", 0.5), ("preventive", "weak")], (4, 3)),  # 1+4·.75=4, 1+3·.5=2.5→3
        ((3, 3), [("corrective", "none")], (3, 3)),
    ],
)
def test_suggested_residual(
    base: tuple[int, int], controls: list[tuple[str, object]], expected: tuple[int, int]
) -> None:
    sug = suggest_residual(base, controls)  # type: ignore[arg-type]
    assert (sug.likelihood, sug.impact) == expected


def test_acceptance_rules() -> None:
    ok = AcceptanceIn(
        requester="ann",
        approver="bob",
        reason="cost of control exceeds loss",
        expires=TODAY + timedelta(days=90),
    )
    check_acceptance(ok)
    with pytest.raises(Conflict, match="cannot approve"):
        check_acceptance(ok.model_copy(update={"approver": " ANN "}))
    with pytest.raises(InvalidInput, match="not after today"):
        check_acceptance(ok.model_copy(update={"expires": TODAY}))
    with pytest.raises(InvalidInput, match="at most 366 days"):
        check_acceptance(ok.model_copy(update={"expires": TODAY + timedelta(days=400)}))


def test_bad_risk_input() -> None:
    with pytest.raises(ValidationError, match="unknown category"):
        _risk(category="crypto")
    with pytest.raises(ValidationError):
        _risk(inherent={"likelihood": 0, "impact": 3})
    with pytest.raises(ValidationError, match="effectiveness"):
        ControlIn(name="x", effectiveness="excellent")


def test_diff_registers_pure() -> None:
    old = [{"key": "A", "title": "a", "owner": "x"}, {"key": "B", "title": "b"}]
    new = [{"key": "A", "title": "a", "owner": "y"}, {"key": "C", "title": "c"}]
    d = diff_registers(old, new)
    assert d["added"] == [{"key": "C", "title": "c"}]
    assert d["removed"] == [{"key": "B", "title": "b"}]
    assert d["changed"][0]["changes"] == {"owner": {"old": "x", "new": "y"}}


# ------------------------------------------------------------------------------- with the database


def test_register_lifecycle(register: RegisterService, services: Services) -> None:
    a = register.create_assessment("Cross-border risk 2026 Q1", "2026-Q1", "standard-5x5", "ann")
    r = register.add_risk(a["id"], _risk(current={"likelihood": 4, "impact": 4}), "ann")
    assert r["inherent"]["level"] == "high"
    assert r["suggested_residual"]["likelihood"] == 4
    assert r["above_appetite"] is True

    r = register.add_control(
        r["id"],
        ControlIn(name="3-D Secure on first orders", kind="preventive", effectiveness="strong"),
        "ann",
    )
    r = register.add_control(
        r["id"],
        ControlIn(name="chargeback alerts", kind="detective", effectiveness="moderate"),
        "ann",
    )
    sug = r["suggested_residual"]
    assert (sug["likelihood"], sug["impact"]) == (2, 3)  # 1+3·.25=1.75→2, 1+3·.5=2.5→3

    # A manual residual different from the suggestion needs a reason.
    with pytest.raises(InvalidInput, match="residual_override_reason"):
        register.rate_risk(r["id"], "ann", residual=Rating(likelihood=1, impact=2))
    r = register.rate_risk(
        r["id"],
        "ann",
        residual=Rating(likelihood=1, impact=2),
        residual_override_reason="controls tested quarterly, no failures",
    )
    assert r["residual"]["level"] == "low" and r["residual_override_reason"]
    assert r["above_appetite"] is False

    # Out-of-matrix ratings are refused.
    with pytest.raises(InvalidInput, match=r"outside 1\.\.5"):
        register.rate_risk(r["id"], "ann", target=Rating(likelihood=6, impact=1))

    r = register.add_treatment(
        r["id"],
        TreatmentIn(action="roll out 3DS2 to BR", owner="pay", due=TODAY - timedelta(days=3)),
        "ann",
    )
    assert r["treatments"][0]["overdue"] is True
    overdue = register.overdue_treatments()
    assert [o["risk_key"] for o in overdue] == ["R-001"] and overdue[0]["days_overdue"] == 3
    register.set_treatment_status(r["treatments"][0]["id"], "done", "ann")
    assert register.overdue_treatments() == []

    with pytest.raises(Conflict, match="already exists"):
        register.add_risk(a["id"], _risk(), "ann")

    hm = register.heatmap(a["id"], "residual")
    assert hm["counts"][0][1] == 1 and hm["keys"][0][1] == ["R-001"]


def test_acceptance_snapshot_is_in_the_ledger(
    register: RegisterService, services: Services
) -> None:
    a = register.create_assessment("Q1", "2026-Q1", "standard-5x5", "ann")
    r = register.add_risk(a["id"], _risk(), "ann")
    acc_in = AcceptanceIn(
        requester="ann", approver="ann", reason="r", expires=TODAY + timedelta(days=30)
    )
    with transaction(services.sessions) as s:
        size_before = services.ledger.size(s)
    with pytest.raises(Conflict, match="cannot approve"):
        register.accept_risk(r["id"], acc_in)
    with transaction(services.sessions) as s:
        assert services.ledger.size(s) == size_before  # nothing half-saved
    acc = register.accept_risk(r["id"], acc_in.model_copy(update={"approver": "cro"}))
    assert acc["snapshot"]["risk"]["inherent"]["level"] == "high"
    assert register.acceptances_due(within_days=10) == []
    due = register.acceptances_due(within_days=30)
    assert [(d["risk_key"], d["days_left"], d["expired"]) for d in due] == [("R-001", 30, False)]
    later = TODAY + timedelta(days=31)
    assert register.acceptances_due(within_days=0, today=later)[0]["expired"] is True
    assert register.get_risk(r["id"])["status"] == "accepted"
    with transaction(services.sessions) as s:
        report = services.ledger.verify(s)
        assert report.ok, report.problems
        # Editing the stored snapshot after the fact is detected by the ledger.
        s.execute(update(AcceptanceRow).values(snapshot={**acc["snapshot"], "reason": "edited"}))
    with transaction(services.sessions) as s:
        report = services.ledger.verify(s)
        assert any("changed after it was logged" in p for p in report.problems)


def test_change_matrix_remaps_by_rules(register: RegisterService) -> None:
    a = register.create_assessment("Q1", "2026-Q1", "standard-5x5", "ann")
    register.add_risk(
        a["id"],
        _risk(inherent={"likelihood": 5, "impact": 3}, target={"likelihood": 2, "impact": 2}),
        "ann",
    )
    out = register.change_matrix(a["id"], "regulator-4x4", "ann")
    assert out["changes"][0]["after"] == {"inherent": [4, 3], "target": [2, 2]}
    view = register.get_assessment(a["id"])
    assert view["matrix"] == "regulator-4x4"
    assert view["register"][0]["inherent"]["level"] == "critical"
    with pytest.raises(InvalidInput, match="no re-mapping rule"):
        register.change_matrix(a["id"], "simple-3x3", "ann")
    # The failed change left the assessment as it was.
    assert register.get_assessment(a["id"])["matrix"] == "regulator-4x4"


def test_copy_last_period_and_diff(register: RegisterService) -> None:
    q1 = register.create_assessment("Q1", "2026-Q1", "standard-5x5", "ann")
    r1 = register.add_risk(q1["id"], _risk("R-001"), "ann")
    register.add_risk(
        q1["id"], _risk("R-002", title="Sanctioned consignee", category="sanctions"), "ann"
    )
    register.add_control(r1["id"], ControlIn(name="3DS", effectiveness="strong"), "ann")
    register.add_treatment(r1["id"], TreatmentIn(action="a", owner="o", due=TODAY), "ann")
    q2 = register.copy_assessment(q1["id"], "Q2", "2026-Q2", "ann")
    assert q2["copied_from"] == q1["id"] and q2["risks"] == 2
    q2_view = register.get_assessment(q2["id"])
    r1_new = next(r for r in q2_view["register"] if r["key"] == "R-001")
    assert [c["name"] for c in r1_new["controls"]] == ["3DS"]
    assert len(r1_new["treatments"]) == 1
    assert register.diff(q1["id"], q2["id"])["changed"] == []
    register.rate_risk(r1_new["id"], "ann", current=Rating(likelihood=2, impact=4))
    register.add_risk(q2["id"], _risk("R-003", title="FX", category="fx"), "ann")
    d = register.diff(q1["id"], q2["id"])
    assert [x["key"] for x in d["added"]] == ["R-003"]
    changed = {c["key"]: c["changes"] for c in d["changed"]}
    assert changed["R-001"]["current"] == {
        "old": None,
        "new": {"likelihood": 2, "impact": 4, "level": "medium"},
    }


def test_kris_from_engine_tables(register: RegisterService, services: Services) -> None:
    from borderline.samples import generate_orders

    start = datetime.now(UTC) - timedelta(days=2)
    services.assess_batch(list(generate_orders(40, seed=11, start=start)))
    register.define_kri(
        KriIn(name="decline-rate", metric="decline_rate", amber=0.0001, red=0.5, window_days=30),
        "ann",
    )
    register.define_kri(KriIn(name="mean-score", metric="mean_score", amber=90, red=95), "ann")
    register.define_kri(
        KriIn(
            name="ip-card",
            metric="finding_rate",
            amber=0.5,
            red=0.9,
            params={"code": "consistency.country.ip_card"},
        ),
        "ann",
    )
    register.define_kri(
        KriIn(name="no-data", metric="review_rate", amber=0.1, red=0.2, params={"origin": "AQ"}),
        "ann",
    )
    with pytest.raises(Conflict):
        register.define_kri(KriIn(name="mean-score", metric="mean_score", amber=1, red=2), "ann")
    res = register.check_kris()
    by = {r["name"]: r["reading"] for r in res["readings"]}
    with services.sessions() as s:
        from sqlalchemy import func, select

        from borderline.store.models import DecisionRow

        total = s.scalar(select(func.count()).select_from(DecisionRow))
        declines = s.scalar(
            select(func.count()).select_from(DecisionRow).where(DecisionRow.outcome == "decline")
        )
    with services.sessions() as s:
        from borderline.store.models import FindingRow

        codes = [(d, c) for d, c in s.execute(select(FindingRow.decision_id, FindingRow.code))]
    ip_card = {d for d, c in codes if c.startswith("consistency.country.ip_card")}
    assert by["ip-card"]["numerator"] == len(ip_card) > 0
    assert by["decline-rate"]["denominator"] == total == 40
    assert by["decline-rate"]["numerator"] == declines
    assert by["no-data"]["status"] == "no_data" and by["no-data"]["value"] is None
    assert by["mean-score"]["status"] == "green"
    if declines:
        assert by["decline-rate"]["status"] in ("amber", "red")
        assert "decline-rate" in {a["name"] for a in res["alerts"]}
    assert len(register.kri_history("decline-rate")) == 1
    a = register.create_assessment("Q1", "2026-Q1", "standard-5x5", "ann")
    r = register.add_risk(a["id"], _risk("R-009"), "ann")
    register.define_kri(
        KriIn(name="r9", metric="decline_rate", amber=0.5, red=0.9, risk_key="R-009"), "ann"
    )
    assert register.get_risk(r["id"])["kris"] == [
        {"name": "r9", "metric": "decline_rate", "status": None, "value": None}
    ]


def test_kri_definition_errors() -> None:
    with pytest.raises(ValidationError, match="unknown metric"):
        KriIn(name="x", metric="fun_rate", amber=1, red=2)
    with pytest.raises(ValidationError, match="red must be"):
        KriIn(name="x", metric="decline_rate", amber=0.5, red=0.1)
    with pytest.raises(ValidationError, match=r"needs params\.code"):
        KriIn(name="x", metric="finding_rate", amber=0.1, red=0.2)
    with pytest.raises(ValidationError, match="not an ISO"):
        KriIn(name="x", metric="decline_rate", amber=0.1, red=0.2, params={"origin": "XX"})


def test_rollback_leaves_no_risk(register: RegisterService, services: Services) -> None:
    a = register.create_assessment("Q1", "2026-Q1", "simple-3x3", "ann")
    with pytest.raises(InvalidInput, match=r"outside 1\.\.3"):
        register.add_risk(a["id"], _risk(inherent={"likelihood": 4, "impact": 1}), "ann")
    with services.sessions() as s:
        assert s.query(RiskRow).count() == 0


def test_dates_are_dates(register: RegisterService) -> None:
    a = register.create_assessment("Q1", "2026-Q1", "standard-5x5", "ann")
    r = register.add_risk(a["id"], _risk(), "ann")
    r = register.add_treatment(
        r["id"], TreatmentIn(action="a", owner="o", due=date(2030, 1, 2)), "ann"
    )
    assert r["treatments"][0]["due"] == "2030-01-02"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"id": "m", "likelihood": ["a", "b"], "impact": ["a", "b"]}, "lacks 'levels'"),
        (
            {
                "id": "m",
                "likelihood": ["a"],
                "impact": ["a", "b"],
                "levels": [{"name": "low", "max_score": 4}],
            },
            "at least two classes",
        ),
        (
            {
                "id": "m",
                "likelihood": ["a", "b"],
                "impact": ["a", "b"],
                "levels": [{"name": "low", "max_score": 4}],
                "cells": [["low", "low"]],
            },
            "2 rows × 2 columns",
        ),
        (
            {
                "id": "m",
                "likelihood": ["a", "b"],
                "impact": ["a", "b"],
                "levels": [{"name": "low", "max_score": 4}],
                "cells": [["low", "x"], ["low", "low"]],
            },
            "unknown level 'x'",
        ),
        (
            {
                "id": "m",
                "likelihood": ["a", "b"],
                "impact": ["a", "b"],
                "levels": [{"name": "hi", "max_score": 4}, {"name": "lo", "max_score": 1}],
            },
            "ascending",
        ),
        (
            {
                "id": "m",
                "likelihood": ["a", "b"],
                "impact": ["a", "b"],
                "levels": [{"name": "low", "max_score": 4}],
                "appetite": "none",
            },
            "appetite",
        ),
    ],
)
def test_bad_matrix_definitions(doc: dict[str, object], message: str) -> None:
    from borderline.assessment.register import parse_matrix
    from borderline.errors import DataFileError

    with pytest.raises(DataFileError, match=message):
        parse_matrix(doc, "m.yaml")


def test_user_matrices_and_remap_rules(tmp_path: Path) -> None:
    from borderline.assessment.register import load_matrices
    from borderline.errors import DataFileError

    (tmp_path / "bafin-4x4.yaml").write_text(
        "id: sup-3x3\nname: Supervisor 3x3\nlikelihood: [low, mid, high]\n"
        "impact: [low, mid, high]\nlevels: [{name: ok, max_score: 3}, {name: bad, max_score: 9}]\n"
        "appetite: ok\n"
    )
    (tmp_path / "remap.yaml").write_text(
        "rules:\n  - {from: standard-5x5, to: sup-3x3, likelihood: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3},"
        " impact: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}}\n"
    )
    book = load_matrices(tmp_path)
    assert book.get("sup-3x3").level(3, 3) == "bad"
    assert book.remap("standard-5x5", "sup-3x3", 4, 2) == (3, 1)
    assert book.remap("standard-5x5", "regulator-4x4", 5, 3) == (4, 3)  # shipped rules stay
    (tmp_path / "remap.yaml").write_text(
        "rules:\n  - {from: standard-5x5, to: sup-3x3, likelihood: {1: 1, 2: 1, 3: 2, 4: 3},"
        " impact: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}}\n"
    )
    with pytest.raises(DataFileError, match=r"every class 1\.\.5"):
        load_matrices(tmp_path)
    (tmp_path / "remap.yaml").write_text(
        "rules:\n  - {from: standard-5x5, to: sup-3x3, likelihood: {1: 3, 2: 1, 3: 2, 4: 3, 5: 3},"
        " impact: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}}\n"
    )
    with pytest.raises(DataFileError, match="keep the order"):
        load_matrices(tmp_path)
