"""FAIR Monte Carlo against closed forms, and the maturity questionnaire."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from borderline.assessment.fair import (
    LogNormal90,
    Pert,
    QuantInput,
    exceedance_curve,
    expected_shortfall,
    quantify,
)
from borderline.assessment.maturity import load_questionnaire, progress, score
from borderline.errors import InvalidInput

SCENARIOS = [
    {
        "id": "card_fraud",
        "frequency": {"dist": "pert", "min": 1, "mode": 3, "max": 8},
        "magnitude": {"dist": "lognormal", "low": 5_000, "high": 120_000},
    },
    {
        "id": "sanctions_breach",
        "frequency": {"dist": "lognormal", "low": 0.02, "high": 0.3},
        "magnitude": {"dist": "pert", "min": 100_000, "mode": 750_000, "max": 10_000_000},
    },
]


def test_lognormal_from_90_percent_range() -> None:
    d = LogNormal90(dist="lognormal", low=10_000, high=1_000_000)
    # The 5th and 95th percentiles of the fitted distribution are the range's ends.
    dist = stats.lognorm(s=d.sigma, scale=math.exp(d.mu))
    assert dist.ppf(0.05) == pytest.approx(10_000, rel=1e-9)
    assert dist.ppf(0.95) == pytest.approx(1_000_000, rel=1e-9)
    x = d.sample(np.random.default_rng(1), 200_000)
    assert np.quantile(x, [0.05, 0.95]) == pytest.approx([10_000, 1_000_000], rel=0.03)


def test_pert_mean_and_bounds() -> None:
    d = Pert(dist="pert", min=2, mode=5, max=14)
    assert d.mean() == pytest.approx((2 + 4 * 5 + 14) / 6)
    x = d.sample(np.random.default_rng(2), 200_000)
    assert x.min() >= 2 and x.max() <= 14
    assert x.mean() == pytest.approx(d.mean(), rel=0.01)


def test_compound_poisson_closed_forms() -> None:
    # Constant-ish rate: PERT on [1.999, 2.001] ≈ 2 events a year. Then P(loss > 0) = 1 − e^−2
    # and E[annual loss] = 2 · E[magnitude].
    inp = {
        "seed": 7,
        "trials": 100_000,
        "scenarios": [
            {
                "id": "s",
                "frequency": {"dist": "pert", "min": 1.999, "mode": 2, "max": 2.001},
                "magnitude": {"dist": "lognormal", "low": 1_000, "high": 50_000},
            }
        ],
    }
    res = quantify(inp).to_dict()
    s = res["scenarios"]["s"]
    assert s["p_any_loss"] == pytest.approx(1 - math.exp(-2), abs=0.005)
    mag = LogNormal90(dist="lognormal", low=1_000, high=50_000).mean()
    assert s["mean"] == pytest.approx(2 * mag, rel=0.02)
    assert res["exceedance_curve"][0] == {"loss": 0.0, "probability": s["p_any_loss"]}


def test_results_are_reproducible_and_record_seed() -> None:
    a = quantify({"seed": 42, "trials": 5_000, "scenarios": SCENARIOS}).to_dict()
    b = quantify({"seed": 42, "trials": 5_000, "scenarios": SCENARIOS}).to_dict()
    c = quantify({"seed": 43, "trials": 5_000, "scenarios": SCENARIOS}).to_dict()
    assert a == b and a["portfolio"] != c["portfolio"]
    assert a["parameters"]["seed"] == 42
    assert a["inputs"]["scenarios"][0]["id"] == "card_fraud"
    # Adding a scenario does not change the draws of the others.
    one = quantify({"seed": 42, "trials": 5_000, "scenarios": SCENARIOS[:1]}).to_dict()
    assert one["scenarios"]["card_fraud"] == a["scenarios"]["card_fraud"]


def test_portfolio_risk_measures() -> None:
    res = quantify({"seed": 3, "trials": 20_000, "scenarios": SCENARIOS}).to_dict()
    p = res["portfolio"]
    assert p["mean"] == pytest.approx(sum(s["mean"] for s in res["scenarios"].values()))
    assert p["var"]["0.9"] <= p["var"]["0.95"] <= p["var"]["0.99"]
    for q in ("0.9", "0.95", "0.99"):
        assert p["es"][q] >= p["var"][q]
    probs = [pt["probability"] for pt in res["exceedance_curve"]]
    assert probs == sorted(probs, reverse=True)


def test_expected_shortfall_exact() -> None:
    losses = np.arange(1.0, 101.0)  # 1..100
    assert expected_shortfall(losses, 0.95) == pytest.approx(np.mean([96, 97, 98, 99, 100]))
    curve = exceedance_curve(np.array([0.0, 0.0, 10.0, 20.0]))
    assert curve[0]["probability"] == 0.5


@pytest.mark.parametrize(
    "bad",
    [
        {"scenarios": []},
        {"scenarios": [{**SCENARIOS[0], "magnitude": {"dist": "lognormal", "low": 5, "high": 1}}]},
        {
            "scenarios": [
                {**SCENARIOS[0], "frequency": {"dist": "pert", "min": 3, "mode": 1, "max": 8}}
            ]
        },
        {"scenarios": [SCENARIOS[0], SCENARIOS[0]]},
        {"scenarios": SCENARIOS, "var_levels": [1.5]},
        {"scenarios": [{**SCENARIOS[0], "magnitude": {"dist": "gamma", "a": 1}}]},
    ],
)
def test_bad_quant_input(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        QuantInput.model_validate(bad)


def test_maturity_scoring_and_gaps() -> None:
    q = load_questionnaire("crossborder")
    assert {d.id for d in q.domains} == {
        "compliance",
        "payments_fraud",
        "customs_tax",
        "logistics",
        "data_protection",
        "it_security",
        "governance",
    }
    answers = {qid: 3 for qid in q.question_ids()}
    answers["sanctions_screening"] = 1
    res = score(q, answers)
    comp = res["domains"]["compliance"]
    assert comp["score"] == pytest.approx((1 + 3 + 3) / 3) and comp["target"] == 4
    top = res["gaps"][0]
    assert (top["question"], top["gap"], top["next_level"]) == ("sanctions_screening", 3.0, 2)
    assert top["next_step"].startswith("Every order is screened")
    # Only compliance has a target above 3, so only its questions have gaps here.
    assert {g["domain"] for g in res["gaps"]} == {"compliance"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nope": 1}, "unknown question"),
        ({"audit_trail": 6}, "outside 0..5"),
        ({"audit_trail": 2.5}, "whole level"),
        ({"audit_trail": "3"}, "whole level"),
    ],
)
def test_maturity_bad_answers(change: dict[str, object], message: str) -> None:
    q = load_questionnaire()
    answers: dict[str, object] = {qid: 2 for qid in q.question_ids()}
    answers.update(change)
    with pytest.raises(InvalidInput, match=message):
        score(q, answers)
    answers = {qid: 2 for qid in list(q.question_ids())[1:]}
    with pytest.raises(InvalidInput, match="unanswered"):
        score(q, answers)


def test_maturity_progress() -> None:
    q = load_questionnaire()
    r1 = score(q, {qid: 1 for qid in q.question_ids()})
    r2 = score(q, {qid: 2 for qid in q.question_ids()})
    p = progress(
        [
            {"period": "2026-Q1", "overall": r1["overall"], "result": r1},
            {"period": "2026-Q2", "overall": r2["overall"], "result": r2},
        ]
    )
    assert [x["overall"] for x in p["overall"]] == [1.0, 2.0]
    assert p["change_since_previous"]["governance"] == 1.0
