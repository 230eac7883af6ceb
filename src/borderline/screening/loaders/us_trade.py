"""US Commerce/State lists: trade.gov's Consolidated Screening List CSV and BIS's Denied
Persons List (tab-separated text)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code, place_country
from borderline.screening.loaders._common import (
    LoadedList,
    csv_rows,
    date_from_path,
    decode,
    fingerprint,
    header_of,
    open_bytes,
    parse_dob,
    split_multi,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name

CSL_COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order",
    "license_requirement", "license_policy", "call_sign", "vessel_type", "gross_tonnage",
    "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
    "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth",
    "source_information_url", "ids",
)  # fmt: skip
_CSL_KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.ORGANIZATION,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
    "": EntityKind.UNKNOWN,
}
_ID_KINDS = {
    "passport": "passport",
    "national id no.": "national_id",
    "tax id no.": "tax_id",
    "swift/bic": "bic",
    "legal entity number": "lei",
    "vessel registration identification": "imo",
    "imo": "imo",
}


def _csl_ids(value: str) -> list[Identifier]:
    # "Passport, A1234567, IR; Tax ID No., 7707083893, RU" -- type, number, country.
    out: list[Identifier] = []
    for item in split_multi(value):
        parts = [p.strip() for p in item.split(",")]
        if len(parts) < 2:
            continue
        kind = _ID_KINDS.get(parts[0].lower())
        if kind is None:
            continue
        number = parts[1].removeprefix("IMO ").strip()
        country = country_code(parts[2]) if len(parts) > 2 else None
        out.append(Identifier(kind, number, country))
    return out


def load_csl(
    path: Path, *, list_name: str | None = None, exclude_sources: Sequence[str] = ()
) -> LoadedList:
    """The CSL CSV; ``exclude_sources`` drops rows whose ``source`` starts with one of them
    (the shipped snapshot drops lists it already carries in their own official form)."""
    data = open_bytes(path)
    text = decode(path, data)
    header: list[str] | None = None
    name = list_name or "us_csl"
    entities: list[Entity] = []
    seen: set[str] = set()
    for line, row in csv_rows(path, text):
        if header is None:
            header = header_of(
                row, ("source", "name", "type", "alt_names"), "a CSL file", f"{path}:{line}"
            )
            continue
        if row == header or [c.strip() for c in row] == header:
            continue  # the published file repeats its header on line 2
        if len(row) != len(header):
            raise DataFileError(
                f"expected {len(header)} columns, found {len(row)}", where=f"{path}:{line}"
            )
        rec = dict(zip(header, row, strict=True))
        source = rec["source"].strip()
        if any(source.startswith(x) for x in exclude_sources):
            continue
        primary = rec["name"].strip()
        if not primary:
            raise DataFileError("row without a name", where=f"{path}:{line}")
        kind = _CSL_KINDS.get(rec["type"].strip().lower(), EntityKind.UNKNOWN)
        sid = rec.get("entity_number", "").strip() or rec.get("_id", "").strip()
        if not sid or sid in seen:
            sid = f"{sid or 'row'}-{line}"
        seen.add(sid)
        names = [Name(primary)] + [Name(a, kind="alias") for a in split_multi(rec["alt_names"])]
        countries: list[str] = []
        for col in ("citizenships", "nationalities"):
            countries += [c for c in (country_code(v) for v in split_multi(rec.get(col, ""))) if c]
        countries += [
            c for c in (place_country(v) for v in split_multi(rec.get("places_of_birth", ""))) if c
        ]
        for addr in split_multi(rec.get("addresses", "")):
            # Addresses end with the ISO code: "…, Beijing, 100033, CN".
            tail = addr.rsplit(",", 1)[-1].strip()
            if len(tail) == 2 and (c := country_code(tail)):
                countries.append(c)
        dobs = [d for d in (parse_dob(v) for v in split_multi(rec.get("dates_of_birth", ""))) if d]
        entities.append(
            Entity(
                list=name,
                source_id=sid,
                kind=kind,
                names=tuple(dict.fromkeys(names)),
                dobs=tuple(dict.fromkeys(dobs)),
                countries=tuple(dict.fromkeys(countries)),
                identifiers=tuple(dict.fromkeys(_csl_ids(rec.get("ids", "")))),
                programs=tuple(p for p in (source, *split_multi(rec["programs"])) if p),
                listed_on=rec.get("start_date") or None,
                remarks=rec.get("remarks") or None,
            )
        )
    if header is None:
        raise DataFileError("empty file", where=str(path))
    return LoadedList(
        name=name,
        title="US Consolidated Screening List (trade.gov)",
        format="csl",
        published=date_from_path(path),
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )


DPL_COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)


def load_dpl(path: Path, *, list_name: str | None = None) -> LoadedList:
    """BIS Denied Persons List: tab-separated, quoted, one row per order (no entry id)."""
    data = open_bytes(path)
    text = decode(path, data)
    header: list[str] | None = None
    name = list_name or "us_bis_dpl"
    entities: dict[str, Entity] = {}
    latest = ""
    for line, row in csv_rows(path, text, delimiter="\t"):
        if header is None:
            header = [c.strip() for c in row]
            if header[: len(DPL_COLUMNS)] != list(DPL_COLUMNS):
                raise DataFileError(
                    f"not a BIS DPL file: header should be {', '.join(DPL_COLUMNS)}",
                    where=f"{path}:{line}",
                )
            continue
        if len(row) != len(header):
            raise DataFileError(
                f"expected {len(header)} tab-separated columns, found {len(row)}",
                where=f"{path}:{line}",
            )
        rec = dict(zip(header, row, strict=True))
        person = rec["Name"].strip()
        if not person:
            raise DataFileError("row without a name", where=f"{path}:{line}")
        # The DPL has no entry id: derive a stable one from what identifies the order.
        sid = hashlib.sha1(
            f"{person}|{rec['Effective_Date']}|{rec['FR_Citation']}".encode()
        ).hexdigest()[:12]
        # Some rows carry impossible update dates (year 3033): they cannot date the list.
        updated = rec["Last_Update"].strip()
        if updated <= date.today().isoformat():
            latest = max(latest, updated)
        country = country_code(rec["Country"]) if rec["Country"].strip() else None
        ent = Entity(
            list=name,
            source_id=sid,
            kind=EntityKind.UNKNOWN,
            names=(Name(person),),
            countries=(country,) if country else (),
            programs=("DPL",),
            listed_on=rec["Effective_Date"].strip() or None,
            remarks=rec["FR_Citation"].strip() or None,
        )
        if sid in entities:  # the same order republished: keep one, with both names
            prev = entities[sid]
            ent = replace(prev, names=tuple(dict.fromkeys(prev.names + ent.names)))
        entities[sid] = ent
    if header is None:
        raise DataFileError("empty file", where=str(path))
    from borderline.screening.loaders._common import parse_day

    return LoadedList(
        name=name,
        title="BIS Denied Persons List",
        format="dpl",
        published=parse_day(latest) if latest else date_from_path(path),
        entities=tuple(entities.values()),
        fingerprint=fingerprint(data),
        source=str(path),
    )
