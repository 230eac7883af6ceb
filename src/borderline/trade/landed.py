"""Landed cost: duty, import VAT/GST, de minimis, point-of-sale regimes, FX and fees.

Every rate and threshold comes from data with a source and an effective date range:
``data/landed-cost-rules.yaml`` (regimes), ``data/vat-rates.json`` (EU/GB VAT history),
``data/sales_tax_rates.json`` (other VAT/GST), a tariff schedule CSV (``data/tariff-sample.csv``
or a user's file, format in ``docs/trade.md``). The answer for a past date is reproducible.

Money is ``Decimal`` throughout; each amount is rounded half-up to 0.01 only when reported.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import DataFileError, InvalidInput
from borderline.refdata import is_country, is_currency
from borderline.trade.hs import data_path, nomenclature

CENT = Decimal("0.01")
_UNITS = ("kg", "item", "l", "pair")


def _dec(value: Any, where: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput("a number is required", where=where)
    if isinstance(value, bool):
        raise InvalidInput("must be a number", where=where)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a number", where=where) from None
    if not d.is_finite():
        raise InvalidInput("must be a finite number", where=where)
    if d < 0:
        raise InvalidInput("must not be negative", where=where)
    return d


def _money(d: Decimal) -> float:
    return float(d.quantize(CENT, rounding=ROUND_HALF_UP))


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO date (YYYY-MM-DD)", where=where) from None


# -- tariff schedules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TariffRow:
    destination: str  # ISO country or regime id (EU)
    hs: str  # 2-10 digit prefix
    duty_type: str  # ad_valorem | specific | compound | free
    ad_valorem_pct: Decimal | None
    specific_amount: Decimal | None
    specific_unit: str | None
    min_amount: Decimal | None
    max_amount: Decimal | None
    currency: str
    effective_from: date
    effective_to: date | None
    source: str
    where: str

    def active(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


TARIFF_COLUMNS = (
    "destination",
    "hs",
    "duty_type",
    "ad_valorem_pct",
    "specific_amount",
    "specific_unit",
    "min_amount",
    "max_amount",
    "currency",
    "effective_from",
    "effective_to",
    "source",
)


@dataclass
class TariffSchedule:
    rows: list[TariffRow]
    name: str

    @classmethod
    def load(cls, path: Path | str) -> TariffSchedule:
        """Read a schedule CSV; any bad cell is an error naming ``file:line`` and column."""
        p = Path(path)
        if not p.is_file():
            raise DataFileError("no such tariff file", where=str(p))
        rows: list[TariffRow] = []
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = set(TARIFF_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise DataFileError(f"missing column(s) {sorted(missing)}", where=f"{p}:1")
            for lineno, r in enumerate(reader, 2):
                rows.append(cls._row(r, f"{p}:{lineno}"))
        return cls(rows, p.name)

    @staticmethod
    def _row(r: dict[str, str], where: str) -> TariffRow:
        def num(col: str) -> Decimal | None:
            try:
                return _dec((r.get(col) or "").strip() or None, f"{where}:{col}", allow_none=True)
            except InvalidInput as exc:
                raise DataFileError(exc.message, where=exc.where) from None

        dest = (r["destination"] or "").strip().upper()
        hs = (r["hs"] or "").strip().replace(".", "")
        dtype = (r["duty_type"] or "").strip()
        if not (is_country(dest) or dest in _regimes_by_id()):
            raise DataFileError(f"unknown destination {dest!r}", where=f"{where}:destination")
        if not hs.isdigit() or not 2 <= len(hs) <= 10:
            raise DataFileError(f"hs must be 2-10 digits, got {hs!r}", where=f"{where}:hs")
        if dtype not in ("ad_valorem", "specific", "compound", "free"):
            raise DataFileError(
                f"duty_type {dtype!r} is not ad_valorem, specific, compound or free",
                where=f"{where}:duty_type",
            )
        av, sp = num("ad_valorem_pct"), num("specific_amount")
        unit = (r.get("specific_unit") or "").strip() or None
        if dtype in ("ad_valorem", "compound") and av is None:
            raise DataFileError(f"{dtype} needs ad_valorem_pct", where=f"{where}:ad_valorem_pct")
        if dtype in ("specific", "compound") and (sp is None or unit not in _UNITS):
            raise DataFileError(
                f"{dtype} needs specific_amount and specific_unit in {_UNITS}",
                where=f"{where}:specific_unit",
            )
        cur = (r["currency"] or "").strip().upper()
        if not is_currency(cur):
            raise DataFileError(f"unknown currency {cur!r}", where=f"{where}:currency")
        try:
            start = date.fromisoformat((r["effective_from"] or "").strip())
            end_s = (r.get("effective_to") or "").strip()
            end = date.fromisoformat(end_s) if end_s else None
        except ValueError:
            raise DataFileError("dates are YYYY-MM-DD", where=f"{where}:effective_from") from None
        if end is not None and end < start:
            raise DataFileError(
                "effective_to is before effective_from", where=f"{where}:effective_to"
            )
        mn, mx = num("min_amount"), num("max_amount")
        if mn is not None and mx is not None and mn > mx:
            raise DataFileError("min_amount is above max_amount", where=f"{where}:min_amount")
        return TariffRow(
            dest,
            hs,
            dtype,
            av,
            sp,
            unit,
            mn,
            mx,
            cur,
            start,
            end,
            (r.get("source") or "").strip(),
            where,
        )

    def lookup(
        self, destination: str, regime_id: str | None, hs: str, on: date
    ) -> TariffRow | None:
        """Longest HS prefix in force on ``on`` for the country, else for its regime (EU)."""
        keys = [destination] + ([regime_id] if regime_id else [])
        for key in keys:
            best: TariffRow | None = None
            for row in self.rows:
                if (
                    row.destination == key
                    and hs.startswith(row.hs)
                    and row.active(on)
                    and (best is None or len(row.hs) > len(best.hs))
                ):
                    best = row
            if best is not None:
                return best
        return None


@cache
def sample_schedule() -> TariffSchedule:
    return TariffSchedule.load(data_path("tariff-sample.csv"))


# -- regimes and tax rates ---------------------------------------------------------------------


@cache
def _rules() -> dict[str, Any]:
    path = data_path("landed-cost-rules.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@cache
def _regimes_by_id() -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in _rules()["regimes"]}


def regime_for(country: str) -> dict[str, Any] | None:
    for r in _rules()["regimes"]:
        if country in r["countries"]:
            found: dict[str, Any] = r
            return found
    return None


def _period(regime: dict[str, Any], on: date) -> dict[str, Any] | None:
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
def _world_tax() -> dict[str, Any]:
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
                    import re

                    if postal_code and re.match(exc["postcode"], postal_code):
                        return TaxRate(
                            Decimal(str(exc["standard"])) / 100,
                            "vat",
                            f"{src} ({exc['name']})",
                            p["effective_from"],
                        )
                return TaxRate(std / 100, "vat", src, p["effective_from"])
        raise InvalidInput(f"no VAT rate for {country} on {on}", where="date")
    world = _world_tax()
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


# -- FX ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FxTable:
    """``rates[c]`` = value of one unit of currency ``c`` in ``base``."""

    base: str
    rates: dict[str, Decimal]

    @classmethod
    def from_dict(cls, obj: Any, where: str = "fx") -> FxTable:
        if obj is None:
            return cls("XXX", {})
        if not isinstance(obj, dict) or not isinstance(obj.get("rates"), dict):
            raise InvalidInput('fx is {"base": "EUR", "rates": {"USD": 0.92, …}}', where=where)
        base = str(obj.get("base", "")).upper()
        if not is_currency(base):
            raise InvalidInput(f"unknown currency {base!r}", where=f"{where}.base")
        rates: dict[str, Decimal] = {base: Decimal(1)}
        for cur, val in obj["rates"].items():
            c = str(cur).upper()
            if not is_currency(c):
                raise InvalidInput(f"unknown currency {cur!r}", where=f"{where}.rates.{cur}")
            d = _dec(val, f"{where}.rates.{cur}")
            assert d is not None
            if d == 0:
                raise InvalidInput("a rate cannot be zero", where=f"{where}.rates.{cur}")
            rates[c] = d
        return cls(base, rates)

    def convert(self, amount: Decimal, src: str, dst: str, where: str) -> Decimal:
        if src == dst:
            return amount
        for c in (src, dst):
            if c not in self.rates:
                raise InvalidInput(f"no FX rate for {c}; add it to fx.rates", where=where)
        return amount * self.rates[src] / self.rates[dst]


# -- request and result ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    hs6: str
    hs: str  # as declared, up to 10 digits
    description: str
    quantity: Decimal
    unit_price: Decimal
    weight_kg: Decimal | None
    volume_l: Decimal | None
    origin: str | None

    @property
    def value(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    amount: Decimal
    currency: str
    taxable: bool


@dataclass(frozen=True, slots=True)
class LandedCostRequest:
    destination: str
    postal_code: str | None
    origin: str | None
    on: date
    currency: str
    incoterm: str
    shipping: Decimal
    insurance: Decimal
    lines: tuple[Line, ...]
    fees: tuple[Fee, ...]
    fx: FxTable
    registrations: frozenset[str]

    @classmethod
    def from_dict(cls, obj: Any) -> LandedCostRequest:
        if not isinstance(obj, dict):
            raise InvalidInput("the request is a JSON object", where="request")
        known = {
            "destination", "postal_code", "origin", "date", "currency", "incoterm", "shipping",
            "insurance", "items", "fees", "fx", "seller_registrations",
        }  # fmt: skip
        extra = set(obj) - known
        if extra:
            raise InvalidInput(
                f"unknown field(s) {sorted(extra)}; known: {sorted(known)}", where="request"
            )
        dest = str(obj.get("destination", "")).upper()
        if not is_country(dest):
            raise InvalidInput(f"unknown country {obj.get('destination')!r}", where="destination")
        origin = obj.get("origin")
        if origin is not None and not is_country(str(origin).upper()):
            raise InvalidInput(f"unknown country {origin!r}", where="origin")
        cur = str(obj.get("currency", "")).upper()
        if not is_currency(cur):
            raise InvalidInput(f"unknown currency {obj.get('currency')!r}", where="currency")
        inc = str(obj.get("incoterm", "DAP")).upper()
        if inc not in ("DDP", "DAP"):
            raise InvalidInput("incoterm is DDP or DAP", where="incoterm")
        items = obj.get("items")
        if not isinstance(items, list) or not items:
            raise InvalidInput("at least one item is required", where="items")
        nom = nomenclature()
        lines = []
        for i, it in enumerate(items):
            w = f"items[{i}]"
            if not isinstance(it, dict):
                raise InvalidInput("each item is an object", where=w)
            raw_hs = str(it.get("hs") or it.get("hs6") or "")
            if not raw_hs:
                raise InvalidInput("hs code is required (classify the item first)", where=f"{w}.hs")
            hs6 = nom.require(raw_hs, where=f"{w}.hs")
            qty = _dec(it.get("quantity", 1), f"{w}.quantity")
            assert qty is not None
            if qty == 0:
                raise InvalidInput("quantity must be positive", where=f"{w}.quantity")
            price = _dec(it.get("unit_price"), f"{w}.unit_price")
            assert price is not None
            io = it.get("origin_country")
            if io is not None and not is_country(str(io).upper()):
                raise InvalidInput(f"unknown country {io!r}", where=f"{w}.origin_country")
            digits = raw_hs.replace(".", "").replace(" ", "")
            lines.append(
                Line(
                    hs6=hs6,
                    hs=hs6 + digits[6:] if digits[:6] == hs6 else hs6,
                    description=str(it.get("description") or ""),
                    quantity=qty,
                    unit_price=price,
                    weight_kg=_dec(it.get("weight_kg"), f"{w}.weight_kg", allow_none=True),
                    volume_l=_dec(it.get("volume_l"), f"{w}.volume_l", allow_none=True),
                    origin=str(io or origin or "").upper() or None,
                )
            )
        fees = []
        for i, f in enumerate(obj.get("fees") or []):
            w = f"fees[{i}]"
            if not isinstance(f, dict) or not f.get("name"):
                raise InvalidInput("a fee is {name, amount, currency?, taxable?}", where=w)
            fcur = str(f.get("currency") or cur).upper()
            if not is_currency(fcur):
                raise InvalidInput(f"unknown currency {fcur!r}", where=f"{w}.currency")
            amt = _dec(f.get("amount"), f"{w}.amount")
            assert amt is not None
            fees.append(Fee(str(f["name"]), amt, fcur, bool(f.get("taxable", False))))
        regs = obj.get("seller_registrations") or []
        if not isinstance(regs, list):
            raise InvalidInput('a list such as ["IOSS"]', where="seller_registrations")
        ship = _dec(obj.get("shipping", 0), "shipping")
        ins = _dec(obj.get("insurance", 0), "insurance")
        assert ship is not None and ins is not None
        return cls(
            destination=dest,
            postal_code=None if obj.get("postal_code") is None else str(obj["postal_code"]),
            origin=None if origin is None else str(origin).upper(),
            on=_date(obj.get("date", date.today().isoformat()), "date"),
            currency=cur,
            incoterm=inc,
            shipping=ship,
            insurance=ins,
            lines=tuple(lines),
            fees=tuple(fees),
            fx=FxTable.from_dict(obj.get("fx")),
            registrations=frozenset(str(r).upper() for r in regs),
        )


@dataclass
class LandedCost:
    destination: str
    date: str
    currency: str
    incoterm: str
    valuation: str
    goods_value: Decimal
    transport: Decimal
    customs_value: Decimal
    duty: Decimal
    tax: Decimal
    tax_rate: Decimal
    tax_collected: str  # border | point_of_sale | none
    fees: Decimal
    lines: list[dict[str, Any]]
    rules: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.goods_value + self.transport + self.duty + self.tax + self.fees

    def to_dict(self) -> dict[str, Any]:
        border = (
            self.duty + self.fees + (self.tax if self.tax_collected == "border" else Decimal(0))
        )
        buyer_on_delivery = border if self.incoterm == "DAP" else Decimal(0)
        return {
            "destination": self.destination,
            "date": self.date,
            "currency": self.currency,
            "incoterm": self.incoterm,
            "valuation": self.valuation,
            "goods_value": _money(self.goods_value),
            "transport_and_insurance": _money(self.transport),
            "customs_value": _money(self.customs_value),
            "duty": _money(self.duty),
            "tax": {
                "amount": _money(self.tax),
                "rate": float(self.tax_rate),
                "collected": self.tax_collected,
            },
            "fees": _money(self.fees),
            "total_landed_cost": _money(self.total),
            "payable_at_border": _money(border),
            "payable_by_buyer_on_delivery": _money(buyer_on_delivery),
            "lines": self.lines,
            "rules": self.rules,
            "warnings": self.warnings,
        }


def landed_cost(req: LandedCostRequest, schedule: TariffSchedule | None = None) -> LandedCost:
    """Work out duty, import tax and fees for one consignment, in the destination currency."""
    schedule = schedule or sample_schedule()
    regime = regime_for(req.destination)
    default = _rules()["default"]
    rules: list[dict[str, Any]] = []
    warnings: list[str] = []
    period = _period(regime, req.on) if regime else None
    dest_cur = (
        regime["currency"]
        if regime
        else (_world_tax().get(req.destination, {}).get("currency") or req.currency)
    )
    valuation = (regime or default)["valuation"]
    rules.append(
        {
            "rule": f"customs value basis {valuation}",
            "source": (regime or default)["valuation_source"],
        }
    )
    if regime and period:
        rules.append(
            {
                "rule": f"regime {regime['id']} {period['from']}..{period.get('to') or ''}",
                "source": period["source"],
            }
        )

    def conv(amount: Decimal, cur: str, where: str) -> Decimal:
        return req.fx.convert(amount, cur, dest_cur, where)

    goods = sum(
        (conv(li.value, req.currency, f"items[{i}]") for i, li in enumerate(req.lines)), Decimal(0)
    )
    transport = conv(req.shipping + req.insurance, req.currency, "shipping")
    customs_value = goods + (transport if valuation == "CIF" else Decimal(0))

    duty_dm = (period or {}).get("duty_de_minimis")
    tax_dm = (period or {}).get("tax_de_minimis")
    flat = (period or {}).get("flat_duty")
    flat_on = False
    if flat and goods < Decimal(str(flat["max_intrinsic"])):
        if flat["registration"] in req.registrations:
            flat_on = True
        else:
            relief = duty_dm["threshold"] if duty_dm else "-"
            warnings.append(
                f"a flat duty of {flat['amount']} {flat['currency']} per distinct subheading "
                "applies to low-value consignments of sellers registered in "
                f"{flat['registration']}; this seller is not, so the duty relief up to {relief} "
                f"{dest_cur} was applied - check whether the flat duty has been extended to them"
            )
    flat_seen: set[str] = set()

    def relieved(dm: dict[str, Any] | None, hs6: str, origin: str | None) -> tuple[bool, str]:
        if not dm:
            return False, ""
        threshold = Decimal(str(dm["threshold"]))
        by_origin = dm.get("by_origin") or {}
        if origin in by_origin:
            threshold = Decimal(str(by_origin[origin]))
        not_for = dm.get("not_for_origins") or {}
        if origin in not_for and req.on >= date.fromisoformat(not_for[origin]):
            return False, f"de minimis not available for origin {origin} from {not_for[origin]}"
        if any(hs6.startswith(x) for x in dm.get("excludes_hs") or []):
            return False, f"HS {hs6} excluded from de minimis relief"
        basis = dm["basis"]
        if basis == "tax_amount":
            return False, ""  # judged after the tax is computed
        value = goods if basis == "intrinsic" else customs_value
        ok = value <= threshold
        return ok, f"{basis} value {_money(value)} {'<=' if ok else '>'} {threshold} {dest_cur}"

    line_out: list[dict[str, Any]] = []
    duty_total = Decimal(0)
    for i, li in enumerate(req.lines):
        w = f"items[{i}]"
        value = conv(li.value, req.currency, w)
        share = value / goods if goods else Decimal(0)
        line_cv = value + (transport * share if valuation == "CIF" else Decimal(0))
        ok, why = relieved(duty_dm, li.hs6, li.origin)
        row = schedule.lookup(req.destination, regime["id"] if regime else None, li.hs, req.on)
        duty = Decimal(0)
        rule: dict[str, Any]
        if flat and flat_on and not any(li.hs6.startswith(x) for x in flat["excludes_hs"]):
            # Charged once per distinct subheading: on the first line that carries it.
            first = li.hs6 not in flat_seen
            flat_seen.add(li.hs6)
            if first:
                duty = req.fx.convert(
                    Decimal(str(flat["amount"])), flat["currency"], dest_cur, "flat_duty"
                )
            rule = {
                "rule": f"flat duty {flat['amount']} {flat['currency']} per distinct subheading"
                + ("" if first else f" (already charged for {li.hs6})")
                + f": intrinsic value {_money(goods)} < {flat['max_intrinsic']} {dest_cur}, "
                f"seller registered in {flat['registration']}",
                "source": period["source"] if period else "",
            }
        elif ok:
            rule = {"rule": f"duty de minimis: {why}", "source": period["source"] if period else ""}
        elif row is None:
            rule = {"rule": f"no duty rate for HS {li.hs} in {schedule.name}", "source": None}
            warnings.append(
                f"{w}: no tariff row for HS {li.hs} to {req.destination} on {req.on}; "
                "duty not included"
            )
        else:
            where_cur = f"{row.where}:currency"
            duty = _duty(
                row,
                li,
                line_cv,
                lambda a, c, wc=where_cur: req.fx.convert(a, c, dest_cur, wc),
                w,
            )
            rule = {
                "rule": f"{row.duty_type} {row.hs}"
                + (f" {row.ad_valorem_pct}%" if row.ad_valorem_pct is not None else "")
                + (
                    f" {row.specific_amount} {row.currency}/{row.specific_unit}"
                    if row.specific_amount is not None
                    else ""
                )
                + (f" min {row.min_amount}" if row.min_amount is not None else "")
                + (f" max {row.max_amount}" if row.max_amount is not None else ""),
                "source": row.source,
                "effective_from": row.effective_from.isoformat(),
            }
            if why:
                rule["note"] = why
        duty_total += duty
        line_out.append(
            {
                "hs": li.hs,
                "value": _money(value),
                "customs_value": _money(line_cv),
                "duty": _money(duty),
                "duty_rule": rule,
            }
        )

    fees_total = Decimal(0)
    taxable_fees = Decimal(0)
    for i, f in enumerate(req.fees):
        amt = req.fx.convert(f.amount, f.currency, dest_cur, f"fees[{i}]")
        fees_total += amt
        if f.taxable:
            taxable_fees += amt

    # Import tax.
    rate = tax_rate(req.destination, req.on, req.postal_code)
    rules.append(
        {"rule": f"{rate.kind} standard rate {rate.rate * 100:.2f}%", "source": rate.source}
    )
    base_parts = (regime or default)["tax_base"]
    base = Decimal(0)
    if "customs_value" in base_parts:
        base += customs_value
    if "duty" in base_parts:
        base += duty_total
    if "transport" in base_parts and valuation == "FOB":
        base += transport
    base += taxable_fees
    tax = (base * rate.rate) if rate.kind != "none" else Decimal(0)
    collected = "border" if tax > 0 else "none"
    pos = (period or {}).get("point_of_sale")
    if pos and tax > 0:
        limit = pos.get("max_intrinsic")
        if limit is None or goods <= Decimal(str(limit)):
            if pos["registration"] in req.registrations:
                # Charged by the seller on the sale price (goods + transport billed).
                tax = (goods + transport) * rate.rate
                collected = "point_of_sale"
                rules.append(
                    {
                        "rule": f"{pos['scheme']}: tax collected by the seller at checkout",
                        "source": period["source"] if period else "",
                    }
                )
            elif pos["scheme"] in ("UK_135", "AU_LVG", "NZ_LVG", "VOEC"):
                # These regimes never tax low-value goods at the border: the seller owes it.
                tax = (goods + transport) * rate.rate
                collected = "point_of_sale"
                warnings.append(
                    f"{pos['scheme']}: goods up to {limit} {dest_cur} are taxed by the seller "
                    f"at checkout; the seller is not registered ({pos['registration']}) - "
                    "registration is required"
                )
    if collected == "border" and tax_dm:
        ok = False
        if tax_dm["basis"] == "tax_amount":
            ok = tax <= Decimal(str(tax_dm["threshold"]))
            why = f"tax {_money(tax)} <= {tax_dm['threshold']} {dest_cur} is waived" if ok else ""
        else:
            origins = {li.origin for li in req.lines}
            ok, why = relieved(
                tax_dm, req.lines[0].hs6, next(iter(origins)) if len(origins) == 1 else None
            )
            ok = ok and not any(
                any(li.hs6.startswith(x) for x in tax_dm.get("excludes_hs") or [])
                for li in req.lines
            )
        if ok:
            tax = Decimal(0)
            collected = "none"
            rules.append(
                {"rule": f"tax de minimis: {why}", "source": period["source"] if period else ""}
            )
    if duty_total > 0 or collected == "border":
        rules.append(
            {
                "rule": f"{req.incoterm}: duties and border taxes paid by "
                + ("seller" if req.incoterm == "DDP" else "buyer on delivery"),
                "source": "Incoterms 2020 (ICC)",
            }
        )
    return LandedCost(
        destination=req.destination,
        date=req.on.isoformat(),
        currency=dest_cur,
        incoterm=req.incoterm,
        valuation=valuation,
        goods_value=goods,
        transport=transport,
        customs_value=customs_value,
        duty=duty_total,
        tax=tax,
        tax_rate=rate.rate,
        tax_collected=collected,
        fees=fees_total,
        lines=line_out,
        rules=rules,
        warnings=warnings,
    )


def _duty(row: TariffRow, li: Line, customs_value: Decimal, to_dest: Any, where: str) -> Decimal:
    if row.duty_type == "free":
        return Decimal(0)
    duty = Decimal(0)
    if row.ad_valorem_pct is not None and row.duty_type in ("ad_valorem", "compound"):
        duty += customs_value * row.ad_valorem_pct / 100
    if row.duty_type in ("specific", "compound"):
        assert row.specific_amount is not None
        qty = _measure(li, row.specific_unit or "", where)
        duty += to_dest(row.specific_amount * qty, row.currency)
    if row.min_amount is not None:
        duty = max(duty, to_dest(row.min_amount, row.currency))
    if row.max_amount is not None:
        duty = min(duty, to_dest(row.max_amount, row.currency))
    return duty


def _measure(li: Line, unit: str, where: str) -> Decimal:
    if unit in ("item", "pair"):
        return li.quantity
    if unit == "kg":
        if li.weight_kg is None:
            raise InvalidInput(
                "a per-kg duty needs the item's weight_kg", where=f"{where}.weight_kg"
            )
        return li.weight_kg
    if li.volume_l is None:
        raise InvalidInput(
            "a per-litre duty needs the item's volume_l (total litres)", where=f"{where}.volume_l"
        )
    return li.volume_l
