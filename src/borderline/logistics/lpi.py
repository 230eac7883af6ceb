"""World Bank Logistics Performance Index as a per-country, point-in-time prior.

Scores run 1 (worst) to 5 (best). Two files: the 2010-2016 editions (``lpi_2010_2016.csv``,
ISO3-keyed, what the late-delivery model was trained with, never changed) and the newer
editions in the dated data set ``wb-lpi`` (``lpi_2018_2023.csv``, ISO2-keyed, 2018 and 2023 as
shipped; ``borderline data update lpi WORKBOOK`` installs a user's copy). A shipment scheduled
in year Y uses the latest edition published no later than Y, so a model trained on 2011
shipments never sees the 2014 survey; shipments before 2010 fall back to the 2010 edition.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from borderline.errors import DataFileError
from borderline.refdata import all_countries, datasets, is_country

LPI_FILE = "lpi_2010_2016.csv"
DATASET = "wb-lpi"
# Editions up to this year come from the historic file; the data set adds the later ones.
HISTORIC_LAST = 2016
# Column in the World Bank file -> our field name.
_FIELDS = {
    "Overall LPI Score": "overall",
    "Customs": "customs",
    "Infrastructure": "infrastructure",
    "International Shipments": "shipments",
    "Logistics Quality & Competence": "competence",
    "Tracking & Tracing": "tracking",
    "Timeliness": "timeliness",
}
LPI_FIELDS: tuple[str, ...] = tuple(_FIELDS.values())


@dataclass(frozen=True, slots=True)
class LPIScore:
    country: str  # ISO 3166-1 alpha-2
    year: int
    overall: float
    customs: float
    infrastructure: float
    shipments: float
    competence: float
    tracking: float
    timeliness: float


@datasets.on_update
@cache
def _table() -> dict[str, dict[int, LPIScore]]:
    alpha3 = {c.alpha3: c.alpha2 for c in all_countries()}
    # The World Bank lists Kosovo as KSV; ISO/EU use XK.
    alpha3.setdefault("KSV", "XK")
    alpha3.setdefault("ROM", "RO")  # pre-2002 ISO3 code for Romania still used by some editions
    alpha3.setdefault("ZAR", "CD")  # old code for DR Congo
    out: dict[str, dict[int, LPIScore]] = {}
    path = resources.files("borderline.logistics") / "data" / LPI_FILE
    with io.StringIO(path.read_text(encoding="utf-8"), newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), 2):
            a2 = alpha3.get((row.get("Code") or "").strip())
            if a2 is None:
                raise DataFileError(
                    f"unknown ISO3 code {row.get('Code')!r} ({row.get('Country')})",
                    where=f"{LPI_FILE}:{lineno}",
                )
            try:
                values = {name: float(row[col]) for col, name in _FIELDS.items()}
                year = int(row["Year"])
            except (KeyError, ValueError) as exc:
                raise DataFileError(f"bad LPI value: {exc}", where=f"{LPI_FILE}:{lineno}") from None
            out.setdefault(a2, {})[year] = LPIScore(country=a2, year=year, **values)
    for score in read_editions(datasets.path(DATASET)):
        out.setdefault(score.country, {})[score.year] = score
    return out


EDITION_COLUMNS = ("country", "year", *LPI_FIELDS)


def read_editions(path: Path) -> list[LPIScore]:
    """The newer editions' file: ``country`` (ISO2), ``year`` and the seven scores."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"cannot read ({exc})", where=str(path)) from None
    out = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or list(reader.fieldnames) != list(EDITION_COLUMNS):
        raise DataFileError(f"header must be {','.join(EDITION_COLUMNS)}", where=f"{name}:1")
    for lineno, row in enumerate(reader, 2):
        if not is_country(row["country"]):
            raise DataFileError(f"unknown country {row['country']!r}", where=f"{name}:{lineno}")
        try:
            values = {f: float(row[f]) for f in LPI_FIELDS}
            year = int(row["year"])
        except (TypeError, ValueError) as exc:
            raise DataFileError(f"bad LPI value: {exc}", where=f"{name}:{lineno}") from None
        if year <= HISTORIC_LAST or not all(1 <= v <= 5 for v in values.values()):
            raise DataFileError(
                f"edition {year} must be after {HISTORIC_LAST}, scores within 1-5",
                where=f"{name}:{lineno}",
            )
        out.append(LPIScore(country=row["country"], year=year, **values))
    return out


def write_editions(rows: list[tuple[str, int, dict[str, float]]], path: Path) -> int:
    """Write (ISO2, edition, scores) rows later than the historic file; return how many."""
    kept = sorted((r for r in rows if r[1] > HISTORIC_LAST), key=lambda r: (r[1], r[0]))
    if not kept:
        raise DataFileError(f"no edition after {HISTORIC_LAST}", where=str(path))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EDITION_COLUMNS)
        for country, year, scores in kept:
            w.writerow([country, year, *(f"{scores[f]:.4g}" for f in LPI_FIELDS)])
    return len(kept)


def lpi(country: str, year: int | None = None) -> LPIScore | None:
    """The LPI score for ``country`` (alpha-2) valid in ``year`` (latest edition if None)."""
    editions = _table().get(country)
    if not editions:
        return None
    years = sorted(editions)
    if year is None:
        return editions[years[-1]]
    i = bisect_right(years, year)
    return editions[years[max(i - 1, 0)]]


def lpi_countries() -> list[str]:
    return sorted(_table())
