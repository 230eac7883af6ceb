"""Shipment-history loaders: the USAID SCMS delivery history and Borderline's own CSV format.

Both turn into one frame (`History.frame`) with the same columns, so the late-delivery model
never needs to know where the data came from. Pre-shipment features and outcomes are kept
apart on purpose: outcome columns (actual delivery date, delivery recorded date) only ever
produce the label ``late`` and ``delay_days``; they are never features.

Bad input names the row: ``file:line: column 'X': ...``. Known placeholders in the SCMS file
("Date Not Captured", "Weight Captured Separately", "See ASN-93 (ID#:1281)", …) are read as
missing or resolved; any other text in a date or numeric column is an error, because a silently
dropped value would bias the model without anyone noticing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from borderline.errors import DataFileError, InvalidInput
from borderline.files import existing_file, table_rows
from borderline.lazy import lazy
from borderline.refdata import country_code

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

HistoryFormat = Literal["scms", "shipments"]
FORMATS: tuple[str, ...] = ("scms", "shipments")

# Normalised transport modes (the Order model's TransportMode plus SCMS's air charter).
MODES = ("air", "air_charter", "ocean", "road", "rail", "postal", "express")

# The shared frame: identity, dates, pre-shipment features, outcome. Extra format-specific
# categorical/numeric features are listed in ``History.extra_categorical/extra_numeric``.
BASE_CATEGORICAL = ("origin", "destination", "mode", "carrier", "incoterm")
BASE_NUMERIC = ("weight_kg", "value_usd", "quantity", "lead_days")

MAX_ROWS = 2_000_000


@dataclass
class History:
    frame: pd.DataFrame
    source: str
    format: str
    extra_categorical: list[str] = field(default_factory=list)
    extra_numeric: list[str] = field(default_factory=list)

    @property
    def has_outcome(self) -> bool:
        return bool(self.frame["late"].notna().all())


# --- cell parsers -----------------------------------------------------------------------------

_MISSING_DATES = {"", "date not captured", "pre-pq process", "n/a - from rdc", "n/a"}


def _parse_date(text: str, where: str, column: str) -> date | None:
    t = text.strip()
    if t.casefold() in _MISSING_DATES:
        return None
    # SCMS writes delivery dates as 2-Jun-06 but quote/PO dates as 11/6/09 (month first).
    for fmt in ("%d-%b-%y", "%m/%d/%y", "%Y-%m-%d", "%d-%b-%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise DataFileError(
        f"column {column!r}: unparseable date {t!r} (expected e.g. 2-Jun-06 or 2006-06-02)",
        where=where,
    )


_NUM = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_SEE_REF = re.compile(r"^See\s+\S+\s*\(ID#:\s*(\d+)\)$", re.IGNORECASE)
_WEIGHT_TEXT = frozenset({"weight captured separately"})
_FREIGHT_TEXT = {
    "freight included in commodity cost": "included",
    "invoiced separately": "separate",
}


def _parse_number(
    text: str, where: str, column: str, *, allow: frozenset[str] = frozenset()
) -> float:
    t = text.strip().replace(",", "")
    if t == "" or t.casefold() in allow or t.casefold() in {"n/a", "na"}:
        return float("nan")
    if _NUM.match(t):
        value = float(t)
        if value < 0:
            raise DataFileError(f"column {column!r}: negative value {t!r}", where=where)
        return value
    raise DataFileError(f"column {column!r}: text {t!r} in a numeric column", where=where)


# Manufacturing sites name their country in free text ("Cipla, Goa, India", "Hyderabad IN").
_SITE_COUNTRY = [
    (re.compile(r"\b(india|IN)\b\.?$|\bindia\b", re.IGNORECASE), "IN"),
    (re.compile(r"\b(usa|US)\b|\(usa\)|puerto rico", re.IGNORECASE), "US"),
    (re.compile(r"\b(uk|crawley|ware|barnard castle)\b|\(uk\)", re.IGNORECASE), "GB"),
    (re.compile(r"germany|wiesbaden|ludwigshafen|oranienburg|ingelheim", re.IGNORECASE), "DE"),
    (re.compile(r"france|meymac", re.IGNORECASE), "FR"),
    (re.compile(r"japan", re.IGNORECASE), "JP"),
    (re.compile(r"china|guilin|shanghai", re.IGNORECASE), "CN"),
    (re.compile(r"south africa|\bSA\b|cape town", re.IGNORECASE), "ZA"),
    (re.compile(r"canada|mississauga", re.IGNORECASE), "CA"),
    (re.compile(r"thailand", re.IGNORECASE), "TH"),
    (re.compile(r"korea", re.IGNORECASE), "KR"),
    (re.compile(r"switzerland|basel", re.IGNORECASE), "CH"),
    (re.compile(r"australia", re.IGNORECASE), "AU"),
    (re.compile(r"haarlem|\bNL\b", re.IGNORECASE), "NL"),
    (re.compile(r"aranda|madrid", re.IGNORECASE), "ES"),
    (re.compile(r"\bGR\b|koropi", re.IGNORECASE), "GR"),
    (re.compile(r"\bIT\b|latina|anagni", re.IGNORECASE), "IT"),
    (re.compile(r"cyprus|\bCY\b", re.IGNORECASE), "CY"),
    (re.compile(r"poland|poznan", re.IGNORECASE), "PL"),
    (re.compile(r"norway|oslo", re.IGNORECASE), "NO"),
]


def site_country(site: str) -> str | None:
    for pattern, code in _SITE_COUNTRY:
        if pattern.search(site):
            return code
    return None


# --- readers ------------------------------------------------------------------------------------


def _read_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    p = existing_file(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # The SCMS original is Windows text; accept Latin-1 rather than refuse a real file.
        text = p.read_text(encoding="latin-1")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise DataFileError("empty file", where=str(path))
    if len(rows) - 1 > MAX_ROWS:
        raise DataFileError(f"more than {MAX_ROWS:,} rows", where=str(path))
    return [h.strip() for h in rows[0]], rows[1:]


def _require(header: list[str], needed: tuple[str, ...], path: str | Path) -> dict[str, int]:
    index = {h: i for i, h in enumerate(header)}
    missing = [c for c in needed if c not in index]
    if missing:
        raise DataFileError(f"missing column(s) {missing}", where=f"{path}:1")
    return index


def _days(a: date | None, b: date | None) -> float:
    return float((a - b).days) if a is not None and b is not None else float("nan")


_SCMS_MODES = {"air": "air", "air charter": "air_charter", "ocean": "ocean", "truck": "road"}
_SCMS_REQUIRED = (
    "ID",
    "Country",
    "Shipment Mode",
    "Scheduled Delivery Date",
    "Delivered to Client Date",
    "Vendor INCO Term",
    "Vendor",
    "Weight (Kilograms)",
    "Line Item Value",
    "Line Item Quantity",
)
SCMS_EXTRA_CATEGORICAL = [
    "fulfill_via",
    "managed_by",
    "product_group",
    "sub_classification",
    "dosage_form",
    "site",
    "freight_terms",
    "first_line",
    "brand",
]
SCMS_EXTRA_NUMERIC = [
    "lead_pq_days",
    "pack_price",
    "unit_price",
    "asn_lines",
    "po_lines",
    "weight_separate",
]


def load_scms(path: str | Path) -> History:
    """Load the SCMS delivery history (the USAID file, or any slice with its columns)."""
    header, rows = _read_rows(path)
    ix = _require(header, _SCMS_REQUIRED, path)

    def col(row: list[str], name: str) -> str:
        i = ix.get(name)
        return row[i] if i is not None and i < len(row) else ""

    ids: list[str] = []
    weight_refs: dict[int, int] = {}
    recs: list[dict[str, object]] = []
    seen: set[str] = set()
    for n, where, row in table_rows(rows, len(header), path, skip_blank=False):
        rid = col(row, "ID").strip()
        if not rid:
            raise DataFileError("column 'ID': empty", where=where)
        if rid in seen:
            raise DataFileError(f"column 'ID': duplicate id {rid!r}", where=where)
        seen.add(rid)
        dest_name = col(row, "Country")
        dest = country_code(dest_name, alpha3=True)
        if dest is None:
            raise DataFileError(f"column 'Country': unknown country {dest_name!r}", where=where)
        mode_text = col(row, "Shipment Mode").strip().casefold()
        scheduled = _parse_date(
            col(row, "Scheduled Delivery Date"), where, "Scheduled Delivery Date"
        )
        if scheduled is None:
            raise DataFileError("column 'Scheduled Delivery Date': missing", where=where)
        actual = _parse_date(
            col(row, "Delivered to Client Date"), where, "Delivered to Client Date"
        )
        po = _parse_date(col(row, "PO Sent to Vendor Date"), where, "PO Sent to Vendor Date")
        pq = _parse_date(
            col(row, "PQ First Sent to Client Date"), where, "PQ First Sent to Client Date"
        )
        weight_text = col(row, "Weight (Kilograms)").strip()
        ref = _SEE_REF.match(weight_text)
        if ref:
            weight = float("nan")
            weight_refs[n] = int(ref.group(1))
        else:
            weight = _parse_number(weight_text, where, "Weight (Kilograms)", allow=_WEIGHT_TEXT)
        freight = col(row, "Freight Cost (USD)").strip()
        freight_terms = (
            _FREIGHT_TEXT.get(freight.casefold())
            or ("see_other" if _SEE_REF.match(freight) else None)
            or ("missing" if not freight else "priced")
        )
        site = col(row, "Manufacturing Site").strip()
        recs.append(
            {
                "id": rid,
                "scheduled": pd.Timestamp(scheduled),
                "actual": pd.Timestamp(actual) if actual else pd.NaT,
                "origin": site_country(site),
                "destination": dest,
                "mode": _SCMS_MODES.get(mode_text),
                "carrier": col(row, "Vendor").strip() or None,
                "incoterm": col(row, "Vendor INCO Term").strip() or None,
                "weight_kg": weight,
                "value_usd": _parse_number(col(row, "Line Item Value"), where, "Line Item Value"),
                "quantity": _parse_number(
                    col(row, "Line Item Quantity"), where, "Line Item Quantity"
                ),
                "lead_days": _days(scheduled, po if po is not None else pq),
                "lead_pq_days": _days(scheduled, pq),
                "pack_price": _parse_number(col(row, "Pack Price"), where, "Pack Price"),
                "unit_price": _parse_number(col(row, "Unit Price"), where, "Unit Price"),
                "weight_separate": float(weight_text.casefold() in _WEIGHT_TEXT),
                "asn": col(row, "ASN/DN #").strip(),
                "po": col(row, "PO / SO #").strip(),
                "fulfill_via": col(row, "Fulfill Via").strip() or None,
                "managed_by": col(row, "Managed By").strip() or None,
                "product_group": col(row, "Product Group").strip() or None,
                "sub_classification": col(row, "Sub Classification").strip() or None,
                "dosage_form": col(row, "Dosage Form").strip() or None,
                "site": site or None,
                "freight_terms": freight_terms,
                "first_line": col(row, "First Line Designation").strip() or None,
                "brand": col(row, "Brand").strip() or None,
            }
        )
        ids.append(rid)
    frame = pd.DataFrame.from_records(recs)
    # "See ASN-93 (ID#:1281)": the weight was recorded on another line of the same shipment.
    by_id = {int(r): i for i, r in enumerate(ids) if r.isdigit()}
    weights = frame["weight_kg"].to_numpy(copy=True)
    for i, target in weight_refs.items():
        j = by_id.get(target)
        if j is not None:
            weights[i] = frame.at[j, "weight_kg"]
    frame["weight_kg"] = weights
    # Lines sharing an ASN travel together; a consolidated shipment is known before it leaves.
    frame["asn_lines"] = frame.groupby("asn")["id"].transform("count").astype(float)
    # Lines on the same purchase order: a large order is known when it is placed, and added
    # 0.02 ROC-AUC on average over the three SCMS time splits (docs/benchmarks/logistics.md).
    frame["po_lines"] = frame.groupby("po")["id"].transform("count").astype(float)
    frame = frame.drop(columns=["asn", "po"])
    return _finish(frame, path, "scms", SCMS_EXTRA_CATEGORICAL, SCMS_EXTRA_NUMERIC)


# Borderline's own shipment-history CSV (docs/logistics.md, "Shipment history CSV").
SHIPMENTS_REQUIRED = (
    "id",
    "order_date",
    "scheduled_delivery_date",
    "origin_country",
    "destination_country",
    "mode",
)
SHIPMENTS_OPTIONAL = (
    "actual_delivery_date",
    "carrier",
    "service",
    "incoterm",
    "weight_kg",
    "declared_value",
    "quantity",
)
_INCOTERMS = {"DDP", "DAP", "DPU", "EXW", "FCA", "CPT", "CIP", "FAS", "FOB", "CFR", "CIF", "DDU"}


def load_shipments(path: str | Path) -> History:
    """Load Borderline's shipment-history CSV (one row per shipment, ISO dates)."""
    header, rows = _read_rows(path)
    ix = _require(header, SHIPMENTS_REQUIRED, path)
    unknown = [
        h for h in header if h not in ix or h not in (*SHIPMENTS_REQUIRED, *SHIPMENTS_OPTIONAL)
    ]
    if unknown:
        raise DataFileError(
            f"unknown column(s) {unknown}; known: {[*SHIPMENTS_REQUIRED, *SHIPMENTS_OPTIONAL]}",
            where=f"{path}:1",
        )

    def col(row: list[str], name: str) -> str:
        i = ix.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    recs: list[dict[str, object]] = []
    seen: set[str] = set()
    for _, where, row in table_rows(rows, len(header), path):
        rid = col(row, "id")
        if not rid:
            raise DataFileError("column 'id': empty", where=where)
        if rid in seen:
            raise DataFileError(f"column 'id': duplicate id {rid!r}", where=where)
        seen.add(rid)
        codes = {}
        for c in ("origin_country", "destination_country"):
            code = country_code(col(row, c), alpha3=True)
            if code is None:
                raise DataFileError(f"column {c!r}: unknown country {col(row, c)!r}", where=where)
            codes[c] = code
        mode = col(row, "mode").casefold()
        if mode not in MODES:
            raise DataFileError(f"column 'mode': {mode!r} is not one of {list(MODES)}", where=where)
        incoterm = col(row, "incoterm").upper() or None
        if incoterm is not None and incoterm not in _INCOTERMS:
            raise DataFileError(f"column 'incoterm': unknown incoterm {incoterm!r}", where=where)
        ordered = _parse_date(col(row, "order_date"), where, "order_date")
        scheduled = _parse_date(
            col(row, "scheduled_delivery_date"), where, "scheduled_delivery_date"
        )
        if ordered is None or scheduled is None:
            raise DataFileError("order_date and scheduled_delivery_date are required", where=where)
        if scheduled < ordered:
            raise DataFileError("column 'scheduled_delivery_date': before order_date", where=where)
        actual = _parse_date(col(row, "actual_delivery_date"), where, "actual_delivery_date")
        carrier = col(row, "carrier")
        service = col(row, "service")
        recs.append(
            {
                "id": rid,
                "scheduled": pd.Timestamp(scheduled),
                "actual": pd.Timestamp(actual) if actual else pd.NaT,
                "origin": codes["origin_country"],
                "destination": codes["destination_country"],
                "mode": mode,
                "carrier": f"{carrier} {service}".strip() or None,
                "incoterm": incoterm,
                "weight_kg": _parse_number(col(row, "weight_kg"), where, "weight_kg"),
                "value_usd": _parse_number(col(row, "declared_value"), where, "declared_value"),
                "quantity": _parse_number(col(row, "quantity"), where, "quantity"),
                "lead_days": _days(scheduled, ordered),
            }
        )
    if not recs:
        raise DataFileError("no shipments", where=str(path))
    return _finish(pd.DataFrame.from_records(recs), path, "shipments", [], [])


def _finish(
    frame: pd.DataFrame, path: str | Path, fmt: str, extra_cat: list[str], extra_num: list[str]
) -> History:
    delay = (frame["actual"] - frame["scheduled"]).dt.days.astype(float)
    frame["delay_days"] = delay
    frame["late"] = np.where(delay.isna(), np.nan, (delay > 0).astype(float))
    frame["year"] = frame["scheduled"].dt.year
    return History(
        frame=frame,
        source=str(path),
        format=fmt,
        extra_categorical=extra_cat,
        extra_numeric=extra_num,
    )


def load_history(path: str | Path, fmt: str) -> History:
    if fmt == "scms":
        return load_scms(path)
    if fmt == "shipments":
        return load_shipments(path)
    raise InvalidInput(f"unknown format {fmt!r}; use one of {list(FORMATS)}", where="--format")
