"""The corridor assessor through the real engine, with real sample orders and a real policy."""

from __future__ import annotations

import pickle

import pytest

from borderline.assessment.assessor import CorridorAssessor
from borderline.engine import AssessContext, Engine
from borderline.errors import InvalidInput
from borderline.model import Order
from borderline.samples import generate_orders


def _order(origin: str, destination: str) -> Order:
    payload = next(generate_orders(1, seed=3))
    payload["shipment"] = {
        **payload["shipment"],
        "origin_country": origin,
        "destination_country": destination,
    }
    return Order.model_validate(payload)


@pytest.fixture(scope="module")
def assessor() -> CorridorAssessor:
    return CorridorAssessor({"as_of": "2025-12-01"})


def test_info_finding_carries_corridor_signal(assessor: CorridorAssessor) -> None:
    findings = assessor.assess(_order("DE", "FR"), AssessContext())
    # the OECD classifications of March 2022 are past their freshness limit: said, not scored
    assert [f.code for f in findings] == ["assessment.corridor.risk", "assessment.data.stale"]
    assert findings[1].score == 0
    risk = findings[0].signals["corridor.risk"]
    assert isinstance(risk, float) and 0 <= risk <= 100
    assert findings[0].evidence["as_of"] == "2025-12-01"
    assert findings[0].source == "corridor@1.0"


def test_high_corridor_raises_a_scored_finding() -> None:
    a = CorridorAssessor({"as_of": "2025-12-01", "high": 50})
    findings = a.assess(_order("DE", "IR"), AssessContext())
    codes = [f.code for f in findings]
    assert codes == [
        "assessment.corridor.risk",
        "assessment.corridor.high",
        "assessment.data.stale",
    ]
    assert findings[1].score == 25.0
    assert "manual_review" in findings[1].actions


def test_engine_exposes_corridor_risk_to_policies(assessor: CorridorAssessor) -> None:
    policy = (
        'policy "corridor"\nthresholds review 40, hold 70, decline 90\n'
        "rule risky_corridor: review when corridor.risk >= 50\n"
    )
    engine = Engine(assessors=[assessor], policy=policy)
    risky = engine.assess(_order("DE", "IR"))
    calm = engine.assess(_order("DE", "FR"))
    assert risky.signals["corridor.risk"] >= 50  # type: ignore[operator]
    assert risky.outcome == "review"
    assert calm.outcome == "approve"


def test_assessor_is_picklable_for_spark(assessor: CorridorAssessor) -> None:
    clone = pickle.loads(pickle.dumps(assessor))
    order = _order("CN", "US")
    assert clone.assess(order, AssessContext()) == assessor.assess(order, AssessContext())


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown setting"):
        CorridorAssessor({"hihg": 10})
    with pytest.raises(InvalidInput, match="not an ISO date"):
        CorridorAssessor({"as_of": "yesterday"})
