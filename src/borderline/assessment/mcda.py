"""Multi-criteria decision analysis: weights (AHP, entropy, CRITIC) and rankings (TOPSIS, VIKOR,
grey relational analysis, fuzzy comprehensive evaluation).

Every result records the method and the parameters that produced it, because the answer depends
on them: TOPSIS with min-max and with vector normalisation can rank the same alternatives in
opposite orders (Opricovic & Tzeng 2004), and AHP eigenvector and geometric-mean weights differ.

pymcdm (MIT) computes TOPSIS, the CRITIC weights and the VIKOR Q index; AHP, entropy, the
VIKOR S/R measures, grey relational analysis and fuzzy comprehensive evaluation are written here
(pymcdm has no AHP, its entropy gives a whole criterion zero entropy as soon as one cell is 0
instead of using the 0·ln 0 = 0 convention, and it has neither GRA nor fuzzy evaluation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from borderline.assessment.tables import Table
from borderline.errors import InvalidInput

Array = NDArray[np.float64]

# _pymcdm_note: pymcdm imports matplotlib and pandas at import time (seconds on a busy
# machine), so it is imported inside the functions that use it, not by every CLI command.

# Saaty's random consistency index RI(n) (Saaty 1980, "The Analytic Hierarchy Process", table
# 1.7, extended to n = 15 as in Saaty 2008). RI(1) = RI(2) = 0: such matrices are always
# consistent.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
# Saaty's rule of thumb: a consistency ratio above 0.10 means the judgements should be revised.
DEFAULT_MAX_CR = 0.1
# a_ij · a_ji must be 1; a spreadsheet rounding 1/3 to 0.33 gives 0.99, which we accept.
_RECIPROCAL_TOLERANCE = 0.02

AhpMethod = Literal["eigenvector", "geometric_mean"]
Normalization = Literal["minmax", "vector"]
FuzzyOperator = Literal["weighted_average", "zadeh"]


@dataclass(frozen=True, slots=True)
class AhpResult:
    criteria: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    ri: float
    method: AhpMethod
    max_cr: float
    warnings: tuple[str, ...] = ()

    @property
    def consistent(self) -> bool:
        return self.cr <= self.max_cr

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(zip(self.criteria, self.weights, strict=True)),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "cr": self.cr,
            "ri": self.ri,
            "consistent": self.consistent,
            "method": "ahp",
            "parameters": {"prioritisation": self.method, "max_cr": self.max_cr},
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class WeightsResult:
    criteria: tuple[str, ...]
    weights: tuple[float, ...]
    method: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, float]:
        return dict(zip(self.criteria, self.weights, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.as_mapping(), "method": self.method, "parameters": self.parameters}


@dataclass(frozen=True, slots=True)
class RankingResult:
    """Scores per alternative; ``higher_is_better`` says how ``ranking`` was sorted."""

    alternatives: tuple[str, ...]
    scores: tuple[float, ...]
    method: str
    parameters: dict[str, Any]
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ranking(self) -> list[str]:
        order = sorted(
            range(len(self.alternatives)),
            key=lambda i: (-self.scores[i] if self.higher_is_better else self.scores[i], i),
        )
        return [self.alternatives[i] for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": dict(zip(self.alternatives, self.scores, strict=True)),
            "ranking": self.ranking,
            "method": self.method,
            "parameters": self.parameters,
            "higher_is_better": self.higher_is_better,
            **self.extra,
        }


# ---------------------------------------------------------------------------------------------
# AHP


def check_pairwise(table: Table, source: str = "<input>") -> Array:
    """Validate a pairwise comparison matrix: square, positive, unit diagonal, reciprocal."""
    n = len(table.columns)
    if len(table.rows) != n:
        raise InvalidInput(
            f"a pairwise matrix of {n} criteria needs {n} rows, found {len(table.rows)}",
            where=source,
        )
    if table.rows != table.columns:
        raise InvalidInput(
            f"row names {list(table.rows)} must equal the column names {list(table.columns)} "
            "in the same order",
            where=source,
        )
    if n > max(RANDOM_INDEX):
        raise InvalidInput(
            f"{n} criteria: the random index is published up to {max(RANDOM_INDEX)}; "
            "split the hierarchy into smaller groups",
            where=source,
        )
    a = np.asarray(table.values, dtype=float)
    names = table.columns
    for i in range(n):
        for j in range(n):
            if a[i, j] <= 0:
                raise InvalidInput(
                    f"comparisons must be positive, found {a[i, j]:g}",
                    where=f"{source}:{names[i]}/{names[j]}",
                )
    for i in range(n):
        if abs(a[i, i] - 1.0) > 1e-9:
            raise InvalidInput(
                f"a criterion compared with itself must be 1, found {a[i, i]:g}",
                where=f"{source}:{names[i]}/{names[i]}",
            )
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1.0) > _RECIPROCAL_TOLERANCE:
                raise InvalidInput(
                    f"not reciprocal: {names[i]}/{names[j]} = {a[i, j]:g} but "
                    f"{names[j]}/{names[i]} = {a[j, i]:g} (expected {1 / a[i, j]:.4g})",
                    where=f"{source}:{names[j]}/{names[i]}",
                )
    return a


def ahp(
    table: Table,
    *,
    method: AhpMethod = "eigenvector",
    max_cr: float = DEFAULT_MAX_CR,
    refuse_inconsistent: bool = False,
    source: str = "<input>",
) -> AhpResult:
    """Priority weights of a pairwise comparison matrix, with λmax, CI and CR.

    ``eigenvector`` is Saaty's principal right eigenvector; ``geometric_mean`` is the row
    geometric mean (Crawford & Williams 1985), whose λmax is estimated as mean((Aw)_i / w_i).
    A CR above ``max_cr`` is a warning, or an error when ``refuse_inconsistent``.
    """
    a = check_pairwise(table, source)
    n = a.shape[0]
    if method == "eigenvector":
        eigvals, eigvecs = np.linalg.eig(a)
        k = int(np.argmax(eigvals.real))
        lam = float(eigvals[k].real)
        vec = np.abs(eigvecs[:, k].real)
        w = vec / vec.sum()
    elif method == "geometric_mean":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
        lam = float(np.mean((a @ w) / w))
    else:
        raise InvalidInput(
            f"unknown AHP method {method!r}; use eigenvector or geometric_mean", where="method"
        )
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    # Rounding can push λmax a hair below n for consistent matrices; CI is never negative.
    ci = max(ci, 0.0)
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    warnings: list[str] = []
    if cr > max_cr:
        message = (
            f"inconsistent judgements: CR = {cr:.3f} exceeds {max_cr:g}; "
            "revise the comparisons with the largest deviations"
        )
        if refuse_inconsistent:
            raise InvalidInput(message, where=source, cr=cr, lambda_max=lam)
        warnings.append(message)
    return AhpResult(
        criteria=table.columns,
        weights=tuple(float(x) for x in w),
        lambda_max=lam,
        ci=ci,
        cr=cr,
        ri=ri,
        method=method,
        max_cr=max_cr,
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------------------------
# Objective weights


def _matrix(table: Table, source: str, *, min_rows: int = 2) -> Array:
    if len(table.rows) < min_rows:
        raise InvalidInput(
            f"needs at least {min_rows} alternatives, found {len(table.rows)}", where=source
        )
    return np.asarray(table.values, dtype=float)


def entropy_weights(table: Table, *, source: str = "<input>") -> WeightsResult:
    """Shannon entropy weights: criteria whose values differ more across alternatives weigh more.

    p_ij = x_ij / Σ_i x_ij, e_j = −Σ_i p_ij ln p_ij / ln m (with 0·ln 0 = 0), w_j ∝ 1 − e_j.
    """
    x = _matrix(table, source)
    m = x.shape[0]
    for j, name in enumerate(table.columns):
        col = x[:, j]
        if np.any(col < 0):
            i = int(np.argmax(col < 0))
            raise InvalidInput(
                f"entropy needs non-negative values, found {col[i]:g}",
                where=f"{source}:{table.rows[i]}/{name}",
            )
        if col.sum() == 0:
            raise InvalidInput("every value of this criterion is 0", where=f"{source}:{name}")
    p = x / x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / math.log(m)
    d = 1.0 - e
    if d.sum() <= 0:
        raise InvalidInput(
            "every criterion is spread evenly over the alternatives: entropy gives no weights",
            where=source,
        )
    w = d / d.sum()
    return WeightsResult(
        criteria=table.columns,
        weights=tuple(float(v) for v in w),
        method="entropy",
        parameters={"normalization": "sum", "log": "natural", "zero_convention": "0*ln0=0"},
    )


def _types_array(types: Sequence[str], table: Table, source: str) -> Array:
    if len(types) != len(table.columns):
        raise InvalidInput(
            f"{len(types)} criterion types for {len(table.columns)} criteria "
            f"({', '.join(table.columns)})",
            where="types",
        )
    out = []
    for i, t in enumerate(types):
        t = t.strip()
        if t in ("+", "benefit", "max"):
            out.append(1.0)
        elif t in ("-", "cost", "min"):
            out.append(-1.0)
        else:
            raise InvalidInput(
                f"criterion type {t!r} for {table.columns[i]!r}: use + (benefit) or - (cost)",
                where="types",
            )
    return np.asarray(out)


def _check_spread(x: Array, table: Table, source: str, why: str) -> None:
    for j, name in enumerate(table.columns):
        if np.ptp(x[:, j]) == 0:
            raise InvalidInput(
                f"every alternative has the same value; {why}", where=f"{source}:{name}"
            )


def critic_weights(
    table: Table, types: Sequence[str] | None = None, *, source: str = "<input>"
) -> WeightsResult:
    """CRITIC (Diakoulaki et al. 1995): contrast (standard deviation) × conflict (1 − r)."""
    x = _matrix(table, source, min_rows=3)
    _check_spread(x, table, source, "CRITIC needs values that differ (correlation is undefined)")
    t = _types_array(types, table, source) if types else np.ones(len(table.columns))
    from pymcdm.weights import critic_weights as _critic_weights  # lazy: see _pymcdm_note

    w = _critic_weights(x, t)
    return WeightsResult(
        criteria=table.columns,
        weights=tuple(float(v) for v in w),
        method="critic",
        parameters={"types": ["+" if v > 0 else "-" for v in t], "normalization": "minmax"},
    )


# ---------------------------------------------------------------------------------------------
# Rankings


def _weights_array(weights: Sequence[float] | None, table: Table) -> Array:
    n = len(table.columns)
    if weights is None:
        return np.full(n, 1.0 / n)
    if len(weights) != n:
        raise InvalidInput(
            f"{len(weights)} weights for {n} criteria ({', '.join(table.columns)})",
            where="weights",
        )
    w = np.asarray(weights, dtype=float)
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InvalidInput("weights must be non-negative numbers, not all zero", where="weights")
    normalised: Array = w / w.sum()
    return normalised


def topsis(
    table: Table,
    weights: Sequence[float] | None,
    types: Sequence[str],
    *,
    normalization: Normalization = "minmax",
    source: str = "<input>",
) -> RankingResult:
    """TOPSIS closeness coefficient C* (higher is better) under the chosen normalisation."""
    from pymcdm import normalizations as _norm  # lazy: see _pymcdm_note
    from pymcdm.methods import TOPSIS as _TOPSIS

    x = _matrix(table, source)
    w = _weights_array(weights, table)
    t = _types_array(types, table, source)
    if normalization == "minmax":
        _check_spread(x, table, source, "min-max normalisation divides by max − min")
        fn = _norm.minmax_normalization
    elif normalization == "vector":
        for j, name in enumerate(table.columns):
            if not np.any(x[:, j]):
                raise InvalidInput("every value is 0", where=f"{source}:{name}")
        fn = _norm.vector_normalization
    else:
        raise InvalidInput(
            f"unknown normalization {normalization!r}; use minmax or vector", where="normalization"
        )
    scores = _TOPSIS(normalization_function=fn)(x, w, t)
    return RankingResult(
        alternatives=table.rows,
        scores=tuple(float(s) for s in scores),
        method="topsis",
        parameters={
            "normalization": normalization,
            "weights": dict(zip(table.columns, (float(v) for v in w), strict=True)),
            "types": ["+" if v > 0 else "-" for v in t],
        },
    )


def vikor(
    table: Table,
    weights: Sequence[float] | None,
    types: Sequence[str],
    *,
    v: float = 0.5,
    source: str = "<input>",
) -> RankingResult:
    """VIKOR (Opricovic 1998): group utility S, individual regret R and compromise index Q.

    Lower Q is better. ``v`` weighs the strategy of the majority of criteria against regret.
    The result also reports whether the best alternative has an acceptable advantage
    (Q2 − Q1 ≥ 1/(m − 1)) and acceptable stability (it also ranks first by S or by R).
    """
    if not 0.0 <= v <= 1.0:
        raise InvalidInput(f"v must be between 0 and 1, found {v:g}", where="v")
    x = _matrix(table, source)
    w = _weights_array(weights, table)
    t = _types_array(types, table, source)
    _check_spread(x, table, source, "VIKOR divides by best − worst")
    best = np.where(t > 0, x.max(axis=0), x.min(axis=0))
    worst = np.where(t > 0, x.min(axis=0), x.max(axis=0))
    gaps = w * (best - x) / (best - worst)
    s = gaps.sum(axis=1)
    r = gaps.max(axis=1)
    from pymcdm.methods import VIKOR as _VIKOR  # lazy: see _pymcdm_note

    q = np.asarray(_VIKOR(v=v)(x, w, t), dtype=float)
    m = len(table.rows)
    order = np.argsort(q, kind="stable")
    first, second = int(order[0]), int(order[1])
    advantage = bool(q[second] - q[first] >= 1.0 / (m - 1))
    stability = bool(first in (int(np.argmin(s)), int(np.argmin(r))))
    return RankingResult(
        alternatives=table.rows,
        scores=tuple(float(val) for val in q),
        method="vikor",
        higher_is_better=False,
        parameters={
            "v": v,
            "weights": dict(zip(table.columns, (float(val) for val in w), strict=True)),
            "types": ["+" if val > 0 else "-" for val in t],
        },
        extra={
            "s": dict(zip(table.rows, (float(val) for val in s), strict=True)),
            "r": dict(zip(table.rows, (float(val) for val in r), strict=True)),
            "acceptable_advantage": advantage,
            "acceptable_stability": stability,
        },
    )


def grey_relational(
    table: Table,
    weights: Sequence[float] | None,
    types: Sequence[str],
    *,
    rho: float = 0.5,
    source: str = "<input>",
) -> RankingResult:
    """Grey relational analysis (Deng 1989): grade of each alternative against the ideal.

    Values are normalised to [0, 1] per criterion (larger-the-better or smaller-the-better),
    compared with the ideal sequence of 1s, and the grey relational coefficients
    (Δmin + ρΔmax) / (Δ_ij + ρΔmax) are averaged with the weights. Higher grade is better.
    """
    if not 0.0 < rho <= 1.0:
        raise InvalidInput(f"rho must be in (0, 1], found {rho:g}", where="rho")
    x = _matrix(table, source)
    w = _weights_array(weights, table)
    t = _types_array(types, table, source)
    _check_spread(x, table, source, "grey relational normalisation divides by max − min")
    lo, hi = x.min(axis=0), x.max(axis=0)
    norm = np.where(t > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    delta = np.abs(1.0 - norm)
    dmin, dmax = float(delta.min()), float(delta.max())
    coef = (dmin + rho * dmax) / (delta + rho * dmax)
    grade = coef @ w
    return RankingResult(
        alternatives=table.rows,
        scores=tuple(float(g) for g in grade),
        method="grey_relational",
        parameters={
            "rho": rho,
            "weights": dict(zip(table.columns, (float(val) for val in w), strict=True)),
            "types": ["+" if val > 0 else "-" for val in t],
        },
    )


@dataclass(frozen=True, slots=True)
class FuzzyResult:
    grades: tuple[str, ...]
    membership: tuple[float, ...]
    best_grade: str
    score: float | None
    operator: FuzzyOperator
    weights: dict[str, float]
    grade_scores: dict[str, float] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "membership": dict(zip(self.grades, self.membership, strict=True)),
            "grade": self.best_grade,
            "score": self.score,
            "method": "fuzzy_comprehensive_evaluation",
            "parameters": {
                "operator": self.operator,
                "weights": self.weights,
                "grade_scores": self.grade_scores,
            },
        }


def fuzzy_evaluation(
    table: Table,
    weights: Sequence[float] | None,
    *,
    operator: FuzzyOperator = "weighted_average",
    grade_scores: Sequence[float] | None = None,
    source: str = "<input>",
) -> FuzzyResult:
    """Fuzzy comprehensive evaluation B = W ∘ R.

    ``table`` is the membership matrix R: one row per factor, one column per grade (for example
    low, medium, high), each row the share of evaluators (or the membership degree) giving that
    grade, in [0, 1]. ``weights`` are the factor weights W. ``weighted_average`` is the
    M(·, ⊕) operator (b_j = Σ w_i r_ij), which uses every factor; ``zadeh`` is M(∧, ∨)
    (b_j = max_i min(w_i, r_ij)), which only hears the dominant factor. B is normalised to sum
    to 1; the grade is the one with the largest membership, and with ``grade_scores`` a crisp
    score Σ b_j s_j is given too.
    """
    r = np.asarray(table.values, dtype=float)
    for i, name in enumerate(table.rows):
        row = r[i]
        if np.any(row < 0) or np.any(row > 1):
            raise InvalidInput("memberships must lie in [0, 1]", where=f"{source}:{name}")
        if row.sum() == 0:
            raise InvalidInput("factor has no membership in any grade", where=f"{source}:{name}")
    n_factors = len(table.rows)
    if weights is None:
        w = np.full(n_factors, 1.0 / n_factors)
    else:
        if len(weights) != n_factors:
            raise InvalidInput(
                f"{len(weights)} weights for {n_factors} factors ({', '.join(table.rows)})",
                where="weights",
            )
        w = np.asarray(weights, dtype=float)
        if np.any(w < 0) or w.sum() <= 0:
            raise InvalidInput("weights must be non-negative, not all zero", where="weights")
        w = w / w.sum()
    if operator == "weighted_average":
        b = w @ r
    elif operator == "zadeh":
        b = np.max(np.minimum(w[:, None], r), axis=0)
    else:
        raise InvalidInput(
            f"unknown operator {operator!r}; use weighted_average or zadeh", where="operator"
        )
    if b.sum() == 0:
        raise InvalidInput("the evaluation vector is all zero", where=source)
    b = b / b.sum()
    scores_map: dict[str, float] | None = None
    score: float | None = None
    if grade_scores is not None:
        if len(grade_scores) != len(table.columns):
            raise InvalidInput(
                f"{len(grade_scores)} grade scores for {len(table.columns)} grades",
                where="grade_scores",
            )
        scores_map = dict(zip(table.columns, (float(s) for s in grade_scores), strict=True))
        score = float(b @ np.asarray(grade_scores, dtype=float))
    return FuzzyResult(
        grades=table.columns,
        membership=tuple(float(v) for v in b),
        best_grade=table.columns[int(np.argmax(b))],
        score=score,
        operator=operator,
        weights=dict(zip(table.rows, (float(v) for v in w), strict=True)),
        grade_scores=scores_map,
    )
