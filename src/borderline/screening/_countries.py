"""Country names as sanctions lists write them, resolved to ISO 3166 alpha-2 codes."""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from borderline.text import normalize

# Names lists use that none of the ISO/UN/CLDR name columns carries (historic or colloquial).
_ALIASES = {
    "russia": "RU",
    "iran": "IR",
    "north korea": "KP",
    "korea north": "KP",
    "democratic peoples republic of korea": "KP",
    "dprk": "KP",
    "south korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "syria": "SY",
    "burma": "MM",
    "myanmar": "MM",
    "laos": "LA",
    "vietnam": "VN",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "turkey": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "congo democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo democratic republic": "CD",
    "republic of the congo": "CG",
    "congo republic of the": "CG",
    "ivory coast": "CI",
    "cote divoire": "CI",
    "palestinian": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "palestine": "PS",
    "kosovo": "XK",
    "crimea": "UA",
    "region crimea": "UA",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "uae": "AE",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "vatican": "VA",
    "micronesia": "FM",
    "st kitts and nevis": "KN",
    "saint kitts and nevis": "KN",
    "st vincent and the grenadines": "VC",
    "st lucia": "LC",
    "netherlands antilles": "CW",
    "sudan": "SD",
    "south sudan": "SS",
    "libya": "LY",
    "yemen": "YE",
}
_COLUMNS = (
    "CLDR display name",
    "official_name_en",
    "UNTERM English Short",
    "UNTERM English Formal",
    "ISO4217-currency_country_name",
)
_PAREN = re.compile(r"\(.*?\)")


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    path = resources.files("borderline.refdata") / "data" / "country-codes.csv"
    with path.open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            a2 = (row.get("ISO3166-1-Alpha-2") or "").strip()
            if len(a2) != 2:
                continue
            table[a2.lower()] = a2
            for col in _COLUMNS:
                value = (row.get(col) or "").strip()
                if value:
                    table.setdefault(normalize(value), a2)
                    # "Bolivia (Plurinational State of)" is also written "Bolivia".
                    bare = normalize(_PAREN.sub(" ", value))
                    if bare:
                        table.setdefault(bare, a2)
    for name, a2 in _ALIASES.items():
        table[name] = a2
    return table


def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code for a country name or code as lists write it; None when unknown."""
    if not name:
        return None
    key = normalize(name)
    if not key:
        return None
    table = _table()
    if key in table:
        return table[key]
    if key.startswith("the "):
        return table.get(key[4:])
    return None


def place_country(place: str | None) -> str | None:
    """The country of a place written "City, Region, Country" (the last part that resolves)."""
    if not place:
        return None
    for part in reversed(place.split(",")):
        code = country_code(part)
        if code is not None:
            return code
    return None
