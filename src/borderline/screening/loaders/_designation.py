"""One UK designation gathered from the rows that name it: the FCDO UK Sanctions List (``fcdo``,
one ``Unique ID``), OFSI's Consolidated List and the FCDO list's normalised tables (``uk``, one
``Group ID`` / ``unique_id``). The loaders decide how a row's name parts make a full name and
which name types they know; this keeps what they then do alike: the primary name first,
countries read from "(1) Germany. (2) Morocco" cells, repeats dropped, one ``Entity``."""

from __future__ import annotations

import re

from borderline.screening._countries import country_code
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate

# "Individual", "Entity", "Ship" (the column's values in every UK file) -> our kind.
KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.ORGANIZATION,
    "ship": EntityKind.VESSEL,
}
# "(1) Afghanistan (2) Pakistan" -> two values.
_NUMBERED = re.compile(r"\(\d+\)\s*")


def split_numbered(value: str) -> list[str]:
    """The values of a cell that numbers them: ``(1) Germany. (2) Morocco``."""
    parts = (p.strip().rstrip(".,;").strip() for p in _NUMBERED.split(value))
    return [p for p in parts if p]


def joined(parts: list[str]) -> str:
    """Name parts (``Name 1`` … ``Name 5``) as one string, blanks left out."""
    return " ".join(p.strip() for p in parts if p.strip())


class Designation:
    __slots__ = ("countries", "dobs", "extra", "ids", "kind", "listed", "names", "regimes")

    def __init__(self, kind: EntityKind) -> None:
        self.kind = kind
        self.names: list[Name] = []
        self.dobs: list[PartialDate] = []
        self.countries: list[str] = []
        self.ids: list[Identifier] = []
        self.regimes: list[str] = []
        self.listed: str | None = None
        self.extra: dict[str, str] = {}

    def add_name(self, full: str, kind: str, *, weak: bool = False) -> None:
        """A name of ``kind`` (``primary`` goes first); an empty one is ignored."""
        if not full:
            return
        name = Name(full, kind=kind, weak=weak)
        if kind == "primary":
            self.names.insert(0, name)
        else:
            self.names.append(name)

    def add_countries(self, text: str) -> None:
        """Every country named in a (numbered) cell that resolves to a code."""
        for part in split_numbered(text):
            if code := country_code(part):
                self.countries.append(code)

    def add_ids(self, kind: str, text: str) -> None:
        self.ids += [Identifier(kind, value) for value in split_numbered(text)]

    def entity(self, list_name: str, source_id: str) -> Entity:
        return Entity(
            list=list_name,
            source_id=source_id,
            kind=self.kind,
            names=tuple(dict.fromkeys(self.names)),
            dobs=tuple(dict.fromkeys(self.dobs)),
            countries=tuple(dict.fromkeys(self.countries)),
            identifiers=tuple(dict.fromkeys(self.ids)),
            programs=tuple(dict.fromkeys(self.regimes)),
            listed_on=self.listed,
            extra=tuple(sorted(self.extra.items())),
        )
