"""Canonical JSON for every hashed record: RFC 8785 (JCS) from ledger entry format 2 on.

Format 1 (entries written before this module) hashed Python's ``json.dumps(sort_keys=True)``.
Its number spelling is Python's (``1e+16``), and PostgreSQL's JSONB hands a stored ``1e16``
back as the integer ``10000000000000000``: the same record hashed differently on the way in
and on re-check. JCS spells a number once, as ECMAScript does, so the hash depends on the
value and not on the database that held it. Format-1 entries stay readable: ``verify`` hashes
each record with the format its leaf names (``"v"``).

Before hashing, integers beyond the I-JSON safe range (±2**53-1) that are exactly a double's
shortest form (what JSONB returns for a float written as ``1e16`` or ``1e300``) are read as
that double, as JCS does for every number. Any other such integer is refused: no input admits
one (``borderline.model.limits``), so meeting one here means the record did not come through.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

import rfc8785

from borderline.model.limits import double_of_int

LEGACY_FORMAT = 1
CURRENT_FORMAT = 2
FORMATS = (LEGACY_FORMAT, CURRENT_FORMAT)
SAFE_INTEGER = 2**53 - 1

# The format records are hashed in. Appends use CURRENT_FORMAT; ``verify`` switches to the
# format of the leaf it re-checks, so resolvers that hash nested parts (a decision's order
# payload) agree with what was logged without knowing about formats themselves.
_format: ContextVar[int] = ContextVar("borderline_ledger_record_format", default=CURRENT_FORMAT)


class CanonicalError(ValueError):
    """A value that has no canonical JSON form (NaN, an unsafe integer, a non-string key)."""


@contextmanager
def record_format(version: int) -> Iterator[None]:
    if version not in FORMATS:
        raise CanonicalError(f"unknown ledger entry format {version}")
    token = _format.set(version)
    try:
        yield
    finally:
        _format.reset(token)


def current_format() -> int:
    return _format.get()


def _prepare(obj: Any, path: str = "$") -> Any:
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        if -SAFE_INTEGER <= obj <= SAFE_INTEGER:
            return obj
        as_float = double_of_int(obj)
        if as_float is not None:
            return as_float
        raise CanonicalError(f"integer at {path} is no double (beyond ±(2**53-1))")
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise CanonicalError(f"{obj} at {path} is not a JSON number")
        return obj
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise CanonicalError(f"key {k!r} at {path} is not a string")
            out[k] = _prepare(v, f"{path}.{k}")
        return out
    if isinstance(obj, list | tuple):
        return [_prepare(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    # Decimals, UUIDs, enums: their text, as format 1 did with default=str.
    return str(obj)


def jcs(obj: Any) -> bytes:
    """RFC 8785 canonical bytes of ``obj``."""
    try:
        return rfc8785.dumps(_prepare(obj))
    except rfc8785.CanonicalizationError as exc:  # e.g. a lone surrogate in a string
        raise CanonicalError(str(exc)) from None


def legacy_json(obj: Any) -> bytes:
    """Format 1: sorted keys, no spaces, UTF-8, Python's number spelling."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def canonical_bytes(obj: Any, version: int | None = None) -> bytes:
    """Canonical bytes in ``version`` (default: the format in force, see ``record_format``)."""
    v = current_format() if version is None else version
    return legacy_json(obj) if v == LEGACY_FORMAT else jcs(obj)
