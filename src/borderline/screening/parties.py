"""One listed party on several lists: which entities are one party, and which listing a hit
shows first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from borderline.screening.model import Entity, EntityKind
from borderline.text import normalize

# Which listing of a party a hit shows: the UN list first (the one every member state applies,
# and its reference numbers are what other lists cite), then the lists that copy it.
LIST_PRIORITY = ("un_sc", "us_ofac_sdn", "uk_ofsi", "uk_sl", "eu_fsf", "us_ofac_cons")


def _priority(list_name: str) -> int:
    try:
        return LIST_PRIORITY.index(list_name)
    except ValueError:
        return len(LIST_PRIORITY)


def group_listings(entities: Sequence[Entity]) -> np.ndarray:
    """Which entities are one listed party, as a group id per entity.

    Linked when: a list cites the other's UN reference (the UK lists do) or OFSI Group ID
    (the FCDO list cites OFSI's); they share a
    passport, national ID or IMO number; or two people share a full name and an exact date of
    birth. Never by name alone: two people called Mohammed Khan stay two.
    """
    parent = list(range(len(entities)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[tuple[str, ...], int] = {}

    def link(key: tuple[str, ...], i: int) -> None:
        j = first.setdefault(key, i)
        if j != i and entities[j].list != entities[i].list:
            union(i, j)

    for i, e in enumerate(entities):
        if e.list == "un_sc":
            link(("un", e.source_id), i)
        if e.list == "uk_ofsi":
            link(("ofsi", e.source_id), i)
        for k, v in e.extra:
            if k == "un_ref":
                link(("un", v), i)
            elif k == "ofsi_group_id":
                # The FCDO list cites the legacy OFSI Group ID of each designation.
                link(("ofsi", v), i)
        for ident in e.identifiers:
            if ident.kind in ("passport", "national_id", "imo") and len(ident.key) >= 6:
                link(("id", ident.kind, ident.key), i)
        if e.kind is EntityKind.PERSON:
            full = [d for d in e.dobs if d.day is not None and d.to_year is None]
            for nm in e.names:
                if nm.weak:
                    continue
                key = " ".join(sorted(normalize(nm.full).split()))
                for d in full:
                    link(("pd", key, str(d)), i)
    return np.asarray([find(i) for i in range(len(entities))], dtype=np.int32)
