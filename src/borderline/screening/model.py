"""One typed entity model that every list loader produces.

Plain frozen dataclasses with slots: tens of thousands of them are built at import, pickled into
the persisted index and compared in the hot path, where pydantic's validation would only cost.
Loaders validate on the way in and raise ``DataFileError`` naming file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class EntityKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Name:
    """One written form of an entity's name.

    ``weak`` marks a low-quality alias (UN/UK "Low", OFAC weak AKA): it may only match exactly.
    ``kind`` is primary, alias, formerly, original_script or variation.
    """

    full: str
    kind: str = "primary"
    weak: bool = False


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth as lists give it: exact, a year or month only, or a range of years."""

    year: int
    month: int | None = None
    day: int | None = None
    to_year: int | None = None

    def __str__(self) -> str:
        if self.to_year is not None and self.to_year != self.year:
            return f"{self.year}..{self.to_year}"
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raises ``ValueError`` otherwise."""
        parts = text.strip().split("-")
        if (
            not 1 <= len(parts) <= 3
            or not all(p.isascii() and p.isdigit() for p in parts)
            or any(len(p) != 2 for p in parts[1:])
        ):
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        nums = [int(p) for p in parts]
        if len(parts[0]) != 4 or not 1800 <= nums[0] <= 2100:
            raise ValueError(f"{text!r}: year out of range")
        if len(nums) == 3:
            try:
                date(nums[0], nums[1], nums[2])
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc}") from None
            return cls(nums[0], nums[1], nums[2])
        if len(nums) == 2:
            if not 1 <= nums[1] <= 12:
                raise ValueError(f"{text!r}: month out of range")
            return cls(nums[0], nums[1])
        return cls(nums[0])


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document or registry number: passport, national_id, imo, bic, lei, tax_id, other."""

    kind: str
    value: str
    country: str | None = None

    @property
    def key(self) -> str:
        # Compare identifiers without spaces, dashes or case: "OB 0243318" == "ob-0243318".
        return "".join(ch for ch in self.value.upper() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class Entity:
    """One listed person, organisation, vessel or aircraft.

    ``list`` is the list's short name (``us_ofac_sdn``, ``un_sc``, ``uk_sl``…) and
    ``source_id`` the list's own identifier (OFAC ent_num, UN reference number, UK Group ID).
    ``countries`` are ISO 3166 alpha-2 codes of nationality, citizenship, birth and address.
    """

    list: str
    source_id: str
    kind: EntityKind
    names: tuple[Name, ...]
    dobs: tuple[PartialDate, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    programs: tuple[str, ...] = ()
    listed_on: str | None = None
    remarks: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.list}:{self.source_id}"

    @property
    def caption(self) -> str:
        return self.names[0].full if self.names else self.source_id
