"""Qualifiers: what else is known (date of birth, country, kind, identifiers, how common the
name is) moves a name score up or down, each move named and explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from borderline.screening.model import Entity, EntityKind, Identifier, PartialDate

DOB_EXACT = 0.08
DOB_YEAR = 0.03
DOB_DISJOINT = -0.25
COUNTRY_MATCH = 0.04
COUNTRY_MISMATCH = -0.08
TYPE_MISMATCH = -0.30
IDENTIFIER_MATCH = 0.50
# Qualifiers only move a score once the names themselves look alike.
QUALIFIER_FLOOR = 0.5
# A name whose aligned tokens carry less evidence than this (nats; about "one person in
# 440,000 bears it") is common: without a date of birth or an identifier that agrees, its score
# drops by COMMON_RATE per missing nat, at most COMMON_MAX. "John Smith" carries about 6.7.
# 13 rather than v2's 12.5 since a wholly covered shorter name weighs 70 % (chosen on the dev
# half of the common names: holds 15 -> 12 of 2,905, pair F1 and recall@5 unchanged).
COMMON_INFO = 13.0
COMMON_RATE = 0.09
COMMON_MAX = 0.35
COMMON_MISSING = 0.02
COMMON_AGAINST = 1.5


@dataclass(frozen=True, slots=True)
class Qualifier:
    name: str
    delta: float
    detail: str


def _dob_qualifier(dob: PartialDate, dobs: tuple[PartialDate, ...]) -> Qualifier | None:
    if not dobs:
        return None
    best: Qualifier | None = None
    for d in dobs:
        lo, hi = d.year, d.to_year or d.year
        if not lo - 1 <= dob.year <= hi + 1:
            continue
        if lo <= dob.year <= hi:
            if (
                dob.month
                and d.month
                and dob.month == d.month
                and dob.day
                and d.day
                and dob.day == d.day
            ):
                return Qualifier("dob", DOB_EXACT, f"date of birth {dob} = {d}")
            if dob.month and d.month and dob.month != d.month:
                q = Qualifier("dob", 0.0, f"year of birth {dob.year} in {d}, month differs")
            else:
                q = Qualifier("dob", DOB_YEAR, f"year of birth {dob.year} in {d}")
        else:
            q = Qualifier("dob", 0.0, f"year of birth {dob.year} within a year of {d}")
        if best is None or q.delta > best.delta:
            best = q
    if best is None:
        listed = ", ".join(str(d) for d in dobs[:3])
        return Qualifier("dob", DOB_DISJOINT, f"date of birth {dob} far from listed {listed}")
    return best


_COMPATIBLE = {
    EntityKind.PERSON: {EntityKind.PERSON, EntityKind.UNKNOWN},
    # Vessels and aircraft are property of organisations and often share their names.
    EntityKind.ORGANIZATION: {
        EntityKind.ORGANIZATION,
        EntityKind.VESSEL,
        EntityKind.AIRCRAFT,
        EntityKind.UNKNOWN,
    },
    EntityKind.VESSEL: {EntityKind.VESSEL, EntityKind.ORGANIZATION, EntityKind.UNKNOWN},
    EntityKind.AIRCRAFT: {EntityKind.AIRCRAFT, EntityKind.ORGANIZATION, EntityKind.UNKNOWN},
}


def apply_qualifiers(
    score: float,
    entity: Entity,
    *,
    kind: EntityKind | None = None,
    country: str | None = None,
    dob: PartialDate | None = None,
    identifiers: tuple[Identifier, ...] = (),
    info: float | None = None,
    missing: float = 0.0,
    query_only: tuple[str, ...] = (),
) -> tuple[float, list[Qualifier]]:
    """Move a name score with what else is known; returns the new score and the reasons.

    ``info`` is the evidence in the aligned name tokens (``NameScore.info``); when given, a
    common name is marked down unless a date of birth or an identifier backs it up. For a
    listed person any common name is; for an organisation, vessel or aircraft only a partial
    match (``missing`` > 0): "Pacific Trading" against "INTERNATIONAL PACIFIC TRADING", not
    "Sberbank" against "SBERBANK", whose one word the lists repeat because they list its
    subsidiaries.

    ``query_only`` are the query's words no listed word aligned with: an organisation whose name
    only contains a vessel's or aircraft's ("Pacific Trading Ltd" against the ship "PACIFIC") is
    a company named like it, not the vessel, and counts as a type mismatch.
    """
    quals: list[Qualifier] = []
    if identifiers and entity.identifiers:
        keys = {i.key for i in entity.identifiers if len(i.key) >= 5}
        for ident in identifiers:
            if ident.key in keys:
                quals.append(
                    Qualifier(
                        "identifier", IDENTIFIER_MATCH, f"{ident.kind} {ident.value} is listed"
                    )
                )
                break
    if score >= QUALIFIER_FLOOR or quals:
        if (
            kind is not None
            and kind is not EntityKind.UNKNOWN
            and entity.kind not in _COMPATIBLE[kind]
        ):
            quals.append(
                Qualifier(
                    "type",
                    TYPE_MISMATCH,
                    f"query is a {kind.value}, entry is a {entity.kind.value}",
                )
            )
        elif (
            kind is EntityKind.ORGANIZATION
            and entity.kind in (EntityKind.VESSEL, EntityKind.AIRCRAFT)
            and query_only
        ):
            quals.append(
                Qualifier(
                    "type",
                    TYPE_MISMATCH,
                    f"query is an organization whose name only contains the "
                    f"{entity.kind.value}'s (query only: {' '.join(query_only)})",
                )
            )
        if dob is not None and (q := _dob_qualifier(dob, entity.dobs)) is not None:
            quals.append(q)
        if country and entity.countries:
            if country in entity.countries:
                quals.append(Qualifier("country", COUNTRY_MATCH, f"country {country} is linked"))
            else:
                quals.append(
                    Qualifier(
                        "country",
                        COUNTRY_MISMATCH,
                        f"country {country} not in {','.join(entity.countries)}",
                    )
                )
        backed = any(
            q.name == "identifier" or (q.name == "dob" and q.delta >= DOB_EXACT) for q in quals
        )
        # The same year of birth, or a date within a year of a listed one, half backs a common
        # name (v4: one year in fifty is a coincidence for a name many people share, so the
        # year alone no longer backs it in full); a country the entry is not linked to counts
        # against it.
        near = any(q.name == "dob" and 0 <= q.delta < DOB_EXACT for q in quals)
        against = any(q.name == "country" and q.delta < 0 for q in quals)
        person = EntityKind.PERSON in (entity.kind, kind) and entity.kind in (
            EntityKind.PERSON,
            EntityKind.UNKNOWN,
        )
        partial = person or missing > COMMON_MISSING
        if info is not None and info < COMMON_INFO and partial and not backed:
            delta = -min(COMMON_MAX, (COMMON_INFO - info) * COMMON_RATE)
            delta *= (0.5 if near else 1.0) * (COMMON_AGAINST if against else 1.0)
            quals.append(
                Qualifier(
                    "common name",
                    round(delta, 3),
                    f"aligned tokens carry {info:.1f} nats (< {COMMON_INFO:.0f}): a name many "
                    "people share, not backed by a date of birth or identifier"
                    + ("; date of birth agrees only in the year or within a year" if near else "")
                    + ("; country not linked" if against else ""),
                )
            )
    total = score + sum(q.delta for q in quals)
    return min(max(total, 0.0), 1.0), quals
