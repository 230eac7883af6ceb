"""The trade assessor: embargoes, restricted goods, HS codes, declared values, DDP landed cost.

Findings (codes are the taxonomy policies read):

- ``trade.embargo.destination`` / ``trade.embargo.region``: a COMPREHENSIVE embargo on the
  destination country (KP; IR and CU for US sellers) or on a region recognised from the address
  text (Crimea, so-called DNR/LNR): nothing may be shipped (``hold_shipment``).
- ``trade.restrictions.destination`` / ``trade.restrictions.region``: SECTORAL or list-based
  restrictions (RU, BY, SY; IR for EU/UK sellers; partly occupied oblasts): ordinary goods may
  go, listed goods and parties may not (``check_sectoral_restrictions``); an item over the
  regime's value threshold (EU luxury goods to RU over EUR 300) raises it to a review.
- ``trade.restricted.dangerous_goods`` / ``trade.restricted.dual_use``: UN-numbered dangerous
  goods with their transport consequences; export-control hints (always to a human).
- ``trade.restricted.age_verification``: goods a destination sells only to adults (knives to
  the UK): ``verify_age`` on delivery.
- ``trade.hs.invalid`` / ``trade.hs.outdated`` / ``trade.hs.mismatch`` / ``trade.hs.unclassified``
  / ``trade.hs.classified``: the declared code, or the classifier's code when none is declared.
- ``trade.value.undervalued``: the customs declaration states less than the order was paid.
- ``trade.landed_cost``: duty (with US additional duties) and import tax for DDP orders
  (``collect_duties``); ``trade.landed_cost.incomplete`` when a rate is missing or ambiguous,
  so the amount is not the whole cost; ``trade.landed_cost.unavailable`` when none can be given.
- ``trade.data.stale``: a tariff, duty or exchange-rate table older than its freshness limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import BorderlineError
from borderline.model import Finding, Order, Severity
from borderline.trade.classify import Listing
from borderline.trade.embed import EmbeddingBackend
from borderline.trade.fx import FxTable, ecb_rates
from borderline.trade.hs import nomenclature
from borderline.trade.hs_backend import configured_classifier
from borderline.trade.landed import LandedCostRequest, TariffSchedule, landed_cost
from borderline.trade.restricted import Restriction, check_destination, check_item

_SEVERITY = {
    "prohibited": Severity.CRITICAL,
    "restricted": Severity.HIGH,
    "informational": Severity.INFO,
}
_SCORE = {"prohibited": 100.0, "restricted": 45.0, "informational": 0.0}
# Loose lithium batteries and other restricted goods by air or post are refused or seized.
_AIR_MODES = {"air", "express", "postal"}


class TradeAssessor(BaseAssessor):
    name = "trade"
    version = "1.0.0"
    defaults: ClassVar[Mapping[str, Any]] = {
        # None: the classifier's own documented threshold (the learned model's accept_at).
        "abstain_below": None,
        "check_plausibility": True,
        "undervalued_ratio": 0.5,
        "jurisdictions": None,
        "landed_cost": True,
        "tariff_file": None,
    }
    finding_codes: ClassVar[Mapping[str, str]] = {
        "trade.embargo.destination": "comprehensive embargo on the destination country",
        "trade.embargo.region": "comprehensive embargo on a region named in the address "
        "(Crimea, so-called DNR/LNR)",
        "trade.restrictions.destination": "sectoral or list-based restrictions on the "
        "destination country (RU, BY, SY, …)",
        "trade.restrictions.region": "sectoral restrictions on a region named in the address",
        "trade.restricted.dangerous_goods": "an item is UN-numbered dangerous goods",
        "trade.restricted.dual_use": "an item may be export-controlled (dual-use hint)",
        "trade.restricted.age_verification": "an item the destination sells only to adults",
        "trade.hs.invalid": "the declared HS code does not exist",
        "trade.hs.outdated": "the declared HS code is from an older HS edition",
        "trade.hs.mismatch": "the declared HS code is implausible for the item",
        "trade.hs.unclassified": "no confident HS code for an item without one",
        "trade.hs.classified": "the classifier's HS code for an item without one",
        "trade.value.undervalued": "the declared customs value is far below what was paid",
        "trade.landed_cost": "duty and import tax for a DDP order",
        "trade.landed_cost.incomplete": "a duty rate was missing or ambiguous: the landed cost "
        "is not the whole cost",
        "trade.landed_cost.unavailable": "no landed cost could be computed",
        "trade.data.stale": "a tariff, duty or exchange-rate table used is older than its "
        "freshness limit",
        "trade.summary": "trade signals (no score)",
    }
    signals: ClassVar[Mapping[str, str]] = {
        "trade.restricted_level": "worst restriction found: 0 none, 1 informational, "
        "2 restricted, 3 prohibited",
        "trade.embargoed": "true when the destination or a region in the address is under a "
        "comprehensive embargo",
        "trade.sectoral": "true when the destination or a region is under sectoral or "
        "list-based restrictions",
        "trade.prohibited_items": "number of items at the prohibited level (fireworks, "
        "ammunition, jammers, …)",
        "trade.hs_confidence": "lowest classifier confidence over items classified without a code",
        "trade.declared_ratio": "declared customs value / order goods value (same currency)",
        "trade.duty": "duty for a DDP order, destination currency",
        "trade.import_tax": "import VAT/GST for a DDP order, destination currency",
    }

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        j = self.config["jurisdictions"]
        self._juris = frozenset(str(x).upper() for x in j) if j else None
        self._schedule = (
            TariffSchedule.load(self.config["tariff_file"]) if self.config["tariff_file"] else None
        )

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        out: list[Finding] = []
        on = (ctx.now or order.created_at).date()
        level = 0
        embargoed = sectoral = False
        prohibited_items = 0
        ship_to = order.ship_to
        dest = order.shipment.destination_country
        address = ship_to.one_line() if ship_to else ""
        postal = ship_to.postal_code if ship_to else None
        for r in check_destination(dest, address, postal, on, self._juris):
            level = max(level, _rank(r.level))
            where = "destination" if r.kind == "embargo" else "region"
            if r.comprehensive:
                embargoed = True
                out.append(
                    self._restriction_finding(f"trade.embargo.{where}", r, ["hold_shipment"])
                )
            else:
                sectoral = True
                out.append(self._sectoral_finding(f"trade.restrictions.{where}", r, order))

        nom = nomenclature()
        clf = configured_classifier()
        # Declared codes are checked against the classifier's plausibility rule (the
        # embedding backend defers to its lexical base for that).
        lexical = clf.base if isinstance(clf, EmbeddingBackend) else clf
        if order.items:
            ctx.versions["model.hs_classifier"] = clf.version
        confidences: list[float] = []
        item_codes: list[str | None] = []
        for i, item in enumerate(order.items):
            where = f"items[{i}]"
            listing = Listing(
                title=item.title,
                description=item.description,
                attributes=dict(item.attributes),
                category=item.category,
            )
            hs6: str | None = None
            if item.hs_code:
                check = nom.check(item.hs_code)
                hs6 = check.hs6
                if check.status in ("unknown", "malformed"):
                    out.append(
                        self.finding(
                            "trade.hs.invalid",
                            f"{where}: declared HS code {item.hs_code} is not valid: "
                            f"{check.message}",
                            severity=Severity.MEDIUM,
                            score=30.0,
                            evidence={"item": i, **check.to_dict()},
                            actions=["request_documents"],
                        )
                    )
                elif check.status in ("mapped_from_2017", "split_in_2022"):
                    out.append(
                        self.finding(
                            "trade.hs.outdated",
                            f"{where}: {check.message}",
                            severity=Severity.LOW if check.hs6 else Severity.MEDIUM,
                            score=5.0 if check.hs6 else 20.0,
                            evidence={"item": i, **check.to_dict()},
                            actions=[] if check.hs6 else ["request_documents"],
                        )
                    )
                if hs6 is not None and self.config["check_plausibility"]:
                    ok, cls_ = lexical.plausible(listing, hs6)
                    if not ok:
                        top = cls_.candidates[0]
                        out.append(
                            self.finding(
                                "trade.hs.mismatch",
                                f"{where}: declared {hs6} is implausible for '{item.title[:60]}'; "
                                f"the classifier says {top.hs6} ({top.score:.0%})",
                                severity=Severity.MEDIUM,
                                score=35.0,
                                evidence={
                                    "item": i,
                                    "declared": hs6,
                                    "suggested": [c.to_dict() for c in cls_.candidates],
                                },
                                actions=["request_documents"],
                                source=f"{self.name}@{self.version}; {clf.version}",
                            )
                        )
            else:
                result = clf.classify(listing)
                top_score = result.candidates[0].score if result.candidates else 0.0
                conf = result.confidence if result.confidence is not None else top_score
                confidences.append(conf)
                limit = self.config["abstain_below"]
                needs_review = result.abstain if limit is None else conf < float(limit)
                if needs_review or not result.candidates:
                    out.append(
                        self.finding(
                            "trade.hs.unclassified",
                            f"{where}: no confident HS code for '{item.title[:60]}' "
                            "- needs a broker",
                            severity=Severity.LOW,
                            score=10.0,
                            evidence={
                                "item": i,
                                "candidates": [c.to_dict() for c in result.candidates],
                                "headings": [h.to_dict() for h in result.headings],
                                "confidence": result.confidence,
                            },
                            actions=["request_documents"],
                            source=f"{self.name}@{self.version}; {clf.version}",
                        )
                    )
                else:
                    hs6 = result.candidates[0].hs6
                    out.append(
                        self.finding(
                            "trade.hs.classified",
                            f"{where}: classified as {hs6} ({top_score:.0%})",
                            evidence={
                                "item": i,
                                "candidates": [c.to_dict() for c in result.candidates],
                                "headings": [h.to_dict() for h in result.headings],
                                "confidence": result.confidence,
                            },
                            source=f"{self.name}@{self.version}; {clf.version}",
                        )
                    )
            item_codes.append(_declared_digits(item.hs_code, hs6))
            for r in check_item(item.title, item.description, hs6, dest, on):
                if r.kind == "age_restricted":
                    out.append(self._age_restriction(r, i))
                    continue
                level = max(level, _rank(r.level))
                prohibited_items += r.level == "prohibited"
                out.append(self._item_restriction(r, i, order))

        out.extend(self._undervaluation(order, ctx))
        duty_tax: tuple[float, float] | None = None
        if self.config["landed_cost"] and order.shipment.incoterm.value == "DDP":
            found, duty_tax = self._landed_cost(order, item_codes, ctx)
            out.extend(found)
        signals: dict[str, Any] = {
            "trade.restricted_level": level,
            "trade.embargoed": embargoed,
            "trade.sectoral": sectoral,
            "trade.prohibited_items": prohibited_items,
            "trade.hs_confidence": round(min(confidences), 4) if confidences else None,
        }
        if duty_tax is not None:
            signals["trade.duty"], signals["trade.import_tax"] = duty_tax
        ratio = self._declared_ratio(order, ctx)
        if ratio is not None:
            signals["trade.declared_ratio"] = round(ratio, 4)
        out.append(self.finding("trade.summary", "trade signals", signals=signals))
        return out

    # -- helpers ---------------------------------------------------------------------------

    def _restriction_finding(self, code: str, r: Restriction, actions: list[str]) -> Finding:
        return self.finding(
            code,
            f"{r.level}: {r.title}",
            severity=_SEVERITY[r.level],
            score=_SCORE[r.level],
            evidence={**r.evidence, "rule": r.id, "level": r.level},
            actions=actions,
            source=r.source[:300],
        )

    def _sectoral_finding(self, code: str, r: Restriction, order: Order) -> Finding:
        """Ordinary goods may go; an item over the regime's value threshold needs a review."""
        over: list[dict[str, Any]] = []
        threshold = r.evidence.get("value_threshold")
        if threshold:
            limit = Decimal(str(threshold["amount"]))
            try:
                fx = self._fx_from(order)
                for i, it in enumerate(order.items):
                    v = fx.convert(it.unit_price, order.currency, threshold["currency"], "fx")
                    if v > limit:
                        over.append({"item": i, "value": f"{v:.2f} {threshold['currency']}"})
            except BorderlineError:
                over.append({"item": None, "value": f"no FX rate for {order.currency}"})
        f = self.finding(
            code,
            f"{r.title}: ordinary goods may ship; listed goods, dual-use items and listed "
            "parties may not"
            + (
                f"; {len(over)} item(s) over {threshold['amount']} {threshold['currency']}"
                if over and threshold
                else ""
            ),
            severity=Severity.HIGH if over else Severity.LOW,
            score=_SCORE["restricted"] if over else 10.0,
            evidence={**r.evidence, "rule": r.id, "level": r.level, "items_over": over},
            actions=["check_sectoral_restrictions", *(["request_documents"] if over else [])],
            source=r.source[:300],
        )
        return f

    def _age_restriction(self, r: Restriction, i: int) -> Finding:
        return self.finding(
            "trade.restricted.age_verification",
            f"items[{i}]: {r.title}",
            severity=Severity.MEDIUM,
            score=0.0,
            evidence={**r.evidence, "rule": r.id, "item": i},
            actions=[r.action or "verify_age"],
            source=r.source[:300],
        )

    def _item_restriction(self, r: Restriction, i: int, order: Order) -> Finding:
        mode = order.shipment.mode.value if order.shipment.mode else None
        if r.kind == "dual_use":
            # Export-control hints go to a human: never auto-cleared.
            actions = (
                ["require_export_licence", "manual_review"] if r.level != "informational" else []
            )
            if r.level == "prohibited":
                actions = ["hold_shipment", *actions]
            f = self._restriction_finding("trade.restricted.dual_use", r, actions)
        else:
            actions = []
            level = r.level
            if level == "prohibited":
                actions = ["hold_shipment"]
            elif level == "restricted":
                actions = ["request_documents"]
                if mode in _AIR_MODES:
                    actions = ["hold_shipment", "request_documents"]
            f = self._restriction_finding("trade.restricted.dangerous_goods", r, actions)
            if r.transport:
                f.evidence["transport"] = r.transport
        f.evidence["item"] = i
        if mode:
            f.evidence["mode"] = mode
        return f

    def _fx(self, ctx: AssessContext, order: Order | None = None) -> FxTable:
        raw = ctx.extras.get("fx")
        if raw:
            return FxTable.from_dict(raw)
        return self._fx_from(order) if order is not None else FxTable("XXX", {})

    def _fx_from(self, order: Order) -> FxTable:
        """ECB reference rates of the order's date."""
        return ecb_rates().table(order.created_at.date())

    def _declared_ratio(self, order: Order, ctx: AssessContext) -> float | None:
        sh = order.shipment
        if sh.declared_value is None:
            return None
        goods = sum((it.value for it in order.items), Decimal(0))
        if goods == 0:
            return None
        cur = sh.declared_currency or order.currency
        try:
            declared = self._fx(ctx, order).convert(
                sh.declared_value, cur, order.currency, "shipment.declared_currency"
            )
        except BorderlineError:
            return None
        return float(declared / goods)

    def _undervaluation(self, order: Order, ctx: AssessContext) -> list[Finding]:
        ratio = self._declared_ratio(order, ctx)
        if ratio is None or ratio >= float(self.config["undervalued_ratio"]):
            return []
        goods = sum((it.value for it in order.items), Decimal(0))
        return [
            self.finding(
                "trade.value.undervalued",
                f"declared customs value is {ratio:.0%} of what the buyer paid for the goods",
                severity=Severity.HIGH,
                score=50.0,
                evidence={
                    "declared_value": str(order.shipment.declared_value),
                    "declared_currency": order.shipment.declared_currency or order.currency,
                    "goods_value": str(goods),
                    "order_currency": order.currency,
                    "ratio": round(ratio, 4),
                    "threshold": self.config["undervalued_ratio"],
                },
                actions=["request_documents", "hold_shipment"],
            )
        ]

    def _landed_cost(
        self, order: Order, codes: list[str | None], ctx: AssessContext
    ) -> tuple[list[Finding], tuple[float, float] | None]:
        missing = [i for i, c in enumerate(codes) if c is None]
        if missing:
            return (
                [
                    self.finding(
                        "trade.landed_cost.unavailable",
                        f"DDP landed cost needs an HS code for items {missing}",
                        severity=Severity.LOW,
                        evidence={"items": missing},
                        actions=["request_documents"],
                    )
                ],
                None,
            )
        ship_to = order.ship_to
        req_obj: dict[str, Any] = {
            "destination": order.shipment.destination_country,
            "postal_code": ship_to.postal_code if ship_to else None,
            "origin": order.shipment.origin_country,
            # Duties and rates in force on the day the order was placed.
            "date": order.created_at.date().isoformat(),
            "currency": order.currency,
            "incoterm": "DDP",
            "items": [
                {
                    "hs": code,
                    "quantity": it.quantity,
                    "unit_price": str(it.unit_price),
                    "weight_kg": None if it.weight_kg is None else str(it.weight_kg),
                    "origin_country": it.origin_country,
                }
                for it, code in zip(order.items, codes, strict=True)
            ],
            "fx": ctx.extras.get("fx"),
            "seller_registrations": list(ctx.extras.get("seller_registrations") or []),
        }
        try:
            lc = landed_cost(LandedCostRequest.from_dict(req_obj), self._schedule).to_dict()
        except BorderlineError as exc:
            return (
                [
                    self.finding(
                        "trade.landed_cost.unavailable",
                        f"DDP landed cost could not be computed: {exc}",
                        severity=Severity.LOW,
                        evidence=exc.to_dict(),
                    )
                ],
                None,
            )
        border = lc["payable_at_border"]
        out = [
            self.finding(
                "trade.landed_cost",
                f"DDP: duty {lc['duty']:.2f} + import tax {lc['tax']['amount']:.2f} "
                f"{lc['currency']} "
                f"({lc['tax']['collected']}); landed cost {lc['total_landed_cost']:.2f}"
                + ("" if lc["complete"] else " - INCOMPLETE, see warnings"),
                evidence={
                    k: lc[k]
                    for k in (
                        "currency",
                        "customs_value",
                        "duty",
                        "tax",
                        "fees",
                        "total_landed_cost",
                        "lines",
                        "rules",
                        "warnings",
                        "complete",
                        "data",
                    )
                },
                actions=["collect_duties"]
                if border > 0 or lc["tax"]["collected"] == "point_of_sale"
                else [],
            )
        ]
        if not lc["complete"]:
            out.append(
                self.finding(
                    "trade.landed_cost.incomplete",
                    f"landed cost is not the whole cost: {lc['warnings'][0]}"
                    + (f" (+{len(lc['warnings']) - 1} more)" if len(lc["warnings"]) > 1 else ""),
                    severity=Severity.LOW,
                    score=5.0,
                    evidence={"warnings": lc["warnings"]},
                    actions=["verify_duties"],
                )
            )
        if lc["stale_data"]:
            out.append(
                self.finding(
                    "trade.data.stale",
                    f"decided on old data: {lc['stale_data'][0]}"
                    + (
                        f" (+{len(lc['stale_data']) - 1} more)" if len(lc["stale_data"]) > 1 else ""
                    ),
                    severity=Severity.LOW,
                    evidence={"stale": lc["stale_data"], "data": lc["data"]},
                    actions=["verify_duties"],
                )
            )
        return out, (float(lc["duty"]), float(lc["tax"]["amount"]))


def _declared_digits(declared: str | None, hs6: str | None) -> str | None:
    """The declared national code (8-10 digits) when it refines ``hs6``, else ``hs6``."""
    if hs6 is None:
        return None
    digits = "".join(c for c in (declared or "") if c.isdigit())
    return digits if len(digits) > 6 and digits.startswith(hs6) else hs6


def _rank(level: str) -> int:
    return {"informational": 1, "restricted": 2, "prohibited": 3}.get(level, 0)
