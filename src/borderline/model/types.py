"""Annotated scalar types shared by every model: countries, currencies, money, taxonomy codes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from borderline.refdata import is_country, is_currency


def _upper_strip(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _check_country(code: str) -> str:
    if not is_country(code):
        raise ValueError(f"unknown ISO 3166-1 alpha-2 country code {code!r}")
    return code


def _check_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"unknown ISO 4217 currency code {code!r}")
    return code


CountryCode = Annotated[
    str,
    BeforeValidator(_upper_strip),
    Field(examples=["DE"], json_schema_extra={"pattern": "^[A-Z]{2}$"}),
    AfterValidator(_check_country),
]
CurrencyCode = Annotated[
    str,
    BeforeValidator(_upper_strip),
    Field(examples=["EUR"], json_schema_extra={"pattern": "^[A-Z]{3}$"}),
    AfterValidator(_check_currency),
]
# Money is Decimal end to end: a float cannot represent 0.10 exactly and customs values add up.
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]

_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_*]+)*$")


def _check_code(code: str) -> str:
    if not _CODE.match(code):
        raise ValueError(f"taxonomy code {code!r} must be dotted lower-case words")
    return code


TaxonomyCode = Annotated[str, AfterValidator(_check_code)]
