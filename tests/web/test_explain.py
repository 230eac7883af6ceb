"""The decision page's explanation tree: findings grouped by domain from their codes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from borderline.model import Decision
from borderline.web import explain


def _decision(findings: list[dict[str, Any]]) -> Decision:
    return Decision(
        decision_id="dec_1",
        order_id="o1",
        outcome="review",
        score=50.0,
        actions=[],
        reasons=[],
        rules=[],
        findings=findings,
        signals={},
        versions={"policy": "default@3"},
        timings_ms={},
        created_at=datetime.now(UTC),
    )


HIT = {
    "party": "parties[0](buyer)",
    "party_name": "Ivan Petrov",
    "list": "us_ofac_sdn",
    "source_id": "123",
    "name": "PETROV, Ivan",
    "matched_name": "Ivan PETROV",
    "score": 0.91,
    "programs": ["RUSSIA-EO14024"],
}


@pytest.mark.parametrize(
    ("finding", "section", "title", "feature"),
    [
        (
            {
                "code": "screening.sanctions.us_ofac_sdn",
                "score": 91,
                "explanation": "hit",
                "evidence": {"hits": [HIT]},
            },
            "screening",
            "Sanctions and denied parties",
            "hits",
        ),
        (
            {
                "code": "fraud.reason.velocity_1h",
                "score": 0,
                "explanation": "fast",
                "evidence": {"contribution_logodds": 0.8},
            },
            "fraud",
            "Fraud",
            "reason_bars",
        ),
        (
            {
                "code": "trade.embargo.destination",
                "score": 100,
                "explanation": "embargo",
                "evidence": {"country": "KP"},
            },
            "trade",
            "Trade and customs",
            None,
        ),
        (
            {
                "code": "privacy.transfer.no_mechanism",
                "score": 20,
                "explanation": "no SCCs",
                "evidence": {},
            },
            "privacy",
            "Personal data transfers",
            None,
        ),
        (
            {"code": "newdomain.thing", "score": 5, "explanation": "new", "evidence": {}},
            "newdomain",
            "Newdomain",
            None,
        ),
    ],
)
def test_findings_land_in_their_domain_section(
    finding: dict[str, Any], section: str, title: str, feature: str | None
) -> None:
    tree = explain.build(_decision([finding]), {"parties": []})
    (sec,) = tree["sections"]
    assert (sec["key"], sec["title"]) == (section, title)
    assert tree["policy_version"] == "3"
    if feature == "hits":
        assert sec["findings"][0]["hits"][0]["name"] == "PETROV, Ivan"
    elif feature == "reason_bars":
        assert sec["reason_bars"] == [("fraud.reason.velocity_1h", 0.8)]
    else:
        assert sec["findings"][0]["hits"] is None and sec["reason_bars"] == []


def test_sections_keep_a_stable_order() -> None:
    findings = [
        {"code": c, "score": 1, "explanation": c, "evidence": {}}
        for c in ("trade.x", "fraud.y", "screening.z", "consistency.w")
    ]
    keys = [s["key"] for s in explain.build(_decision(findings), {})["sections"]]
    assert keys == ["screening", "fraud", "consistency", "trade"]
