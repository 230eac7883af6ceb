"""Orders flattened to the columns the fraud features read, and labels read from CSV.

One flat record per order: the time, the amount, the keys of every entity whose history
matters (customer, card, device, IP, email, shipping address, corridor, merchant — the merchant
and, on a marketplace, the seller: the card-not-present "terminal") and the countries the
cross-border signals compare. The online store flattens one order; the offline computation
flattens many into a DataFrame with the same columns.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import ValidationError

from borderline.errors import DataFileError, InvalidInput, field_path
from borderline.files import existing_file
from borderline.lazy import lazy
from borderline.model import Order, PartyRole

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

ENTITIES = ("customer", "card", "device", "ip", "email", "ship_addr", "corridor", "merchant")
COUNTRY_FIELDS = (
    "card_country",
    "ip_country",
    "bill_country",
    "ship_country",
    "buyer_country",
    "origin_country",
)
FLAT_COLUMNS = (
    "order_id",
    "t",
    "amount",
    "currency",
    "method",
    "n_items",
    "forwarder",
    "reshipper",
    "name_mismatch",
    *ENTITIES,
    *COUNTRY_FIELDS,
)


@cache
def reshipper_markers() -> tuple[str, ...]:
    """Address words that mark package forwarders/reshippers (data file, see PROVENANCE)."""
    path = resources.files("borderline.fraud") / "data" / "reshipper_markers.yaml"
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return tuple(str(m).casefold() for m in doc["markers"])


def _is_reshipper(text: str) -> bool:
    low = f" {text.casefold()} "
    return any(m in low for m in reshipper_markers())


def flatten(order: Order) -> dict[str, Any]:
    p = order.payment
    d = order.device
    ship = order.ship_to
    bill = order.bill_to
    buyer = order.buyer
    payer = order.party(PartyRole.PAYER) or buyer
    recipient = order.party(PartyRole.RECIPIENT) or order.party(PartyRole.CONSIGNEE) or buyer
    card = ""
    if p is not None:
        if p.card_fingerprint:
            card = p.card_fingerprint
        elif p.card_bin and p.card_last4:
            card = f"{p.card_bin}:{p.card_last4}"
    dest = ship.country if ship is not None else order.shipment.destination_country
    seller = order.party(PartyRole.SELLER)
    merchant = order.merchant_id
    if seller is not None:
        merchant += ":" + (seller.customer_id or seller.name.casefold())
    ship_line = ship.one_line().casefold() if ship is not None else ""
    return {
        "order_id": order.id,
        "t": int(order.created_at.timestamp()),
        "amount": float(order.total),
        "currency": order.currency,
        "method": str(p.method) if p is not None else "",
        "n_items": sum(i.quantity for i in order.items),
        "forwarder": int(order.party(PartyRole.FORWARDER) is not None),
        "reshipper": int(bool(ship_line) and _is_reshipper(ship_line)),
        "name_mismatch": int(payer.name.casefold() != recipient.name.casefold()),
        "customer": order.customer_key,
        "card": card,
        "device": (d.device_id or "") if d is not None else "",
        "ip": (d.ip or "") if d is not None else "",
        "email": buyer.email or "",
        "ship_addr": ship_line,
        "corridor": f"{order.shipment.origin_country}>{dest}",
        "merchant": merchant,
        "card_country": (p.card_country or "") if p is not None else "",
        "ip_country": (d.ip_country or "") if d is not None else "",
        "bill_country": bill.country if bill is not None else "",
        "ship_country": dest,
        "buyer_country": buyer.address.country if buyer.address is not None else "",
        "origin_country": order.shipment.origin_country,
    }


def frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(list(records), columns=list(FLAT_COLUMNS))
    return df.astype(
        {
            "t": np.int64,
            "amount": np.float64,
            "n_items": np.int64,
            "forwarder": np.int64,
            "reshipper": np.int64,
            "name_mismatch": np.int64,
        }
    )


def read_orders(path: str | Path) -> tuple[list[Order], pd.DataFrame]:
    """Parse a JSON-lines file of orders; every bad line is reported with its number."""
    p = existing_file(path)
    orders: list[Order] = []
    seen: dict[str, int] = {}
    with p.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                order = Order.model_validate(obj)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"invalid JSON: {exc.msg}", where=f"{path}:{lineno}") from None
            except ValidationError as exc:
                err = exc.errors()[0]
                raise DataFileError(
                    f"{field_path(err['loc'])}: {err['msg']}", where=f"{path}:{lineno}"
                ) from None
            if order.id in seen:
                raise DataFileError(
                    f"duplicate order id {order.id!r} (first on line {seen[order.id]})",
                    where=f"{path}:{lineno}",
                )
            seen[order.id] = lineno
            orders.append(order)
    if not orders:
        raise InvalidInput("no orders", where=str(path))
    return orders, frame([flatten(o) for o in orders])


def read_labels(path: str | Path, known_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Labels CSV: ``order_id,is_fraud[,kind,event_at]``. The latest label of an order wins.

    Returns one row per labelled order: order_id, is_fraud (0/1), event_at (UTC, may be NaT).
    """
    p = existing_file(path)
    ids = set(known_ids) if known_ids is not None else None
    rows: list[tuple[str, int, datetime | None, int]] = []
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for need in ("order_id", "is_fraud"):
            if need not in cols:
                raise DataFileError(f"missing column {need}", where=str(path))
        for i, row in enumerate(reader):
            where = f"{path}:{i + 2}"
            oid = (row.get("order_id") or "").strip()
            if not oid:
                raise DataFileError("empty order_id", where=where)
            if ids is not None and oid not in ids:
                raise DataFileError(f"label for unknown order {oid!r}", where=where)
            raw = (row.get("is_fraud") or "").strip().lower()
            if raw not in ("0", "1", "true", "false"):
                raise DataFileError(f"is_fraud must be 0/1/true/false, got {raw!r}", where=where)
            ev_raw = (row.get("event_at") or "").strip()
            event: datetime | None = None
            if ev_raw:
                try:
                    event = datetime.fromisoformat(ev_raw.replace("Z", "+00:00"))
                except ValueError:
                    raise DataFileError(
                        f"event_at {ev_raw!r} is not ISO 8601", where=where
                    ) from None
                if event.tzinfo is None:
                    raise DataFileError("event_at needs a time zone", where=where)
            rows.append((oid, int(raw in ("1", "true")), event, i))
    df = pd.DataFrame(rows, columns=["order_id", "is_fraud", "event_at", "line"])
    df["event_at"] = pd.to_datetime(df["event_at"], utc=True)
    df = df.sort_values(["event_at", "line"], na_position="first", kind="stable")
    return df.drop_duplicates("order_id", keep="last").drop(columns="line").reset_index(drop=True)
