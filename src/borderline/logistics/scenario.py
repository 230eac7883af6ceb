"""Disruption scenarios as data: what is hit, how, from when, for how long, how uncertain.

A scenario YAML has ``events`` (the disruption), ``simulation`` (draws, seed, window), an
optional generated order ``flow`` (used when no orders file is given), the published ``facts``
it rests on, and ``expect``: magnitudes from those facts the simulation must reproduce (checked
by ``borderline logistics simulate`` and by the tests). The schema is documented in
docs/logistics.md. Uncertain numbers are written ``{low: a, high: b}`` (uniform) or
``{mean: m, sd: s}`` (normal, truncated at the field's bounds) and drawn once per simulation draw.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from borderline.errors import InvalidInput, NotFound
from borderline.files import load_yaml


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Uniform(_M):
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"@high: high ({self.high}) is below low ({self.low})")
        return self


class Normal(_M):
    mean: float
    sd: float = Field(ge=0)


Param = float | Uniform | Normal


def param_bounds(p: Param) -> tuple[float, float]:
    """The smallest and largest value a parameter can take before truncation."""
    if isinstance(p, Uniform):
        return p.low, p.high
    if isinstance(p, Normal):
        return p.mean, p.mean  # the centre is what must be possible; tails are truncated
    return float(p), float(p)


TargetKind = Literal["port", "airport", "chokepoint", "customs", "air_capacity", "carrier"]
Effect = Literal["closure", "capacity_cut", "added_days", "cost_multiplier", "demand_shift"]


class Target(_M):
    kind: TargetKind
    id: str | None = Field(
        default=None, description="node id (port, airport, chokepoint) or carrier"
    )
    country: str | None = Field(default=None, description="customs: whose customs")
    direction: Literal["import", "export"] = "import"
    origins: list[str] = Field(default_factory=lambda: ["*"], description="air_capacity lanes")
    destinations: list[str] = Field(default_factory=lambda: ["*"])

    @model_validator(mode="after")
    def _needs(self) -> Target:
        if self.kind in ("port", "airport", "chokepoint", "carrier") and not self.id:
            raise ValueError(f"@id: a {self.kind} target needs an id")
        if self.kind == "customs" and not self.country:
            raise ValueError("@country: a customs target needs a country")
        return self

    @property
    def key(self) -> str:
        if self.kind == "customs":
            return f"customs:{self.country}:{self.direction}"
        if self.kind == "air_capacity":
            return f"air:{','.join(self.origins)}>{','.join(self.destinations)}"
        return f"{self.kind}:{self.id}"


# Value limits per effect: (min, max, what the value means). Checked on every bound of a range.
_LIMITS: dict[str, tuple[float, float, str]] = {
    "capacity_cut": (0.0, 0.999, "share of capacity lost (0-1; use closure for a full stop)"),
    "added_days": (0.0, 365.0, "days added to transit"),
    "cost_multiplier": (0.01, 100.0, "multiplier on freight cost"),
    "demand_shift": (0.0, 20.0, "multiplier on demand through the target"),
}


class Event(_M):
    target: Target
    effect: Effect
    value: Param | None = None
    start: date
    end: date | None = None
    duration_days: Param | None = None
    reroute: bool = Field(default=True, description="closure: divert to the route's alternative")
    utilisation: float | None = Field(default=None, gt=0, lt=1, description="overrides the node's")
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Event:
        if self.end is not None and self.duration_days is not None:
            raise ValueError("@end: give end or duration_days, not both")
        if self.end is None and self.duration_days is None:
            raise ValueError("give end or duration_days")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"@end: end {self.end} is not after start {self.start}")
        if self.duration_days is not None:
            lo, _ = param_bounds(self.duration_days)
            if lo <= 0:
                raise ValueError(f"@duration_days: duration_days must be positive, got {lo}")
        if self.effect == "closure":
            if self.value is not None:
                raise ValueError("@value: a closure takes no value")
        else:
            if self.value is None:
                raise ValueError(f"@value: {self.effect} needs a value ({_LIMITS[self.effect][2]})")
            lo_lim, hi_lim, meaning = _LIMITS[self.effect]
            for v in param_bounds(self.value):
                if not lo_lim <= v <= hi_lim:
                    raise ValueError(
                        f"@value: {self.effect} value {v} outside [{lo_lim}, {hi_lim}]: {meaning}"
                    )
        return self

    @property
    def fixed_duration(self) -> float | None:
        if self.end is not None:
            return float((self.end - self.start).days)
        return None


class FlowLane(_M):
    origin: str = Field(min_length=2, max_length=2)
    destination: str = Field(min_length=2, max_length=2)
    mode: Literal["air", "air_charter", "ocean", "road", "rail", "postal", "express"]
    orders_per_day: float = Field(gt=0, le=100_000)
    value: float = Field(gt=0, description="mean order value, USD")
    weight_kg: float = Field(default=1.0, gt=0)
    carrier: str | None = None
    promised_days: float | None = Field(default=None, gt=0)
    cover_days: float | None = Field(default=None, ge=0, description="stock cover at destination")
    daily_sales: float | None = Field(default=None, ge=0, description="USD sold per day there")


class Simulation(_M):
    draws: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = 0
    start: date
    days: int = Field(gt=0, le=3650, description="length of the order-flow window")
    max_memory_mb: int = Field(default=1024, gt=0)


class Fact(_M):
    id: str
    text: str
    date: str | None = None
    source: str
    url: str | None = None
    verified: bool = Field(description="false: quoted from memory of reporting, needs checking")


class Expectation(_M):
    metric: str
    between: tuple[float, float]
    corridor: str | None = None
    event: int | None = None
    fact: str | None = None


class Scenario(_M):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    description: str = ""
    events: list[Event] = Field(min_length=1)
    simulation: Simulation
    flow: list[FlowLane] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    expect: list[Expectation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refs(self) -> Scenario:
        facts = {f.id for f in self.facts}
        for i, e in enumerate(self.expect):
            if e.fact is not None and e.fact not in facts:
                raise ValueError(f"@expect[{i}].fact: unknown fact {e.fact!r}")
            if e.event is not None and not 0 <= e.event < len(self.events):
                raise ValueError(f"@expect[{i}].event: no event {e.event}")
        return self

    @property
    def window_end(self) -> date:
        return self.simulation.start + timedelta(days=self.simulation.days)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("float", "Uniform", "Normal") or str(part).startswith("function-"):
            continue  # union branch names say nothing to a user
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_scenario(data: object, where: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise InvalidInput("a scenario is a YAML mapping", where=where)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors()
        # Unions report one error per branch; the most specific (longest path) says most.
        # Our own validators' messages (value_error) beat a branch's "Field required".
        err = max(errs, key=lambda e: (e["type"] == "value_error", len(e["loc"])))
        loc = _where(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        # Cross-field validators name the field they blame as "@field: message".
        if msg.startswith("@") and ": " in msg:
            field_name, msg = msg[1:].split(": ", 1)
            loc = f"{loc}.{field_name}" if loc else field_name
        raise InvalidInput(msg, where=f"{where}: {loc}" if loc else where) from None


def load_scenario(path: str | Path) -> Scenario:
    data = load_yaml(path)
    return parse_scenario(data, str(path))


def builtin_scenarios() -> dict[str, Path]:
    """Shipped historical scenarios by id (``suez-2021``, ``red-sea-2023``, …)."""
    folder = resources.files("borderline.logistics") / "data" / "scenarios"
    out: dict[str, Path] = {}
    for item in folder.iterdir():
        if item.name.endswith(".yaml"):
            out[item.name.removesuffix(".yaml")] = Path(str(item))
    return dict(sorted(out.items()))


def resolve_scenario(name_or_path: str) -> Scenario:
    """A file path, or the id of a shipped scenario."""
    if Path(name_or_path).is_file():
        return load_scenario(name_or_path)
    shipped = builtin_scenarios()
    if name_or_path in shipped:
        return load_scenario(shipped[name_or_path])
    raise NotFound(
        f"no such file and no shipped scenario of that name; shipped: {sorted(shipped)}",
        where=name_or_path,
    )
