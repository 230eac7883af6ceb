"""RFC 8785 canonical JSON: published vectors, format 1 kept, and the awkward-value round trip
through SQLite's JSON and PostgreSQL's JSONB."""

from __future__ import annotations

import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from borderline.ledger.canonical import (
    LEGACY_FORMAT,
    CanonicalError,
    _Hard,
    _prepare,
    _prepare_plain,
    canonical_bytes,
    jcs,
    jcs_builtin,
    legacy_json,
    record_format,
)
from borderline.store import make_engine
from borderline.store.db import JSONType

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical spelling.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_rfc8785_number_vectors(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert jcs(value) == expected.encode()


def test_rfc8785_string_and_key_order() -> None:
    # RFC 8785 §3.2.2.2 and §3.2.3: escapes, and keys sorted by UTF-16 code units.
    assert jcs('€$\u000f\nA\'B"\\\\"/') == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    keys = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "Smiley",
        "\u0080": "Control",
        "\u00f6": "Latin",
    }
    order = [k for k in jcs(keys).decode()[1:-1].split(",")]
    assert [o.split(":")[1] for o in order] == [
        '"CR"',
        '"One"',
        '"Control"',
        '"Latin"',
        '"Euro"',
        '"Smiley"',
        '"Hebrew"',
    ]


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), {"a": [1, float("-inf")]}, {1: "x"}, 2**53 + 1, "\ud800"]
)
def test_values_without_a_canonical_form_are_refused(bad: Any) -> None:
    with pytest.raises(CanonicalError):
        jcs(bad)


def test_format_1_is_still_spoken_where_a_leaf_says_so() -> None:
    rec = {"b": 1e16, "a": "é"}
    assert legacy_json(rec) == '{"a":"é","b":1e+16}'.encode()
    assert canonical_bytes(rec) == b'{"a":"\xc3\xa9","b":10000000000000000}'
    with record_format(LEGACY_FORMAT):
        assert canonical_bytes(rec) == legacy_json(rec)


AWKWARD: dict[str, Any] = {
    "big": 1e16,
    "huge": 1e300,
    "tiny": 5e-324,
    "max": 1.7976931348623157e308,
    "neg_zero": -0.0,
    "tenth": 0.1,
    "third": 1 / 3,
    "safe": 9007199254740991,
    "neg": -9007199254740991,
    "exact_big_int": 10**16,
    "text": '€\u2028\u0001"\\/ \U0001f600 \u00e9 e\u0301',
    "keys": {"\u00e9": 1, "e": 2, "\U0001f600": 3, "\ufb33": 4, "": 5},
    "nested": [[[{"z": [], "a": {}}]], [True, False, None]],
}


def test_awkward_values_round_trip_through_both_databases(database_url: str) -> None:
    engine = make_engine(database_url)
    table = Table(
        "jcs_roundtrip",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("doc", JSONType),
    )
    try:
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), {"id": 1, "doc": AWKWARD})
        with engine.connect() as conn:
            back = conn.execute(select(table.c.doc)).scalar_one()
    finally:
        engine.dispose()
    assert jcs(back) == jcs(AWKWARD)
    if database_url.startswith("postgresql"):
        # What broke `verify`: format 1 spelled the same record two ways.
        assert legacy_json(back) != legacy_json(AWKWARD)


# JSON-like values with the awkward parts: floats at every magnitude, integers around 2**53,
# keys and strings across the Basic Multilingual Plane and beyond it, control characters.
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_the_fast_path_writes_the_bytes_of_the_reference_library(value: Any) -> None:
    try:
        reference = rfc8785.dumps(_prepare(value))
    except (rfc8785.CanonicalizationError, CanonicalError):
        with pytest.raises(CanonicalError):
            jcs(value)
        return
    assert jcs(value) == reference


_with_other_leaves = st.recursive(
    _json_values | st.dates() | st.decimals(allow_nan=False, places=1) | st.sets(st.integers()),
    lambda children: st.lists(children, max_size=3) | st.tuples(children),
    max_leaves=8,
)


def _builtin_only(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _builtin_only(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_builtin_only(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


@given(_json_values | _with_other_leaves)
def test_the_builtin_path_is_jcs_or_declines(value: Any) -> None:
    got = jcs_builtin(value)
    if not _builtin_only(value):
        assert got is None
        return
    try:
        want = jcs(value)
    except CanonicalError:
        assert got is None
        return
    # Declined only where jcs leaves its fast path (astral keys, lone surrogates, big numbers).
    assert got in (None, want)
    if got is None:
        with pytest.raises(_Hard):
            _prepare_plain(value)
