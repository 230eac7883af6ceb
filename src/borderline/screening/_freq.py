"""Builds the token frequency table frozen into a matching algorithm version.

Run once per new algorithm version (``python -m borderline.screening._freq``); the output is
shipped in ``data/`` and never regenerated for a released version, so scores never drift.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from borderline.screening.loaders import LoadedList
from borderline.screening.matcher import ALGORITHM, FrequencyTable, prepare
from borderline.screening.registry import _package_data, load_snapshot


def build(lists: Iterable[LoadedList] | None = None) -> dict[str, object]:
    """The table over ``lists`` (default: the shipped snapshot). A released table stays as it
    was frozen when the shipped lists change later (v2, v3 and v4: the snapshot of 2026-02-27,
    which carried OFSI's Consolidated List where the FCDO list is now)."""
    df: Counter[str] = Counter()
    names = 0
    empty = FrequencyTable(names=1, df={})
    for ll in load_snapshot() if lists is None else lists:
        for ent in ll.entities:
            for nm in ent.names:
                toks = set(prepare(nm.full, ent.kind, empty).tokens)
                if toks:
                    names += 1
                    df.update(toks)
    # Tokens seen once carry the default (maximum) weight; leaving them out keeps the file small.
    return {
        "algorithm": ALGORITHM,
        "names": names,
        "df": {t: c for t, c in sorted(df.items()) if c >= 2},
    }


def main() -> None:
    out = Path(_package_data()) / f"token_freq_{ALGORITHM}.json.gz"
    if out.exists():
        raise SystemExit(f"{out} exists: a released algorithm's table is frozen")
    data = json.dumps(build(), separators=(",", ":"), sort_keys=True).encode()
    out.write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {out} ({len(data)} bytes before gzip)")


if __name__ == "__main__":
    main()
