"""Property tests for the parsers: any input either parses or raises a BorderlineError that
names where; never a crash (a crash would be a 500 in the API)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderline.errors import BorderlineError
from borderline.trade.classify import Listing
from borderline.trade.landed import TARIFF_COLUMNS, LandedCostRequest, TariffSchedule, landed_cost

cell = st.one_of(
    st.sampled_from(["", "EU", "GB", "US", "6109", "610910", "ad_valorem", "specific", "compound",
                     "free", "kg", "l", "item", "12", "-1", "0.5", "EUR", "USD", "2022-01-01",
                     "2021-13-40", "abc"]),
    st.text(alphabet="0123456789.-,\"x", max_size=6),
)  # fmt: skip


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=12, max_size=12), min_size=1, max_size=4))
def test_tariff_rows_parse_or_name_the_cell(rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(TARIFF_COLUMNS)
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.csv"
        p.write_text(buf.getvalue(), encoding="utf-8")
        try:
            sched = TariffSchedule.load(p)
        except BorderlineError as exc:
            assert exc.where and exc.where.startswith(str(p))
        else:
            assert len(sched.rows) == len(rows)


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True),
              st.sampled_from(["DE", "US", "EUR", "USD", "610910", "6109", "DDP", "2026-01-15"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(
        st.sampled_from(["hs", "quantity", "unit_price", "amount", "name", "base", "rates", "USD"]),
        inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {"destination": st.sampled_from(["DE", "US", "GB", "xx", 5])},
        optional={
            "currency": st.sampled_from(["EUR", "USD", "GBP", "EURO"]),
            "items": json_value,
            "shipping": json_value,
            "fx": json_value,
            "fees": json_value,
            "date": json_value,
            "incoterm": json_value,
        },
    )
)
def test_landed_cost_requests_never_crash(req: dict[str, Any]) -> None:
    try:
        out = landed_cost(LandedCostRequest.from_dict(req)).to_dict()
    except BorderlineError as exc:
        assert exc.where
    else:
        assert out["total_landed_cost"] >= 0


@given(
    st.dictionaries(st.sampled_from(["id", "title", "attributes", "price", "category"]), json_value)
)
def test_listing_parse_or_name_the_field(obj: dict[str, Any]) -> None:
    try:
        listing = Listing.from_dict(obj, where="l")
    except BorderlineError as exc:
        assert exc.where and exc.where.startswith("l")
    else:
        assert listing.title.strip()


def test_real_command_prints_error_and_exits_2(tmp_path: Path) -> None:
    """Through the installed entry point, not CliRunner: `error: where: message`, exit 2."""
    req = tmp_path / "r.json"
    req.write_text(
        json.dumps(
            {
                "destination": "DE",
                "currency": "EUR",
                "items": [{"hs": "610910", "quantity": 1, "unit_price": -3}],
            }
        )
    )
    cmd = [
        sys.executable,
        "-c",
        "from borderline.cli import main; main()",
        "trade",
        "landed-cost",
        "--json",
        "-r",
        str(req),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: items[0].unit_price: must not be negative"
