"""Landed cost: duty, additional duties, import VAT/GST, de minimis, point-of-sale regimes, FX.

Every rate and threshold comes from data with a source and an effective date range, split by
what it is: ``taxes`` (regimes from ``data/landed-cost-rules.yaml``, VAT/GST rates), ``tariff``
(duty schedules), ``us_duties`` (Section 301/232 and IEEPA duties by HTS line, origin and date),
``fx`` (the caller's rates or the ECB reference rates of the order's date). The answer for a
past date is reproducible. A rate the data does not have is a warning in the result, never a
silent zero.

Money is ``Decimal`` throughout; each amount is rounded half-up to 0.01 only when reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from borderline.errors import InvalidInput
from borderline.refdata import datasets, is_country, is_currency
from borderline.trade import taxes
from borderline.trade._values import CENT, dec, iso_date, money
from borderline.trade.fx import FX_DATASET, FxTable, ecb_rates
from borderline.trade.hs import nomenclature
from borderline.trade.tariff import (
    TARIFF_COLUMNS,
    TariffRow,
    TariffSchedule,
    default_schedule,
    sample_schedule,
)
from borderline.trade.taxes import TaxRate, period_on, regime_for, tax_rate, world_tax
from borderline.trade.us_duties import US_DUTIES_DATASET, us_additional_duties

__all__ = [
    "CENT",
    "TARIFF_COLUMNS",
    "FxTable",
    "LandedCost",
    "LandedCostRequest",
    "TariffRow",
    "TariffSchedule",
    "TaxRate",
    "default_schedule",
    "landed_cost",
    "sample_schedule",
    "tax_rate",
]


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
            qty = dec(it.get("quantity", 1), f"{w}.quantity")
            assert qty is not None
            if qty == 0:
                raise InvalidInput("quantity must be positive", where=f"{w}.quantity")
            price = dec(it.get("unit_price"), f"{w}.unit_price")
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
                    weight_kg=dec(it.get("weight_kg"), f"{w}.weight_kg", allow_none=True),
                    volume_l=dec(it.get("volume_l"), f"{w}.volume_l", allow_none=True),
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
            amt = dec(f.get("amount"), f"{w}.amount")
            assert amt is not None
            fees.append(Fee(str(f["name"]), amt, fcur, bool(f.get("taxable", False))))
        regs = obj.get("seller_registrations") or []
        if not isinstance(regs, list):
            raise InvalidInput('a list such as ["IOSS"]', where="seller_registrations")
        ship = dec(obj.get("shipping", 0), "shipping")
        ins = dec(obj.get("insurance", 0), "insurance")
        assert ship is not None and ins is not None
        return cls(
            destination=dest,
            postal_code=None if obj.get("postal_code") is None else str(obj["postal_code"]),
            origin=None if origin is None else str(origin).upper(),
            on=iso_date(obj.get("date", date.today().isoformat()), "date"),
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
    data: list[dict[str, Any]] = field(default_factory=list)  # dated data sets used
    stale: list[str] = field(default_factory=list)  # those older than their freshness limit

    @property
    def complete(self) -> bool:
        """False when a rate was missing or ambiguous: the total is then not the whole cost."""
        return not self.warnings

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
            "goods_value": money(self.goods_value),
            "transport_and_insurance": money(self.transport),
            "customs_value": money(self.customs_value),
            "duty": money(self.duty),
            "tax": {
                "amount": money(self.tax),
                "rate": float(self.tax_rate),
                "collected": self.tax_collected,
            },
            "fees": money(self.fees),
            "total_landed_cost": money(self.total),
            "payable_at_border": money(border),
            "payable_by_buyer_on_delivery": money(buyer_on_delivery),
            "lines": self.lines,
            "rules": self.rules,
            "warnings": self.warnings,
            "complete": self.complete,
            "data": self.data,
            "stale_data": self.stale,
        }


def landed_cost(req: LandedCostRequest, schedule: TariffSchedule | None = None) -> LandedCost:
    """Work out duty, import tax and fees for one consignment, in the destination currency."""
    schedule = schedule or default_schedule()
    regime = regime_for(req.destination)
    default = taxes.rules()["default"]
    rules: list[dict[str, Any]] = []
    warnings: list[str] = []
    data_used: list[dict[str, Any]] = []
    stale: list[str] = []

    def used(dataset_id: str, as_of: date | None = None) -> None:
        ds = datasets.dataset(dataset_id)
        entry = ds.evidence()
        published = as_of or ds.published
        entry["published"] = published.isoformat()
        data_used.append(entry)
        if why := datasets.staleness(ds.title, published, req.on, ds.max_age_days):
            stale.append(why)

    fx = req.fx
    if fx.empty:
        fx = ecb_rates().table(req.on)
        used(FX_DATASET, fx.as_of)
        rules.append({"rule": f"exchange rates: {fx.source}", "source": "European Central Bank"})
    period = period_on(regime, req.on) if regime else None
    dest_cur = (
        regime["currency"]
        if regime
        else (world_tax().get(req.destination, {}).get("currency") or req.currency)
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
        return fx.convert(amount, cur, dest_cur, where)

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
        return ok, f"{basis} value {money(value)} {'<=' if ok else '>'} {threshold} {dest_cur}"

    line_out: list[dict[str, Any]] = []
    duty_total = Decimal(0)
    for i, li in enumerate(req.lines):
        w = f"items[{i}]"
        value = conv(li.value, req.currency, w)
        share = value / goods if goods else Decimal(0)
        line_cv = value + (transport * share if valuation == "CIF" else Decimal(0))
        ok, why = relieved(duty_dm, li.hs6, li.origin)
        match = schedule.find(req.destination, regime["id"] if regime else None, li.hs, req.on)
        row = match.row if match else None
        duty = Decimal(0)
        extra: list[dict[str, Any]] = []
        rule: dict[str, Any]
        if flat and flat_on and not any(li.hs6.startswith(x) for x in flat["excludes_hs"]):
            # Charged once per distinct subheading: on the first line that carries it.
            first = li.hs6 not in flat_seen
            flat_seen.add(li.hs6)
            if first:
                duty = fx.convert(
                    Decimal(str(flat["amount"])), flat["currency"], dest_cur, "flat_duty"
                )
            rule = {
                "rule": f"flat duty {flat['amount']} {flat['currency']} per distinct subheading"
                + ("" if first else f" (already charged for {li.hs6})")
                + f": intrinsic value {money(goods)} < {flat['max_intrinsic']} {dest_cur}, "
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
                lambda a, c, wc=where_cur: fx.convert(a, c, dest_cur, wc),
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
            if match and match.note:
                rule["lines"] = match.note
                if match.ambiguous:
                    warnings.append(f"{w}: {match.note}")
        if not ok and not flat_on and regime and regime.get("additional_duties"):
            mfn = row.ad_valorem_pct if row is not None and row.duty_type == "ad_valorem" else None
            if row is not None and row.duty_type == "free":
                mfn = Decimal(0)
            extra, notes = _additional(
                li, req.on, line_cv, schedule, regime["additional_duties"], mfn
            )
            duty += sum((Decimal(str(e["amount"])) for e in extra), Decimal(0))
            warnings.extend(f"{w}: {n}" for n in notes)
            if regime["additional_duties"] not in {d["dataset"] for d in data_used}:
                used(regime["additional_duties"])
        duty_total += duty
        line_out.append(
            {
                "hs": li.hs,
                "value": money(value),
                "customs_value": money(line_cv),
                "duty": money(duty),
                "duty_rule": rule,
                **({"additional_duties": extra} if extra else {}),
            }
        )

    fees_total = Decimal(0)
    taxable_fees = Decimal(0)
    for i, f in enumerate(req.fees):
        amt = fx.convert(f.amount, f.currency, dest_cur, f"fees[{i}]")
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
            elif pos.get("border_tax_if_unregistered") is False:
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
            why = f"tax {money(tax)} <= {tax_dm['threshold']} {dest_cur} is waived" if ok else ""
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
        data=data_used,
        stale=stale,
    )


def _additional(
    li: Line,
    on: date,
    customs_value: Decimal,
    schedule: TariffSchedule,
    dataset_id: str,
    mfn_pct: Decimal | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Additional duties on one line (Section 301/232, IEEPA for US imports), with notes."""
    if dataset_id != US_DUTIES_DATASET:
        return [], [f"additional duties from {dataset_id} are not known to this version"]
    national = schedule.national_lines("US", li.hs[:6])
    applied = us_additional_duties().applicable(li.hs, li.origin, on, national)
    out = []
    notes = list(applied.notes)
    for d in applied.duties:
        rate = d.rate_pct
        entry = d.to_dict()
        if d.basis == "topup":
            if mfn_pct is None:
                notes.append(
                    f"{d.program} {d.chapter_99}: MFN and this duty together are {d.rate_pct}%, "
                    "but the MFN rate here is not ad valorem: not included"
                )
                continue
            rate = max(Decimal(0), d.rate_pct - mfn_pct)
            entry["rate_pct"] = float(rate)
            entry["rule"] = f"MFN {mfn_pct}% + this = {d.rate_pct}% (EU goods)"
        out.append({**entry, "amount": money(customs_value * rate / 100)})
    return out, notes


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
