"""Country name or code -> ISO 3166-1 alpha-2, the one conversion every domain uses.

The names are the country-codes file's name columns (CLDR, ISO, UNTERM, ISO 4217 country
names, each also without its parenthesised part) plus ``data/country-aliases.csv`` (historic
and colloquial names no column carries). Lookups compare ``borderline.text.normalize`` forms,
so case, accents and punctuation do not matter.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources

from borderline.errors import DataFileError
from borderline.refdata.countries import all_countries
from borderline.text import normalize

_NAME_COLUMNS = (
    "CLDR display name",
    "official_name_en",
    "UNTERM English Short",
    "UNTERM English Formal",
    "ISO4217-currency_country_name",
)
_PAREN = re.compile(r"\(.*?\)")
ALIASES_FILE = "country-aliases.csv"


def _data(name: str) -> io.TextIOWrapper:
    path = resources.files("borderline.refdata") / "data" / name
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="")


def parse_aliases(text: str, where: str) -> dict[str, str]:
    """``name,alpha2`` rows -> {normalized name: alpha-2}; a bad row names ``where:line``."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not {"name", "alpha2"} <= set(reader.fieldnames or ()):
        raise DataFileError("needs columns name, alpha2", where=where)
    known = {c.alpha2 for c in all_countries()}
    out: dict[str, str] = {}
    for line, row in enumerate(reader, 2):
        key, code = normalize(row["name"] or ""), (row["alpha2"] or "").strip()
        if not key or code not in known:
            raise DataFileError(f"not a name and an alpha-2 code: {row!r}", where=f"{where}:{line}")
        if key in out:
            raise DataFileError(f"{row['name']!r} listed twice", where=f"{where}:{line}")
        out[key] = code
    return out


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    with _data("country-codes.csv") as fh:
        for row in csv.DictReader(fh):
            a2 = (row.get("ISO3166-1-Alpha-2") or "").strip()
            if len(a2) != 2:
                continue
            table[a2.lower()] = a2
            for col in _NAME_COLUMNS:
                value = (row.get(col) or "").strip()
                if value:
                    table.setdefault(normalize(value), a2)
                    # "Bolivia (Plurinational State of)" is also written "Bolivia".
                    bare = normalize(_PAREN.sub(" ", value))
                    if bare:
                        table.setdefault(bare, a2)
    for c in all_countries():  # codes in use that ISO has not assigned (Kosovo's XK)
        table.setdefault(c.alpha2.lower(), c.alpha2)
    with _data(ALIASES_FILE) as fh:
        table.update(parse_aliases(fh.read(), ALIASES_FILE))
    return table


@cache
def official_names(*languages: str) -> tuple[str, ...]:
    """The official country names in these languages (``fr``, ``es``, ``ru``, ``ar``, ``cn``
    columns of the country-codes file), each also without its parenthesised part."""
    names: set[str] = set()
    with _data("country-codes.csv") as fh:
        for row in csv.DictReader(fh):
            for lang in languages:
                value = (row.get(f"official_name_{lang}") or "").strip()
                if value:
                    names.add(value)
                    bare = " ".join(_PAREN.sub(" ", value).split())
                    if bare:
                        names.add(bare)
    return tuple(sorted(names))


@cache
def _alpha3() -> dict[str, str]:
    return {c.alpha3.lower(): c.alpha2 for c in all_countries() if c.alpha3}


def country_code(name: str | None, *, alpha3: bool = False) -> str | None:
    """ISO alpha-2 code for a country name or alpha-2 code; None when unknown.

    ``alpha3=True`` also reads ISO alpha-3 codes ("DEU"): right for columns of codes (order
    files), wrong for free text, where "AND", "CAN" or "PER" are words more often than
    countries.
    """
    if not name:
        return None
    key = normalize(name)
    if not key:
        return None
    table = _table()
    if key in table:
        return table[key]
    if key.startswith("the ") and key[4:] in table:
        return table[key[4:]]
    if alpha3:
        return _alpha3().get(key)
    return None
