"""Labelled name pairs and search cases that nobody on the team wrote: the lists' own data.

- **Alias groups.** Two names one list gives for one entry are a match (``VLADIMIR PUTIN`` /
  ``Vladimir Vladimirovich PUTIN``; a name and its original-script form). Pairs whose names share
  no word and are in the same script (a *nom de guerre* beside a birth name, an acronym) are kept
  apart as ``unrelated``, and pairs that share a word but are otherwise other names (rapidfuzz
  token-set ratio under 60: ``Ali KONY`` / ``Ali MOHAMMED``) as ``partial``: no name matcher is
  expected to link them, and they are reported separately rather than mixed into the F1.
- **Near misses.** Names of two different entries of the same list and kind that share a word
  (``Ali KONY`` / ``Ali HASSAN``) are a non-match. Pairs whose names are identical after
  normalisation are left out: the list then names two people alike, and no name can tell them
  apart.
- **Cross-list spellings.** The UK list cites the UN reference of the entries it takes from the
  UN list, so each such UK entry's names are the UK's own spelling of a UN-listed person: the
  search cases query them, with the UK's date of birth and nationality, and look for the UN
  entry in the top five.

Entries are split in two halves by a hash of their key: ``dev`` (looked at while tuning) and
``test`` (not looked at); reports give both.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from borderline.screening import Entity, EntityKind, Name, PartialDate
from borderline.text import normalize, scripts


@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: str
    kind: EntityKind
    label: int  # 1 match, 0 non-match
    category: str
    split: str
    source: str  # list:source_id (and the other entry for non-matches)


def split_of(key: str) -> str:
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "test"


def _tokens(name: str) -> set[str]:
    return set(normalize(name).split())


def _script(name: str) -> str:
    return "latin" if scripts(name) <= {"latin"} else "other"


def _strong(e: Entity) -> list[Name]:
    out, seen = [], set()
    for n in e.names:
        key = " ".join(sorted(_tokens(n.full)))
        if n.weak or not key or key in seen:
            continue
        seen.add(key)
        out.append(n)
    return out


def alias_pairs(entities: Sequence[Entity], *, per_entity: int = 2, seed: int = 5) -> list[Pair]:
    rng = random.Random(seed)
    out: list[Pair] = []
    for e in entities:
        names = _strong(e)
        if len(names) < 2:
            continue
        primary = names[0]
        others = names[1:]
        rng.shuffle(others)
        for alias in others[:per_entity]:
            same_script = _script(primary.full) == _script(alias.full)
            shared = _tokens(primary.full) & _tokens(alias.full)
            if alias.kind == "original_script" or not same_script:
                cat = "script"
            elif (
                shared
                and fuzz.token_set_ratio(normalize(primary.full), normalize(alias.full)) >= 60
            ):
                cat = "variant"
            elif shared:
                cat = "partial"  # one shared word, otherwise another name (Ali KONY / Ali MOHAMMED)
            else:
                cat = "unrelated"
            out.append(Pair(primary.full, alias.full, e.kind, 1, cat, split_of(e.key), e.key))
    return out


def near_miss_pairs(entities: Sequence[Entity], n: int, *, seed: int = 6) -> list[Pair]:
    rng = random.Random(seed)
    by_token: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(entities):
        # Sorted: a set's order changes with the string hash seed, and so would the sample.
        for tok in sorted(_tokens(e.caption)):
            if len(tok) >= 3:
                by_token[(e.list, e.kind.value, tok)].append(i)
    groups = [v for v in by_token.values() if 2 <= len(v) <= 200]
    out: list[Pair] = []
    seen: set[tuple[int, int]] = set()
    tries = 0
    while len(out) < n and groups and tries < n * 20:
        tries += 1
        a, b = rng.sample(rng.choice(groups), 2)
        if (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        ea, eb = entities[a], entities[b]
        if _tokens(ea.caption) == _tokens(eb.caption):
            continue
        # Both entries' keys decide the split: a pair is in ``test`` only if both are.
        split = "test" if split_of(ea.key) == split_of(eb.key) == "test" else "dev"
        out.append(
            Pair(ea.caption, eb.caption, ea.kind, 0, "near_miss", split, f"{ea.key}|{eb.key}")
        )
    return out


def build_pairs(entities: Sequence[Entity], n_negative: int = 6000) -> list[Pair]:
    return alias_pairs(entities) + near_miss_pairs(entities, n_negative)


@dataclass(frozen=True, slots=True)
class SearchCase:
    query: str
    kind: EntityKind
    country: str | None
    dob: PartialDate | None
    target: str  # the UN entry's key, un_sc:QDi.042
    split: str
    via: str  # the UK entry whose spelling is queried


def un_ref(e: Entity) -> str | None:
    for k, v in e.extra:
        if k == "un_ref":
            return v
    return None


def cross_list_cases(entities: Iterable[Entity]) -> list[SearchCase]:
    """UK spellings of UN-listed entries (linked by the UN reference the UK cites)."""
    ents = list(entities)
    un = {e.source_id: e for e in ents if e.list == "un_sc"}
    out: list[SearchCase] = []
    for e in ents:
        ref = un_ref(e)
        if e.list == "un_sc" or ref is None or ref not in un:
            continue
        target = un[ref]
        target_names = {" ".join(sorted(_tokens(n.full))) for n in target.names}
        for n in _strong(e):
            if " ".join(sorted(_tokens(n.full))) in target_names:
                continue  # spelled as the UN spells it: nothing to find
            out.append(
                SearchCase(
                    n.full,
                    e.kind,
                    e.countries[0] if e.countries else None,
                    e.dobs[0] if e.dobs else None,
                    target.key,
                    split_of(target.key),
                    e.key,
                )
            )
    return out


__all__ = ["Pair", "SearchCase", "build_pairs", "cross_list_cases", "split_of"]
