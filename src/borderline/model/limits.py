"""Limits every input meets before any work is done, the same on SQLite and PostgreSQL.

One walk over a parsed JSON value checks what the databases and the ledger cannot hold:

- numbers: finite (no ``NaN``/``Infinity``); integers within the I-JSON safe range
  ±(2**53-1) (RFC 7493 §2.2), or beyond it only where they are exactly a double such as
  ``1e16`` — RFC 8785 hashes every number as a double, so any other would hash as a neighbour;
- strings: no NUL character (PostgreSQL text cannot hold one), no lone surrogate (not UTF-8);
- nesting: at most ``MAX_DEPTH`` levels, walked without recursion so a 10,000-level body is a
  422, not a stack overflow.

Order times are bounded too (``check_time``): 1970-01-01 to 2100-12-31 after conversion to
UTC, so no time-zone offset can overflow the datetime range.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32
METADATA_MAX_DEPTH = 8
METADATA_MAX_BYTES = 16_384
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def double_of_int(value: int) -> float | None:
    """The double an integer spells, if it spells one exactly in its shortest form.

    PostgreSQL's JSONB hands ``1e16`` (or ``1e300``) back as the integer with all its digits;
    read as a double again it is the same number. ``2**53 + 1`` is no double's shortest form:
    it would silently become another number, so it has none.
    """
    if -SAFE_INTEGER <= value <= SAFE_INTEGER:
        return float(value)
    try:
        as_float = float(value)
    except OverflowError:
        return None
    if not math.isfinite(as_float) or Decimal(repr(as_float)) != value:
        return None
    return as_float


class InputLimit(ValueError):
    """A value outside the limits; ``where`` is its path in the input (``metadata.a[2]``)."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def check_string(value: str, where: str) -> None:
    if "\x00" in value:
        raise InputLimit("NUL characters are not allowed", where or "body")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputLimit(
            "unpaired surrogate: the text is not valid UTF-8", where or "body"
        ) from None


def _within(value: Any, depth: int, max_depth: int) -> bool:
    """True when ``check_json`` would pass: the same checks without building the path of
    each value (only the failing one needs a path, and ``check_json`` finds it)."""
    if isinstance(value, str):
        return "\x00" not in value and (value.isascii() or _encodes(value))
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return double_of_int(value) is not None
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        if depth >= max_depth:
            return False
        return all(
            _within(k, depth, max_depth) and _within(v, depth + 1, max_depth)
            for k, v in value.items()
        )
    if isinstance(value, list):
        if depth >= max_depth:
            return False
        return all(_within(v, depth + 1, max_depth) for v in value)
    return True


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_json(value: Any, where: str = "", max_depth: int = MAX_DEPTH) -> None:
    """Raise ``InputLimit`` for the first value outside the limits (depth-first, in order)."""
    if not _within(value, 0, max_depth):
        _walk(value, where, max_depth)


def _walk(value: Any, where: str, max_depth: int) -> None:
    """The walk that names the first failing value."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, at, depth = stack.pop()
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, str):
            check_string(v, at)
        elif isinstance(v, int):
            if double_of_int(v) is None:
                raise InputLimit(
                    "integers beyond ±9007199254740991 must be exact doubles such as 1e16 "
                    "(send others as strings)",
                    at or "body",
                )
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise InputLimit("numbers must be finite (no NaN or Infinity)", at or "body")
        elif isinstance(v, dict | list):
            if depth >= max_depth:
                raise InputLimit(f"nested deeper than {max_depth} levels", at or "body")
            items = list(v.items()) if isinstance(v, dict) else list(enumerate(v))
            for k, child in reversed(items):
                if isinstance(k, str):
                    check_string(k, _join(at, k))
                stack.append((child, _join(at, k), depth + 1))


def check_time(value: datetime, where: str) -> datetime:
    """An aware time within 1970..2100, returned in UTC."""
    if value.tzinfo is None:
        raise InputLimit("needs a time zone offset, e.g. 2026-01-31T10:00:00Z", where)
    # Compare before converting: converting 0001-01-01T00:00+01:00 to UTC overflows.
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise InputLimit("must be between 1970-01-01 and 2100-12-31", where)
    utc = value.astimezone(UTC)
    if not EARLIEST <= utc <= LATEST:
        raise InputLimit("must be between 1970-01-01 and 2100-12-31", where)
    return utc


def check_date(value: date, where: str) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputLimit("must be between 1900-01-01 and 2100-12-31", where)
    return value
