"""The order flow a disruption simulation runs over: orders as columns, from a scenario's
``flow`` lanes, an orders CSV (``simulate --orders``) or JSON records (the API), all three
through one set of checks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from borderline.errors import DataFileError, InvalidInput
from borderline.files import existing_file, table_rows
from borderline.logistics.scenario import Scenario
from borderline.refdata import country_code


@dataclass
class OrderFlow:
    """Orders as columns (one entry per order)."""

    ids: list[str]
    ship_day: np.ndarray  # days since simulation start
    origin: list[str]
    destination: list[str]
    mode: list[str]
    carrier: list[str]
    value: np.ndarray
    weight: np.ndarray
    promised: np.ndarray  # days; NaN = route's p90
    cover: np.ndarray  # stock cover days; NaN = not a replenishment
    daily_sales: np.ndarray
    route: list[str | None]

    def __len__(self) -> int:
        return len(self.ids)


def flow_from_scenario(scenario: Scenario) -> OrderFlow:
    """The order flow the scenario's ``flow`` lanes describe, evenly spread over the window."""
    if not scenario.flow:
        raise InvalidInput("the scenario has no flow; pass an orders file", where="flow")
    cols: dict[str, Any] = {k: [] for k in OrderFlow.__dataclass_fields__}
    days = scenario.simulation.days
    for li, lane in enumerate(scenario.flow):
        for c in (lane.origin, lane.destination):
            if country_code(c, alpha3=True) is None:
                raise InvalidInput(f"unknown country {c!r}", where=f"flow[{li}]")
        n = max(1, round(lane.orders_per_day * days))
        t = (np.arange(n) + 0.5) / lane.orders_per_day
        cols["ids"] += [f"{lane.origin}-{lane.destination}-{lane.mode}-{k}" for k in range(n)]
        cols["ship_day"].append(t)
        cols["origin"] += [lane.origin.upper()] * n
        cols["destination"] += [lane.destination.upper()] * n
        cols["mode"] += [lane.mode] * n
        cols["carrier"] += [(lane.carrier or "").casefold()] * n
        cols["value"].append(np.full(n, lane.value))
        cols["weight"].append(np.full(n, lane.weight_kg))
        cols["promised"].append(np.full(n, lane.promised_days or np.nan))
        cols["cover"].append(np.full(n, np.nan if lane.cover_days is None else lane.cover_days))
        # Daily sales are per lane; spread them over the lane's orders so totals add up.
        sales = (lane.daily_sales or 0.0) / max(lane.orders_per_day, 1.0)
        cols["daily_sales"].append(np.full(n, sales))
        cols["route"] += [None] * n
    arrays = {k: np.concatenate(v) for k, v in cols.items() if v and isinstance(v[0], np.ndarray)}
    return OrderFlow(**{**cols, **arrays})


ORDER_COLUMNS = ("id", "ship_date", "origin_country", "destination_country", "mode", "value")
ORDER_OPTIONAL = ("weight_kg", "carrier", "promised_days", "route", "cover_days", "daily_sales")


def _num(text: str, where: str, column: str, default: float) -> float:
    t = text.strip()
    if not t:
        return default
    try:
        v = float(t)
    except ValueError:
        raise DataFileError(
            f"column {column!r}: text {t!r} in a numeric column", where=where
        ) from None
    if not np.isfinite(v) or v < 0:
        raise DataFileError(f"column {column!r}: {t!r} must be a non-negative number", where=where)
    return v


def read_orders(path: str | Path, start: date, text: str | None = None) -> OrderFlow:
    """Orders CSV for ``simulate --orders`` (docs/logistics.md, "Orders CSV")."""
    if text is None:
        p = existing_file(path)
        text = p.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in ORDER_COLUMNS if c not in header]
    if missing:
        raise DataFileError(f"missing column(s) {missing}", where=f"{path}:1")
    unknown = [h for h in header if h not in (*ORDER_COLUMNS, *ORDER_OPTIONAL)]
    if unknown:
        raise DataFileError(f"unknown column(s) {unknown}", where=f"{path}:1")
    ix = {h: i for i, h in enumerate(header)}
    cols: dict[str, Any] = {k: [] for k in OrderFlow.__dataclass_fields__}
    for n, where, row in table_rows(reader, len(header), path):

        def get(c: str, row: list[str] = row) -> str:
            return row[ix[c]].strip() if c in ix else ""

        try:
            shipped = datetime.strptime(get("ship_date"), "%Y-%m-%d").date()
        except ValueError:
            raise DataFileError(
                f"column 'ship_date': unparseable date {get('ship_date')!r} (expected YYYY-MM-DD)",
                where=where,
            ) from None
        codes = []
        for c in ("origin_country", "destination_country"):
            code = country_code(get(c), alpha3=True)
            if code is None:
                raise DataFileError(f"column {c!r}: unknown country {get(c)!r}", where=where)
            codes.append(code)
        mode = get("mode").casefold()
        if mode not in ("air", "air_charter", "ocean", "road", "rail", "postal", "express"):
            raise DataFileError(f"column 'mode': unknown mode {mode!r}", where=where)
        cols["ids"].append(get("id") or str(n + 1))
        cols["ship_day"].append(float((shipped - start).days))
        cols["origin"].append(codes[0])
        cols["destination"].append(codes[1])
        cols["mode"].append(mode)
        cols["carrier"].append(get("carrier").casefold())
        cols["value"].append(_num(get("value"), where, "value", np.nan))
        cols["weight"].append(_num(get("weight_kg"), where, "weight_kg", 1.0))
        cols["promised"].append(_num(get("promised_days"), where, "promised_days", np.nan))
        cols["cover"].append(_num(get("cover_days"), where, "cover_days", np.nan))
        cols["daily_sales"].append(_num(get("daily_sales"), where, "daily_sales", 0.0))
        cols["route"].append(get("route") or None)
        if np.isnan(cols["value"][-1]):
            raise DataFileError("column 'value': empty", where=where)
    if not cols["ids"]:
        raise DataFileError("no orders", where=str(path))
    for k in ("ship_day", "value", "weight", "promised", "cover", "daily_sales"):
        cols[k] = np.asarray(cols[k], dtype=float)
    return OrderFlow(**cols)


def flow_from_records(records: list[dict[str, Any]], start: date) -> OrderFlow:
    """Orders given as JSON objects (the API) with the same fields as the orders CSV.

    They go through the CSV reader so both paths share one set of checks; errors name
    ``orders[i]`` rather than a line.
    """
    columns = (*ORDER_COLUMNS, *ORDER_OPTIONAL)
    if not records:
        raise InvalidInput("at least one order", where="orders")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InvalidInput("each order is an object", where=f"orders[{i}]")
        extra = set(rec) - set(columns)
        if extra:
            raise InvalidInput(f"unknown field(s) {sorted(extra)}", where=f"orders[{i}]")
        w.writerow(["" if rec.get(c) is None else str(rec[c]) for c in columns])
    try:
        return read_orders("orders", start, text=buf.getvalue())
    except DataFileError as exc:
        line = (exc.where or "").rsplit(":", 1)[-1]
        where = f"orders[{int(line) - 2}]" if line.isdigit() and int(line) >= 2 else "orders"
        raise InvalidInput(exc.message, where=where) from None
