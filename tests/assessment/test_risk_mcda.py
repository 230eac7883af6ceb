"""MCDA against published worked examples, their inputs and outputs copied into this file:
AHP from Wang & Chin (2011), Information Sciences 181(23):5240-5248; entropy weights from
Elsayed, Dawood & Karthikeyan (2017), IJETT 46(2):60-66; TOPSIS from Opricovic & Tzeng
(2004), EJOR 156(2):445-455."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymcdm.methods import VIKOR

from borderline.assessment import mcda
from borderline.assessment.tables import Table, parse_number, read_table
from borderline.errors import InvalidInput

DATA = Path(__file__).parent / "data"


def _load(name: str) -> Table:
    return read_table((DATA / name).read_text(), source=name)


# Wang & Chin (2011), Information Sciences 181(23):5240-5248: a deliberately inconsistent matrix.
WANG_CHIN_EIGEN = [0.3208, 0.1395, 0.0348, 0.1285, 0.2374, 0.1391]
WANG_CHIN_GM = [0.316, 0.139, 0.036, 0.125, 0.236, 0.148]


def test_ahp_eigenvector_wang_chin() -> None:
    res = mcda.ahp(_load("ahp_wang_chin_2011.csv"))
    assert res.weights == pytest.approx(WANG_CHIN_EIGEN, abs=5e-5)
    assert res.lambda_max == pytest.approx(7.4199, abs=5e-5)
    assert res.ci == pytest.approx(0.284, abs=5e-4)
    assert res.ri == 1.24
    assert res.cr == pytest.approx(0.229, abs=5e-4)
    assert not res.consistent
    assert res.warnings and "CR = 0.229" in res.warnings[0]
    assert res.to_dict()["parameters"]["prioritisation"] == "eigenvector"


def test_ahp_geometric_mean_wang_chin() -> None:
    res = mcda.ahp(_load("ahp_wang_chin_2011.csv"), method="geometric_mean")
    assert res.weights == pytest.approx(WANG_CHIN_GM, abs=5e-4)
    assert res.to_dict()["parameters"]["prioritisation"] == "geometric_mean"
    assert res.cr > 0.1


def test_ahp_refuses_inconsistent_when_strict() -> None:
    with pytest.raises(InvalidInput, match=r"CR = 0\.229 exceeds 0\.1"):
        mcda.ahp(_load("ahp_wang_chin_2011.csv"), refuse_inconsistent=True)


def test_ahp_consistent_matrix_has_zero_cr() -> None:
    # A perfectly consistent matrix built from weights (4, 2, 1): a_ij = w_i / w_j.
    table = read_table("c,a,b,c\na,1,2,4\nb,1/2,1,2\nc,1/4,1/2,1\n")
    res = mcda.ahp(table)
    assert res.weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert res.lambda_max == pytest.approx(3.0)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.consistent and not res.warnings


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("c,a,b\na,1,3\nb,1/2,1\n", "not reciprocal"),
        ("c,a,b\na,1,-3\nb,-1/3,1\n", "must be positive"),
        ("c,a,b\na,1,0\nb,1,1\n", "must be positive"),
        ("c,a,b\na,2,3\nb,1/3,1\n", "compared with itself must be 1"),
        ("c,a,b,c\na,1,3,2\nb,1/3,1,2\n", "needs 3 rows, found 2"),
        ("c,a,b\na,1,3\nb,1/3,1\nc,1,1\n", "needs 2 rows, found 3"),
        ("c,a,b\nb,1,3\na,1/3,1\n", "must equal the column names"),
        ("c,a,b\na,1,3,4\nb,1/3,1\n", "has 3 values"),
        ("c,a,b\na,1,x\nb,1/3,1\n", "not a number or fraction"),
        ("c,a,b\na,1,1/0\nb,1/3,1\n", "not a number or fraction"),
    ],
)
def test_ahp_bad_matrices(csv: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        mcda.ahp(read_table(csv, source="m.csv"), source="m.csv")
    assert err.value.where is not None and err.value.where.startswith("m.csv")


# Elsayed, Dawood & Karthikeyan (2017), IJETT 46(2):60-66.
def test_entropy_elsayed() -> None:
    res = mcda.entropy_weights(_load("entropy_elsayed_2017.csv"))
    assert res.weights == pytest.approx(
        [0.104991, 0.069124, 0.071373, 0.449937, 0.304575], abs=5e-6
    )
    assert res.method == "entropy"


def test_entropy_zero_cell_uses_0ln0_convention() -> None:
    # One zero must not make the whole criterion look maximally informative.
    table = read_table("a,c1,c2\nx,0,1\ny,5,1.1\nz,5,0.9\n")
    res = mcda.entropy_weights(table)
    assert sum(res.weights) == pytest.approx(1.0)
    assert 0 < res.weights[0] < 1


def test_entropy_rejects_negative() -> None:
    with pytest.raises(InvalidInput, match="non-negative") as err:
        mcda.entropy_weights(read_table("a,c1\nx,-1\ny,2\n", source="e.csv"), source="e.csv")
    assert err.value.where == "e.csv:x/c1"


# Opricovic & Tzeng (2004), EJOR 156(2):445-455: the ranking flips with the normalisation.
@pytest.mark.parametrize(
    ("normalization", "expected", "best"),
    [("minmax", [0.500, 0.617, 0.500], "A2"), ("vector", [0.762, 0.722, 0.238], "A1")],
)
def test_topsis_opricovic_tzeng(normalization: str, expected: list[float], best: str) -> None:
    res = mcda.topsis(
        _load("topsis_opricovic_tzeng_2004.csv"),
        [0.5, 0.5],
        ["-", "+"],
        normalization=normalization,  # type: ignore[arg-type]
    )
    assert res.scores == pytest.approx(expected, abs=5e-4)
    assert res.ranking[0] == best
    assert res.parameters["normalization"] == normalization


def test_vikor_opricovic_tzeng() -> None:
    # Same paper: VIKOR with v = 0.5 gives the compromise A2 (S = 0.375, R = 0.25, Q = 0);
    # values re-computed by hand from the definitions in section 2 of the paper.
    table = _load("topsis_opricovic_tzeng_2004.csv")
    res = mcda.vikor(table, [0.5, 0.5], ["-", "+"])
    assert res.scores == pytest.approx([1.0, 0.0, 1.0])
    assert res.extra["s"] == pytest.approx({"A1": 0.5, "A2": 0.375, "A3": 0.5})
    assert res.extra["r"] == pytest.approx({"A1": 0.5, "A2": 0.25, "A3": 0.5})
    assert res.ranking[0] == "A2"
    assert res.extra["acceptable_advantage"] and res.extra["acceptable_stability"]


def test_vikor_matches_pymcdm_q_on_entropy_example() -> None:
    table = _load("entropy_elsayed_2017.csv")
    w = mcda.entropy_weights(table).weights
    types = ["-", "+", "+", "+", "-"]
    res = mcda.vikor(table, list(w), types, v=0.3)
    x = np.asarray(table.values)
    q = VIKOR(v=0.3)(x, np.asarray(w), np.array([-1, 1, 1, 1, -1]))
    assert res.scores == pytest.approx(list(q))


def test_grey_relational_hand_computed() -> None:
    # Normalised: A1 (1, 0), A2 (0.75, 0.5), A3 (0, 1); Δmax = 1, Δmin = 0, ρ = 0.5:
    # ξ = 0.5 / (Δ + 0.5) → A2 grade = (0.5/0.75 + 0.5/1.0) / 2 = 0.58333.
    res = mcda.grey_relational(_load("topsis_opricovic_tzeng_2004.csv"), [0.5, 0.5], ["-", "+"])
    assert res.scores == pytest.approx([2 / 3, 7 / 12, 2 / 3])
    assert res.parameters["rho"] == 0.5


def test_critic_weights_sum_to_one_and_record_method() -> None:
    res = mcda.critic_weights(_load("entropy_elsayed_2017.csv"))
    assert sum(res.weights) == pytest.approx(1.0)
    assert res.method == "critic"


def test_fuzzy_weighted_average_and_zadeh() -> None:
    r = read_table("factor,low,medium,high\nf1,0.2,0.5,0.3\nf2,0.6,0.3,0.1\n")
    avg = mcda.fuzzy_evaluation(r, [0.7, 0.3], grade_scores=[1, 2, 3])
    # B = 0.7·(0.2,0.5,0.3) + 0.3·(0.6,0.3,0.1) = (0.32, 0.44, 0.24)
    assert avg.membership == pytest.approx([0.32, 0.44, 0.24])
    assert avg.best_grade == "medium"
    assert avg.score == pytest.approx(0.32 + 0.88 + 0.72)
    zadeh = mcda.fuzzy_evaluation(r, [0.7, 0.3], operator="zadeh")
    # b = max(min(0.7, r1j), min(0.3, r2j)) = (0.3, 0.5, 0.3), normalised by 1.1
    assert zadeh.membership == pytest.approx([0.3 / 1.1, 0.5 / 1.1, 0.3 / 1.1])


def test_fuzzy_rejects_membership_outside_unit_interval() -> None:
    with pytest.raises(InvalidInput, match=r"\[0, 1\]"):
        mcda.fuzzy_evaluation(read_table("f,a,b\nx,1.5,0\n"), None)


@pytest.mark.parametrize(
    ("weights", "types", "message"),
    [
        ([0.5], ["-", "+"], "1 weights for 2 criteria"),
        ([0.5, 0.5], ["-"], "1 criterion types"),
        ([0.5, 0.5], ["-", "x"], "use \\+ \\(benefit\\)"),
        ([-1, 2], ["-", "+"], "non-negative"),
    ],
)
def test_topsis_bad_parameters(weights: list[float], types: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        mcda.topsis(_load("topsis_opricovic_tzeng_2004.csv"), weights, types)


def test_topsis_constant_criterion_minmax_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="same value"):
        mcda.topsis(read_table("a,c1,c2\nx,1,5\ny,1,6\n"), None, ["+", "+"])


# Property tests for the parser: fractions and decimals round-trip, garbage is refused.
@given(st.integers(1, 9), st.integers(1, 9))
def test_parse_fraction(num: int, den: int) -> None:
    assert parse_number(f" {num}/{den} ", "x") == pytest.approx(num / den)


@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False))
def test_parse_decimal_roundtrip(value: float) -> None:
    assert parse_number(repr(value), "x") == value


@given(st.text(alphabet="abcxyz!@#", min_size=1, max_size=5))
def test_parse_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_number(text, "x")


@given(st.lists(st.floats(min_value=0.1, max_value=10), min_size=2, max_size=7))
def test_ahp_consistent_matrices_recover_weights(raw: list[float]) -> None:
    # Any matrix a_ij = w_i / w_j is perfectly consistent and yields w back, by both methods.
    w = np.asarray(raw) / sum(raw)
    names = [f"c{i}" for i in range(len(w))]
    lines = ["x," + ",".join(names)]
    for i, n in enumerate(names):
        lines.append(n + "," + ",".join(repr(float(w[i] / w[j])) for j in range(len(w))))
    table = read_table("\n".join(lines))
    for method in ("eigenvector", "geometric_mean"):
        res = mcda.ahp(table, method=method)  # type: ignore[arg-type]
        assert res.weights == pytest.approx(list(w), rel=1e-6)
        assert res.cr == pytest.approx(0.0, abs=1e-9)
