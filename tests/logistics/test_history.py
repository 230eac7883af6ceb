"""Loaders: the real SCMS file, Borderline's shipment CSV, and the errors bad rows produce."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.errors import DataFileError, InvalidInput
from borderline.logistics import History, load_history, load_shipments
from borderline.logistics.history import _parse_date, _parse_number
from borderline.refdata import country_code

from .conftest import scms_rows, shipments_from_scms, write_csv


def test_scms_file_loads_with_published_shape(scms: History) -> None:
    f = scms.frame
    assert len(f) == 7779
    # PROVENANCE: late rate (delivered after scheduled) = 10.7%.
    assert round(float(f["late"].mean()), 3) == 0.107
    first = f.iloc[0]
    assert first["id"] == "1"
    assert first["scheduled"] == pd.Timestamp(2006, 6, 2)
    assert first["destination"] == "CI"  # "Côte d'Ivoire"
    assert first["mode"] == "air"
    assert set(f["destination"]) >= {"NG", "ZA", "VN", "HT", "SZ", "CD"}
    assert f["year"].min() == 2006 and f["year"].max() == 2013


def test_scms_quote_dates_are_month_first(scms: History) -> None:
    # Row ID 3... has PQ "Pre-PQ Process"; find a row with a real PQ date written 11/6/09.
    header, rows = scms_rows()
    i_pq = header.index("PQ First Sent to Client Date")
    i_sched = header.index("Scheduled Delivery Date")
    row = next(r for r in rows if r[i_pq] == "11/6/09")
    got = scms.frame.set_index("id").loc[row[0]]
    scheduled = _parse_date(row[i_sched], "x", "s")
    assert scheduled is not None
    assert got["lead_pq_days"] == (scheduled - date(2009, 11, 6)).days


def test_scms_weight_references_resolve_to_the_named_row(scms: History) -> None:
    header, rows = scms_rows()
    i_w = header.index("Weight (Kilograms)")
    row = next(r for r in rows if r[i_w].startswith("See "))
    target = row[i_w].split("ID#:")[1].rstrip(")")
    by_id = scms.frame.set_index("id")
    if target in by_id.index:
        assert by_id.loc[row[0], "weight_kg"] == by_id.loc[target, "weight_kg"]
    assert pd.isna(
        by_id.loc[next(r[0] for r in rows if r[i_w] == "Weight Captured Separately"), "weight_kg"]
    )


def test_outcome_columns_are_not_features(scms: History) -> None:
    from borderline.logistics.model import feature_spec

    cols = set(feature_spec(scms).columns)
    assert not cols & {
        "actual",
        "delay_days",
        "late",
        "Delivered to Client Date",
        "Delivery Recorded Date",
        "year",
    }


def _bad_scms(tmp_path: Path, column: str, value: str, row: int = 2) -> Path:
    header, rows = scms_rows()
    rows = [list(r) for r in rows[:5]]
    rows[row][header.index(column)] = value
    return write_csv(tmp_path / "bad.csv", header, rows)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("Scheduled Delivery Date", "31-Foo-12", "unparseable date '31-Foo-12'"),
        ("Delivered to Client Date", "tomorrow", "unparseable date 'tomorrow'"),
        ("PO Sent to Vendor Date", "13/45/10", "unparseable date '13/45/10'"),
        ("Line Item Value", "about 300", "text 'about 300' in a numeric column"),
        ("Weight (Kilograms)", "heavy", "text 'heavy' in a numeric column"),
        ("Line Item Quantity", "-5", "negative value"),
        ("Country", "Atlantis", "unknown country 'Atlantis'"),
        ("ID", "1", "duplicate id '1'"),
        ("Scheduled Delivery Date", "Date Not Captured", "'Scheduled Delivery Date': missing"),
    ],
)
def test_scms_bad_cells_name_row_and_column(
    tmp_path: Path, column: str, value: str, fragment: str
) -> None:
    path = _bad_scms(tmp_path, column, value)
    with pytest.raises(DataFileError) as exc:
        load_history(path, "scms")
    assert exc.value.where == f"{path}:4"  # header is line 1, rows[2] is line 4
    assert fragment in exc.value.message
    if column != "ID":
        assert column in exc.value.message or "country" in exc.value.message


def test_scms_missing_column_and_unknown_format(tmp_path: Path) -> None:
    header, rows = scms_rows()
    i = header.index("Shipment Mode")
    path = write_csv(
        tmp_path / "x.csv", header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows[:3]]
    )
    with pytest.raises(DataFileError, match="missing column"):
        load_history(path, "scms")
    with pytest.raises(InvalidInput) as exc:
        load_history(path, "parquet")
    assert exc.value.where == "--format"
    with pytest.raises(InvalidInput, match="no such file"):
        load_history(tmp_path / "nope.csv", "scms")


def test_shipments_format_round_trips_real_rows(scms: History, tmp_path: Path) -> None:
    path = shipments_from_scms(scms, tmp_path / "ship.csv", (2010, 2010))
    h = load_shipments(path)
    assert len(h.frame) > 300
    src = scms.frame.set_index("id")
    for r in h.frame.head(50).itertuples(index=False):
        assert r.late == src.loc[r.id, "late"]
        assert r.destination == src.loc[r.id, "destination"]
        assert r.lead_days == src.loc[r.id, "lead_days"]


SHIP_HEADER = [
    "id",
    "order_date",
    "scheduled_delivery_date",
    "actual_delivery_date",
    "origin_country",
    "destination_country",
    "mode",
    "weight_kg",
]
GOOD = ["A1", "2024-01-02", "2024-01-20", "2024-01-22", "CN", "DE", "ocean", "12.5"]


@pytest.mark.parametrize(
    ("index", "value", "fragment"),
    [
        (1, "02/01/2024x", "column 'order_date': unparseable date"),
        (2, "2023-12-01", "before order_date"),
        (4, "Narnia", "column 'origin_country': unknown country 'Narnia'"),
        (5, "XX", "unknown country 'XX'"),
        (6, "teleport", "column 'mode': 'teleport' is not one of"),
        (7, "12 kg", "column 'weight_kg': text '12 kg' in a numeric column"),
        (0, "", "column 'id': empty"),
    ],
)
def test_shipments_bad_rows(tmp_path: Path, index: int, value: str, fragment: str) -> None:
    bad = ["A2", *GOOD[1:]]
    bad[index] = value
    path = write_csv(tmp_path / "s.csv", SHIP_HEADER, [GOOD, ["A0", *GOOD[1:]], bad])
    with pytest.raises(DataFileError) as exc:
        load_shipments(path)
    assert exc.value.where == f"{path}:4"
    assert fragment in exc.value.message


def test_shipments_unknown_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [*SHIP_HEADER, "delivery_status"], [[*GOOD, "late"]])
    with pytest.raises(DataFileError, match=r"unknown column.*delivery_status") as exc:
        load_shipments(path)
    assert exc.value.where == f"{path}:1"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Côte d'Ivoire", "CI"),
        ("Congo, DRC", "CD"),
        ("Swaziland", "SZ"),
        ("Vietnam", "VN"),
        ("de", "DE"),
        ("South Africa", "ZA"),
        ("DEU", "DE"),
        ("Atlantis", None),
    ],
)
def test_country_names(name: str, code: str | None) -> None:
    assert country_code(name, alpha3=True) == code


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2068, 12, 31)))
def test_date_formats_round_trip(d: date) -> None:
    # %y pivots at 69 (1969-2068), the range the SCMS-style two-digit years can express.
    assert _parse_date(f"{d.day}-{d.strftime('%b')}-{d.strftime('%y')}", "f:2", "c") == d
    assert _parse_date(f"{d.month}/{d.day}/{d.strftime('%y')}", "f:2", "c") == d
    assert _parse_date(d.isoformat(), "f:2", "c") == d


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_numbers_round_trip(x: float) -> None:
    assert _parse_number(repr(x), "f:2", "c") == x


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12))
def test_letters_in_numeric_column_are_errors(text: str) -> None:
    if text.casefold() in {"na", "n/a"}:
        return
    with pytest.raises(DataFileError, match="numeric column"):
        _parse_number(text, "f:9", "Weight")


def test_the_original_file_encoding_loads(tmp_path: Path) -> None:
    # The USAID original is UTF-8 with a BOM and CR line endings (PROVENANCE); users load it.
    header, rows = scms_rows()
    plain = write_csv(tmp_path / "lf.csv", header, rows[:200])
    text = plain.read_text(encoding="utf-8").replace("\r\n", "\r").replace("\n", "\r")
    original = tmp_path / "cr.csv"
    original.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    a = load_history(plain, "scms").frame
    b = load_history(original, "scms").frame
    assert len(b) == 200
    pd.testing.assert_frame_equal(a, b)
