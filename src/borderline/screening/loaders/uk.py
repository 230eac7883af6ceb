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
    header_of,
    open_bytes,
    padded_record,
    parse_day,
    parse_dob,
)
from borderline.screening.loaders._designation import KINDS, Designation, joined
from borderline.screening.model import Entity, EntityKind, Identifier, Name

REQUIRED = (
    "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title",
    "Name Non-Latin Script", "DOB", "Country of Birth", "Nationality", "Passport Number",
    "National Identification Number", "Country", "Group Type", "Alias Type", "Alias Quality",
    "Regime", "Listed On", "Last Updated", "Group ID",
)  # fmt: skip
# OFSI's alias types ("Primary Name", "Primary Name Variation", "FKA", "AKA", …) -> name kind.
_NAME_KINDS = {"primary name": "primary", "primary name variation": "variation", "fka": "formerly"}
# "Other Information" cites the UN reference of entries taken from the UN list:
# "(UN Ref):CFi.010. Ali Kony ..." -> CFi.010
_UN_REF = re.compile(r"UN Ref\W{0,4}([A-Z]{2,3}[ie]\.\d{3})")


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


def _parse(path: Path, rows: Iterable[tuple[int, list[str]]]) -> tuple[dict[str, Designation], str]:
    header: list[str] | None = None
    banner = ""
    groups: dict[str, Designation] = {}
    latest: date | None = None
    for line, row in rows:
        if header is None:
            if row and row[0].strip().lower().startswith("last updated"):
                banner = next((c for c in row[1:] if c.strip()), row[0][12:]).strip()
                continue
            header = header_of(row, REQUIRED, "an OFSI consolidated list", f"{path}:{line}")
            continue
        rec = padded_record(header, row)
        if rec["Name 6"] == "Name 6":  # a repeated header line
            continue
        gid = rec["Group ID"].strip()
        if not gid:
            raise DataFileError("row without a Group ID", where=f"{path}:{line}")
        kind = KINDS.get(rec["Group Type"].strip().lower())
        if kind is None:
            raise DataFileError(f"unknown Group Type {rec['Group Type']!r}", where=f"{path}:{line}")
        g = groups.get(gid)
        if g is None:
            g = groups[gid] = Designation(kind)
        given = joined([rec[f"Name {i}"] for i in range(1, 6)])
        family = rec["Name 6"].strip()
        # A person's name is given names then family name; an entity's or ship's is Name 6
        # (Name 1-5 only when Name 6 is empty).
        full = f"{given} {family}".strip() if kind is EntityKind.PERSON else (family or given)
        g.add_name(
            full,
            _NAME_KINDS.get(rec["Alias Type"].strip().lower(), "alias"),
            weak=rec["Alias Quality"].strip().lower().startswith("low"),
        )
        if script := rec["Name Non-Latin Script"].strip():
            g.names.append(Name(script, kind="original_script"))
        if (dob := rec["DOB"].strip()) and (d := parse_dob(dob)):
            g.dobs.append(d)
        for col in ("Nationality", "Country of Birth", "Country"):
            g.add_countries(rec[col])
        g.add_ids("passport", rec["Passport Number"])
        g.add_ids("national_id", rec["National Identification Number"])
        if "un_ref" not in g.extra and (m := _UN_REF.search(rec.get("Other Information") or "")):
            g.extra["un_ref"] = m.group(1)
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
        entities.append(g.entity(name, gid))
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


def _sl_table(
    folder: Path, name: str, required: tuple[str, ...]
) -> tuple[bytes, list[tuple[int, dict[str, str]]]]:
    path = folder / name
    data = open_bytes(path)
    rows = list(csv_rows(path, decode(path, data)))
    if not rows:
        raise DataFileError("empty file", where=str(path))
    header = header_of(rows[0][1], required, f"a UK list table {name}", f"{path}:{rows[0][0]}")
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
    groups: dict[str, Designation] = {}
    latest: date | None = None
    for line, rec in subjects:
        kind = KINDS.get(rec["subject_type"].strip().lower())
        if kind is None:
            raise DataFileError(
                f"unknown subject_type {rec['subject_type']!r}",
                where=f"{folder / 'subjects.csv'}:{line}",
            )
        groups[rec["unique_id"].strip()] = Designation(kind)
        updated = parse_day(rec["last_updated"])
        if updated is not None and (latest is None or updated > latest):
            latest = updated
    data, names = _sl_table(
        folder, "subject_names.csv", ("unique_id", "name_type", "alias_strength", "full_name")
    )
    blobs.append(data)
    for _line, rec in names:
        g = groups.get(rec["unique_id"].strip())
        if g is not None:
            g.add_name(
                rec["full_name"].strip(),
                {"primary": "primary", "primary_variation": "variation"}.get(
                    rec["name_type"].strip(), "alias"
                ),
                weak=rec["alias_strength"].strip().startswith("low"),
            )
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
    entities = [g.entity(name, uid) for uid, g in groups.items() if g.names]
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
