"""Bad input is a 422 saying what and where, on SQLite and PostgreSQL alike — never a 500.

Each case was a 500 (or silently accepted) before the input guard: the table is the
regression suite for them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def _order(orders: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    o = copy.deepcopy(orders[0])
    for path, value in changes.items():
        target = o
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return o


# (name, order changes, expected words in "where")
BAD_ORDERS: list[tuple[str, dict[str, Any], str]] = [
    ("created_at year 1 with offset", {"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),
    ("created_at year 9999", {"created_at": "9999-12-31T23:30:00-01:00"}, "created_at"),
    ("created_at before 1970", {"created_at": "1969-12-31T23:00:00Z"}, "created_at"),
    ("created_at a number", {"created_at": 123}, "created_at"),
    ("metadata 256 levels", {"metadata": _nested(256)}, "metadata"),
    ("metadata 9 levels", {"metadata": _nested(9)}, "metadata"),
    ("metadata too big", {"metadata": {"k": "x" * 20_000}}, "metadata"),
    ("metadata unsafe integer", {"metadata": {"n": 2**53 + 1}}, "metadata.n"),
    ("metadata 2**63", {"metadata": {"n": 2**63}}, "metadata.n"),
    ("NUL in a name", {"parties__0__name": "Ada\x00Lovelace"}, "parties[0].name"),
    ("NUL in metadata key", {"metadata": {"a\x00": 1}}, "metadata"),
    (
        "customer key over 600",
        {
            "merchant_id": "m" * 200,
            "parties__0__customer_id": None,
            "parties__0__email": None,
            "parties__0__name": "n" * 500,
            "parties__0__role": "buyer",
        },
        "body",
    ),
    ("id with a slash", {"id": "a/b"}, "id"),
]


@pytest.mark.parametrize(("name", "changes", "where"), BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_bad_orders_are_422_with_where(
    client: TestClient,
    keys: dict[str, str],
    orders: list[dict[str, Any]],
    name: str,
    changes: dict[str, Any],
    where: str,
) -> None:
    order = _order(orders, **changes)
    r = client.post("/v1/decisions", json=order, headers=auth(keys["svc"]))
    assert r.status_code == 422, (name, r.status_code, r.text[:300])
    body = r.json()
    assert where in body["where"] or any(where in e["where"] for e in body["details"]["errors"])
    # and nothing was stored
    assert client.get(f"/v1/orders/{orders[0]['id']}", headers=auth(keys["aud"])).status_code in (
        404,
        422,
    )


@pytest.mark.parametrize("levels", [979, 5000])
def test_deeply_nested_bodies_are_422(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]], levels: int
) -> None:
    deep = '{"a":' * levels + "1" + "}" * levels
    raw = json.dumps(orders[0])[:-1] + f', "metadata": {deep}}}'
    r = client.post(
        "/v1/decisions",
        content=raw,
        headers={**auth(keys["svc"]), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text[:200]


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN"])
def test_non_finite_numbers_are_refused(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]], token: str
) -> None:
    raw = json.dumps(orders[0])[:-1] + f', "metadata": {{"x": {token}}}}}'
    r = client.post(
        "/v1/decisions",
        content=raw,
        headers={**auth(keys["svc"]), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert "not a JSON number" in r.json()["message"]


# (method, URL) -> each a 500 before
BAD_URLS: list[tuple[str, str, str]] = [
    ("GET", "/v1/policies/9223372036854775808", "version"),
    ("GET", "/v1/policies/-9223372036854775809", "version"),
    ("GET", "/v1/decisions?offset=9223372036854775808", "offset"),
    ("GET", "/v1/ledger/proof/inclusion?index=99999999999999999999", "index"),
    ("GET", "/v1/risk/countries?as_of=0006-10-06", "as_of"),
    ("GET", "/v1/risk/countries?as_of=2201-01-01", "as_of"),
    ("GET", "/v1/decisions/abc%00def", "path"),
    ("GET", "/v1/orders/" + "x" * 2100, "path"),
    ("GET", "/v1/decisions?outcome=" + "r" * 2100, "outcome"),
    ("DELETE", "/v1/lists/9223372036854775808", "entry_id"),
]


@pytest.mark.parametrize(("method", "url", "where"), BAD_URLS, ids=[u[1][:60] for u in BAD_URLS])
def test_bad_paths_and_queries_are_422(
    client: TestClient, keys: dict[str, str], method: str, url: str, where: str
) -> None:
    r = client.request(method, url, headers=auth(keys["ada"]))
    assert r.status_code == 422, (url, r.status_code, r.text[:200])
    assert r.json()["where"] == where


def test_long_digit_order_ids_are_still_reachable(
    client: TestClient, keys: dict[str, str], orders: list[dict[str, Any]]
) -> None:
    # A 20-digit order id is a string, not an integer: the 64-bit limit is for integer params.
    order = _order(orders, id="12345678901234567890123")
    assert client.post("/v1/decisions", json=order, headers=auth(keys["svc"])).status_code == 201
    r = client.get("/v1/orders/12345678901234567890123", headers=auth(keys["aud"]))
    assert r.status_code == 200


def test_nul_in_list_value_is_422(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/v1/lists",
        json={"list": "fraud", "kind": "email", "value": "a\u0000@x.org", "action": "block"},
        headers=auth(keys["ann"]),
    )
    assert r.status_code == 422, r.text


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included
    | st.text(alphabet=st.characters(codec=None, exclude_categories=())),  # NUL, lone surrogates
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=30,
)


@given(value=_JSON, max_depth=st.integers(min_value=1, max_value=6))
def test_the_fast_pass_agrees_with_the_walk_naming_the_place(value: Any, max_depth: int) -> None:
    """``check_json`` first asks a walk that builds no paths; it must pass exactly what the
    walk that names the failing value passes."""
    from borderline.model import limits

    try:
        limits._walk(value, "", max_depth)
        walked = True
    except limits.InputLimit:
        walked = False
    assert limits._within(value, 0, max_depth) is walked
