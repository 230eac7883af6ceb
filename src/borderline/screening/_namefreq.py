"""Builds the population name-frequency table frozen into a matching algorithm version.

How common a given name or family name is among people, from published name lists with
frequencies: the person-name tables of the Faker project (MIT licence), whose ``en_US`` lists
carry the U.S. Census Bureau's surname shares and the Social Security Administration's
given-name shares, and whose other locales list the common names of their country. A token's
share is the largest it has in any locale (weighted lists: its weight; unweighted lists: one
over the list's length). Run once per algorithm version (``python -m
borderline.screening._namefreq``, needs the ``bench`` dependency group); the output is shipped in
``data/`` and never regenerated for a released version.
"""

from __future__ import annotations

import gzip
import importlib
import json
import math
import pkgutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from borderline.screening.matcher import ALGORITHM
from borderline.text import is_abjad, normalize, skeleton

_ATTRS = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "last_names",
    "last_names_male",
    "last_names_female",
    "first_romanized_names",
    "last_romanized_names",
    "first_names_male_romanized",
    "first_names_female_romanized",
    "last_names_romanized",
)


# A list this short is a sample, not the names of a population; no name is shared by more
# than this fraction of a population (the most common, such as Smith or Zhang, are near 2 %).
_MIN_LIST = 20
_MAX_SHARE = 0.04


def _shares(names: Any) -> Iterable[tuple[str, float]]:
    if isinstance(names, Mapping):
        if len(names) < _MIN_LIST:
            return
        total = float(sum(names.values())) or 1.0
        for name, w in names.items():
            yield str(name), min(float(w) / total, _MAX_SHARE)
    elif isinstance(names, list | tuple | set | frozenset):
        items = {str(n) for n in names}
        if len(items) < _MIN_LIST:
            return
        for name in items:
            yield name, min(1.0 / len(items), _MAX_SHARE)


def build() -> dict[str, Any]:
    import faker.providers.person as person

    share: dict[str, float] = {}
    # Names written in Arabic, Persian or Hebrew script romanise without vowels ("محمدی" is
    # "mhmdy"): they count under their consonant skeleton, which Latin spellings of the same
    # name share ("mohammadi").
    skel: dict[str, float] = {}
    locales: list[str] = []
    for mod in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{mod.name}").Provider
        locales.append(mod.name)
        for attr in _ATTRS:
            names = getattr(provider, attr, None)
            if names is None:
                continue
            for name, s in _shares(names):
                abjad = is_abjad(name)
                for tok in normalize(name).split():
                    if len(tok) < 2 or tok.isdigit():
                        continue
                    if abjad:
                        if len(sk := skeleton(tok)) >= 3:
                            skel[sk] = max(skel.get(sk, 0.0), s)
                    else:
                        share[tok] = max(share.get(tok, 0.0), s)
    return {
        "algorithm": ALGORITHM,
        "source": "faker person providers " + ",".join(sorted(locales)),
        "nats": {t: round(-math.log(s), 2) for t, s in sorted(share.items())},
        "skeleton_nats": {t: round(-math.log(s), 2) for t, s in sorted(skel.items())},
    }


def main() -> None:
    from borderline.screening.registry import _package_data

    out = Path(_package_data()) / f"name_freq_{ALGORITHM}.json.gz"
    if out.exists():
        raise SystemExit(f"{out} exists: a released algorithm's table is frozen")
    data = json.dumps(build(), separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    out.write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {out} ({len(data)} bytes before gzip)")


if __name__ == "__main__":
    main()
