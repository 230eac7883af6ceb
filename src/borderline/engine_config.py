"""The engine configuration: which assessors run with which settings, and the seller's profile.

One YAML document, checked before it is stored and again when the service starts::

    assessors:                    # settings per assessor (omitted: its documented defaults)
      trade:
        jurisdictions: [EU, GB]
        tariff_file: /srv/borderline/tariff.csv
      screening:
        threshold: 0.9
    run: [consistency, lists, screening, trade]   # optional: only these, in this order
    seller:
      registrations: [IOSS, UK_VAT, AU_GST]       # point-of-sale tax registrations
      fx: {base: EUR, rates: {USD: 0.92}}         # optional: else ECB rates of the order date

Every error names where it is (``assessors.trade.tariff_fil``, ``seller.registrations[1]``).
Versions are stored and activated like policies (draft, then a second person activates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import BorderlineError, InvalidInput

ENTRY_POINT_GROUP = "borderline.assessors"


@cache
def known_registrations() -> frozenset[str]:
    """Seller registrations the landed-cost regimes know (IOSS, UK_VAT, AU_GST, …)."""
    from borderline.trade import rules

    found: set[str] = set()
    for regime in rules()["regimes"]:
        for period in regime["periods"]:
            for key in ("point_of_sale", "flat_duty"):
                block = period.get(key) or {}
                if block.get("registration"):
                    found.add(str(block["registration"]))
    return frozenset(found)


@dataclass(frozen=True)
class EngineConfig:
    assessors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    run: tuple[str, ...] | None = None
    registrations: tuple[str, ...] = ()
    fx: Mapping[str, Any] | None = None
    source: str = ""

    def extras(self) -> dict[str, Any]:
        """What the assessors read from the context: the seller's profile."""
        out: dict[str, Any] = {"seller_registrations": list(self.registrations)}
        if self.fx:
            out["fx"] = dict(self.fx)
        return out


def parse_config(source: str) -> EngineConfig:
    """Parse and validate the document's shape (not yet the assessors' own settings)."""
    try:
        doc = yaml.safe_load(source) if source.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "config"
        raise InvalidInput(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InvalidInput("the configuration is a mapping", where="config")
    unknown = set(doc) - {"assessors", "run", "seller"}
    if unknown:
        raise InvalidInput(
            f"unknown section(s) {sorted(unknown)}; known: assessors, run, seller", where="config"
        )
    installed = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assessors = doc.get("assessors") or {}
    if not isinstance(assessors, dict):
        raise InvalidInput("a mapping of assessor name to settings", where="assessors")
    for name, cfg in assessors.items():
        if name not in installed:
            raise InvalidInput(
                f"no assessor named {name!r}; installed: {sorted(installed)}",
                where=f"assessors.{name}",
            )
        if cfg is not None and not isinstance(cfg, dict):
            raise InvalidInput("settings are a mapping", where=f"assessors.{name}")
    run = doc.get("run")
    if run is not None:
        if not isinstance(run, list) or not all(isinstance(x, str) for x in run):
            raise InvalidInput("a list of assessor names", where="run")
        for i, name in enumerate(run):
            if name not in installed:
                raise InvalidInput(
                    f"no assessor named {name!r}; installed: {sorted(installed)}",
                    where=f"run[{i}]",
                )
    seller = doc.get("seller") or {}
    if not isinstance(seller, dict):
        raise InvalidInput("a mapping with registrations and fx", where="seller")
    extra = set(seller) - {"registrations", "fx"}
    if extra:
        raise InvalidInput(f"unknown key(s) {sorted(extra)}", where="seller")
    regs = seller.get("registrations") or []
    if not isinstance(regs, list):
        raise InvalidInput("a list such as [IOSS, UK_VAT]", where="seller.registrations")
    known = known_registrations()
    for i, r in enumerate(regs):
        if str(r) not in known:
            raise InvalidInput(
                f"unknown registration {r!r}; known: {sorted(known)}",
                where=f"seller.registrations[{i}]",
            )
    fx = seller.get("fx")
    if fx is not None:
        from borderline.trade import FxTable

        FxTable.from_dict(fx, where="seller.fx")
    return EngineConfig(
        assessors={k: dict(v or {}) for k, v in assessors.items()},
        run=tuple(run) if run is not None else None,
        registrations=tuple(str(r) for r in regs),
        fx=fx,
        source=source,
    )


def _build(name: str, cls: Any, settings: Any, data_dir: Path | None) -> Any:
    """One assessor; a bad setting is an ``InvalidInput`` placed under ``assessors.<name>``."""
    from borderline.engine.core import make_assessor

    try:
        return make_assessor(cls, settings or None, data_dir)
    except BorderlineError as exc:
        where = exc.where or ""
        if not where.startswith("assessors."):
            where = f"assessors.{name}" + (f" ({where})" if where else "")
        raise InvalidInput(exc.message, where=where) from None


def build_assessors(
    config: EngineConfig, names: list[str] | None = None, *, data_dir: Path | None = None
) -> list[Any]:
    """Instantiate the assessors with their settings; a bad setting names its place.
    ``data_dir``: the application's data folder, for assessors that keep files."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    wanted = names or (list(config.run) if config.run is not None else sorted(found))
    missing = [n for n in wanted if n not in found]
    if missing:
        raise InvalidInput(f"no assessor named {missing}; installed: {sorted(found)}", where="run")
    return [_build(n, found[n].load(), config.assessors.get(n), data_dir) for n in wanted]


def check_config(source: str) -> EngineConfig:
    """Everything a start-up would do with it: parse, then build each configured assessor."""
    config = parse_config(source)
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name, settings in config.assessors.items():
        _build(name, found[name].load(), settings, None)
    return config
