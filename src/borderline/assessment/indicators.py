"""Country indicators as dated, versioned data: loading, country-key resolution, normalisation.

An indicator set is a directory holding ``indicators.yaml`` (who published each indicator,
which release, licence, how the country column is keyed, the scale and its direction) and one
long-form CSV per indicator (``country,date,value``). Dated list memberships (FATF) are
``events``: ``country,list,event,date,…`` where ``event`` is ``added``/``listed``/``removed``.

Country keys may be ISO 3166 alpha-2, alpha-3 or names; names and the non-ISO codes some
publishers use (World Bank ``ROM``, ``ZAR``; OECD ``XKV``) resolve through the alias tables in
``data/``. One file must use one kind of key: a file mixing codes and names is refused, because
that is how a hand-edited file silently drops rows. Every error names ``file:line``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from borderline.errors import DataFileError, InvalidInput
from borderline.refdata import all_countries, is_country

KeyKind = Literal["iso2", "iso3", "name"]
Direction = Literal["higher_is_riskier", "higher_is_better"]
FORMAT = "borderline.indicators/1"


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


class CountryResolver:
    """Maps ISO2, ISO3, publisher codes and names to ISO 3166-1 alpha-2."""

    def __init__(self, name_aliases: Mapping[str, str], code_aliases: Mapping[str, str]) -> None:
        countries = all_countries()
        self._iso3 = {c.alpha3: c.alpha2 for c in countries if c.alpha3}
        self._iso3.update(code_aliases)
        self._names = {_norm_name(c.name): c.alpha2 for c in countries}
        self._names.update({_norm_name(k): v for k, v in name_aliases.items()})

    @classmethod
    @cache
    def default(cls) -> CountryResolver:
        base = resources.files("borderline.assessment") / "data"
        names = {
            r["alias"]: r["iso2"]
            for r in csv.DictReader(
                (base / "country_aliases.csv").read_text(encoding="utf-8").splitlines()
            )
        }
        codes = {
            r["code"]: r["iso2"]
            for r in csv.DictReader(
                (base / "code_aliases.csv").read_text(encoding="utf-8").splitlines()
            )
        }
        return cls(names, codes)

    def kind(self, key: str) -> KeyKind:
        """Which kind of key this looks like (a code that is not a known country is a name)."""
        if len(key) == 2 and key.isupper() and is_country(key):
            return "iso2"
        if len(key) == 3 and key.isupper() and key in self._iso3:
            return "iso3"
        return "name"

    def resolve(self, key: str, kind: KeyKind | None = None) -> str | None:
        kind = kind or self.kind(key)
        if kind == "iso2":
            return key if is_country(key) else None
        if kind == "iso3":
            return self._iso3.get(key)
        return self._names.get(_norm_name(key))

    def country(self, key: str, where: str) -> str:
        """Resolve any key to ISO2 or fail with a clear error."""
        code = self.resolve(key.strip())
        if code is None:
            raise InvalidInput(
                f"unknown country {key!r}: use an ISO 3166 code or a known name", where=where
            )
        return code


@dataclass(frozen=True, slots=True)
class IndicatorMeta:
    id: str
    name: str
    publisher: str
    vintage: str
    version: str
    licence: str
    source: str
    file: str
    key: KeyKind | Literal["auto"]
    scale_min: float
    scale_max: float
    direction: Direction
    retrieved: str = ""
    note: str = ""
    # Values beyond the scale are accepted and clipped (WGI estimates are standard-normal units
    # quoted as "approximately -2.5 to 2.5"; a few countries fall outside).
    clip: bool = False

    def risk(self, value: float) -> float:
        """The value on the 0-100 risk scale (100 = riskiest), from the declared scale."""
        share = (value - self.scale_min) / (self.scale_max - self.scale_min)
        share = min(max(share, 0.0), 1.0)
        return 100.0 * (share if self.direction == "higher_is_riskier" else 1.0 - share)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "publisher": self.publisher,
            "vintage": self.vintage,
            "version": self.version,
            "licence": self.licence,
            "source": self.source,
            "scale": {"min": self.scale_min, "max": self.scale_max, "clip": self.clip},
            "direction": self.direction,
        }


@dataclass(frozen=True, slots=True)
class Indicator:
    meta: IndicatorMeta
    # ISO2 → observations sorted by date
    series: Mapping[str, tuple[tuple[date, float], ...]]

    def latest(self, country: str, as_of: date | None = None) -> tuple[date, float] | None:
        obs = self.series.get(country, ())
        chosen = None
        for d, v in obs:
            if as_of is not None and d > as_of:
                break
            chosen = (d, v)
        return chosen


@dataclass(frozen=True, slots=True)
class EventList:
    """Dated list memberships (FATF): the status on a day is the last event on or before it."""

    id: str
    name: str
    publisher: str
    version: str
    licence: str
    source: str
    observed_from: date
    levels: Mapping[str, float]
    events: Mapping[str, tuple[tuple[date, str, str], ...]]  # iso2 → (date, event, list)

    def last_event(self, as_of: date) -> date | None:
        """The most recent event on or before ``as_of``: the list's "as of" date."""
        days = [d for evs in self.events.values() for d, _, _ in evs if d <= as_of]
        return max(days) if days else None

    def status(self, country: str, as_of: date) -> str | None:
        """List name, ``"none"``, or None when the lists were not yet observed on ``as_of``."""
        if as_of < self.observed_from:
            return None
        current = "none"
        for d, event, lst in self.events.get(country, ()):
            if d > as_of:
                break
            current = "none" if event == "removed" else lst
        return current

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "publisher": self.publisher,
            "version": self.version,
            "licence": self.licence,
            "source": self.source,
            "observed_from": self.observed_from.isoformat(),
            "levels": dict(self.levels),
        }


def parse_date(text: str, where: str) -> date:
    raw = text.strip()
    if not raw:
        raise DataFileError("missing year/date", where=where)
    try:
        if re.fullmatch(r"\d{4}", raw):
            return date(int(raw), 1, 1)
        return date.fromisoformat(raw)
    except ValueError:
        raise DataFileError(
            f"bad date {raw!r}: use a year (2017) or an ISO date (2022-03-11)", where=where
        ) from None


_META_REQUIRED = (
    "id",
    "name",
    "publisher",
    "vintage",
    "version",
    "licence",
    "file",
    "key",
    "scale",
    "direction",
)


def _meta(entry: Any, where: str) -> IndicatorMeta:
    if not isinstance(entry, dict):
        raise DataFileError("each indicator must be a mapping", where=where)
    missing = [k for k in _META_REQUIRED if k not in entry]
    if missing:
        raise DataFileError(f"indicator {entry.get('id', '?')!r} lacks {missing}", where=where)
    key = entry["key"]
    if key not in ("iso2", "iso3", "name", "auto"):
        raise DataFileError(f"key must be iso2, iso3, name or auto, not {key!r}", where=where)
    direction = entry["direction"]
    if direction not in ("higher_is_riskier", "higher_is_better"):
        raise DataFileError(
            f"direction must be higher_is_riskier or higher_is_better, not {direction!r}",
            where=where,
        )
    scale = entry["scale"]
    try:
        lo, hi = float(scale["min"]), float(scale["max"])
    except (TypeError, KeyError, ValueError):
        raise DataFileError("scale must be {min: number, max: number}", where=where) from None
    if not hi > lo:
        raise DataFileError(f"scale max {hi:g} must exceed min {lo:g}", where=where)
    return IndicatorMeta(
        id=str(entry["id"]),
        name=str(entry["name"]),
        publisher=str(entry["publisher"]),
        vintage=str(entry["vintage"]),
        version=str(entry["version"]),
        licence=str(entry["licence"]),
        source=str(entry.get("source", "")),
        file=str(entry["file"]),
        key=key,
        scale_min=lo,
        scale_max=hi,
        direction=direction,
        retrieved=str(entry.get("retrieved", "")),
        note=str(entry.get("note", "")),
        clip=bool(scale.get("clip", False)),
    )


def read_indicator_csv(
    meta: IndicatorMeta, text: str, source: str, resolver: CountryResolver | None = None
) -> Indicator:
    """Parse one indicator file, checking keys, dates, values and the declared scale."""
    resolver = resolver or CountryResolver.default()
    reader = csv.DictReader(text.lstrip("\ufeff").splitlines())
    cols = reader.fieldnames or []
    for col in ("country", "date", "value"):
        if col not in cols:
            raise DataFileError(f"missing column {col!r}; found {cols}", where=f"{source}:1")
    first_kind: tuple[KeyKind, int, str] | None = None
    series: dict[str, dict[date, float]] = {}
    for line, row in enumerate(reader, 2):
        where = f"{source}:{line}"
        key = (row.get("country") or "").strip()
        if not key:
            raise DataFileError("missing country", where=where)
        kind = resolver.kind(key)
        if meta.key != "auto" and kind != meta.key:
            # A name that resolves is still the wrong kind of key for an iso3 file.
            raise DataFileError(
                f"mixed country keys: {key!r} is a {kind} but {meta.id} is keyed by {meta.key}",
                where=where,
            )
        if first_kind is None:
            first_kind = (kind, line, key)
        elif kind != first_kind[0]:
            raise DataFileError(
                f"mixed country keys: {key!r} is a {kind} but line {first_kind[1]} "
                f"({first_kind[2]!r}) is a {first_kind[0]}",
                where=where,
            )
        iso2 = resolver.resolve(key, kind)
        if iso2 is None:
            raise DataFileError(
                f"unknown country {key!r}: add it to the name-alias table", where=where
            )
        day = parse_date(row.get("date") or "", where)
        raw = (row.get("value") or "").strip()
        try:
            value = float(raw)
        except ValueError:
            raise DataFileError(f"value {raw!r} is not a number", where=where) from None
        if not meta.clip and not meta.scale_min <= value <= meta.scale_max:
            raise DataFileError(
                f"value {value:g} outside the declared scale {meta.scale_min:g}..{meta.scale_max:g}"
                f" of {meta.id}",
                where=where,
            )
        obs = series.setdefault(iso2, {})
        if day in obs:
            raise DataFileError(
                f"second value for {key} ({iso2}) on {day.isoformat()}", where=where
            )
        obs[day] = value
    if not series:
        raise DataFileError("no rows", where=source)
    return Indicator(
        meta=meta,
        series={c: tuple(sorted(obs.items())) for c, obs in series.items()},
    )


def read_events_csv(entry: Mapping[str, Any], text: str, source: str) -> EventList:
    resolver = CountryResolver.default()
    levels = {str(k): float(v) for k, v in (entry.get("levels") or {}).items()}
    if "none" not in levels:
        raise DataFileError("levels must include 'none'", where=source)
    events: dict[str, list[tuple[date, str, str]]] = {}
    for line, row in enumerate(csv.DictReader(text.splitlines()), 2):
        where = f"{source}:{line}"
        iso2 = resolver.resolve((row.get("country") or "").strip())
        if iso2 is None:
            raise DataFileError(f"unknown country {row.get('country')!r}", where=where)
        event = (row.get("event") or "").strip()
        if event not in ("added", "listed", "removed"):
            raise DataFileError(
                f"event must be added, listed or removed, not {event!r}", where=where
            )
        lst = (row.get("list") or "").strip()
        if lst not in levels:
            raise DataFileError(f"list {lst!r} has no level; known {sorted(levels)}", where=where)
        events.setdefault(iso2, []).append((parse_date(row.get("date") or "", where), event, lst))
    return EventList(
        id=str(entry["id"]),
        name=str(entry.get("name", entry["id"])),
        publisher=str(entry.get("publisher", "")),
        version=str(entry.get("version", "")),
        licence=str(entry.get("licence", "")),
        source=str(entry.get("source", "")),
        observed_from=parse_date(str(entry.get("observed_from", "")), f"{source}:observed_from"),
        levels=levels,
        events={c: tuple(sorted(evs)) for c, evs in events.items()},
    )


@dataclass(frozen=True, slots=True)
class Catalog:
    indicators: Mapping[str, Indicator]
    events: Mapping[str, EventList] = field(default_factory=dict)

    def indicator(self, ident: str) -> Indicator:
        try:
            return self.indicators[ident]
        except KeyError:
            raise InvalidInput(
                f"unknown indicator {ident!r}; known: {sorted(self.indicators)}", where=ident
            ) from None


def _load_dir(
    read: Any, label: str, read_bytes: Any = None
) -> tuple[dict[str, Indicator], dict[str, EventList]]:
    manifest_where = f"{label}/indicators.yaml"
    try:
        doc = yaml.safe_load(read("indicators.yaml"))
    except FileNotFoundError:
        raise DataFileError("no indicators.yaml", where=label) from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=manifest_where) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataFileError(f"expected 'format: {FORMAT}'", where=manifest_where)
    indicators: dict[str, Indicator] = {}
    for i, entry in enumerate(doc.get("indicators") or []):
        meta = _meta(entry, f"{manifest_where}:indicators[{i}]")
        fmt = entry.get("format", "csv")
        try:
            if fmt == "ti_cpi_workbook":
                # CC BY-ND: the publisher's workbook as published, read here, never converted.
                from borderline.assessment.sources import cpi_workbook_rows

                where_ = f"{label}/{meta.file}"
                rows = cpi_workbook_rows(read_bytes(meta.file), where_)
                text = "country,date,value\n" + "".join(f"{c},{d},{v}\n" for c, d, v in rows)
            elif fmt == "csv":
                text = read(meta.file)
            else:
                raise DataFileError(
                    f"format must be csv or ti_cpi_workbook, not {fmt!r}",
                    where=f"{manifest_where}:indicators[{i}]",
                )
        except FileNotFoundError:
            raise DataFileError(f"missing file {meta.file}", where=manifest_where) from None
        indicators[meta.id] = read_indicator_csv(meta, text, f"{label}/{meta.file}")
    events: dict[str, EventList] = {}
    for i, entry in enumerate(doc.get("events") or []):
        where = f"{manifest_where}:events[{i}]"
        if not isinstance(entry, dict) or "id" not in entry or "file" not in entry:
            raise DataFileError("each event list needs id and file", where=where)
        events[str(entry["id"])] = read_events_csv(
            entry, read(str(entry["file"])), f"{label}/{entry['file']}"
        )
    return indicators, events


@cache
def _shipped() -> Catalog:
    base = resources.files("borderline.assessment") / "data" / "indicators"

    def read(name: str) -> str:
        return (base / name).read_text(encoding="utf-8")

    def read_bytes(name: str) -> bytes:
        return (base / name).read_bytes()

    ind, ev = _load_dir(read, "assessment/data/indicators", read_bytes)
    return Catalog(indicators=ind, events=ev)


def load_catalog(extra_dirs: Iterable[str | Path] = ()) -> Catalog:
    """The shipped indicators, with each user directory's entries added or replacing by id.

    The copy ``borderline data update`` writes (``REFDATA_DIR/indicators``) comes first, so
    explicitly given directories still win over it.
    """
    base = _shipped()
    indicators = dict(base.indicators)
    events = dict(base.events)
    from borderline.refdata.datasets import refdata_dir

    own = refdata_dir() / "indicators"
    dirs = [own] if (own / "indicators.yaml").is_file() else []
    for d in [*dirs, *extra_dirs]:
        root = Path(d)
        if not root.is_dir():
            raise InvalidInput("not a directory", where=str(d))

        def read(name: str, root: Path = root) -> str:
            return (root / name).read_text(encoding="utf-8")

        def read_bytes(name: str, root: Path = root) -> bytes:
            return (root / name).read_bytes()

        ind, ev = _load_dir(read, str(root), read_bytes)
        indicators.update(ind)
        events.update(ev)
    return Catalog(indicators=indicators, events=events)
