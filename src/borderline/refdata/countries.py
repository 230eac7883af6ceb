"""ISO 3166-1 countries and ISO 4217 currencies from the Datahub country-codes file (PDDL)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Codes in common commercial use that ISO has not (yet) assigned, kept explicit so they are
# searchable: Kosovo is user-assigned XK by the EU, SWIFT and most carriers.
_EXTRA_COUNTRIES = {"XK": ("XKX", "Kosovo", "EUR", "Europe", "Southern Europe")}

# Currencies valid in ISO 4217 that no country row lists as its main currency.
_EXTRA_CURRENCIES = {"XAU": 0, "XAG": 0, "XDR": 0, "XXX": 0, "USN": 2, "CLF": 4, "UYI": 0}

# Regions that policies and transfer rules refer to by name. The EEA is the EU-27 plus
# Iceland, Liechtenstein and Norway (EEA Agreement, in force 1 January 1994).
_EU27 = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE").split()
_REGIONS: dict[str, tuple[str, ...]] = {
    "EU": tuple(_EU27),
    "EEA": (*_EU27, "IS", "LI", "NO"),
}


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    alpha3: str
    name: str
    currency: str | None
    region: str
    subregion: str


@cache
def _load() -> tuple[dict[str, Country], dict[str, int]]:
    countries: dict[str, Country] = {}
    currencies: dict[str, int] = dict(_EXTRA_CURRENCIES)
    path = resources.files("borderline.refdata") / "data" / "country-codes.csv"
    with io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            a2 = (row.get("ISO3166-1-Alpha-2") or "").strip()
            if len(a2) != 2:
                continue
            cur = (row.get("ISO4217-currency_alphabetic_code") or "").strip()
            # Some territories list several currencies separated by commas.
            first_cur = cur.split(",")[0].strip() or None
            minor = (row.get("ISO4217-currency_minor_unit") or "").split(",")[0].strip()
            for code in filter(None, (c.strip() for c in cur.split(","))):
                currencies.setdefault(code, int(minor) if minor.isdigit() else 2)
            countries[a2] = Country(
                alpha2=a2,
                alpha3=(row.get("ISO3166-1-Alpha-3") or "").strip(),
                name=(row.get("CLDR display name") or row.get("official_name_en") or a2).strip(),
                currency=first_cur,
                region=(row.get("Region Name") or "").strip(),
                subregion=(row.get("Sub-region Name") or "").strip(),
            )
    for a2, (a3, name, cur_code, region, sub) in _EXTRA_COUNTRIES.items():
        countries.setdefault(a2, Country(a2, a3, name, cur_code, region, sub))
    return countries, currencies


def is_country(code: str) -> bool:
    return code in _load()[0]


def country(code: str) -> Country:
    try:
        return _load()[0][code]
    except KeyError:
        raise KeyError(f"unknown ISO 3166-1 alpha-2 country code {code!r}") from None


def all_countries() -> list[Country]:
    return sorted(_load()[0].values(), key=lambda c: c.alpha2)


def is_currency(code: str) -> bool:
    return code in _load()[1]


def currency_minor_units(code: str) -> int:
    return _load()[1][code]


def region_members(name: str) -> tuple[str, ...]:
    """Member countries of a named region (``EU``, ``EEA``), or a 1-tuple for a country code."""
    if name in _REGIONS:
        return _REGIONS[name]
    if is_country(name):
        return (name,)
    raise KeyError(f"unknown region or country {name!r}")
