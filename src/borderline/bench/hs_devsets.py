"""Development and test sets for the learned HS classifier, built only from public text
nobody on the team wrote and that the shipped model never trained or tuned on
(``hs_sources.role``): each set comes in two halves by code, ``dev`` (whose misses we study
when changing the model) and ``test`` (only ever reported), plus the team's own listings as
a regression set.

- ``uk-parcel``: trader parcel descriptions of 30% of UK commodity codes (whole codes held
  out); stands in for trader queries for a code no trader text in the index covers.
- ``uk-synonym``: the UK tariff's search synonyms of 20% of its codes; short product queries.
- ``us-hts``: 10% of US HTS 2026 lines, description joined down the hierarchy; ruling-style
  descriptions.
- ``cn-it``: the CN 2026 in Italian, a language the model never saw.
- ``uk-vague``: 30% of the UK tariff's vague terms: what should be refused.
- ``uk-parcel-seen``, ``uk-synonym-seen``: 20% of the individual parcel descriptions and
  synonyms of the codes that stay in training (a hash of the text; another text of the same
  source and subheading stays in the index): a trader query for a code other traders'
  descriptions already cover, the usual case. Halved by a hash of the text.
- ``team``: the 344 listings in ``trade/data/hs-eval.tsv`` (regression only).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from borderline.trade import VAGUE, Listing, held_out_examples, load_eval

SETS = (
    "uk-parcel",
    "uk-synonym",
    "uk-parcel-seen",
    "uk-synonym-seen",
    "us-hts",
    "cn-it",
    "uk-vague",
    "team",
)


@dataclass(frozen=True, slots=True)
class DevItem:
    listing: Listing
    hs6: str  # or VAGUE: the right answer is to refuse
    lang: str


def dev_sets(
    limit: int | None = None, seed: int = 0, split: str = "dev"
) -> dict[str, list[DevItem]]:
    """Each set's items of one half (``dev`` or ``test``), whole-code and seen-code sets;
    ``limit`` samples at most that many per set (fixed seed). The team's listings come with
    either."""
    if split not in ("dev", "test"):
        raise ValueError(f"split must be dev or test, not {split!r}")
    by: dict[str, list[DevItem]] = defaultdict(list)
    for e in held_out_examples(split):
        name = "cn-it" if e.source == "cn" else e.source
        by[name].append(DevItem(Listing(title=e.text, id=e.group), e.hs6, e.lang))
    for e in held_out_examples(f"seen-{split}"):
        by[f"{e.source}-seen"].append(DevItem(Listing(title=e.text, id=e.group), e.hs6, e.lang))
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
