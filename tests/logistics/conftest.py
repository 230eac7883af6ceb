"""Fixtures for the logistics tests: the shipped SCMS file and slices of it as real test data."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from borderline.logistics import History, load_scms

SCMS = Path(str(resources.files("borderline.logistics") / "data" / "scms_train_2006_2013.csv"))


@pytest.fixture(scope="session")
def scms_path() -> Path:
    return SCMS


@pytest.fixture(scope="session")
def scms() -> History:
    return load_scms(SCMS)


def scms_rows() -> tuple[list[str], list[list[str]]]:
    with SCMS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def shipments_from_scms(history: History, path: Path, years: tuple[int, int]) -> Path:
    """Real SCMS shipments re-written in Borderline's own shipment-history CSV format.

    Only rows whose order date is known (PO sent, else quote sent) and not after the scheduled
    date are used (our format refuses such rows): nothing invented.
    """
    f = history.frame
    f = f[(f["year"] >= years[0]) & (f["year"] <= years[1]) & (f["lead_days"] >= 0)]
    f = f[f["origin"].notna() & f["mode"].notna()]
    header = [
        "id",
        "order_date",
        "scheduled_delivery_date",
        "actual_delivery_date",
        "origin_country",
        "destination_country",
        "mode",
        "carrier",
        "incoterm",
        "weight_kg",
        "declared_value",
        "quantity",
    ]
    rows = []
    for r in f.itertuples(index=False):
        ordered = r.scheduled - __import__("pandas").Timedelta(days=float(r.lead_days))
        incoterm = r.incoterm if r.incoterm in {"EXW", "DDP", "FCA", "CIP", "DAP", "CIF"} else ""
        rows.append(
            [
                r.id,
                ordered.date().isoformat(),
                r.scheduled.date().isoformat(),
                r.actual.date().isoformat(),
                r.origin,
                r.destination,
                r.mode,
                r.carrier,
                incoterm,
                "" if r.weight_kg != r.weight_kg else f"{r.weight_kg:g}",
                f"{r.value_usd:g}",
                f"{r.quantity:g}",
            ]
        )
    return write_csv(path, header, rows)
