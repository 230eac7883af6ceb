"""World Bank Logistics Performance Index (2010-2016) as a per-country, point-in-time prior.

Scores run 1 (worst) to 5 (best). A shipment scheduled in year Y uses the latest edition
published no later than Y, so a model trained on 2011 shipments never sees the 2014 survey;
shipments before 2010 fall back to the 2010 edition, the earliest in the file.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from importlib import resources

from borderline.errors import DataFileError
from borderline.refdata import all_countries

LPI_FILE = "lpi_2010_2016.csv"
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
    return out


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
