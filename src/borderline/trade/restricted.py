"""Restricted goods and destinations: dangerous goods, dual-use hints, embargoes, regions.

Rules are data (``data/restricted-goods.yaml``); UN numbers resolve to their class and proper
shipping name in ``data/un_numbers_adr.csv``. Detection (``check_item``, ``check_destination``)
only reports; the assessor decides the actions.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

import yaml

from borderline.trade.hs import data_path
from borderline.trade.lexicon import normalise_en

LEVELS = ("prohibited", "restricted", "informational")


@dataclass(frozen=True, slots=True)
class Restriction:
    """One thing found. ``kind`` is dangerous_goods | dual_use | age_restricted | embargo | region.

    For ``embargo`` and ``region``, ``level`` prohibited means a comprehensive embargo and
    restricted a sectoral or list-based regime (``comprehensive`` says which).
    """

    kind: str
    id: str
    level: str
    title: str
    evidence: dict[str, Any]
    source: str
    transport: str | None = None
    action: str | None = None

    @property
    def comprehensive(self) -> bool:
        return self.kind in ("embargo", "region") and self.level == "prohibited"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "level": self.level,
            "title": self.title,
            "evidence": self.evidence,
            "source": self.source,
        }
        if self.transport:
            d["transport"] = self.transport
        if self.action:
            d["action"] = self.action
        return d


@dataclass(frozen=True, slots=True)
class UNEntry:
    number: str
    cls: str
    name: str


@cache
def un_numbers() -> dict[str, UNEntry]:
    out: dict[str, UNEntry] = {}
    with data_path("un_numbers_adr.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            # Several rows share a number (variants); the first is the main entry.
            out.setdefault(row["number"], UNEntry(row["number"], row["class"], row["description"]))
    return out


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    level: str
    hs: tuple[str, ...]
    words: tuple[tuple[str, re.Pattern[str] | None], ...]
    raw: dict[str, Any] = field(hash=False, compare=False)

    def match(self, en: str, low: str, hs6: str | None) -> dict[str, Any] | None:
        ev: dict[str, Any] = {}
        if hs6 and any(hs6.startswith(p) for p in self.hs):
            ev["hs"] = hs6
        words = [w for w, pat in self.words if (pat.search(en) if pat else w in low)]
        if words:
            ev["words"] = words
        return ev or None


def _compile(rule: dict[str, Any]) -> _Rule:
    words: list[tuple[str, re.Pattern[str] | None]] = []
    for w in rule.get("words") or []:
        w = str(w)
        if re.search(r"[\u3400-\u9fff\u0400-\u04ff]", w):
            words.append((w.casefold(), None))
        else:
            norm = normalise_en(w)
            words.append((w, re.compile(rf"(?<![\w-]){re.escape(norm)}(?![\w-])")))
    return _Rule(
        str(rule["id"]),
        str(rule["level"]),
        tuple(str(h) for h in rule.get("hs") or ()),
        tuple(words),
        rule,
    )


@cache
def _data() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(
        data_path("restricted-goods.yaml").read_text(encoding="utf-8")
    )
    raw["_dg"] = [_compile(r) for r in raw["dangerous_goods"]]
    raw["_du"] = [_compile(r) for r in raw["dual_use"]]
    raw["_age"] = [_compile(r) for r in raw.get("age_restricted") or []]
    return raw


def check_item(
    title: str,
    description: str | None = None,
    hs6: str | None = None,
    destination: str | None = None,
    on: date | None = None,
) -> list[Restriction]:
    """Dangerous goods, dual-use hints and (given the destination) age-restricted goods for one
    product (text in English or Chinese)."""
    # A shop sells the same listing order after order, and the answer depends only on these
    # arguments and the packaged rules: the last few thousand answers are kept (every caller
    # copies a restriction's evidence before adding to it).
    return list(_check_item(title, description, hs6, destination, on))


@lru_cache(maxsize=8192)
def _check_item(
    title: str,
    description: str | None,
    hs6: str | None,
    destination: str | None,
    on: date | None,
) -> tuple[Restriction, ...]:
    text = " ".join(x for x in (title, description or "") if x)
    en = normalise_en(text)
    low = text.casefold()
    d = _data()
    out: list[Restriction] = []
    for rule in d["_dg"]:
        ev = rule.match(en, low, hs6)
        if ev is None:
            continue
        un = un_numbers().get(str(rule.raw["un"]))
        title_ = f"UN{rule.raw['un']}" + (f" class {un.cls} {un.name}" if un else "")
        ev["un_number"] = f"UN{rule.raw['un']}"
        if un:
            ev["class"] = un.cls
        out.append(
            Restriction(
                "dangerous_goods",
                rule.id,
                rule.level,
                title_,
                ev,
                str(rule.raw["source"]),
                str(rule.raw["transport"]),
            )
        )
    # Batteries alone and batteries in equipment are exclusive: a power bank is UN3480 only.
    ids = {r.id for r in out}
    if "lithium_ion_standalone" in ids:
        out = [r for r in out if r.id != "lithium_ion_in_equipment"]
    for rule in d["_du"]:
        ev = rule.match(en, low, hs6)
        if ev is None:
            continue
        out.append(
            Restriction(
                "dual_use",
                rule.id,
                rule.level,
                f"export-control hint: {rule.raw['category']}",
                ev,
                str(rule.raw["category"]),
            )
        )
    if destination:
        day = on or date.today()
        for rule in d["_age"]:
            if destination not in rule.raw["destinations"] or not _active(rule.raw, day):
                continue
            ev = rule.match(en, low, hs6)
            if ev is None:
                continue
            ev["destination"] = destination
            out.append(
                Restriction(
                    "age_restricted",
                    rule.id,
                    rule.level,
                    str(rule.raw["title"]),
                    ev,
                    str(rule.raw["source"]),
                    action=str(rule.raw["action"]),
                )
            )
    return tuple(out)


def _active(rule: dict[str, Any], on: date) -> bool:
    start = date.fromisoformat(str(rule["from"]))
    end = date.fromisoformat(str(rule["to"])) if rule.get("to") else None
    return start <= on and (end is None or on <= end)


def check_destination(
    country: str,
    address_text: str = "",
    postal_code: str | None = None,
    on: date | None = None,
    jurisdictions: frozenset[str] | None = None,
) -> list[Restriction]:
    """Embargoes on the destination country and sanctioned regions named in the address.

    ``jurisdictions`` limits the rules to those of the seller's legal systems (US, EU, GB, UN);
    by default every jurisdiction's rules are reported, each saying whose it is.
    """
    on = on or date.today()
    d = _data()
    out: list[Restriction] = []

    def juris_ok(r: dict[str, Any]) -> bool:
        return jurisdictions is None or bool(set(r["jurisdictions"]) & jurisdictions)

    for rule in d["embargoes"]:
        if country in rule["countries"] and _active(rule, on) and juris_ok(rule):
            out.append(
                Restriction(
                    "embargo",
                    str(rule["id"]),
                    str(rule["level"]),
                    f"{rule['measure']} on destination {country} "
                    f"({', '.join(rule['jurisdictions'])})",
                    {
                        "country": country,
                        "measure": rule["measure"],
                        "jurisdictions": rule["jurisdictions"],
                        "since": rule["from"],
                        **(
                            {"value_threshold": rule["value_threshold"]}
                            if rule.get("value_threshold")
                            else {}
                        ),
                    },
                    str(rule["source"]),
                )
            )
    # Regions: longest names first, each match blanked so "Donetsk oblast" is not also "Donetsk".
    text = " " + address_text.casefold() + " "
    names: list[tuple[str, dict[str, Any]]] = []
    for rule in d["regions"]:
        if country in rule["countries"] and _active(rule, on) and juris_ok(rule):
            names.extend((str(n).casefold(), rule) for n in rule["names"])
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for name, rule in sorted(names, key=lambda nr: -len(nr[0])):
        pat = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
        m = pat.search(text)
        if m:
            text = text[: m.start()] + " " * len(name) + text[m.end() :]
            found.setdefault(rule["id"], (rule, []))[1].append(name)
    if postal_code:
        pc = postal_code.replace(" ", "")
        for rule in d["regions"]:
            if country in rule["countries"] and _active(rule, on) and juris_ok(rule):
                pattern = (rule.get("postcodes") or {}).get(country)
                if pattern and re.match(pattern, pc):
                    found.setdefault(rule["id"], (rule, []))[1].append(f"postal code {pc}")
    for rid, (rule, matched) in found.items():
        out.append(
            Restriction(
                "region",
                rid,
                str(rule["level"]),
                f"{rule['measure']}: sanctioned region {rid} recognised in the address",
                {
                    "country": country,
                    "measure": rule["measure"],
                    "matched": matched,
                    "since": rule["from"],
                    "jurisdictions": rule["jurisdictions"],
                },
                str(rule["source"]),
            )
        )
    return out
