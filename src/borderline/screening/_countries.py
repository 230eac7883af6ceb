"""Country names as sanctions lists write them, resolved to ISO 3166 alpha-2 codes."""

from __future__ import annotations

from borderline.refdata import country_code  # the one name -> code table: refdata

__all__ = ["country_code", "place_country"]


def place_country(place: str | None) -> str | None:
    """The country of a place written "City, Region, Country" (the last part that resolves)."""
    if not place:
        return None
    for part in reversed(place.split(",")):
        code = country_code(part)
        if code is not None:
            return code
    return None
