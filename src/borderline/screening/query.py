"""What a search asks (``Query``) and what it answers (``Match``, one per listed party), and
what is known of each loaded list (``ListInfo``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from borderline.errors import InvalidInput
from borderline.screening.algorithm import MAX_NAME_CHARS, THRESHOLD
from borderline.screening.model import Entity, EntityKind, Identifier, PartialDate
from borderline.text import normalize


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    title: str
    version: str
    published: str | None
    entities: int
    source: str
    format: str


@dataclass(slots=True)
class Query:
    """What to screen. ``kind`` None means any; ``dob`` and ``country`` are qualifiers."""

    name: str
    kind: EntityKind | None = None
    country: str | None = None
    dob: PartialDate | None = None
    identifiers: tuple[Identifier, ...] = ()
    threshold: float = THRESHOLD
    limit: int = 10
    lists: tuple[str, ...] | None = None

    def validate(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInput("name is empty", where="name")
        if len(self.name) > MAX_NAME_CHARS:
            raise InvalidInput(
                f"name has {len(self.name)} characters; at most {MAX_NAME_CHARS} are screened",
                where="name",
            )
        if not normalize(self.name):
            raise InvalidInput("name has no letters or digits to screen", where="name")
        if not 0.0 <= self.threshold <= 1.0:
            raise InvalidInput("threshold must be between 0 and 1", where="threshold")
        if not 1 <= self.limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", where="limit")
        if self.country is not None:
            c = self.country.strip().upper()
            if len(c) != 2 or not c.isalpha():
                raise InvalidInput(
                    f"{self.country!r} is not an ISO 3166 alpha-2 code", where="country"
                )
            self.country = c


@dataclass(frozen=True, slots=True)
class Match:
    """One listed entity that matches a query."""

    list: str
    source_id: str
    name: str
    matched_name: str
    score: float
    explanation: str
    entity: Entity
    qualifiers: tuple[dict[str, Any], ...] = ()
    name_score: float = 0.0
    # Every listing of the same listed party (this one first): one person on the UN, OFAC and
    # UK lists is one hit, not three.
    listings: tuple[Entity, ...] = ()

    @property
    def listing_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.listings) or (self.entity.key,)

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "list": self.list,
            "source_id": self.source_id,
            "name": self.name,
            "matched_name": self.matched_name,
            "score": round(self.score, 4),
            "explanation": self.explanation,
        }
        if detail:
            e = self.entity
            out["entity"] = {
                "kind": e.kind.value,
                "programs": list(e.programs),
                "countries": list(e.countries),
                "dates_of_birth": [str(d) for d in e.dobs],
                "aliases": [n.full for n in e.names[1:]],
            }
            out["name_score"] = round(self.name_score, 4)
            out["qualifiers"] = list(self.qualifiers)
            out["listings"] = [
                {"list": x.list, "source_id": x.source_id, "name": x.caption}
                for x in (self.listings or (e,))
            ]
        return out
