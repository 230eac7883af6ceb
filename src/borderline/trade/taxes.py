"""Import regimes (de minimis, point-of-sale schemes) and VAT/GST rates, all from dated data.

``data/landed-cost-rules.yaml`` holds each regime's periods with ``from``/``to`` dates and the
legal source; ``data/vat-rates.json`` the EU/GB VAT history; ``data/sales_tax_rates.json`` other
countries' standard VAT/GST rates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import yaml

from borderline.errors import InvalidInput
from borderline.trade.hs import data_path


@cache
def rules() -> dict[str, Any]:
    path = data_path("landed-cost-rules.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@cache
def regimes_by_id() -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in rules()["regimes"]}


def regime_for(country: str) -> dict[str, Any] | None:
    for r in rules()["regimes"]:
        if country in r["countries"]:
            found: dict[str, Any] = r
            return found
    return None


def period_on(regime: dict[str, Any], on: date) -> dict[str, Any] | None:
    for p in regime["periods"]:
        start = date.fromisoformat(p["from"])
        end = date.fromisoformat(p["to"]) if p.get("to") else None
        if start <= on and (end is None or on <= end):
            period: dict[str, Any] = p
            return period
    return None


@cache
def _eu_vat() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(data_path("vat-rates.json").read_text(encoding="utf-8"))
    items: dict[str, Any] = data["items"]
    return items


@cache
def world_tax() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(data_path("sales_tax_rates.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True, slots=True)
class TaxRate:
    rate: Decimal  # fraction, 0.19
    kind: str  # vat | gst | none
    source: str
    effective_from: str | None


def tax_rate(country: str, on: date, postal_code: str | None = None) -> TaxRate:
    """Standard import VAT/GST rate in force on ``on`` (EU/GB with history and regions)."""
    eu = _eu_vat()
    if country in eu:
        periods = sorted(eu[country], key=lambda p: p["effective_from"], reverse=True)
        for p in periods:
            # The file dates its oldest known period "0000-01-01": since forever.
            eff = p["effective_from"]
            start = date.min if eff.startswith("0000") else date.fromisoformat(eff)
            if start <= on:
                std = Decimal(str(p["rates"]["standard"]))
                src = f"ibericode/vat-rates {country} from {p['effective_from']}"
                for exc in p.get("exceptions") or []:
                    if postal_code and re.match(exc["postcode"], postal_code):
                        return TaxRate(
                            Decimal(str(exc["standard"])) / 100,
                            "vat",
                            f"{src} ({exc['name']})",
                            p["effective_from"],
                        )
                return TaxRate(std / 100, "vat", src, p["effective_from"])
        raise InvalidInput(f"no VAT rate for {country} on {on}", where="date")
    world = world_tax()
    if country not in world:
        raise InvalidInput(f"no VAT/GST rate known for {country}", where="destination")
    entry = world[country]
    # ``before`` maps an ISO instant to the rate that applied before it.
    for instant, older in sorted((entry.get("before") or {}).items()):
        if on < date.fromisoformat(instant[:10]) or (
            on == date.fromisoformat(instant[:10]) and not instant[11:].startswith("00:00")
        ):
            entry = {**older}
            break
    kind = str(entry.get("type", "vat"))
    return TaxRate(
        Decimal(str(entry.get("rate", 0))),
        "none" if kind == "none" else kind,
        f"valeriansaliou/node-sales-tax {country}",
        None,
    )
