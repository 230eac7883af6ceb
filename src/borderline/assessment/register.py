"""The risk register's rules, free of storage: matrices, ratings, re-mapping, residual risk
suggested from controls, acceptance checks and the diff between two periods.

Matrices are data (``data/matrices/*.yaml``) because supervisors impose their own scales; moving
an assessment to another matrix uses the explicit rules in ``data/matrices/remap.yaml`` and
fails when there is none, so no rating changes by an arithmetic accident.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from borderline.errors import Conflict, DataFileError, InvalidInput, NotFound

RATING_KINDS = ("inherent", "current", "residual", "target")
ControlKind = Literal["preventive", "detective", "corrective"]
TreatmentStatus = Literal["open", "in_progress", "done", "cancelled"]
# Named effectiveness grades and the share of the rating a control removes. The grades follow
# the usual four-step control-assessment scale; a number in [0, 1] may be given instead.
EFFECTIVENESS: dict[str, float] = {"none": 0.0, "weak": 0.25, "moderate": 0.5, "strong": 0.75}
MAX_ACCEPTANCE_DAYS = 366  # an accepted risk comes back for review at least once a year


# ---------------------------------------------------------------------------------------------
# Matrices


@dataclass(frozen=True, slots=True)
class RiskMatrix:
    id: str
    name: str
    likelihood: tuple[str, ...]
    impact: tuple[str, ...]
    levels: tuple[tuple[str, int], ...]  # (name, max score), ascending
    cells: tuple[tuple[str, ...], ...] | None
    appetite: str

    @property
    def size(self) -> tuple[int, int]:
        return len(self.likelihood), len(self.impact)

    def check(self, likelihood: int, impact: int, where: str) -> None:
        nl, ni = self.size
        if not 1 <= likelihood <= nl:
            raise InvalidInput(
                f"likelihood {likelihood} outside 1..{nl} of matrix {self.id}", where=where
            )
        if not 1 <= impact <= ni:
            raise InvalidInput(f"impact {impact} outside 1..{ni} of matrix {self.id}", where=where)

    def level(self, likelihood: int, impact: int) -> str:
        if self.cells is not None:
            return self.cells[likelihood - 1][impact - 1]
        score = likelihood * impact
        for name, max_score in self.levels:
            if score <= max_score:
                return name
        return self.levels[-1][0]

    def level_rank(self, level: str) -> int:
        return [n for n, _ in self.levels].index(level)

    def above_appetite(self, likelihood: int, impact: int) -> bool:
        return self.level_rank(self.level(likelihood, impact)) > self.level_rank(self.appetite)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "likelihood": list(self.likelihood),
            "impact": list(self.impact),
            "levels": [n for n, _ in self.levels],
            "appetite": self.appetite,
            "grid": [
                [self.level(li, im) for im in range(1, len(self.impact) + 1)]
                for li in range(1, len(self.likelihood) + 1)
            ],
        }


def parse_matrix(doc: Any, where: str) -> RiskMatrix:
    if not isinstance(doc, dict):
        raise DataFileError("a matrix must be a mapping", where=where)
    for key in ("id", "likelihood", "impact", "levels"):
        if key not in doc:
            raise DataFileError(f"matrix lacks {key!r}", where=where)

    def labels(items: Any, axis: str) -> tuple[str, ...]:
        if not isinstance(items, list) or len(items) < 2:
            raise DataFileError(f"{axis} needs at least two classes", where=where)
        return tuple(str(i["label"]) if isinstance(i, dict) else str(i) for i in items)

    lik, imp = labels(doc["likelihood"], "likelihood"), labels(doc["impact"], "impact")
    levels: list[tuple[str, int]] = []
    for lv in doc["levels"]:
        try:
            levels.append((str(lv["name"]), int(lv["max_score"])))
        except (KeyError, TypeError, ValueError):
            raise DataFileError("each level needs name and max_score", where=where) from None
    if [m for _, m in levels] != sorted(m for _, m in levels):
        raise DataFileError("levels must be in ascending max_score order", where=where)
    names = [n for n, _ in levels]
    cells = None
    if doc.get("cells") is not None:
        grid = doc["cells"]
        if len(grid) != len(lik) or any(len(row) != len(imp) for row in grid):
            raise DataFileError(
                f"cells must be {len(lik)} rows × {len(imp)} columns", where=f"{where}:cells"
            )
        for row in grid:
            for cell in row:
                if cell not in names:
                    raise DataFileError(f"unknown level {cell!r} in cells", where=f"{where}:cells")
        cells = tuple(tuple(str(c) for c in row) for row in grid)
    appetite = str(doc.get("appetite", names[0]))
    if appetite not in names:
        raise DataFileError(f"appetite {appetite!r} is not a level {names}", where=where)
    return RiskMatrix(
        id=str(doc["id"]),
        name=str(doc.get("name", doc["id"])),
        likelihood=lik,
        impact=imp,
        levels=tuple(levels),
        cells=cells,
        appetite=appetite,
    )


@dataclass(frozen=True, slots=True)
class RemapRule:
    source: str
    target: str
    likelihood: Mapping[int, int]
    impact: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class MatrixBook:
    matrices: Mapping[str, RiskMatrix]
    rules: Mapping[tuple[str, str], RemapRule]

    def get(self, matrix_id: str) -> RiskMatrix:
        try:
            return self.matrices[matrix_id]
        except KeyError:
            raise InvalidInput(
                f"unknown risk matrix {matrix_id!r}; known: {sorted(self.matrices)}",
                where="matrix",
            ) from None

    def remap(self, source: str, target: str, likelihood: int, impact: int) -> tuple[int, int]:
        rule = self.rules.get((source, target))
        if rule is None:
            raise InvalidInput(
                f"no re-mapping rule from {source} to {target}; add one to matrices/remap.yaml",
                where="matrix",
            )
        return rule.likelihood[likelihood], rule.impact[impact]


def _parse_rules(
    doc: Any, matrices: Mapping[str, RiskMatrix], where: str
) -> dict[tuple[str, str], RemapRule]:
    rules: dict[tuple[str, str], RemapRule] = {}
    for i, r in enumerate((doc or {}).get("rules") or []):
        w = f"{where}:rules[{i}]"
        src, tgt = matrices.get(str(r.get("from"))), matrices.get(str(r.get("to")))
        if src is None or tgt is None:
            raise DataFileError(f"rule names unknown matrix {r.get('from')}→{r.get('to')}", where=w)
        maps = {}
        for axis, n_src, n_tgt in (
            ("likelihood", len(src.likelihood), len(tgt.likelihood)),
            ("impact", len(src.impact), len(tgt.impact)),
        ):
            m = {int(k): int(v) for k, v in (r.get(axis) or {}).items()}
            if sorted(m) != list(range(1, n_src + 1)):
                raise DataFileError(f"{axis} must map every class 1..{n_src}", where=w)
            if any(not 1 <= v <= n_tgt for v in m.values()):
                raise DataFileError(f"{axis} targets must lie in 1..{n_tgt}", where=w)
            if [m[k] for k in sorted(m)] != sorted(m.values()):
                raise DataFileError(f"{axis} mapping must keep the order of classes", where=w)
            maps[axis] = m
        rules[(src.id, tgt.id)] = RemapRule(src.id, tgt.id, maps["likelihood"], maps["impact"])
    return rules


@cache
def default_matrices() -> MatrixBook:
    base = resources.files("borderline.assessment") / "data" / "matrices"
    matrices: dict[str, RiskMatrix] = {}
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml") and entry.name != "remap.yaml":
            m = parse_matrix(yaml.safe_load(entry.read_text(encoding="utf-8")), entry.name)
            matrices[m.id] = m
    remap_doc = yaml.safe_load((base / "remap.yaml").read_text(encoding="utf-8"))
    return MatrixBook(matrices, _parse_rules(remap_doc, matrices, "matrices/remap.yaml"))


def _yaml_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=str(path)) from None


def load_matrices(extra_dir: str | Path | None = None) -> MatrixBook:
    """The shipped matrices plus a directory of one's own (a regulator's scale): every
    ``*.yaml`` there is a matrix, except ``remap.yaml`` whose rules are added to the shipped
    ones. A matrix with a shipped id replaces it. No directory: the shipped book."""
    base = default_matrices()
    if extra_dir is None or not Path(extra_dir).is_dir():
        return base
    root = Path(extra_dir)
    matrices = dict(base.matrices)
    for path in sorted(root.glob("*.yaml")):
        if path.name != "remap.yaml":
            m = parse_matrix(_yaml_file(path), str(path))
            matrices[m.id] = m
    # A shipped rule stays only while both of its matrices are still the shipped ones.
    rules = {
        k: r
        for k, r in base.rules.items()
        if matrices[k[0]] is base.matrices[k[0]] and matrices[k[1]] is base.matrices[k[1]]
    }
    remap = root / "remap.yaml"
    if remap.is_file():
        rules.update(_parse_rules(_yaml_file(remap), matrices, str(remap)))
    return MatrixBook(matrices, rules)


@cache
def categories() -> dict[str, str]:
    text = (resources.files("borderline.assessment") / "data" / "categories.yaml").read_text(
        encoding="utf-8"
    )
    return {str(k): str(v) for k, v in yaml.safe_load(text).items()}


def check_category(category: str) -> str:
    top = category.split(".", 1)[0]
    if top not in categories():
        raise InvalidInput(
            f"unknown category {category!r}; use one of {sorted(categories())} "
            "(optionally with a sub-key such as payments.chargebacks)",
            where="category",
        )
    return category


# ---------------------------------------------------------------------------------------------
# Input models (validated at the edge; the API and CLI share them)


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")
    likelihood: int = Field(ge=1, le=20)
    impact: int = Field(ge=1, le=20)


class RiskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="stable id kept across periods, e.g. R-001",
    )
    title: str = Field(min_length=1, max_length=300)
    category: str
    owner: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=5000)
    causes: list[str] = Field(default_factory=list, max_length=50)
    consequences: list[str] = Field(default_factory=list, max_length=50)
    inherent: Rating
    current: Rating | None = None
    residual: Rating | None = None
    residual_override_reason: str | None = Field(default=None, max_length=2000)
    target: Rating | None = None

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        # pydantic reports ValueError with the field path; InvalidInput would escape it.
        try:
            check_category(v)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return v


class ControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    kind: ControlKind = "preventive"
    effectiveness: float | str = Field(
        description="none, weak, moderate, strong, or a share in [0, 1]"
    )
    owner: str | None = Field(default=None, max_length=100)

    @field_validator("effectiveness")
    @classmethod
    def _eff(cls, v: float | str) -> float | str:
        try:
            effectiveness_value(v)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return v


class TreatmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=1000)
    owner: str = Field(min_length=1, max_length=100)
    due: date
    status: TreatmentStatus = "open"


class RiskImport(RiskIn):
    """A risk with its controls and treatments, as written in an import file."""

    controls: list[ControlIn] = Field(default_factory=list, max_length=100)
    treatments: list[TreatmentIn] = Field(default_factory=list, max_length=100)


class AcceptanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requester: str = Field(min_length=1, max_length=100)
    approver: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    expires: date


def effectiveness_value(v: float | str) -> float:
    if isinstance(v, str):
        if v in EFFECTIVENESS:
            return EFFECTIVENESS[v]
        try:
            v = float(v)
        except ValueError:
            raise InvalidInput(
                f"effectiveness {v!r}: use {', '.join(EFFECTIVENESS)} or a number in [0, 1]",
                where="effectiveness",
            ) from None
    if not 0.0 <= v <= 1.0 or math.isnan(v):
        raise InvalidInput(f"effectiveness {v:g} outside [0, 1]", where="effectiveness")
    return float(v)


# ---------------------------------------------------------------------------------------------
# Residual risk from controls


@dataclass(frozen=True, slots=True)
class Suggestion:
    likelihood: int
    impact: int
    likelihood_reduction: float
    impact_reduction: float
    explanation: str


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def suggest_residual(
    base: tuple[int, int], controls: Iterable[tuple[str, float | str]]
) -> Suggestion:
    """Residual rating suggested by the controls, from the current (or inherent) rating.

    Preventive controls lower likelihood, detective and corrective ones lower impact. Controls of
    one kind combine as independent barriers, 1 − Π(1 − e); the class then moves that share of
    the way down to class 1: L' = round(1 + (L − 1)(1 − e)).
    """
    prev_keep, imp_keep = 1.0, 1.0
    n_prev = n_imp = 0
    for kind, eff in controls:
        e = effectiveness_value(eff)
        if kind == "preventive":
            prev_keep *= 1.0 - e
            n_prev += 1
        else:
            imp_keep *= 1.0 - e
            n_imp += 1
    lik, imp = base
    new_l = max(1, _round_half_up(1 + (lik - 1) * prev_keep))
    new_i = max(1, _round_half_up(1 + (imp - 1) * imp_keep))
    return Suggestion(
        likelihood=new_l,
        impact=new_i,
        likelihood_reduction=1.0 - prev_keep,
        impact_reduction=1.0 - imp_keep,
        explanation=(
            f"{n_prev} preventive control(s) remove {1 - prev_keep:.0%} of likelihood "
            f"({lik} → {new_l}); {n_imp} detective/corrective control(s) remove "
            f"{1 - imp_keep:.0%} of impact ({imp} → {new_i})"
        ),
    )


def check_residual_override(
    residual: tuple[int, int] | None, suggested: Suggestion, reason: str | None
) -> None:
    """A residual that differs from the suggestion needs a written reason."""
    if residual is None:
        return
    if residual != (suggested.likelihood, suggested.impact) and not (reason or "").strip():
        raise InvalidInput(
            f"residual {residual[0]}×{residual[1]} differs from the rating suggested by the "
            f"controls ({suggested.likelihood}×{suggested.impact}): give "
            "residual_override_reason",
            where="residual_override_reason",
        )


def check_acceptance(acc: AcceptanceIn, today: date | None = None) -> None:
    today = today or datetime.now(UTC).date()
    if acc.requester.strip().casefold() == acc.approver.strip().casefold():
        raise Conflict(
            f"{acc.approver!r} requested this acceptance and cannot approve it: "
            "a second person must approve",
            where="approver",
        )
    if acc.expires <= today:
        raise InvalidInput(f"expiry {acc.expires} is not after today ({today})", where="expires")
    if acc.expires > today + timedelta(days=MAX_ACCEPTANCE_DAYS):
        raise InvalidInput(
            f"an acceptance may last at most {MAX_ACCEPTANCE_DAYS} days "
            f"(until {today + timedelta(days=MAX_ACCEPTANCE_DAYS)})",
            where="expires",
        )


# ---------------------------------------------------------------------------------------------
# Diff between two periods


DIFF_FIELDS = (
    "title",
    "category",
    "owner",
    "causes",
    "consequences",
    "inherent",
    "current",
    "residual",
    "target",
    "controls",
    "status",
)


def diff_registers(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """What changed between two periods' risks, matched on their stable ``key``."""
    a = {r["key"]: r for r in old}
    b = {r["key"]: r for r in new}
    changed = []
    for key in sorted(set(a) & set(b)):
        fields = {}
        for f in DIFF_FIELDS:
            if a[key].get(f) != b[key].get(f):
                fields[f] = {"old": a[key].get(f), "new": b[key].get(f)}
        if fields:
            changed.append({"key": key, "title": b[key].get("title"), "changes": fields})
    return {
        "added": [{"key": k, "title": b[k].get("title")} for k in sorted(set(b) - set(a))],
        "removed": [{"key": k, "title": a[k].get("title")} for k in sorted(set(a) - set(b))],
        "changed": changed,
        "unchanged": sorted(k for k in set(a) & set(b) if k not in {c["key"] for c in changed}),
    }


def risks_sorted(register: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Top risks first: residual (or suggested) score, then inherent score."""

    def key(r: Mapping[str, Any]) -> tuple[int, int]:
        res = r.get("residual") or r.get("suggested_residual") or {}
        return (-int(res.get("score", 0)), -int((r.get("inherent") or {}).get("score", 0)))

    return sorted(register, key=key)


def not_found(what: str, ident: object) -> NotFound:
    return NotFound(f"no {what} {ident!r}", where=what)
