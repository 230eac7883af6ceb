"""EU Financial Sanctions Files XML (``xmlFullSanctionsList_1_1``) and FollowTheMoney JSON lines
(the format OpenSanctions publishes; users bring their own copy under its licence)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from borderline.errors import DataFileError
from borderline.screening._countries import country_code
from borderline.screening.loaders._common import (
    LoadedList,
    date_from_path,
    decode,
    fingerprint,
    open_bytes,
    parse_day,
    parse_dob,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

_EU_KINDS = {
    "person": EntityKind.PERSON,
    "enterprise": EntityKind.ORGANIZATION,
    "organisation": EntityKind.ORGANIZATION,
    "organization": EntityKind.ORGANIZATION,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
}
_EU_IDS = {
    "passport": "passport",
    "id": "national_id",
    "nationalidentitycard": "national_id",
    "fiscalcode": "tax_id",
    "regnumber": "registration",
    "imo": "imo",
    "swiftbic": "bic",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def load_eu_fsf(path: Path, *, list_name: str | None = None) -> LoadedList:
    """The EU FSF XML: ``<export>`` of ``<sanctionEntity>`` with ``nameAlias``,
    ``citizenship``, ``birthdate`` and ``identification`` children (attributes carry the data)."""
    data = open_bytes(path)
    decode(path, data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise DataFileError(f"malformed XML: {exc}", where=f"{path}:{line}:{col}") from None
    if _local(root.tag) != "export":
        raise DataFileError(
            f"root element is <{_local(root.tag)}>, expected <export> (EU FSF)", where=f"{path}:1"
        )
    name = list_name or "eu_fsf"
    entities: list[Entity] = []
    for el in root:
        if _local(el.tag) != "sanctionEntity":
            continue
        sid = el.get("euReferenceNumber") or el.get("logicalId") or ""
        kind = EntityKind.UNKNOWN
        names: list[Name] = []
        dobs: list[PartialDate] = []
        countries: list[str] = []
        ids: list[Identifier] = []
        programs: list[str] = []
        for child in el:
            tag = _local(child.tag)
            if tag == "subjectType":
                kind = _EU_KINDS.get((child.get("code") or "").lower(), EntityKind.UNKNOWN)
            elif tag == "nameAlias":
                whole = (child.get("wholeName") or "").strip() or " ".join(
                    filter(
                        None,
                        (child.get(a, "").strip() for a in ("firstName", "middleName", "lastName")),
                    )
                )
                if whole:
                    weak = (child.get("strong") or "true").lower() == "false"
                    names.append(Name(whole, kind="primary" if not names else "alias", weak=weak))
            elif tag == "citizenship":
                c = (child.get("countryIso2Code") or "").upper()
                if c and c != "00" and country_code(c):
                    countries.append(c)
            elif tag == "birthdate":
                d = parse_dob(child.get("birthdate") or "") or (
                    parse_dob(child.get("year") or "") if child.get("year") else None
                )
                if d:
                    dobs.append(d)
                if (c := (child.get("countryIso2Code") or "").upper()) and country_code(c):
                    countries.append(c)
            elif tag == "identification":
                number = (child.get("number") or "").strip()
                if number:
                    id_kind = _EU_IDS.get(
                        (child.get("identificationTypeCode") or "").lower(), "other"
                    )
                    ids.append(
                        Identifier(
                            id_kind, number, (child.get("countryIso2Code") or "").upper() or None
                        )
                    )
            elif tag == "regulation" and (prog := child.get("programme")):
                programs.append(prog)
        if not names:
            raise DataFileError(f"sanctionEntity {sid!r} has no nameAlias", where=str(path))
        entities.append(
            Entity(
                list=name,
                source_id=sid,
                kind=kind,
                names=tuple(names),
                dobs=tuple(dict.fromkeys(dobs)),
                countries=tuple(dict.fromkeys(countries)),
                identifiers=tuple(ids),
                programs=tuple(dict.fromkeys(programs)),
                listed_on=el.get("designationDate"),
            )
        )
    if not entities:
        raise DataFileError("no sanctionEntity elements", where=str(path))
    return LoadedList(
        name=name,
        title="EU Financial Sanctions Files (consolidated list)",
        format="eu_fsf",
        published=parse_day(root.get("generationDate", "")),
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )


_FTM_KINDS = {
    "Person": EntityKind.PERSON,
    "Organization": EntityKind.ORGANIZATION,
    "Company": EntityKind.ORGANIZATION,
    "LegalEntity": EntityKind.UNKNOWN,
    "PublicBody": EntityKind.ORGANIZATION,
    "Vessel": EntityKind.VESSEL,
    "Airplane": EntityKind.AIRCRAFT,
}
_FTM_IDS = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "taxNumber": "tax_id",
    "innCode": "tax_id",
    "imoNumber": "imo",
    "swiftBic": "bic",
    "leiCode": "lei",
    "registrationNumber": "registration",
    "ogrnCode": "registration",
}


def load_ftm(path: Path, *, list_name: str | None = None) -> LoadedList:
    """FollowTheMoney entities, one JSON object per line; non-party schemata are skipped."""
    data = open_bytes(path)
    text = decode(path, data)
    name = list_name or "ftm"
    entities: list[Entity] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"invalid JSON: {exc.msg}", where=f"{path}:{lineno}") from None
        if not isinstance(obj, dict) or "schema" not in obj or "id" not in obj:
            raise DataFileError(
                "each line must be an entity object with id and schema", where=f"{path}:{lineno}"
            )
        kind = _FTM_KINDS.get(str(obj["schema"]))
        if kind is None:
            continue
        props = obj.get("properties") or {}
        if not isinstance(props, dict):
            raise DataFileError("properties must be an object", where=f"{path}:{lineno}")

        def values(key: str, props: dict[str, object] = props) -> list[str]:
            v = props.get(key) or []
            return [str(x) for x in v] if isinstance(v, list) else [str(v)]

        names = [Name(n) for n in values("name")]
        names += [Name(n, kind="alias") for n in values("alias") + values("previousName")]
        names += [Name(n, kind="alias", weak=True) for n in values("weakAlias")]
        if not names:
            continue
        dobs = [d for d in (parse_dob(v) for v in values("birthDate")) if d]
        countries = [
            c
            for c in (
                country_code(v)
                for v in values("nationality")
                + values("citizenship")
                + values("country")
                + values("jurisdiction")
                + values("flag")
            )
            if c
        ]
        ids = [Identifier(kind_, v) for key, kind_ in _FTM_IDS.items() for v in values(key)]
        entities.append(
            Entity(
                list=name,
                source_id=str(obj["id"]),
                kind=kind,
                names=tuple(dict.fromkeys(names)),
                dobs=tuple(dict.fromkeys(dobs)),
                countries=tuple(dict.fromkeys(countries)),
                identifiers=tuple(dict.fromkeys(ids)),
                programs=tuple(values("program") or values("topics")),
            )
        )
    if not entities:
        raise DataFileError("no Person/Organization/Company/Vessel entities", where=str(path))
    return LoadedList(
        name=name,
        title="FollowTheMoney entities",
        format="ftm",
        published=date_from_path(path),
        entities=tuple(entities),
        fingerprint=fingerprint(data),
        source=str(path),
    )
