"""OFAC's XML publications in the SDN layout: ``SDN.XML`` and the consolidated (non-SDN)
``CONSOLIDATED.XML`` (root ``<sdnList>``, one ``<sdnEntry>`` per listing).

Unlike the CSV family, the XML carries each a.k.a.'s quality (``<category>strong|weak``), dates
and places of birth, nationalities and identity documents as their own elements, so nothing
has to be dug out of free-text remarks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code, place_country
from borderline.screening.loaders._common import (
    LoadedList,
    decode,
    fingerprint,
    open_bytes,
    parse_day,
    parse_dob,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

_KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.ORGANIZATION,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
}
# <idType> values that are identifiers of the listed party (others, such as "Website" or
# "Secondary sanctions risk:", are facts about the listing).
_ID_TYPES = {
    "passport": "passport",
    "national id no.": "national_id",
    "cedula no.": "national_id",
    "tax id no.": "tax_id",
    "registration id": "registration",
    "registration number": "registration",
    "swift/bic": "bic",
    "legal entity number": "lei",
    "vessel registration identification": "imo",
    "isin": "isin",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_ns(root: ET.Element) -> None:
    # OFAC qualifies every element with its export URL as namespace; drop it once so the
    # lookups below read like the documented layout.
    for el in root.iter():
        el.tag = _local(el.tag)


def _text(el: ET.Element | None, tag: str) -> str:
    child = el.find(tag) if el is not None else None
    return (child.text or "").strip() if child is not None else ""


def _name(el: ET.Element, person: bool) -> str:
    first, last = _text(el, "firstName"), _text(el, "lastName")
    if person and first:
        return f"{first} {last}".strip()
    return " ".join(p for p in (first, last) if p)


def _entry(el: ET.Element, list_name: str, path: Path) -> Entity:
    uid = _text(el, "uid")
    if not uid.isdigit():
        raise DataFileError(f"sdnEntry with uid {uid!r}", where=str(path))
    sdn_type = _text(el, "sdnType").lower()
    kind = _KINDS.get(sdn_type)
    if kind is None:
        raise DataFileError(f"unknown sdnType {sdn_type!r}", where=f"{path}:uid {uid}")
    person = kind is EntityKind.PERSON
    primary = _name(el, person)
    if not primary:
        raise DataFileError("entry has no name", where=f"{path}:uid {uid}")
    names = [Name(primary)]
    for aka in el.iterfind("akaList/aka"):
        value = _name(aka, person)
        if not value:
            continue
        alias_type = _text(aka, "type").lower()
        names.append(
            Name(
                value,
                kind={"f.k.a.": "formerly", "n.k.a.": "now"}.get(alias_type, "alias"),
                weak=_text(aka, "category").lower() == "weak",
            )
        )
    dobs: list[PartialDate] = []
    for item in el.iterfind("dateOfBirthList/dateOfBirthItem"):
        if (d := parse_dob(_text(item, "dateOfBirth"))) is not None:
            dobs.append(d)
    countries: list[str] = []
    for nat in el.iterfind("nationalityList/nationality"):
        if c := country_code(_text(nat, "country")):
            countries.append(c)
    for cit in el.iterfind("citizenshipList/citizenship"):
        if c := country_code(_text(cit, "country")):
            countries.append(c)
    for pob in el.iterfind("placeOfBirthList/placeOfBirthItem"):
        if c := place_country(_text(pob, "placeOfBirth")):
            countries.append(c)
    for addr in el.iterfind("addressList/address"):
        if c := country_code(_text(addr, "country")):
            countries.append(c)
    ids: list[Identifier] = []
    for ident in el.iterfind("idList/id"):
        id_kind = _ID_TYPES.get(_text(ident, "idType").lower())
        number = _text(ident, "idNumber")
        if id_kind and number:
            ids.append(Identifier(id_kind, number, country_code(_text(ident, "idCountry"))))
    vessel = el.find("vesselInfo")
    if vessel is not None and (flag := country_code(_text(vessel, "vesselFlag"))):
        countries.append(flag)
    return Entity(
        list=list_name,
        source_id=uid,
        kind=kind,
        names=tuple(dict.fromkeys(names)),
        dobs=tuple(dict.fromkeys(dobs)),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=tuple(dict.fromkeys(ids)),
        programs=tuple(p for p in (_text(x, ".") for x in el.iterfind("programList/program")) if p),
        remarks=_text(el, "remarks") or None,
    )


def _us_day(text: str) -> date | None:
    # OFAC writes its publication date month first (01/08/2026 is 8 January).
    try:
        return datetime.strptime(text.strip(), "%m/%d/%Y").date()
    except ValueError:
        return parse_day(text)


def load_ofac_xml(path: Path, *, list_name: str | None = None) -> LoadedList:
    """Load ``SDN.XML`` or OFAC's consolidated non-SDN XML (``sdnList`` layout)."""
    data = open_bytes(path)
    decode(path, data)  # a wrong encoding is reported with its line before XML parsing
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise DataFileError(f"malformed XML: {exc}", where=f"{path}:{line}:{col}") from None
    if _local(root.tag) != "sdnList":
        raise DataFileError(
            f"root element is <{_local(root.tag)}>, expected <sdnList> (OFAC XML)",
            where=f"{path}:1",
        )
    _strip_ns(root)
    info = root.find("publshInformation")
    published = _us_day(_text(info, "Publish_Date")) if info is not None else None
    entries = root.findall("sdnEntry")
    if not entries:
        raise DataFileError("no sdnEntry records", where=str(path))
    # The consolidated list's programmes are the non-SDN ones; SDN.XML has the SDN programmes.
    # The file name is the only thing that tells the two publications apart.
    low = path.name.lower()
    consolidated = "cons" in low
    name = list_name or ("us_ofac_cons" if consolidated else "us_ofac_sdn")
    entities = [_entry(e, name, path) for e in entries]
    declared = _text(info, "Record_Count") if info is not None else ""
    if declared.isdigit() and int(declared) != len(entities):
        raise DataFileError(
            f"header says {declared} records, file has {len(entities)}: truncated download?",
            where=str(path),
        )
    return LoadedList(
        name=name,
        title="OFAC Consolidated (non-SDN) List" if consolidated else "OFAC SDN List",
        format="ofac_xml",
        published=published,
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )
