"""HM Treasury OFSI Consolidated List (CSV or the official xlsx): one row per name variant,
rows of one designation share a ``Group ID``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code
from borderline.screening.loaders._common import (
    LoadedList,
    csv_rows,
    decode,
    fingerprint,
    open_bytes,
    parse_day,
    parse_dob,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

REQUIRED = (
    "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title",
    "Name Non-Latin Script", "DOB", "Country of Birth", "Nationality", "Passport Number",
    "National Identification Number", "Country", "Group Type", "Alias Type", "Alias Quality",
    "Regime", "Listed On", "Last Updated", "Group ID",
)  # fmt: skip
_KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.ORGANIZATION,
    "ship": EntityKind.VESSEL,
}
# "Other Information" cites the UN reference of entries taken from the UN list:
# "(UN Ref):CFi.010. Ali Kony ..." -> CFi.010
_UN_REF = re.compile(r"UN Ref\W{0,4}([A-Z]{2,3}[ie]\.\d{3})")
# "(1) Germany. (2) Morocco" -> ["Germany", "Morocco"]
_NUMBERED = re.compile(r"\(\d+\)\s*")


def _multi(value: str) -> list[str]:
    parts = _NUMBERED.split(value)
    return [p.strip().rstrip(".,;").strip() for p in parts if p.strip().rstrip(".,;").strip()]


def _rows_xlsx(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip or sheet
        raise DataFileError(f"not a readable xlsx workbook ({exc})", where=str(path)) from None
    ws = wb.worksheets[0]
    for i, row in enumerate(ws.iter_rows(values_only=True), 1):
        cells = [
            "" if v is None else (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else str(v))
            for v in row
        ]
        if any(c.strip() for c in cells):
            yield i, cells


class _Group:
    __slots__ = ("countries", "dobs", "ids", "kind", "listed", "names", "regimes", "un_ref")

    def __init__(self, kind: EntityKind) -> None:
        self.kind = kind
        self.names: list[Name] = []
        self.dobs: list[PartialDate] = []
        self.countries: list[str] = []
        self.ids: list[Identifier] = []
        self.regimes: list[str] = []
        self.listed: str | None = None
        self.un_ref: str | None = None


def _parse(path: Path, rows: Iterable[tuple[int, list[str]]]) -> tuple[dict[str, _Group], str]:
    header: list[str] | None = None
    banner = ""
    groups: dict[str, _Group] = {}
    latest: date | None = None
    for line, row in rows:
        if header is None:
            if row and row[0].strip().lower().startswith("last updated"):
                banner = next((c for c in row[1:] if c.strip()), row[0][12:]).strip()
                continue
            header = [c.strip() for c in row]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise DataFileError(
                    f"not an OFSI consolidated list: missing column(s) {missing}",
                    where=f"{path}:{line}",
                )
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        rec = dict(zip(header, row, strict=False))
        if rec["Name 6"] == "Name 6":  # a repeated header line
            continue
        gid = rec["Group ID"].strip()
        if not gid:
            raise DataFileError("row without a Group ID", where=f"{path}:{line}")
        kind = _KINDS.get(rec["Group Type"].strip().lower())
        if kind is None:
            raise DataFileError(f"unknown Group Type {rec['Group Type']!r}", where=f"{path}:{line}")
        g = groups.get(gid)
        if g is None:
            g = groups[gid] = _Group(kind)
        given = " ".join(rec[f"Name {i}"].strip() for i in range(1, 6) if rec[f"Name {i}"].strip())
        family = rec["Name 6"].strip()
        full = f"{given} {family}".strip() if kind is EntityKind.PERSON else (family or given)
        alias_type = rec["Alias Type"].strip().lower()
        weak = rec["Alias Quality"].strip().lower().startswith("low")
        name_kind = {
            "primary name": "primary",
            "primary name variation": "variation",
            "fka": "formerly",
        }.get(alias_type, "alias")
        if full:
            name = Name(full, kind=name_kind, weak=weak)
            if name_kind == "primary":
                g.names.insert(0, name)
            else:
                g.names.append(name)
        if script := rec["Name Non-Latin Script"].strip():
            g.names.append(Name(script, kind="original_script"))
        if (dob := rec["DOB"].strip()) and (d := parse_dob(dob)):
            g.dobs.append(d)
        for col in ("Nationality", "Country of Birth", "Country"):
            for part in _multi(rec[col]):
                if c := country_code(part):
                    g.countries.append(c)
        for col, id_kind in (
            ("Passport Number", "passport"),
            ("National Identification Number", "national_id"),
        ):
            for value in _multi(rec[col]):
                g.ids.append(Identifier(id_kind, value))
        if g.un_ref is None and (m := _UN_REF.search(rec.get("Other Information") or "")):
            g.un_ref = m.group(1)
        if regime := rec["Regime"].strip():
            g.regimes.append(regime)
        g.listed = g.listed or rec["Listed On"].strip() or None
        # Without the official banner row, the newest "Last Updated" dates the list.
        updated = parse_day(rec["Last Updated"])
        if updated is not None and (latest is None or updated > latest):
            latest = updated
    if header is None:
        raise DataFileError("empty file", where=str(path))
    if not banner and latest is not None:
        banner = latest.isoformat()
    return groups, banner


def load_uk_ofsi(path: Path, *, list_name: str | None = None) -> LoadedList:
    data = open_bytes(path)
    if path.suffix.lower() == ".xlsx":
        rows: Iterable[tuple[int, list[str]]] = _rows_xlsx(path, data)
    else:
        rows = csv_rows(path, decode(path, data))
    groups, banner = _parse(path, rows)
    name = list_name or "uk_ofsi"
    entities: list[Entity] = []
    for gid, g in groups.items():
        if not g.names:
            raise DataFileError(f"Group ID {gid} has no name", where=str(path))
        entities.append(
            Entity(
                list=name,
                source_id=gid,
                kind=g.kind,
                names=tuple(dict.fromkeys(g.names)),
                dobs=tuple(dict.fromkeys(g.dobs)),
                countries=tuple(dict.fromkeys(g.countries)),
                identifiers=tuple(dict.fromkeys(g.ids)),
                programs=tuple(dict.fromkeys(g.regimes)),
                listed_on=g.listed,
                extra=(("un_ref", g.un_ref),) if g.un_ref else (),
            )
        )
    if not entities:
        raise DataFileError("no entries", where=str(path))
    return LoadedList(
        name=name,
        title="UK OFSI Consolidated List of Financial Sanctions Targets",
        format="uk_ofsi",
        published=parse_day(banner) if banner else None,
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )


_SL_FILES = (
    "subjects.csv",
    "subject_names.csv",
    "subject_dobs.csv",
    "subject_countries.csv",
    "subject_identifiers.csv",
)
_SL_KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.ORGANIZATION,
    "ship": EntityKind.VESSEL,
}


def _sl_table(
    folder: Path, name: str, required: tuple[str, ...]
) -> tuple[bytes, list[tuple[int, dict[str, str]]]]:
    path = folder / name
    data = open_bytes(path)
    rows = list(csv_rows(path, decode(path, data)))
    if not rows:
        raise DataFileError("empty file", where=str(path))
    header = [c.strip() for c in rows[0][1]]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(f"missing column(s) {missing}", where=f"{path}:{rows[0][0]}")
    out = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise DataFileError(
                f"expected {len(header)} columns, found {len(row)}", where=f"{path}:{line}"
            )
        out.append((line, dict(zip(header, row, strict=True))))
    return data, out


def load_uk_sl(path: Path, *, list_name: str | None = None) -> LoadedList:
    """The FCDO UK Sanctions List in the normalised five-table CSV layout of the
    covyr/uk-sanctions-list project (subjects, names, dobs, countries, identifiers)."""
    folder = path if path.is_dir() else path.parent
    blobs = []
    data, subjects = _sl_table(
        folder, "subjects.csv", ("unique_id", "subject_type", "last_updated")
    )
    blobs.append(data)
    name = list_name or "uk_sl"
    groups: dict[str, _Group] = {}
    latest: date | None = None
    for line, rec in subjects:
        kind = _SL_KINDS.get(rec["subject_type"].strip().lower())
        if kind is None:
            raise DataFileError(
                f"unknown subject_type {rec['subject_type']!r}",
                where=f"{folder / 'subjects.csv'}:{line}",
            )
        groups[rec["unique_id"].strip()] = _Group(kind)
        updated = parse_day(rec["last_updated"])
        if updated is not None and (latest is None or updated > latest):
            latest = updated
    data, names = _sl_table(
        folder, "subject_names.csv", ("unique_id", "name_type", "alias_strength", "full_name")
    )
    blobs.append(data)
    for _line, rec in names:
        g = groups.get(rec["unique_id"].strip())
        full = rec["full_name"].strip()
        if g is None or not full:
            continue
        kind_ = {"primary": "primary", "primary_variation": "variation"}.get(
            rec["name_type"].strip(), "alias"
        )
        nm = Name(full, kind=kind_, weak=rec["alias_strength"].strip().startswith("low"))
        if kind_ == "primary":
            g.names.insert(0, nm)
        else:
            g.names.append(nm)
    data, dobs = _sl_table(folder, "subject_dobs.csv", ("unique_id", "year", "month", "day"))
    blobs.append(data)
    for _line, rec in dobs:
        g = groups.get(rec["unique_id"].strip())
        y, m, d = (rec[k].strip() for k in ("year", "month", "day"))
        if g is not None and y.isdigit() and int(y) > 0:
            text = (
                y
                + (f"-{m}" if m.isdigit() and int(m) else "")
                + (f"-{d}" if m.isdigit() and int(m) and d.isdigit() and int(d) else "")
            )
            if (pd := parse_dob(text)) is not None:
                g.dobs.append(pd)
    data, countries = _sl_table(folder, "subject_countries.csv", ("unique_id", "iso"))
    blobs.append(data)
    for _line, rec in countries:
        g = groups.get(rec["unique_id"].strip())
        iso = rec["iso"].strip().upper()
        if g is not None and len(iso) == 2 and country_code(iso):
            g.countries.append(iso)
    data, ids = _sl_table(
        folder, "subject_identifiers.csv", ("unique_id", "raw_value", "identifier_type")
    )
    blobs.append(data)
    for _line, rec in ids:
        g = groups.get(rec["unique_id"].strip())
        kind_ = {"passport": "passport", "national": "national_id", "imo": "imo"}.get(
            rec["identifier_type"].strip().lower(), "other"
        )
        if g is not None and rec["raw_value"].strip():
            g.ids.append(Identifier(kind_, rec["raw_value"].strip()))
    entities = [
        Entity(
            list=name,
            source_id=uid,
            kind=g.kind,
            names=tuple(dict.fromkeys(g.names)),
            dobs=tuple(dict.fromkeys(g.dobs)),
            countries=tuple(dict.fromkeys(g.countries)),
            identifiers=tuple(dict.fromkeys(g.ids)),
        )
        for uid, g in groups.items()
        if g.names
    ]
    if not entities:
        raise DataFileError("no named subjects", where=str(folder))
    return LoadedList(
        name=name,
        title="UK Sanctions List (FCDO), normalised tables",
        format="uk_sl",
        published=latest,
        entities=tuple(entities),
        fingerprint=fingerprint(*blobs),
        source=str(path),
    )
