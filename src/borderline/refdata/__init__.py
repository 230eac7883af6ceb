"""Reference data with provenance: ISO 3166 countries, ISO 4217 currencies, regions.

Files live in ``refdata/data/`` next to a ``*.PROVENANCE.md`` that says where they came from.
"""

from borderline.refdata.countries import (
    Country,
    all_countries,
    country,
    currency_minor_units,
    is_country,
    is_currency,
    region_members,
)
from borderline.refdata.country_names import country_code, official_names

__all__ = [
    "Country",
    "all_countries",
    "country",
    "country_code",
    "currency_minor_units",
    "is_country",
    "is_currency",
    "official_names",
    "region_members",
]
