"""The composite country risk index and corridor (origin → destination) risk.

Each component is an indicator normalised to 0-100 risk on its publisher's declared scale and
direction (never on the observed range, so a country's score does not move because another
country joined the file). The index is the weighted mean over the components a country has
data for, provided they carry at least ``min_coverage`` of the total weight; the weights used,
how they were chosen and every component's value, date and source are part of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from borderline.assessment import mcda
from borderline.assessment.indicators import Catalog, load_catalog
from borderline.assessment.tables import Table
from borderline.errors import DataFileError, InvalidInput
from borderline.files import load_yaml
from borderline.refdata import country as country_info
from borderline.refdata import is_country

Weighting = Literal["config", "equal", "entropy", "critic", "ahp"]


@dataclass(frozen=True, slots=True)
class CorridorConfig:
    origin_weight: float
    destination_weight: float
    route_weight: float
    route_indicator: str
    unknown_country_risk: float
    high: float


@dataclass(frozen=True, slots=True)
class IndexConfig:
    id: str
    version: str
    components: Mapping[str, float]
    min_coverage: float
    max_age_years: int
    corridor: CorridorConfig
    # days an indicator's latest observation may be behind the decision's date ("default" and
    # per indicator id) before the decision says it rests on stale data
    freshness_days: Mapping[str, int] = field(default_factory=lambda: {"default": 1100})


def _num(doc: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    try:
        value = float(doc[key])
    except (KeyError, TypeError, ValueError):
        raise DataFileError(f"{key} must be a number", where=where) from None
    if not lo <= value <= hi:
        raise DataFileError(f"{key} = {value:g} must lie in [{lo:g}, {hi:g}]", where=where)
    return value


def parse_index_config(doc: Any, where: str) -> IndexConfig:
    if not isinstance(doc, dict):
        raise DataFileError("expected a mapping", where=where)
    comps = doc.get("components")
    if not isinstance(comps, dict) or not comps:
        raise DataFileError("components must map indicator ids to weights", where=where)
    weights: dict[str, float] = {}
    for k in comps:
        weights[str(k)] = _num(comps, k, f"{where}:components.{k}", 0.0, 1e9)
    if sum(weights.values()) <= 0:
        raise DataFileError("component weights are all zero", where=f"{where}:components")
    cor = doc.get("corridor") or {}
    cw = cor.get("weights") or {}
    corridor = CorridorConfig(
        origin_weight=_num(cw, "origin", f"{where}:corridor.weights", 0, 1),
        destination_weight=_num(cw, "destination", f"{where}:corridor.weights", 0, 1),
        route_weight=_num(cw, "route", f"{where}:corridor.weights", 0, 1),
        route_indicator=str(cor.get("route_indicator", "wb_lpi")),
        unknown_country_risk=_num(cor, "unknown_country_risk", f"{where}:corridor", 0, 100),
        high=_num(cor, "high", f"{where}:corridor", 0, 100),
    )
    total = corridor.origin_weight + corridor.destination_weight + corridor.route_weight
    if abs(total - 1.0) > 1e-9:
        raise DataFileError(f"corridor weights sum to {total:g}, not 1", where=where)
    return IndexConfig(
        id=str(doc.get("id", "country-risk")),
        version=str(doc.get("version", "")),
        components=weights,
        min_coverage=_num(doc, "min_coverage", where, 0, 1),
        max_age_years=int(_num(doc, "max_age_years", where, 0, 200)),
        corridor=corridor,
        freshness_days={
            str(k): int(_num(doc.get("freshness_days") or {}, k, f"{where}:freshness_days", 1, 1e5))
            for k in (doc.get("freshness_days") or {"default": 1100})
        }
        if doc.get("freshness_days")
        else {"default": 1100},
    )


@cache
def default_config() -> IndexConfig:
    text = (resources.files("borderline.assessment") / "data" / "country_index.yaml").read_text(
        encoding="utf-8"
    )
    return parse_index_config(yaml.safe_load(text), "assessment/data/country_index.yaml")


def load_config(path: str | Path | None) -> IndexConfig:
    if path is None:
        return default_config()
    return parse_index_config(load_yaml(path), str(path))


@dataclass(frozen=True, slots=True)
class Component:
    value: float | str
    date: str
    risk: float
    weight: float

    def to_dict(self) -> dict[str, Any]:
        # Rounded for display only; the index itself is computed from the unrounded values.
        return {
            "value": self.value,
            "date": self.date,
            "risk": round(self.risk, 4),
            "weight": round(self.weight, 6),
        }


@dataclass(frozen=True, slots=True)
class CountryScore:
    country: str
    name: str
    index: float
    coverage: float
    components: Mapping[str, Component]
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "name": self.name,
            "index": round(self.index, 4),
            "coverage": round(self.coverage, 4),
            "components": {k: c.to_dict() for k, c in self.components.items()},
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class CountryIndex:
    as_of: date
    config: IndexConfig
    weighting: Weighting
    weights: Mapping[str, float]
    scores: Mapping[str, CountryScore]
    sources: Mapping[str, dict[str, Any]]
    excluded: Mapping[str, float] = field(default_factory=dict)  # country → coverage
    weighting_details: Mapping[str, Any] = field(default_factory=dict)

    def ranked(self) -> list[CountryScore]:
        return sorted(self.scores.values(), key=lambda s: (-s.index, s.country))

    def risk(self, country: str) -> float | None:
        s = self.scores.get(country)
        return s.index if s else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.config.id,
            "version": self.config.version,
            "as_of": self.as_of.isoformat(),
            "method": "weighted_mean",
            "parameters": {
                "weighting": self.weighting,
                **(
                    {"weighting_details": dict(self.weighting_details)}
                    if self.weighting_details
                    else {}
                ),
                "weights": {k: round(v, 6) for k, v in self.weights.items()},
                "normalization": "declared publisher scale, oriented so 100 = riskiest",
                "min_coverage": self.config.min_coverage,
                "max_age_years": self.config.max_age_years,
            },
            "sources": dict(self.sources),
            "countries": [s.to_dict() for s in self.ranked()],
            "excluded_for_coverage": len(self.excluded),
        }


def _component_risks(
    catalog: Catalog, config: IndexConfig, as_of: date
) -> dict[str, dict[str, Component]]:
    """country → component id → component (weight filled in later)."""
    min_date = date(as_of.year - config.max_age_years, 1, 1)
    out: dict[str, dict[str, Component]] = {}
    for cid in config.components:
        if cid in catalog.events:
            ev = catalog.events[cid]
            if as_of < ev.observed_from:
                continue
            countries = {c.alpha2 for c in _all_countries()}
            for c in countries:
                status = ev.status(c, as_of)
                if status is None:
                    continue
                out.setdefault(c, {})[cid] = Component(
                    value=status, date=as_of.isoformat(), risk=ev.levels[status], weight=0.0
                )
            continue
        ind = catalog.indicator(cid)
        for c in ind.series:
            obs = ind.latest(c, as_of)
            if obs is None or obs[0] < min_date:
                continue
            d, v = obs
            out.setdefault(c, {})[cid] = Component(
                value=v,
                date=str(d.year) if (d.month, d.day) == (1, 1) else d.isoformat(),
                risk=ind.meta.risk(v),
                weight=0.0,
            )
    return out


def _latest(ind: Any, as_of: date) -> str | None:
    days = [obs[0] for c in ind.series if (obs := ind.latest(c, as_of)) is not None]
    if not days:
        return None
    d = max(days)
    return str(d.year) if (d.month, d.day) == (1, 1) else d.isoformat()


def _all_countries() -> list[Any]:
    from borderline.refdata import all_countries

    return all_countries()


def _objective_weights(
    rows: dict[str, dict[str, Component]], comps: list[str], weighting: Weighting
) -> dict[str, float]:
    complete = sorted(c for c, cs in rows.items() if all(k in cs for k in comps))
    if len(complete) < 3:
        raise InvalidInput(
            f"{weighting} weights need at least 3 countries with every component; "
            f"found {len(complete)}",
            where="weighting",
        )
    table = Table(
        columns=tuple(comps),
        rows=tuple(complete),
        values=tuple(tuple(rows[c][k].risk for k in comps) for c in complete),
    )
    if weighting == "entropy":
        res = mcda.entropy_weights(table, source="country index")
    else:
        res = mcda.critic_weights(table, ["+"] * len(comps), source="country index")
    return res.as_mapping()


def compute_index(
    catalog: Catalog | None = None,
    config: IndexConfig | None = None,
    *,
    as_of: date | None = None,
    weighting: Weighting = "config",
    ahp_table: Table | None = None,
    ahp_source: str = "ahp",
) -> CountryIndex:
    """The index as of a day. ``weighting="ahp"`` takes the weights from a pairwise comparison
    of the components (``ahp_table``), refused when its consistency ratio exceeds 0.1."""
    catalog = catalog or load_catalog()
    config = config or default_config()
    as_of = as_of or date.today()
    for cid in config.components:
        if cid not in catalog.indicators and cid not in catalog.events:
            raise InvalidInput(
                f"component {cid!r} is not a loaded indicator; known: "
                f"{sorted([*catalog.indicators, *catalog.events])}",
                where="components",
            )
    rows = _component_risks(catalog, config, as_of)
    comps = list(config.components)
    details: dict[str, Any] = {}
    if weighting == "ahp":
        if ahp_table is None:
            raise InvalidInput(
                "AHP weighting needs a pairwise matrix of the components", where="weighting"
            )
        if set(ahp_table.columns) != set(comps):
            raise InvalidInput(
                f"the pairwise matrix compares {sorted(ahp_table.columns)} but the index "
                f"combines {sorted(comps)}",
                where=ahp_source,
            )
        res = mcda.ahp(ahp_table, refuse_inconsistent=True, source=ahp_source)
        raw = dict(zip(res.criteria, res.weights, strict=True))
        details = {
            "method": "ahp",
            "prioritisation": res.method,
            "lambda_max": res.lambda_max,
            "ci": res.ci,
            "cr": res.cr,
        }
    elif weighting == "config":
        raw = dict(config.components)
    elif weighting == "equal":
        raw = dict.fromkeys(comps, 1.0)
    elif weighting in ("entropy", "critic"):
        raw = _objective_weights(rows, comps, weighting)
    else:
        raise InvalidInput(
            f"unknown weighting {weighting!r}; use config, equal, entropy, critic or ahp",
            where="weighting",
        )
    total = sum(raw.values())
    weights = {k: v / total for k, v in raw.items()}
    scores: dict[str, CountryScore] = {}
    excluded: dict[str, float] = {}
    for c, comps_present in rows.items():
        coverage = sum(weights[k] for k in comps_present)
        if coverage < config.min_coverage or coverage <= 0:
            excluded[c] = coverage
            continue
        # Renormalise over the components present; coverage says how much that was.
        components = {
            k: Component(value=v.value, date=v.date, risk=v.risk, weight=weights[k] / coverage)
            for k, v in sorted(comps_present.items())
        }
        index = sum(comp.risk * comp.weight for comp in components.values())
        scores[c] = CountryScore(
            country=c,
            name=country_info(c).name if is_country(c) else c,
            index=index,
            coverage=coverage,
            components=components,
            missing=tuple(k for k in comps if k not in comps_present),
        )
    sources: dict[str, dict[str, Any]] = {}
    for cid in comps:
        if cid in catalog.events:
            sources[cid] = catalog.events[cid].describe()
            last = catalog.events[cid].last_event(as_of)
            sources[cid]["latest"] = last.isoformat() if last else None
        else:
            sources[cid] = catalog.indicators[cid].meta.describe()
            dates = [c.components[cid].date for c in scores.values() if cid in c.components]
            # the newest observation the index uses: the indicator's year as shown to users
            sources[cid]["latest"] = max(dates) if dates else None
    return CountryIndex(
        as_of=as_of,
        config=config,
        weighting=weighting,
        weights=weights,
        scores=scores,
        sources=sources,
        excluded=excluded,
        weighting_details=details,
    )


@dataclass(frozen=True, slots=True)
class CorridorRisk:
    origin: str
    destination: str
    risk: float
    origin_risk: float
    destination_risk: float
    route_risk: float
    known: Mapping[str, bool]
    weights: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "risk": round(self.risk, 4),
            "origin_risk": round(self.origin_risk, 4),
            "destination_risk": round(self.destination_risk, 4),
            "route_risk": round(self.route_risk, 4),
            "known": dict(self.known),
            "method": "weighted_sum",
            "parameters": {"weights": dict(self.weights), "route": "weaker logistics end"},
        }


@dataclass(frozen=True, slots=True)
class CorridorModel:
    """Everything corridor risk needs, as plain dicts: cheap to pickle into a Spark task."""

    country_risk: Mapping[str, float]
    route_risk: Mapping[str, float]
    config: CorridorConfig
    as_of: date
    index_version: str
    # indicator id -> {"source", "version", "latest"}: what the index rests on, with its date
    data: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    freshness_days: Mapping[str, int] = field(default_factory=dict)

    def stale(self, on: date) -> list[str]:
        """Indicators whose newest observation is older than their freshness limit on ``on``."""
        out = []
        for cid, d in self.data.items():
            latest = d.get("latest")
            if not latest:
                continue
            day = date(int(latest), 12, 31) if len(latest) == 4 else date.fromisoformat(latest)
            limit = self.freshness_days.get(cid, self.freshness_days.get("default", 1100))
            if (on - day).days > limit:
                out.append(
                    f"{cid} ({d['version']}) latest data {latest} is older than {limit} days"
                )
        return out

    @classmethod
    def build(
        cls,
        catalog: Catalog | None = None,
        config: IndexConfig | None = None,
        *,
        as_of: date | None = None,
    ) -> CorridorModel:
        catalog = catalog or load_catalog()
        config = config or default_config()
        index = compute_index(catalog, config, as_of=as_of)
        route = catalog.indicator(config.corridor.route_indicator)
        route_risk: dict[str, float] = {}
        for c in route.series:
            obs = route.latest(c, index.as_of)
            if obs is not None:
                route_risk[c] = route.meta.risk(obs[1])
        return cls(
            country_risk={c: s.index for c, s in index.scores.items()},
            route_risk=route_risk,
            config=config.corridor,
            as_of=index.as_of,
            index_version=f"{config.id}@{config.version}",
            data={
                cid: {
                    "source": f"{src.get('name')} ({src.get('publisher')})",
                    "version": str(src.get("version", "")),
                    "latest": src.get("latest"),
                }
                for cid, src in [
                    *index.sources.items(),
                    (
                        config.corridor.route_indicator,
                        {**route.meta.describe(), "latest": _latest(route, index.as_of)},
                    ),
                ]
            },
            freshness_days=dict(config.freshness_days),
        )

    def corridor(self, origin: str, destination: str) -> CorridorRisk:
        for label, code in (("origin", origin), ("destination", destination)):
            if not is_country(code):
                raise InvalidInput(f"unknown ISO 3166-1 alpha-2 code {code!r}", where=label)
        cfg = self.config
        unknown = cfg.unknown_country_risk
        o = self.country_risk.get(origin)
        d = self.country_risk.get(destination)
        ro = self.route_risk.get(origin)
        rd = self.route_risk.get(destination)
        known_routes = [r for r in (ro, rd) if r is not None]
        route = max(known_routes) if len(known_routes) == 2 else max([*known_routes, unknown])
        o_val = o if o is not None else unknown
        d_val = d if d is not None else unknown
        risk = cfg.origin_weight * o_val + cfg.destination_weight * d_val + cfg.route_weight * route
        return CorridorRisk(
            origin=origin,
            destination=destination,
            risk=risk,
            origin_risk=o_val,
            destination_risk=d_val,
            route_risk=route,
            known={
                "origin": o is not None,
                "destination": d is not None,
                "route": len(known_routes) == 2,
            },
            weights={
                "origin": cfg.origin_weight,
                "destination": cfg.destination_weight,
                "route": cfg.route_weight,
            },
        )
