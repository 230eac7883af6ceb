"""UN Security Council Consolidated List XML (``sc-sanctions.xsd``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code
from borderline.screening.loaders._common import (
    LoadedList,
    decode,
    fingerprint,
    open_bytes,
    parse_day,
    parse_dob,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

_DOC_KINDS = {
    "passport": "passport",
    "national identification number": "national_id",
    "identification number": "national_id",
}


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _dob(el: ET.Element) -> PartialDate | None:
    kind = _text(el.find("TYPE_OF_DATE")).upper()
    if kind == "BETWEEN":
        a, b = _text(el.find("FROM_YEAR")), _text(el.find("TO_YEAR"))
        if a.isdigit() and b.isdigit():
            return PartialDate(min(int(a), int(b)), to_year=max(int(a), int(b)))
        return None
    for tag in ("DATE", "YEAR"):
        if value := _text(el.find(tag)):
            return parse_dob(value)
    return None


def _entity(el: ET.Element, person: bool) -> Entity:
    ref = _text(el.find("REFERENCE_NUMBER")) or _text(el.find("DATAID"))
    parts = [_text(el.find(t)) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    primary = " ".join(p for p in parts if p)
    names = [Name(primary)] if primary else []
    alias_tag = "INDIVIDUAL_ALIAS" if person else "ENTITY_ALIAS"
    for alias in el.findall(alias_tag):
        value = _text(alias.find("ALIAS_NAME"))
        if value:
            quality = _text(alias.find("QUALITY")).lower()
            kind = "formerly" if quality.startswith("f.k.a") else "alias"
            names.append(Name(value, kind=kind, weak=quality == "low"))
    for original in el.findall("NAME_ORIGINAL_SCRIPT"):
        if value := _text(original):
            names.append(Name(value, kind="original_script"))
    countries: list[str] = []
    for nat in el.findall("NATIONALITY/VALUE"):
        if c := country_code(_text(nat)):
            countries.append(c)
    for tag in ("INDIVIDUAL_PLACE_OF_BIRTH", "INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
        for place in el.findall(tag):
            if c := country_code(_text(place.find("COUNTRY"))):
                countries.append(c)
    dobs = [d for d in (_dob(x) for x in el.findall("INDIVIDUAL_DATE_OF_BIRTH")) if d]
    ids: list[Identifier] = []
    for doc in el.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(doc.find("NUMBER"))
        if number:
            kind = _DOC_KINDS.get(_text(doc.find("TYPE_OF_DOCUMENT")).lower(), "other")
            issuer = country_code(_text(doc.find("ISSUING_COUNTRY")))
            ids.append(Identifier(kind, number, issuer))
    return Entity(
        list="un_sc",
        source_id=ref,
        kind=EntityKind.PERSON if person else EntityKind.ORGANIZATION,
        names=tuple(names),
        dobs=tuple(dict.fromkeys(dobs)),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=tuple(ids),
        programs=(_text(el.find("UN_LIST_TYPE")),),
        listed_on=_text(el.find("LISTED_ON")) or None,
        remarks=_text(el.find("COMMENTS1")) or None,
    )


def load_un(path: Path, *, list_name: str | None = None) -> LoadedList:
    data = open_bytes(path)
    decode(path, data)  # a wrong encoding is reported with its line before XML parsing
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise DataFileError(
            f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}",
            where=f"{path}:{line}:{col}",
        ) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise DataFileError(
            f"root element is <{root.tag}>, expected <CONSOLIDATED_LIST> (UN sc-sanctions.xsd)",
            where=f"{path}:1",
        )
    entities = [_entity(e, True) for e in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entities += [_entity(e, False) for e in root.iterfind("ENTITIES/ENTITY")]
    for ent in entities:
        if not ent.names:
            raise DataFileError(f"entry {ent.source_id} has no name", where=str(path))
    if not entities:
        raise DataFileError("no INDIVIDUAL or ENTITY records", where=str(path))
    name = list_name or "un_sc"
    if name != "un_sc":
        from dataclasses import replace

        entities = [replace(e, list=name) for e in entities]
    return LoadedList(
        name=name,
        title="UN Security Council Consolidated List",
        format="un_xml",
        published=parse_day(root.get("dateGenerated", "")),
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )
