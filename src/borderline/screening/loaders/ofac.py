"""OFAC's CSV family: ``sdn.csv`` + ``add.csv`` + ``alt.csv`` + ``sdn_comments.csv`` and the
non-SDN ``cons_prim.csv`` + ``cons_add.csv`` + ``cons_alt.csv`` + ``cons_comments.csv``.

No header row; ``-0-`` is null; the files end with an EOF byte; facts such as date of birth,
nationality and passport numbers are buried in the free-text ``Remarks`` column.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code, place_country
from borderline.screening.loaders._common import (
    LoadedList,
    csv_rows,
    date_from_path,
    decode,
    fingerprint,
    open_bytes,
    parse_dob,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

_KINDS = {
    "individual": EntityKind.PERSON,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
    "": EntityKind.ORGANIZATION,
}
# Remark labels that carry an identifier, mapped to our identifier kinds.
_ID_LABELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:alt\. )?Passport (?:No\. )?(.+)$", re.I), "passport"),
    (re.compile(r"^(?:alt\. )?National ID No\. (.+)$", re.I), "national_id"),
    (re.compile(r"^(?:alt\. )?Cedula No\. (.+)$", re.I), "national_id"),
    (re.compile(r"^(?:alt\. )?Tax ID No\. (.+)$", re.I), "tax_id"),
    (re.compile(r"^(?:Vessel Registration Identification )?IMO (\d{7})\b(.*)$", re.I), "imo"),
    (re.compile(r"^SWIFT/BIC (.+)$", re.I), "bic"),
    (re.compile(r"^Legal Entity Number (.+)$", re.I), "lei"),
    (re.compile(r"^(?:alt\. )?Registration (?:ID|Number) (.+)$", re.I), "registration"),
]
_ID_COUNTRY = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def _null(value: str) -> str:
    v = value.strip()
    return "" if v == "-0-" else v


def _identifier(kind: str, raw: str) -> Identifier:
    raw = raw.strip()
    country = None
    if m := _ID_COUNTRY.match(raw):
        raw, country = m.group(1), country_code(m.group(2))
    value = raw.split(" ", 1)[0] if kind == "imo" else raw
    return Identifier(kind=kind, value=value.strip(), country=country)


def parse_remarks(
    remarks: str,
) -> tuple[list[PartialDate], list[str], list[Identifier], list[str], list[str]]:
    """DOBs, ISO countries, identifiers, "Linked To" names and weak a.k.a.s from Remarks."""
    dobs: list[PartialDate] = []
    countries: list[str] = []
    ids: list[Identifier] = []
    linked: list[str] = []
    weak: list[str] = []
    for raw in remarks.split(";"):
        item = raw.strip().rstrip(".").strip()
        low = item.lower()
        if low.startswith(("dob ", "alt. dob ")):
            d = parse_dob(item.split("DOB", 1)[-1].split("dob", 1)[-1])
            if d is not None:
                dobs.append(d)
        elif low.startswith(("pob ", "alt. pob ")):
            if c := place_country(item.split(" ", 2)[-1] if low.startswith("alt") else item[4:]):
                countries.append(c)
        elif low.startswith(("nationality ", "alt. nationality ", "citizen ", "alt. citizen ")):
            if c := country_code(item.rsplit(" ", 1)[-1]) or country_code(item.split(" ", 1)[1]):
                countries.append(c)
        elif low.startswith("a.k.a. ") or low.startswith("f.k.a. "):
            # Quoted a.k.a.s in Remarks are OFAC's weak aliases (SDN.XML flags them "weak").
            weak.append(item[7:].strip().strip("'").strip())
        elif low.startswith("linked to:"):
            linked.append(item[10:].strip())
        else:
            for pattern, kind in _ID_LABELS:
                if m := pattern.match(item):
                    ids.append(_identifier(kind, m.group(1)))
                    break
    return dobs, countries, ids, linked, weak


def _expect(path: Path, line: int, row: list[str], n: int) -> None:
    if len(row) != n:
        raise DataFileError(
            f"expected {n} columns in an OFAC {path.name} row, found {len(row)}",
            where=f"{path}:{line}",
        )


def _ent_num(path: Path, line: int, value: str) -> str:
    v = value.strip()
    if not v.isdigit():
        raise DataFileError(f"ent_num {v!r} is not a number", where=f"{path}:{line}")
    return v


def _find(folder: Path, *names: str) -> Path | None:
    for name in names:
        for candidate in (folder / name, folder / name.upper(), folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def load_ofac(path: Path, *, list_name: str | None = None) -> LoadedList:
    """Load an OFAC CSV family from its folder or from the primary file (sdn.csv/cons_prim.csv)."""
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        prim = _find(folder, "sdn.csv", "cons_prim.csv")
        if prim is None:
            raise DataFileError("no sdn.csv or cons_prim.csv in this folder", where=str(path))
    else:
        prim = path
    consolidated = prim.name.lower().startswith("cons_")
    prefix = "cons_" if consolidated else ""
    add = _find(folder, f"{prefix}add.csv")
    alt = _find(folder, f"{prefix}alt.csv")
    comments = _find(folder, "cons_comments.csv" if consolidated else "sdn_comments.csv")

    blobs: list[bytes] = []
    rows: dict[str, list[str]] = {}
    order: list[str] = []
    data = open_bytes(prim)
    blobs.append(data)
    for line, row in csv_rows(prim, decode(prim, data)):
        _expect(prim, line, row, 12)
        ent = _ent_num(prim, line, row[0])
        if ent in rows:
            raise DataFileError(f"duplicate ent_num {ent}", where=f"{prim}:{line}")
        rows[ent] = [_null(v) for v in row]
        order.append(ent)
    if not rows:
        raise DataFileError("no entries", where=str(prim))

    extra_remarks: dict[str, str] = {}
    if comments is not None:
        data = open_bytes(comments)
        blobs.append(data)
        for line, row in csv_rows(comments, decode(comments, data)):
            _expect(comments, line, row, 2)
            extra_remarks[_ent_num(comments, line, row[0])] = _null(row[1])

    aliases: dict[str, list[Name]] = defaultdict(list)
    if alt is not None:
        data = open_bytes(alt)
        blobs.append(data)
        for line, row in csv_rows(alt, decode(alt, data)):
            _expect(alt, line, row, 5)
            ent = _ent_num(alt, line, row[0])
            alt_type, alt_name = _null(row[2]).lower(), _null(row[3])
            if alt_name:
                # The CSV family carries no strong/weak flag; every alias counts as strong.
                kind = {"fka": "formerly", "nka": "now"}.get(alt_type, "alias")
                aliases[ent].append(Name(alt_name, kind=kind))

    addr_countries: dict[str, list[str]] = defaultdict(list)
    if add is not None:
        data = open_bytes(add)
        blobs.append(data)
        for line, row in csv_rows(add, decode(add, data)):
            _expect(add, line, row, 6)
            ent = _ent_num(add, line, row[0])
            if c := country_code(_null(row[4])):
                addr_countries[ent].append(c)

    name = list_name or ("us_ofac_cons" if consolidated else "us_ofac_sdn")
    entities: list[Entity] = []
    for ent in order:
        row = rows[ent]
        sdn_type = row[2].lower()
        ekind = _KINDS.get(sdn_type)
        if ekind is None:
            raise DataFileError(f"unknown SDN_Type {row[2]!r}", where=f"{prim}:ent_num {ent}")
        remarks = row[11]
        if ent in extra_remarks:
            remarks = remarks + extra_remarks[ent]
        dobs, countries, ids, linked, weak = parse_remarks(remarks)
        countries.extend(addr_countries.get(ent, ()))
        if row[9] and (flag := country_code(row[9])):
            countries.append(flag)
        extra = tuple(("linked_to", n) for n in linked)
        entities.append(
            Entity(
                list=name,
                source_id=ent,
                kind=ekind,
                names=(
                    Name(row[1]),
                    *aliases.get(ent, ()),
                    *(Name(w, kind="alias", weak=True) for w in weak if w),
                ),
                dobs=tuple(dict.fromkeys(dobs)),
                countries=tuple(dict.fromkeys(countries)),
                identifiers=tuple(dict.fromkeys(ids)),
                programs=tuple(p.strip() for p in row[3].split(";") if p.strip()),
                remarks=remarks or None,
                extra=extra,
            )
        )
    title = "OFAC Consolidated (non-SDN) List" if consolidated else "OFAC SDN List"
    return LoadedList(
        name=name,
        title=title,
        format="ofac_csv",
        published=date_from_path(prim),
        entities=tuple(entities),
        fingerprint=fingerprint(*blobs),
        source=str(path),
    )
