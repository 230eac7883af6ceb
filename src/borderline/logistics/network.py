"""The ports / airports / chokepoints / routes table (``data/network.yaml``) and route lookup."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from borderline.errors import DataFileError, from_validation
from borderline.files import load_yaml
from borderline.refdata import all_countries, is_country

NodeKind = Literal["port", "airport", "chokepoint", "waypoint"]
Mode = Literal["air", "air_charter", "ocean", "road", "rail", "postal", "express"]
AIR_MODES = frozenset({"air", "air_charter", "express", "postal"})


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_M):
    kind: NodeKind
    name: str
    country: str
    utilisation: float = Field(default=0.8, gt=0, lt=1)


class PathPoint(_M):
    node: str
    at: float = Field(ge=0, le=1)


class Route(_M):
    id: str
    mode: Mode
    origins: list[str] = Field(min_length=1)
    destinations: list[str] = Field(min_length=1)
    path: list[PathPoint] = Field(default_factory=list)
    distance_nm: float | None = Field(default=None, gt=0)
    speed_kn: float | None = Field(default=None, gt=0)
    dwell_days: float = Field(default=0.0, ge=0)
    base_days: float | None = Field(default=None, gt=0)
    sd_share: float = Field(default=0.2, ge=0, le=2)
    cost_per_kg: float = Field(ge=0)
    alternative: str | None = None
    alternative_only: bool = False

    @model_validator(mode="after")
    def _days(self) -> Route:
        if self.base_days is None and (self.distance_nm is None or self.speed_kn is None):
            raise ValueError("give base_days, or distance_nm and speed_kn")
        return self

    @property
    def transit_days(self) -> float:
        if self.distance_nm is not None and self.speed_kn is not None:
            return self.distance_nm / (self.speed_kn * 24.0) + self.dwell_days
        assert self.base_days is not None
        return self.base_days

    def nodes(self) -> set[str]:
        return {p.node for p in self.path}


class Network(_M):
    version: str
    nodes: dict[str, Node]
    routes: list[Route]

    @model_validator(mode="after")
    def _refs(self) -> Network:
        ids = {r.id for r in self.routes}
        if len(ids) != len(self.routes):
            raise ValueError("route ids must be unique")
        for i, r in enumerate(self.routes):
            for p in r.path:
                if p.node not in self.nodes:
                    raise ValueError(f"routes[{i}] ({r.id}): unknown node {p.node!r}")
            if r.alternative is not None and r.alternative not in ids:
                raise ValueError(f"routes[{i}] ({r.id}): unknown alternative {r.alternative!r}")
            for place in (*r.origins, *r.destinations):
                if not _is_place(place):
                    raise ValueError(f"routes[{i}] ({r.id}): unknown country or region {place!r}")
        return self

    def route(self, route_id: str) -> Route:
        for r in self.routes:
            if r.id == route_id:
                return r
        raise KeyError(route_id)

    def find_route(self, origin: str, destination: str, mode: str) -> Route | None:
        for r in self.routes:
            if r.alternative_only or r.mode != mode:
                continue
            if _matches(origin, r.origins) and _matches(destination, r.destinations):
                return r
        return None


@cache
def _places() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for c in all_countries():
        for key in (c.region, c.subregion):
            if key:
                out.setdefault(key, set()).add(c.alpha2)
    return {k: frozenset(v) for k, v in out.items()}


def _is_place(place: str) -> bool:
    return place == "*" or is_country(place) or place in _places()


def _matches(country: str, places: list[str]) -> bool:
    return any(p == "*" or p == country or country in _places().get(p, ()) for p in places)


def parse_network(data: object, where: str) -> Network:
    try:
        return Network.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, f"{where}: ", default_where=where, error=DataFileError) from None


@cache
def default_network() -> Network:
    path = resources.files("borderline.logistics") / "data" / "network.yaml"
    return parse_network(yaml.safe_load(path.read_text(encoding="utf-8")), "network.yaml")


def load_network(path: str | Path | None) -> Network:
    if path is None:
        return default_network()
    data = load_yaml(path)
    return parse_network(data, str(path))
