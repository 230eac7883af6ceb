"""Distances between countries: the haversine formula against published values, the shipped
reference points against published centres of population, a table of country-pair distances,
and the four km features of an order (0 when a side is unknown, never NaN)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from borderline.errors import DataFileError
from borderline.fraud.features import FEATURES, offline_features, static_features
from borderline.fraud.geo import (
    EARTH_RADIUS_KM,
    country_km,
    country_points,
    haversine_km,
    parse_country_points,
)

R = EARTH_RADIUS_KM


@pytest.mark.parametrize(
    ("a", "b", "radius", "km"),
    [
        # Rosetta Code, "Haversine formula": Nashville BNA to Los Angeles LAX, R = 6372.8 km
        ((36.12, -86.67), (33.94, -118.40), 6372.8, 2887.2599506071106),
        ((0, 0), (90, 0), R, math.pi * R / 2),  # equator to pole
        ((0, 0), (0, 180), R, math.pi * R),  # antipodes
        ((0, 179.5), (0, -179.5), R, 2 * math.pi * R / 360),  # one degree across ±180°
        ((-33.9, 151.2), (-33.9, 151.2), R, 0.0),
    ],
)
def test_haversine_against_published_and_exact_values(
    a: tuple[float, float], b: tuple[float, float], radius: float, km: float
) -> None:
    assert float(haversine_km(*a, *b, radius=radius)) == pytest.approx(km, rel=1e-12, abs=1e-9)


# Published centres of population. Ours weigh GeoNames places of 500+ inhabitants by their
# listed population; the published ones weigh every resident (and the Census Bureau's is the
# centre on a flat map). 250 km is a tenth of the width of either country's populated area:
# a point that passes is the same centre, one with swapped or mis-signed coordinates or a
# wrong weighting is thousands of km off.
@pytest.mark.parametrize(
    ("code", "lat", "lon", "source"),
    [
        ("US", 37.415725, -92.346525, "US Census Bureau, 2020 mean centre of population"),
        ("RU", 56.433, 53.067, "A. K. Gogolev, 2010 centre of population of Russia"),
    ],
)
def test_points_near_published_centres_of_population(
    code: str, lat: float, lon: float, source: str
) -> None:
    assert float(haversine_km(*country_points()[code], lat, lon)) < 250, source


# Capitals (GeoNames coordinates) and how far each country's population centre may lie from
# its capital — at most about half the country's populated extent from where the capital sits.
CAPITALS = {
    "FR": (48.85341, 2.3488, 300),  # Paris in the north of a ~1,000 km wide country
    "DE": (52.52437, 13.41053, 350),  # Berlin near the north-eastern edge
    "GB": (51.50853, -0.12574, 250),
    "ES": (40.4165, -3.70256, 200),  # Madrid in the middle
    "PT": (38.71667, -9.13333, 200),
    "US": (38.89511, -77.03637, 1600),  # the Census centre itself is 1,330 km from Washington
    "CN": (39.9075, 116.39723, 1000),  # Beijing in the north-east; Henan, Sichuan, Guangdong
    "JP": (35.6895, 139.69171, 300),
    "AU": (-35.28346, 149.12807, 600),  # between Sydney and Melbourne; Brisbane, Perth pull
    "BR": (-15.77972, -47.92972, 500),  # inland Brasília, people on the coast
    "FJ": (-18.14161, 178.44149, 100),  # across the antimeridian
    "NZ": (-41.28664, 174.77557, 400),
}


@pytest.mark.parametrize("code", sorted(CAPITALS))
def test_each_point_lies_near_its_capital(code: str) -> None:
    lat, lon, bound = CAPITALS[code]
    assert float(haversine_km(*country_points()[code], lat, lon)) < bound


# Country pairs: the distance between population centres differs from the distance between
# capitals by at most the sum of the two bounds above (triangle inequality).
@pytest.mark.parametrize(
    ("a", "b"),
    [("FR", "DE"), ("US", "CN"), ("ES", "PT"), ("GB", "AU"), ("BR", "JP"), ("FJ", "NZ")],
)
def test_table_of_country_distances(a: str, b: str) -> None:
    capitals = float(haversine_km(*CAPITALS[a][:2], *CAPITALS[b][:2]))
    got = float(country_km(np.array([a]), np.array([b]))[0])
    assert abs(got - capitals) <= CAPITALS[a][2] + CAPITALS[b][2]
    assert got == pytest.approx(float(country_km(np.array([b]), np.array([a]))[0]))


def test_published_capital_distances() -> None:
    """The capital coordinates above give the distances atlases print (sphere vs ellipsoid:
    within 0.5 %)."""
    assert float(haversine_km(*CAPITALS["FR"][:2], *CAPITALS["DE"][:2])) == pytest.approx(
        878, rel=0.005
    )
    assert float(haversine_km(*CAPITALS["US"][:2], *CAPITALS["CN"][:2])) == pytest.approx(
        11_150, rel=0.005
    )


def _order(**countries: str) -> dict[str, np.ndarray]:
    base = {
        "t": 0,
        "amount": 10.0,
        "n_items": 1,
        "method": "card",
        "forwarder": 0,
        "reshipper": 0,
        "name_mismatch": 0,
        "ip_country": "FR",
        "card_country": "FR",
        "bill_country": "FR",
        "ship_country": "FR",
        "origin_country": "CN",
    }
    base.update(countries)
    return {k: np.array([v]) for k, v in base.items()}


@pytest.mark.parametrize(
    ("countries", "feature", "partner"),
    [
        ({"ip_country": "US"}, "ip_card_km", ("US", "FR")),
        ({"ip_country": "US"}, "ip_ship_km", ("US", "FR")),
        ({"card_country": "JP"}, "card_ship_km", ("JP", "FR")),
        ({"bill_country": "DE"}, "bill_ship_km", ("DE", "FR")),
        ({"ship_country": "BR"}, "card_ship_km", ("FR", "BR")),
    ],
)
def test_order_distance_features(
    countries: dict[str, str], feature: str, partner: tuple[str, str]
) -> None:
    f = static_features(_order(**countries))
    want = haversine_km(*country_points()[partner[0]], *country_points()[partner[1]])
    assert f[feature][0] == pytest.approx(float(want))
    assert f[feature][0] > 500


@pytest.mark.parametrize(
    "countries",
    [
        {},  # every side the same country
        {"ip_country": ""},  # unknown IP country
        {"card_country": "", "bill_country": ""},
        {"ip_country": "AQ", "card_country": "BV"},  # real codes without a reference point
        {"ip_country": "ZZ"},  # not a country at all
    ],
)
def test_unknown_or_same_country_is_zero_not_nan(countries: dict[str, str]) -> None:
    f = static_features(_order(**countries))
    km = {k: f[k][0] for k in ("ip_card_km", "ip_ship_km", "card_ship_km", "bill_ship_km")}
    assert not any(math.isnan(v) for v in km.values())
    if not countries:
        assert set(km.values()) == {0.0}
    if "ip_country" in countries:
        assert km["ip_card_km"] == km["ip_ship_km"] == 0.0


def test_distances_are_in_the_feature_set_and_vary(flat: pd.DataFrame) -> None:
    X = offline_features(flat)
    for f in ("ip_card_km", "ip_ship_km", "card_ship_km", "bill_ship_km"):
        assert f in FEATURES
        assert X[f].min() == 0.0 and X[f].max() > 1000, f


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("code,lat,lon\nFR,1,2\n", "needs columns"),
        ("alpha2,lat,lon\nfr,1,2\n", "^points.csv:2: not an alpha-2 code: 'fr'"),
        ("alpha2,lat,lon\nFR,1,2\nFR,1,2\n", "^points.csv:3: FR listed twice"),
        ("alpha2,lat,lon\nFR,north,2\n", "^points.csv:2: lat and lon must be numbers"),
        ("alpha2,lat,lon\nFR,91,2\n", "not a point on the globe"),
        ("alpha2,lat,lon\nFR,nan,2\n", "not a point on the globe"),
        ("alpha2,lat,lon\nFR,1\n", "must be numbers"),
    ],
)
def test_bad_points_file_is_a_clear_error(text: str, error: str) -> None:
    with pytest.raises(DataFileError, match=error):
        parse_country_points(text, "points.csv")


def test_shipped_file_covers_every_country_the_generator_uses(flat: pd.DataFrame) -> None:
    points = country_points()
    assert len(points) >= 240
    cols = ("ip_country", "card_country", "bill_country", "ship_country", "origin_country")
    used = set().union(*(set(flat[c]) for c in cols)) - {""}
    assert used and used <= set(points)
