"""LogisticsAssessor on its own and inside the core Engine."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from borderline.engine import AssessContext, Engine
from borderline.errors import InvalidInput, NotFound
from borderline.logistics.assessor import LogisticsAssessor
from borderline.model import Order


def order(
    created: str, mode: str | None, origin: str, dest: str, promised: str | None, **ship: Any
) -> Order:
    shipment: dict[str, Any] = {
        "origin_country": origin,
        "destination_country": dest,
        "weight_kg": "300",
        **ship,
    }
    if mode is not None:
        shipment["mode"] = mode
    if promised is not None:
        shipment["promised_delivery"] = promised
    return Order.model_validate(
        {
            "id": "o-1",
            "created_at": f"{created}T10:00:00Z",
            "currency": "EUR",
            "total": "2500",
            "parties": [{"role": "buyer", "name": "Ana Buyer", "address": {"country": dest}}],
            "items": [{"title": "speaker", "quantity": 1, "unit_price": "2500"}],
            "shipment": shipment,
        }
    )


def by_code(findings: list[Any]) -> dict[str, Any]:
    return {f.code: f for f in findings}


def test_generous_promise_is_low_risk() -> None:
    f = by_code(
        LogisticsAssessor().assess(
            order("2024-01-10", "ocean", "CN", "NL", "2024-03-01"), AssessContext()
        )
    )
    risk = f["logistics.delay.late_risk"]
    assert risk.signals["logistics.late_probability"] < 0.05
    assert risk.signals["logistics.corridor_status"] == "open"
    assert risk.actions == []
    assert risk.evidence["route"] == "asia-europe-ocean-suez"


def test_tight_promise_suggests_a_faster_service() -> None:
    f = by_code(
        LogisticsAssessor().assess(
            order("2024-01-10", "ocean", "CN", "NL", "2024-02-12"), AssessContext()
        )
    )
    risk = f["logistics.delay.late_risk"]
    assert risk.signals["logistics.late_probability"] > 0.9
    assert risk.actions == ["suggest_service_upgrade"]
    assert risk.evidence["suggested_mode"] == "air"
    assert risk.signals["logistics.expected_delay_days"] > 5


def test_weak_customs_lpi_adds_days() -> None:
    a = LogisticsAssessor()
    de = a.estimate(order("2016-05-01", "air", "CN", "DE", None))
    ng = a.estimate(order("2016-05-01", "air", "CN", "NG", None))
    assert de is not None and ng is not None
    assert de["customs_days_from_lpi"] == 0
    assert ng["customs_days_from_lpi"] > 1  # Nigeria's 2016 LPI customs score is below 2.5
    assert ng["transit_days"] > de["transit_days"]


def test_red_sea_scenario_marks_the_corridor_diverted() -> None:
    a = LogisticsAssessor({"scenarios": ["red-sea-2023"]})
    f = by_code(a.assess(order("2024-01-10", "ocean", "CN", "NL", "2024-02-25"), AssessContext()))
    assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "diverted"
    d = f["logistics.corridor.disrupted"]
    assert 10 <= d.evidence["extra_days_if_hit"] <= 14
    assert "hold_shipment" not in d.actions
    # Air from China to the Netherlands is not touched by the Red Sea.
    air = by_code(a.assess(order("2024-01-10", "air", "CN", "NL", None), AssessContext()))
    assert "logistics.corridor.disrupted" not in air


def test_suez_closure_holds_the_shipment() -> None:
    # Leaves 28 Feb 2021, reaches the canal about 26 days later: inside the 23-29 March closure,
    # too short a wait to be worth the Cape detour, so the shipment waits: the corridor is closed.
    a = LogisticsAssessor({"scenarios": ["suez-2021"]})
    f = by_code(a.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"), AssessContext()))
    closed = f["logistics.corridor.closed"]
    assert closed.actions == ["hold_shipment"]
    assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "closed"
    # A month later the canal is open again.
    later = by_code(a.assess(order("2021-05-01", "ocean", "CN", "DE", None), AssessContext()))
    assert "logistics.corridor.closed" not in later


def test_unknown_corridor_is_reported_not_raised() -> None:
    f = by_code(
        LogisticsAssessor().assess(order("2024-01-10", "ocean", "BR", "AU", None), AssessContext())
    )
    assert f["logistics.route.unknown"].signals["logistics.corridor_status"] == "unknown"


def test_mode_is_inferred_from_the_service_name() -> None:
    est = LogisticsAssessor().estimate(
        order("2024-01-10", None, "CN", "US", None, service="DHL Express Worldwide")
    )
    assert est is not None and est["mode"] == "express"


@pytest.mark.parametrize(
    ("config", "exc", "where"),
    [
        ({"late_threshold": 1.5}, InvalidInput, "assessors.logistics.late_threshold"),
        ({"scenarios": "suez-2021"}, InvalidInput, "assessors.logistics.scenarios"),
        ({"scenarios": ["atlantis-2031"]}, NotFound, "atlantis-2031"),
        ({"colour": "red"}, InvalidInput, "assessors.logistics"),
    ],
)
def test_bad_config_fails_at_start(config: dict[str, Any], exc: type, where: str) -> None:
    with pytest.raises(exc) as info:
        LogisticsAssessor(config)
    assert info.value.where == where


def test_in_the_engine_and_picklable() -> None:
    assessor = LogisticsAssessor({"scenarios": ["suez-2021"]})
    engine = Engine(assessors=[assessor])
    decision = engine.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"))
    assert "hold_shipment" in decision.actions
    assert decision.signals["logistics.corridor_status"] == "closed"
    assert decision.versions["assessor.logistics"] == "1.0"
    clone = pickle.loads(pickle.dumps(engine))
    again = clone.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"))
    assert again.signals == decision.signals


DOC = Path(__file__).resolve().parents[2] / "docs" / "logistics.md"


def test_docs_cover_every_setting_and_signal_and_their_policy_example_compiles() -> None:
    from borderline.engine import declared_signals
    from borderline.policy.language import compile_policy

    text = DOC.read_text(encoding="utf-8")
    for key in LogisticsAssessor.defaults:
        assert f"`{key}`" in text, key
    for key in LogisticsAssessor.signals:
        assert f"`{key}`" in text, key
    block = text.split("Example policy lines (checked to compile):")[1].split("```text")[1]
    source = block.split("```")[0].strip()
    compile_policy(source, declared_signals([LogisticsAssessor()]))


def test_trained_model_drives_the_probability(scms: Any, tmp_path: Path) -> None:
    import json as _json

    from typer.testing import CliRunner

    from borderline.cli import app

    from .conftest import shipments_from_scms

    hist = shipments_from_scms(scms, tmp_path / "hist.csv", (2006, 2013))
    model = tmp_path / "late.json"
    r = CliRunner().invoke(
        app,
        [
            "logistics",
            "train",
            "--train",
            str(hist),
            "--format",
            "shipments",
            "--out",
            str(model),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert _json.loads(r.stdout)["shipments"] > 3000
    a = LogisticsAssessor({"model": str(model)})
    # Real SCMS corridors: India to Nigeria by air, and South Africa to Zambia by road.
    probs = []
    for args in (
        ("2013-03-01", "air", "IN", "NG", "2013-03-20"),
        ("2013-03-01", "road", "ZA", "ZM", "2013-05-20"),
    ):
        risk = by_code(a.assess(order(*args), AssessContext()))["logistics.delay.late_risk"]
        assert risk.evidence["probability_from"].startswith("model late-lgbm-1 trained on")
        p = risk.signals["logistics.late_probability"]
        assert 0 < p < 1
        probs.append(p)
    assert probs[0] != probs[1]
    # Without a promise the model has no lead time to score: the route table answers.
    risk = by_code(a.assess(order("2013-03-01", "air", "IN", "NG", None), AssessContext()))
    assert risk["logistics.delay.late_risk"].evidence["probability_from"] == "route table and LPI"


def test_bad_model_file_fails_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        LogisticsAssessor({"model": str(bad)})
    assert exc.value.where == "assessors.logistics.model"
    assert "not a late-delivery model file" in exc.value.message


def test_assess_many_is_one_simulation_per_scenario_and_agrees_with_assess() -> None:
    a = LogisticsAssessor({"scenarios": ["suez-2021", "red-sea-2023"]})
    batch = [
        order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"),  # Suez closed
        order("2024-01-10", "ocean", "CN", "NL", "2024-02-25"),  # Red Sea diverted
        order("2024-01-10", "air", "CN", "US", None),  # untouched
        order("2024-01-10", "ocean", "BR", "AU", None),  # no route
    ]
    many = a.assess_many(batch, AssessContext())
    for o, got in zip(batch, many, strict=True):
        one = a.assess(o, AssessContext())
        assert [f.model_dump() for f in got] == [f.model_dump() for f in one]
    status = [next(f.signals["logistics.corridor_status"] for f in fs if f.signals) for fs in many]
    assert status == ["closed", "diverted", "open", "unknown"]
