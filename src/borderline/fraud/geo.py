"""Where an order's countries are: region of each country and great-circle km between the
population centres of two countries, over numpy arrays.

Written once with numpy so the fraud features' online path (arrays of length 1) and offline
path (whole columns) run the very same code. The country points are a data file
(``fraud/data/country_points.csv``, see its PROVENANCE file).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from borderline.errors import DataFileError
from borderline.lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


@cache
def _region_map() -> dict[str, str]:
    from borderline.refdata import all_countries

    return {c.alpha2: c.subregion or c.region for c in all_countries()}


def regions(codes: np.ndarray) -> np.ndarray:
    """The UN subregion (else region) of each alpha-2 code; "" where unknown."""
    table = _region_map()
    return np.array([table.get(c, "") for c in codes], dtype=object)


EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius (R1) of the WGS84 ellipsoid


def haversine_km(
    lat1: npt.ArrayLike,
    lon1: npt.ArrayLike,
    lat2: npt.ArrayLike,
    lon2: npt.ArrayLike,
    radius: float = EARTH_RADIUS_KM,
) -> npt.NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees (a sphere: within 0.5 % of
    the distance on the WGS84 ellipsoid, far below what a country's reference point means).
    numpy's own trigonometry; no geodesy library is needed for this."""
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: npt.NDArray[np.float64] = 2 * radius * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


COUNTRY_POINTS_FILE = "country_points.csv"


@cache
def country_points() -> dict[str, tuple[float, float]]:
    """ISO 3166-1 alpha-2 -> (lat, lon) of the country's population centre (data file, see
    ``fraud/data/country_points.PROVENANCE.md``)."""
    path = resources.files("borderline.fraud") / "data" / COUNTRY_POINTS_FILE
    with path.open(encoding="utf-8") as fh:
        return parse_country_points(fh.read(), COUNTRY_POINTS_FILE)


def parse_country_points(text: str, name: str) -> dict[str, tuple[float, float]]:
    """Read ``alpha2,lat,lon[,…]`` CSV text; every bad row is an error naming ``name:line``."""
    reader = csv.DictReader(text.splitlines())
    if not {"alpha2", "lat", "lon"} <= set(reader.fieldnames or ()):
        raise DataFileError("needs columns alpha2, lat, lon", where=name)
    out: dict[str, tuple[float, float]] = {}
    for i, row in enumerate(reader, 2):
        where = f"{name}:{i}"
        code = row["alpha2"] or ""
        if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
            raise DataFileError(f"not an alpha-2 code: {code!r}", where=where)
        if code in out:
            raise DataFileError(f"{code} listed twice", where=where)
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            raise DataFileError("lat and lon must be numbers", where=where) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
            raise DataFileError(f"({lat}, {lon}) is not a point on the globe", where=where)
        out[code] = (lat, lon)
    return out


_NO_POINT = (np.nan, np.nan)


def country_latlon(codes: np.ndarray) -> npt.NDArray[np.float64]:
    """(n, 2) array of the countries' reference points; NaN where a code has none."""
    points = country_points()
    if len(codes) > 1000:
        # Whole columns: look each distinct code up once (same values, much less time).
        idx, uniq = pd.factorize(codes, sort=False)
        table = np.array([points.get(c, _NO_POINT) for c in uniq] + [_NO_POINT], dtype=float)
        return np.asarray(table[idx], dtype=np.float64)  # idx -1 (missing) -> the NaN row
    return np.array([points.get(c, _NO_POINT) for c in codes], dtype=np.float64).reshape(-1, 2)


def km_between(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> np.ndarray:
    km = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return np.where(np.isnan(km), 0.0, km)


def country_km(a: np.ndarray, b: np.ndarray) -> npt.NDArray[np.float64]:
    """Distance in km between the reference points of the countries in ``a`` and ``b``
    (element-wise); 0 where either country is empty or has no point."""
    out: npt.NDArray[np.float64] = km_between(country_latlon(a), country_latlon(b))
    return out
