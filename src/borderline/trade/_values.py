"""Numbers, money and dates from user input and data files: one conversion each, one place."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from borderline.errors import InvalidInput

CENT = Decimal("0.01")


def dec(value: Any, where: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput("a number is required", where=where)
    if isinstance(value, bool):
        raise InvalidInput("must be a number", where=where)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a number", where=where) from None
    if not d.is_finite():
        raise InvalidInput("must be a finite number", where=where)
    if d < 0:
        raise InvalidInput("must not be negative", where=where)
    return d


def money(d: Decimal) -> float:
    return float(d.quantize(CENT, rounding=ROUND_HALF_UP))


def iso_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO date (YYYY-MM-DD)", where=where) from None
