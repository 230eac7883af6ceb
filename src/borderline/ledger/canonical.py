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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

import orjson
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
    """The value as JCS sees it, naming the path of the first value that has no JSON form."""
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
        # ECMAScript writes an integral double below 2**53 as that integer (3.0 as 3, -0.0
        # as 0): the same bytes, and json.dumps can then write it too.
        return int(obj) if obj.is_integer() and abs(obj) <= SAFE_INTEGER else obj
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


class _Hard(Exception):
    """Raised by the fast walk: the slow one decides (an error with its path, or the library)."""


def _plain_key(k: Any) -> bool:
    return isinstance(k, str) and (k.isascii() or max(k) < "\U00010000")


def _plain_walk(leaf: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The walk of :func:`_prepare_plain`, handing what it does not take itself to ``leaf``."""

    def walk(obj: Any) -> Any:
        t = type(obj)
        if t is dict:
            out = {}
            for k, v in obj.items():
                if not (type(k) is str and k.isascii()) and not _plain_key(k):
                    raise _Hard
                tv = type(v)
                if tv is str:
                    out[k] = v if v.isascii() else walk(v)
                elif tv is int:
                    out[k] = v if -SAFE_INTEGER <= v <= SAFE_INTEGER else walk(v)
                elif tv is float:
                    plain = 1e-4 <= abs(v) < 1e16 and not v.is_integer()
                    out[k] = v if plain else walk(v)
                elif v is None or tv is bool:
                    out[k] = v
                else:
                    out[k] = walk(v)
            return out
        if t is list or t is tuple:
            items = []
            for v in obj:
                tv = type(v)
                if tv is str:
                    items.append(v if v.isascii() else walk(v))
                elif tv is int:
                    items.append(v if -SAFE_INTEGER <= v <= SAFE_INTEGER else walk(v))
                elif tv is float:
                    plain = 1e-4 <= abs(v) < 1e16 and not v.is_integer()
                    items.append(v if plain else walk(v))
                elif v is None or tv is bool:
                    items.append(v)
                else:
                    items.append(walk(v))
            return items
        return leaf(obj)

    return walk


def _builtin_leaf(obj: Any) -> Any:
    """A leaf of :func:`_prepare_builtin`: JSON's own types only (what ``json.loads`` gives)."""
    if obj is None or type(obj) in (bool, str, int, float):
        return _prepare_plain_any(obj)
    raise _Hard


def _prepare_plain_any(obj: Any) -> Any:
    """``_prepare`` for values ``json.dumps`` writes exactly as RFC 8785 does, else ``_Hard``.

    Python's json module matches RFC 8785 when every key sorts the same by code point as by
    UTF-16 code unit (keys in the Basic Multilingual Plane), every string is valid Unicode and
    every number is an integer or a fraction whose magnitude is in [1e-4, 1e16) (``repr``
    switches to exponents outside it, at other thresholds than ECMAScript). Escapes agree:
    both write \\b \\t \\n \\f \\r, \\u00xx in lower case for other control characters, and
    nothing else. Records are all of that in practice; ``orjson`` (and ``json.dumps``, its
    fallback) is C or Rust code where ``rfc8785.dumps`` walks the value in Python. A property
    test checks they agree.
    """
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, str):
        if not obj.isascii() and any("\ud800" <= c <= "\udfff" for c in obj):
            raise _Hard
        return obj
    if isinstance(obj, int):
        if -SAFE_INTEGER <= obj <= SAFE_INTEGER:
            return obj
        raise _Hard
    if isinstance(obj, float):
        if obj.is_integer():
            if abs(obj) <= SAFE_INTEGER:
                return int(obj)
            raise _Hard
        if 1e-4 <= abs(obj) < 1e16:
            return obj
        raise _Hard
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str) or not (k.isascii() or max(k) < "\U00010000"):
                raise _Hard
            out[k] = _prepare_plain(v)
        return out
    if isinstance(obj, list | tuple):
        return [_prepare_plain(v) for v in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    return _prepare_plain(str(obj))


# What records are made of: the exact built-in types are dispatched on ``type`` and the common
# leaves (ASCII strings, safe integers, ``None``, booleans, fractions json.dumps spells as JCS
# does) of a mapping or list are taken without a call; anything else (a str subclass such as
# an enum, a Decimal, a date) goes through :func:`_prepare_plain_any`.
_prepare_plain = _plain_walk(_prepare_plain_any)
# The same walk refusing (``_Hard``) any value that is not one of JSON's own types.
_prepare_builtin = _plain_walk(_builtin_leaf)


def _dump_plain(plain: Any) -> bytes:
    try:
        # orjson writes what json.dumps writes here (the property test checks all three
        # agree), an order of magnitude faster on a decision's 10-15 KB body.
        return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # e.g. a key that is a str subclass
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def jcs_builtin(obj: Any) -> bytes | None:
    """:func:`jcs` of ``obj`` when it is made of JSON's own types only (dict, list, tuple,
    str, int, float, bool, None: what any serialiser to JSON leaves unchanged) and takes the
    fast path; ``None`` otherwise, for the caller to take the general road. A record built
    from a model's attributes rather than its JSON dump is canonical this way exactly when
    it holds nothing the dump would have converted."""
    try:
        return _dump_plain(_prepare_builtin(obj))
    except _Hard:
        return None


def jcs(obj: Any) -> bytes:
    """RFC 8785 canonical bytes of ``obj``."""
    try:
        plain = _prepare_plain(obj)
    except _Hard:
        pass
    else:
        return _dump_plain(plain)
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
