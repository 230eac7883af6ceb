"""The UK Sanctions List as the FCDO publishes it (``UK-Sanctions-List.csv`` and ``.xml``).

The FCDO list replaced OFSI's Consolidated List on 28 January 2026. Both official files carry
one designation per ``Unique ID`` (``AFG0001``, ``RUS0251``), which is the entity's
``source_id``; the UN reference number (``TAe.010``) of a UN designation and the legacy OFSI
Group ID ride along in ``extra`` so one party on the UN, OFAC and UK lists is shown as one hit.

CSV: a banner line ``Report Date: 29-Apr-2026``, then a header (``Last Updated, Unique ID,
OFSI Group ID, UN Reference Number, Name 6, Name 1 … Name 5, Name type, Alias strength, …,
Designation Type, …, D.O.B, Nationality(/ies), …, IMO number, …``) and one row per name and
detail; rows of one designation share its Unique ID. Dates are ``dd/mm/yyyy`` with the literal
placeholders ``dd`` and ``mm`` where the day or month is unknown.

XML: ``<Designations><DateGenerated>`` and one ``<Designation>`` per Unique ID with ``Names/Name``
(``Name1``…``Name6``, ``NameType``, ``AliasStrength``), ``NonLatinNames``, ``RegimeName``,
``IndividualEntityShip``, ``Addresses/Address/AddressCountry`` and ``IndividualDetails``
(``DOBs/DOB``, ``Nationalities/Nationality``, passports, national identifiers) or ``ShipDetails``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from borderline.errors import DataFileError
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
from borderline.screening.loaders._designation import (
    KINDS,
    Designation,
    joined,
)
from borderline.screening.model import EntityKind, Name, PartialDate

TITLE = "UK Sanctions List (FCDO)"
LIST_NAME = "uk_sl"
# Name type -> our name kind ("Primary Name", "Primary Name Variation", "Alias").
_NAME_KINDS = {"primary name": "primary", "primary name variation": "variation"}
# The kind column is "Designation Type"; some exports head it "Individual, Entity, Ship".
_KIND_COLUMNS = ("Designation Type", "Individual, Entity, Ship")
REQUIRED = (
    "Last Updated", "Unique ID", "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5",
    "Name type",
)  # fmt: skip
# CSV column -> identifier kind.
_ID_COLUMNS = {
    "Passport number": "passport",
    "National Identifier number": "national_id",
    "Business registration number (s)": "registration",
    "IMO number": "imo",
    "Hull identification number (HIN)": "hin",
}
_COUNTRY_COLUMNS = ("Nationality(/ies)", "Country of birth", "Address Country")
_BANNER = re.compile(r"report\s+date\s*:\s*(\S.*)$", re.IGNORECASE)


def fcdo_dob(text: str) -> PartialDate | None:
    """``27/08/1955``, ``dd/08/1955``, ``dd/mm/1950`` or ``1950`` as a partial date."""
    t = text.strip()
    if not t:
        return None
    t = re.sub(r"^dd(?=/)", "00", t, flags=re.IGNORECASE)
    t = re.sub(r"(?<=/)mm(?=/)", "00", t, flags=re.IGNORECASE)
    return parse_dob(t)


def report_date(text: str) -> date | None:
    """The banner's ``29-Apr-2026`` (or an ISO / dd/mm/yyyy date)."""
    t = text.strip().strip('",')
    for fmt in ("%d-%b-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return parse_day(t)


def _add_name(d: Designation, parts: list[str], family: str, name_type: str, strength: str) -> None:
    given, family = joined(parts), family.strip()
    if d.kind is EntityKind.PERSON:
        full = f"{given} {family}".strip()
    else:
        # Entity and ship names sit in Name 6; a few rows carry them in Name 1-5.
        full = " ".join(x for x in (given, family) if x)
    kind = _NAME_KINDS.get(name_type.strip().lower(), "alias")
    d.add_name(full, kind, weak=strength.strip().lower().startswith("low"))


def _finish(
    path: Path,
    data: bytes,
    designations: dict[str, Designation],
    published: date | None,
    fmt: str,
    list_name: str | None,
) -> LoadedList:
    name = list_name or LIST_NAME
    entities = [d.entity(name, uid) for uid, d in designations.items() if d.names]
    if not entities:
        raise DataFileError("no named designations", where=str(path))
    return LoadedList(
        name=name,
        title=TITLE,
        format=fmt,
        published=published,
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )


def _latest(current: date | None, text: str) -> date | None:
    day = parse_day(text)
    if day is not None and (current is None or day > current):
        return day
    return current


def load_fcdo_csv(path: Path, *, list_name: str | None = None) -> LoadedList:
    """``UK-Sanctions-List.csv``: the banner dates the list, else its newest ``Last Updated``."""
    data = open_bytes(path)
    rows: Iterable[tuple[int, list[str]]] = csv_rows(path, decode(path, data))
    header: list[str] | None = None
    banner: date | None = None
    latest: date | None = None
    kind_col = ""
    out: dict[str, Designation] = {}
    for line, row in rows:
        if header is None:
            m = _BANNER.match(",".join(row).strip().strip(","))
            if m:
                banner = report_date(m.group(1))
                continue
            header = header_of(
                row,
                REQUIRED,
                "the FCDO UK Sanctions List CSV",
                f"{path}:{line}",
                one_of=_KIND_COLUMNS,
            )
            kind_col = next(c for c in _KIND_COLUMNS if c in header)
            continue
        rec = padded_record(header, row)
        uid = rec["Unique ID"].strip()
        if not uid:
            raise DataFileError("row without a Unique ID", where=f"{path}:{line}")
        d = out.get(uid)
        if d is None:
            kind = KINDS.get(rec[kind_col].strip().lower())
            if kind is None:
                raise DataFileError(
                    f"unknown {kind_col} {rec[kind_col]!r} for {uid}", where=f"{path}:{line}"
                )
            d = out[uid] = Designation(kind)
        _add_name(
            d,
            [rec[f"Name {i}"] for i in range(1, 6)],
            rec["Name 6"],
            rec["Name type"],
            rec.get("Alias strength", ""),
        )
        if script := rec.get("Name non-latin script", "").strip():
            d.names.append(Name(script, kind="original_script"))
        if dob := fcdo_dob(rec.get("D.O.B", "")):
            d.dobs.append(dob)
        for col in _COUNTRY_COLUMNS:
            d.add_countries(rec.get(col, ""))
        for col, id_kind in _ID_COLUMNS.items():
            d.add_ids(id_kind, rec.get(col, ""))
        if regime := rec.get("Regime Name", "").strip():
            d.regimes.append(regime)
        d.listed = d.listed or rec.get("Date Designated", "").strip() or None
        for col, key in (("UN Reference Number", "un_ref"), ("OFSI Group ID", "ofsi_group_id")):
            if (value := rec.get(col, "").strip()) and key not in d.extra:
                d.extra[key] = value
        latest = _latest(latest, rec["Last Updated"])
    if header is None:
        raise DataFileError("empty file", where=str(path))
    return _finish(path, data, out, banner or latest, "fcdo_csv", list_name)


def _texts(el: ET.Element, tag: str) -> list[str]:
    return [(x.text or "").strip() for x in el.iter(tag) if (x.text or "").strip()]


def _text(el: ET.Element | None, tag: str) -> str:
    found = el.find(tag) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def load_fcdo_xml(path: Path, *, list_name: str | None = None) -> LoadedList:
    """``UK-Sanctions-List.xml``: ``DateGenerated`` dates the list, else its newest update."""
    data = open_bytes(path)
    try:
        root = ET.fromstring(decode(path, data))
    except ET.ParseError as exc:
        raise DataFileError(f"malformed XML: {exc}", where=str(path)) from None
    if root.tag != "Designations":
        raise DataFileError(
            f"not the FCDO UK Sanctions List XML (root <{root.tag}>)", where=str(path)
        )
    latest: date | None = None
    out: dict[str, Designation] = {}
    for n, el in enumerate(root.iter("Designation"), 1):
        where = f"{path}: Designation #{n}"
        uid = _text(el, "UniqueID")
        if not uid:
            raise DataFileError("designation without a UniqueID", where=where)
        kind = KINDS.get(_text(el, "IndividualEntityShip").lower())
        if kind is None:
            raise DataFileError(
                f"unknown IndividualEntityShip {_text(el, 'IndividualEntityShip')!r} for {uid}",
                where=where,
            )
        d = out.setdefault(uid, Designation(kind))
        for nm in el.iter("Name"):
            if nm.find("NameType") is None:  # <Name> holds parts; skip any other use of the tag
                continue
            _add_name(
                d,
                [_text(nm, f"Name{i}") for i in range(1, 6)],
                _text(nm, "Name6"),
                _text(nm, "NameType"),
                _text(nm, "AliasStrength"),
            )
        d.names += [Name(s, kind="original_script") for s in _texts(el, "NameNonLatinScript")]
        d.dobs += [dob for t in _texts(el, "DOB") if (dob := fcdo_dob(t))]
        for tag in ("Nationality", "CountryOfBirth", "AddressCountry"):
            for value in _texts(el, tag):
                d.add_countries(value)
        for tag, id_kind in (
            ("PassportNumber", "passport"),
            ("NationalIdentifierNumber", "national_id"),
            ("BusinessRegistrationNumber", "registration"),
            ("IMONumber", "imo"),
            ("HullIdentificationNumber", "hin"),
        ):
            for t in _texts(el, tag):
                d.add_ids(id_kind, t)
        d.regimes += _texts(el, "RegimeName")
        d.listed = d.listed or _text(el, "DateDesignated") or None
        for tag, key in (("UNReferenceNumber", "un_ref"), ("OFSIGroupID", "ofsi_group_id")):
            if (value := _text(el, tag)) and key not in d.extra:
                d.extra[key] = value
        latest = _latest(latest, _text(el, "LastUpdated"))
    generated = parse_day(_text(root, "DateGenerated"))
    return _finish(path, data, out, generated or latest, "fcdo_xml", list_name)
