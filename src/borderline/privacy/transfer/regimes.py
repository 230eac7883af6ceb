"""Regime files and what every evaluator shares: loading and checking the versioned YAML rules
in ``rules/``, jurisdictions and regions, the request checks, and the context an evaluation
fills with conclusions, mechanisms and actions (each with its citation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from borderline.errors import DataFileError, InvalidInput
from borderline.privacy.transfer import taxonomy
from borderline.privacy.transfer.model import (
    Action,
    Citation,
    Conclusion,
    Mechanism,
    TransferRequest,
)
from borderline.refdata import region_members


class VolumeProvider(Protocol):
    """Earlier transfers' data subjects, counted the way a regime counts them."""

    def prior_subjects(
        self,
        *,
        regime: str,
        exporter: str,
        importer: str | None,
        categories: Iterable[str],
        sensitive: bool | None,
        since: date,
        until: date,
    ) -> int: ...


class NoHistory:
    def prior_subjects(self, **_: Any) -> int:
        return 0


@dataclass(frozen=True)
class PriorTransfer:
    """The fields of one register row the volume counters read."""

    transfer_date: date
    exporter_name: str
    importer_name: str
    regimes: frozenset[str]
    sensitive: bool
    categories: tuple[str, ...]
    data_subjects: int


@dataclass
class TransferHistory:
    """``VolumeProvider`` over earlier transfers in hand, and the one counting rule: data
    subjects of the transfers in [since, until] of the exporter (China) or to the counterparty
    (US DOJ), under the regime, with overlapping data categories (and the same sensitivity
    when asked). The register (``DbVolumes``) and Spark tasks both count with it."""

    transfers: list[PriorTransfer] = field(default_factory=list)

    def prior_subjects(
        self,
        *,
        regime: str,
        exporter: str,
        importer: str | None,
        categories: Iterable[str],
        sensitive: bool | None,
        since: date,
        until: date,
    ) -> int:
        cats = list(categories)
        total = 0
        for tr in self.transfers:
            if not since <= tr.transfer_date <= until:
                continue
            if importer is not None:  # US DOJ: per counterparty
                if tr.importer_name != importer:
                    continue
            elif tr.exporter_name != exporter:  # China: per exporter, to any recipient abroad
                continue
            if regime not in tr.regimes:
                continue
            if sensitive is not None and tr.sensitive != sensitive:
                continue
            if any(taxonomy.overlaps(c, cats) for c in tr.categories):
                total += tr.data_subjects
        return total


def expand(codes: Iterable[str], where: str = "jurisdiction") -> frozenset[str]:
    out: set[str] = set()
    for c in codes:
        try:
            out.update(region_members(str(c).upper()))
        except KeyError:
            raise DataFileError(f"unknown country or region {c!r}", where=where) from None
    return frozenset(out)


def jurisdiction(value: str, where: str) -> frozenset[str]:
    code = value.strip().upper()
    if code == "UK":
        code = "GB"
    try:
        return frozenset(region_members(code))
    except KeyError:
        raise InvalidInput(
            f"unknown jurisdiction {value!r}: use an ISO 3166 alpha-2 code or EEA/EU", where=where
        ) from None


@dataclass(frozen=True)
class Regime:
    id: str
    kind: str
    data: dict[str, Any]
    exporters: frozenset[str]
    internal: frozenset[str]
    source_file: str

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def version(self) -> str:
        return str(self.data["version"])

    def fact_statuses(self) -> dict[str, int]:
        """How many cited facts in this regime's file are verified (V), recalled (M) or
        unverified (U)."""
        counts = {"V": 0, "M": 0, "U": 0}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("status") in counts and "source" in node:
                    counts[node["status"]] += 1
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(self.data)
        return counts

    def cite(self, c: dict[str, Any], where: str = "") -> Citation:
        sources = self.data.get("sources", {})
        src = sources.get(c.get("source"))
        if src is None:
            raise DataFileError(
                f"unknown source {c.get('source')!r}", where=f"{self.source_file}{where}"
            )
        status = c.get("status")
        if status not in ("V", "M", "U"):
            raise DataFileError("status must be V, M or U", where=f"{self.source_file}{where}")
        return Citation(
            source=c["source"],
            title=src["title"],
            article=str(c.get("article", "")),
            url=src.get("url"),
            status=status,
            binding=status == "V",
        )


def rules_dir() -> Path:
    return Path(str(resources.files("borderline.privacy.transfer") / "rules"))


@cache
def load_regimes(folder: str | None = None) -> tuple[Regime, ...]:
    """Load and check every rule file: unknown countries, sources or statuses are errors."""
    path = Path(folder) if folder else rules_dir()
    out = []
    for f in sorted(path.glob("*.yaml")):
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataFileError(f"invalid YAML: {exc}", where=str(f)) from None
        if not isinstance(data, dict) or data.get("kind") not in ("chapter_v", "cn_pipl", "us_doj"):
            raise DataFileError("needs kind: chapter_v, cn_pipl or us_doj", where=str(f))
        reg = Regime(
            id=data["id"],
            kind=data["kind"],
            data=data,
            exporters=expand(data["exporters"], str(f)),
            internal=expand(data.get("internal", []), str(f)),
            source_file=f.name,
        )
        _check(reg)
        out.append(reg)
    return tuple(out)


def _check(reg: Regime) -> None:
    """Walk every citation and category so a typo fails at load, not mid-assessment."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "source" in node and "status" in node:
                reg.cite(node, where)
            for k, v in node.items():
                if k in ("destinations",):
                    expand(v, f"{reg.source_file}{where}.{k}")
                if k in ("categories", "excludes_categories", "sensitive_categories", "fideslang"):
                    for c in v:
                        taxonomy.check_category(c, f"{reg.source_file}{where}.{k}")
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(reg.data, "")


# ------------------------------------------------------------------ request checks


@dataclass
class Ctx:
    req: TransferRequest
    exporter: frozenset[str]
    importer: frozenset[str]
    on: date
    sensitive: list[str]
    conclusions: list[Conclusion]
    mechanisms: list[Mechanism]
    actions: list[Action]


def validate(req: TransferRequest) -> tuple[frozenset[str], frozenset[str]]:
    exp = jurisdiction(req.exporter_country, "exporter_country")
    imp = jurisdiction(req.importer_country, "importer_country")
    for i, c in enumerate(req.data_categories):
        taxonomy.check_category(c, f"data_categories[{i}]")
    for i, c in enumerate(req.sensitive_categories):
        taxonomy.check_category(c, f"sensitive_categories[{i}]")
        if not any(taxonomy.within(c, d) or taxonomy.within(d, c) for d in req.data_categories):
            raise InvalidInput(
                f"sensitive category {c!r} is not among data_categories: the input contradicts "
                "itself",
                where=f"sensitive_categories[{i}]",
            )
    if req.purpose and "." in req.purpose:
        taxonomy.check_use(req.purpose, "purpose")
    return exp, imp


def purpose_in(req: TransferRequest, purposes: Iterable[str]) -> bool:
    return bool(req.purpose) and any(taxonomy.within(req.purpose or "", p) for p in purposes)


def add_actions(ctx: Ctx, reg: Regime, items: Iterable[dict[str, Any]], where: str) -> None:
    for i, a in enumerate(items):
        ctx.actions.append(
            Action(
                regime=reg.id,
                action=a["action"],
                deadline=a.get("deadline", ""),
                document=a.get("document"),
                citation=reg.cite(a["cite"], f"{where}[{i}]"),
            )
        )


def conclude(ctx: Ctx, reg: Regime, code: str, text: str, cite: dict[str, Any]) -> None:
    ctx.conclusions.append(Conclusion(regime=reg.id, code=code, text=text, citation=reg.cite(cite)))


def in_force(item: dict[str, Any], on: date) -> bool:
    start, end = item.get("effective_from"), item.get("effective_to")
    return not ((start and on < start) or (end and on > end))
