"""Fulfilment-model comparison: direct postal/express, bonded warehouse, overseas warehouse,
dropshipping — landed cost, delivery-time distribution and risk for one merchant's catalogue.

Duty and import tax come from ``borderline.trade``'s landed-cost engine (dated rules, tariff
schedule, de minimis regimes). A destination that states its own ``duty_rate`` and ``vat_rate``
uses the simple estimate instead: duty = rate x customs value above ``duty_free_threshold``,
VAT = rate x (value + duty). Freight comes from the network table's routes, delivery times from
their lognormal spreads, disruption exposure from a scenario run with ``simulate``.

Model assumptions (each a documented default, overridable per model in the config):

- direct (postal/express): the parcel travels the whole way; duty and VAT on the retail value.
- bonded_warehouse: stock is shipped by sea into a bonded warehouse in the destination and
  cleared order by order on release (the cross-border retail import model), so duty and VAT
  are still on the retail value; delivery is the last mile unless the SKU is out of stock.
- overseas_warehouse: stock is imported and cleared in bulk at its purchase cost; VAT is then
  charged on the retail sale; delivery is the last mile unless out of stock.
- dropshipping: the supplier posts the parcel after its own handling time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from borderline.errors import InvalidInput, from_validation
from borderline.files import load_yaml
from borderline.logistics.flow import OrderFlow
from borderline.logistics.network import Network, default_network
from borderline.logistics.scenario import resolve_scenario
from borderline.logistics.simulate import simulate
from borderline.refdata import country_code

Kind = Literal["direct", "bonded_warehouse", "overseas_warehouse", "dropshipping"]

# Defaults per kind: customs hold probability, stock-out probability, days stock waits (FX
# exposure and holding cost), fixed handling/last-mile cost per order (USD), supplier handling
# days (dropshipping). Round figures for a small cross-border seller; override in the config.
_DEFAULTS: dict[str, dict[str, float]] = {
    "direct": {"hold": 0.02, "stockout": 0.0, "stock_days": 0, "fee": 1.0, "handling": 1},
    "bonded_warehouse": {
        "hold": 0.005,
        "stockout": 0.03,
        "stock_days": 45,
        "fee": 5.5,
        "handling": 0,
    },
    "overseas_warehouse": {
        "hold": 0.005,
        "stockout": 0.05,
        "stock_days": 60,
        "fee": 5.0,
        "handling": 0,
    },
    "dropshipping": {"hold": 0.04, "stockout": 0.02, "stock_days": 3, "fee": 0.5, "handling": 4},
}
HOLD_DAYS = (3.0, 10.0)  # a customs hold lasts this long (uniform)
LAST_MILE_DAYS = (1.0, 3.0)
HOLDING_RATE = 0.25  # yearly cost of carrying stock, share of its purchase cost
BULK_UNITS = 1000  # units per bulk import when clearing a warehouse consignment


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sku(_M):
    sku: str
    hs: str = Field(pattern=r"^\d{4,10}$")
    unit_value: float = Field(gt=0, description="retail price, USD")
    unit_cost: float = Field(gt=0, description="purchase cost, USD")
    weight_kg: float = Field(gt=0)
    share: float = Field(default=1.0, gt=0)


class Destination(_M):
    country: str
    share: float = Field(default=1.0, gt=0)
    duty_rate: float | None = Field(default=None, ge=0, le=5)
    vat_rate: float | None = Field(default=None, ge=0, le=1)
    duty_free_threshold: float = Field(default=0.0, ge=0, description="USD")


class ModelSpec(_M):
    name: str
    kind: Kind
    mode: Literal["postal", "express", "air"] = "postal"  # direct and dropshipping parcels
    customs_hold: float | None = Field(default=None, ge=0, le=1)
    stockout: float | None = Field(default=None, ge=0, le=1)
    stock_days: float | None = Field(default=None, ge=0, le=730)
    fee: float | None = Field(default=None, ge=0)
    handling_days: float | None = Field(default=None, ge=0, le=60)


class FxSpec(_M):
    base: str = "USD"
    rates: dict[str, float] = Field(default_factory=dict)


def _default_models() -> list[ModelSpec]:
    return [
        ModelSpec(name="postal", kind="direct", mode="postal"),
        ModelSpec(name="express", kind="direct", mode="express"),
        ModelSpec(name="bonded-warehouse", kind="bonded_warehouse"),
        ModelSpec(name="overseas-warehouse", kind="overseas_warehouse"),
        ModelSpec(name="dropshipping", kind="dropshipping", mode="postal"),
    ]


class CompareConfig(_M):
    name: str = "comparison"
    origin: str
    date: dt.date
    catalogue: list[Sku] = Field(min_length=1, max_length=500)
    destinations: list[Destination] = Field(min_length=1, max_length=100)
    models: list[ModelSpec] = Field(default_factory=_default_models, min_length=1)
    fx: FxSpec = Field(default_factory=FxSpec)
    orders: int = Field(default=2000, ge=10, le=200_000)
    seed: int = 0
    promise_days: float = Field(default=14, gt=0)
    safety_stock_days: float = Field(default=14, ge=0)
    scenario: str | None = None
    scenario_date: dt.date | None = None


def parse_compare_config(data: object, where: str = "config") -> CompareConfig:
    if not isinstance(data, dict):
        raise InvalidInput("the comparison config is a YAML mapping", where=where)
    try:
        cfg = CompareConfig.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, f"{where}: ") from None
    for i, d in enumerate(cfg.destinations):
        code = country_code(d.country, alpha3=True)
        if code is None:
            raise InvalidInput(
                f"unknown country {d.country!r}", where=f"{where}: destinations[{i}]"
            )
        d.country = code
    origin = country_code(cfg.origin, alpha3=True)
    if origin is None:
        raise InvalidInput(f"unknown country {cfg.origin!r}", where=f"{where}: origin")
    cfg.origin = origin
    names = [m.name for m in cfg.models]
    if len(set(names)) != len(names):
        raise InvalidInput("model names must be unique", where=f"{where}: models")
    if cfg.scenario is not None and cfg.scenario_date is None:
        raise InvalidInput(
            "give the date orders ship under the scenario", where=f"{where}: scenario_date"
        )
    return cfg


def load_compare_config(path: str | Path) -> CompareConfig:
    data = load_yaml(path)
    return parse_compare_config(data, str(path))


@dataclass
class Comparison:
    config: CompareConfig
    rows: list[dict[str, Any]]
    delivery_days: dict[str, np.ndarray]
    landed_cost_method: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "origin": self.config.origin,
            "date": self.config.date.isoformat(),
            "orders": self.config.orders,
            "seed": self.config.seed,
            "landed_cost_method": self.landed_cost_method,
            "models": self.rows,
            "notes": self.notes,
        }


# --- duty and tax -------------------------------------------------------------------------------


def _usd(amount: float, currency: str, fx: FxSpec, where: str) -> float:
    if currency == "USD":
        return amount
    if fx.base != "USD":
        raise InvalidInput("give fx with base USD (the comparison reports in USD)", where=where)
    rate = fx.rates.get(currency)
    if rate is None:
        raise InvalidInput(f"no FX rate for {currency}; add fx.rates.{currency}", where=where)
    return amount * rate


@cache
def _trade_landed() -> Any:
    try:
        import borderline.trade as trade_landed
    except ImportError:  # the trade domain is optional for this comparison
        return None
    return trade_landed


def duty_and_tax(
    cfg: CompareConfig,
    dest: Destination,
    sku: Sku,
    customs_value: float,
    quantity: int,
    shipping: float,
) -> tuple[float, float, float, str]:
    """(duty, tax, tax rate, method) in USD for a consignment of ``quantity`` units."""
    value = customs_value * quantity
    if dest.duty_rate is not None and dest.vat_rate is not None:
        duty = dest.duty_rate * value if value > dest.duty_free_threshold else 0.0
        return duty, dest.vat_rate * (value + duty), dest.vat_rate, "simple duty+VAT from config"
    mod = _trade_landed()
    if mod is None:
        raise InvalidInput(
            "borderline.trade is not installed: give duty_rate and vat_rate",
            where=f"destinations ({dest.country})",
        )
    where = f"destinations ({dest.country}) / catalogue ({sku.sku})"
    req = mod.LandedCostRequest.from_dict(
        {
            "destination": dest.country,
            "origin": cfg.origin,
            "date": cfg.date.isoformat(),
            "currency": "USD",
            "incoterm": "DDP",
            "shipping": round(shipping, 2),
            "items": [
                {
                    "hs": sku.hs,
                    "quantity": quantity,
                    "unit_price": round(customs_value, 4),
                    "weight_kg": sku.weight_kg,
                }
            ],
            "fx": {"base": cfg.fx.base, "rates": {**cfg.fx.rates}} if cfg.fx.rates else None,
        }
    )
    out = mod.landed_cost(req).to_dict()
    cur = out["currency"]
    duty = _usd(float(Decimal(str(out["duty"]))), cur, cfg.fx, where)
    tax = _usd(float(out["tax"]["amount"]), cur, cfg.fx, where)
    return duty, tax, float(out["tax"]["rate"]), "borderline.trade.landed_cost"


# --- the comparison -----------------------------------------------------------------------------


def _pick(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _transit(
    rng: np.random.Generator, net: Network, origin: str, dest: str, mode: str, n: int
) -> tuple[np.ndarray, float]:
    route = net.find_route(origin, dest, mode)
    if route is None:
        raise InvalidInput(
            f"no {mode} route from {origin} to {dest} in the network table",
            where=f"destinations ({dest})",
        )
    s = route.sd_share
    return route.transit_days * np.exp(s * rng.standard_normal(n) - s**2 / 2), route.cost_per_kg


def _disruption(cfg: CompareConfig, net: Network, dest: str, mode: str) -> float:
    """Mean extra days on ``mode`` from origin to ``dest`` for 30 days of orders from the date."""
    if cfg.scenario is None or cfg.scenario_date is None:
        return 0.0
    sc = resolve_scenario(cfg.scenario)
    sc = sc.model_copy(update={"simulation": sc.simulation.model_copy(update={"draws": 100})})
    if net.find_route(cfg.origin, dest, mode) is None:
        return 0.0
    start = (cfg.scenario_date - sc.simulation.start).days
    n = 30
    flow = OrderFlow(
        ids=[str(i) for i in range(n)],
        ship_day=start + np.arange(n, dtype=float),
        origin=[cfg.origin] * n,
        destination=[dest] * n,
        mode=[mode] * n,
        carrier=[""] * n,
        value=np.ones(n),
        weight=np.ones(n),
        promised=np.full(n, np.nan),
        cover=np.full(n, np.nan),
        daily_sales=np.zeros(n),
        route=[None] * n,
    )
    res = simulate(sc, flow, net)
    return float(next(iter(res.corridors.values()))["extra_delay_days"]["mean"])


def compare(cfg: CompareConfig, network: Network | None = None) -> Comparison:
    net = network or default_network()
    n = cfg.orders
    rows: list[dict[str, Any]] = []
    days_out: dict[str, np.ndarray] = {}
    methods: set[str] = set()
    for mi, spec in enumerate(cfg.models):
        d = _DEFAULTS[spec.kind]
        hold_p = d["hold"] if spec.customs_hold is None else spec.customs_hold
        stockout_p = d["stockout"] if spec.stockout is None else spec.stockout
        stock_days = d["stock_days"] if spec.stock_days is None else spec.stock_days
        fee = d["fee"] if spec.fee is None else spec.fee
        handling = d["handling"] if spec.handling_days is None else spec.handling_days
        rng = np.random.default_rng([cfg.seed, mi])
        sku_i = _pick(rng, n, [s.share for s in cfg.catalogue])
        dest_i = _pick(rng, n, [x.share for x in cfg.destinations])
        freight = np.zeros(n)
        duty = np.zeros(n)
        vat = np.zeros(n)
        holding = np.zeros(n)
        days = np.zeros(n)
        disruption = np.zeros(n)
        inbound = np.zeros(n)
        warehouse = spec.kind in ("bonded_warehouse", "overseas_warehouse")
        for di, dest in enumerate(cfg.destinations):
            sel_d = dest_i == di
            nd = int(sel_d.sum())
            if nd == 0:
                continue
            leg_mode = "ocean" if warehouse else spec.mode
            transit, rate = _transit(rng, net, cfg.origin, dest.country, leg_mode, nd)
            extra = _disruption(cfg, net, dest.country, leg_mode)
            inbound[sel_d] = extra
            if warehouse:
                last = rng.uniform(*LAST_MILE_DAYS, nd)
                out_of_stock = rng.random(nd) < stockout_p
                # Out of stock: the order waits for the next sea replenishment to arrive; a
                # disruption on the sea leg eats the safety stock first.
                late_stock = max(0.0, extra - cfg.safety_stock_days)
                days[sel_d] = last + np.where(out_of_stock, transit, 0.0) + late_stock
                disruption[sel_d] = late_stock
            else:
                days[sel_d] = handling + transit + extra
                disruption[sel_d] = extra
            for si, sku in enumerate(cfg.catalogue):
                sel = sel_d & (sku_i == si)
                if not sel.any():
                    continue
                parcel_freight = sku.weight_kg * rate
                freight[sel] = parcel_freight + fee
                if spec.kind == "overseas_warehouse":
                    # Cleared in bulk at purchase cost; VAT then falls on the retail sale.
                    dty, _, vrate, m = duty_and_tax(
                        cfg, dest, sku, sku.unit_cost, BULK_UNITS, parcel_freight * BULK_UNITS
                    )
                    duty[sel] = dty / BULK_UNITS
                    vat[sel] = vrate * sku.unit_value
                else:
                    dty, tax, _, m = duty_and_tax(cfg, dest, sku, sku.unit_value, 1, parcel_freight)
                    duty[sel], vat[sel] = dty, tax
                methods.add(m)
                holding[sel] = sku.unit_cost * HOLDING_RATE * stock_days / 365.0
        held = rng.random(n) < hold_p
        days = days + np.where(held, rng.uniform(*HOLD_DAYS, n), 0.0)
        value = np.array([cfg.catalogue[i].unit_value for i in sku_i])
        landed = value + freight + duty + vat + holding
        q = np.quantile(days, [0.5, 0.9])
        rows.append(
            {
                "model": spec.name,
                "kind": spec.kind,
                "landed_cost_per_order_usd": round(float(landed.mean()), 2),
                "goods_value_usd": round(float(value.mean()), 2),
                "freight_usd": round(float(freight.mean()), 2),
                "duty_usd": round(float(duty.mean()), 2),
                "vat_usd": round(float(vat.mean()), 2),
                "holding_usd": round(float(holding.mean()), 2),
                "delivery_days": {
                    "mean": round(float(days.mean()), 2),
                    "p50": round(float(q[0]), 2),
                    "p90": round(float(q[1]), 2),
                },
                "late_share": round(float((days > cfg.promise_days).mean()), 4),
                "customs_hold_share": round(float(held.mean()), 4),
                "stockout_share": round(stockout_p, 4),
                "fx_exposure_days": round(float(stock_days + (days.mean() if warehouse else 0)), 1),
                "disruption_extra_days": round(float(disruption.mean()), 2),
                "inbound_disruption_days": round(float(inbound.mean()), 2),
            }
        )
        days_out[spec.name] = days
    notes = []
    if cfg.scenario:
        notes.append(
            f"disruption exposure: scenario {cfg.scenario} for orders shipped from "
            f"{cfg.scenario_date} to {cfg.scenario_date + timedelta(days=29)}"
            if cfg.scenario_date
            else ""
        )
    return Comparison(cfg, rows, days_out, " and ".join(sorted(methods)), notes)
