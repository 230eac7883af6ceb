"""Development and test sets for the learned HS classifier, built only from public text
nobody on the team wrote and that the shipped model never trained or tuned on
(``hs_sources.role``): each set comes in two halves by code, ``dev`` (whose misses we study
when changing the model) and ``test`` (only ever reported), plus the team's own listings as
a regression set.

- ``uk-parcel``: trader parcel descriptions of 30% of UK commodity codes (whole codes held
  out); stands in for trader queries.
- ``uk-synonym``: the UK tariff's search synonyms of 20% of its codes; short product queries.
- ``us-hts``: 10% of US HTS 2026 lines, description joined down the hierarchy; ruling-style
  descriptions.
- ``cn-it``: the CN 2026 in Italian, a language the model never saw.
- ``uk-vague``: 30% of the UK tariff's vague terms: what should be refused.
- ``team``: the 344 listings in ``trade/data/hs-eval.tsv`` (regression only).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from borderline.trade import VAGUE, Listing, held_out_examples, load_eval

SETS = ("uk-parcel", "uk-synonym", "us-hts", "cn-it", "uk-vague", "team")


@dataclass(frozen=True, slots=True)
class DevItem:
    listing: Listing
    hs6: str  # or VAGUE: the right answer is to refuse
    lang: str


def dev_sets(
    limit: int | None = None, seed: int = 0, split: str = "dev"
) -> dict[str, list[DevItem]]:
    """Each set's items of one half (``dev`` or ``test``); ``limit`` samples at most that
    many per set (fixed seed). The team's listings come with either."""
    by: dict[str, list[DevItem]] = defaultdict(list)
    for e in held_out_examples(split):
        name = "cn-it" if e.source == "cn" else e.source
        by[name].append(DevItem(Listing(title=e.text, id=e.group), e.hs6, e.lang))
    for r in load_eval():
        by["team"].append(DevItem(r.listing, r.hs6, r.lang))
    out: dict[str, list[DevItem]] = {}
    rng = random.Random(seed)
    for name in SETS:
        items = by.get(name, [])
        if limit is not None and len(items) > limit:
            items = rng.sample(items, limit)
        out[name] = items
    return out


def is_refusal_set(items: list[DevItem]) -> bool:
    return bool(items) and all(i.hs6 == VAGUE for i in items)
