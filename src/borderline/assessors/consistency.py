"""Order-consistency checks: do the countries, amounts and history of an order hang together?

Cross-border fraud shows up as disagreement between where the buyer is (IP), where the money
comes from (card BIN country, billing address) and where the goods go (shipping address), and
as amounts far outside a customer's own history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from borderline.engine.assessor import AssessContext, BaseAssessor, money
from borderline.model import Finding, Order, Severity


class ConsistencyAssessor(BaseAssessor):
    name: ClassVar[str] = "consistency"
    version: ClassVar[str] = "1.0"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "consistency.country.ip_card": "IP country differs from the card's issuing country",
        "consistency.country.ip_ship": "IP country differs from the shipping country",
        "consistency.country.card_ship": "card country differs from the shipping country",
        "consistency.country.bill_ship": "billing country differs from the shipping country",
        "consistency.customer.first_seen": "no earlier order from this customer",
        "consistency.customer.new_country": "a known customer ships to a country never used before",
        "consistency.amount.outlier": "order total far outside the customer's own history",
        "consistency.payment.amount_mismatch": "payment amount differs from the order total",
        "consistency.summary": "consistency signals (no score)",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "ip_card_score": 15.0,  # IP country differs from card issuing country
        "ip_ship_score": 10.0,  # IP country differs from shipping country
        "card_ship_score": 10.0,  # card country differs from shipping country
        "bill_ship_score": 8.0,  # billing country differs from shipping country
        "first_seen_score": 5.0,  # no earlier order from this customer
        "new_country_score": 10.0,  # known customer ships to a country never used before
        "outlier_z": 3.0,  # z-score above which an amount is an outlier
        "outlier_min_orders": 3,  # history needed before judging outliers
        "outlier_score": 20.0,  # contribution of an amount outlier
        "payment_mismatch_tolerance": 0.01,  # relative gap between payment and order total
    }
    signals: ClassVar[Mapping[str, str]] = {
        "consistency.country_mismatches": "number of IP/card/billing/shipping country pairs "
        "that disagree",
        "consistency.amount_z": "z-score of the order total against the customer's history",
        "consistency.amount_ratio": "order total divided by the customer's mean amount",
    }

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        c = self.config
        out: list[Finding] = []
        ship = order.ship_to.country if order.ship_to else order.shipment.destination_country
        bill = order.bill_to.country if order.bill_to else None
        ip = order.device.ip_country if order.device else None
        card = order.payment.card_country if order.payment else None
        mismatches = 0
        pairs = (
            ("ip_card", "IP", ip, "card", card, c["ip_card_score"]),
            ("ip_ship", "IP", ip, "shipping", ship, c["ip_ship_score"]),
            ("card_ship", "card", card, "shipping", ship, c["card_ship_score"]),
            ("bill_ship", "billing", bill, "shipping", ship, c["bill_ship_score"]),
        )
        for code, a_name, a, b_name, b, score in pairs:
            if a and b and a != b:
                mismatches += 1
                out.append(
                    self.finding(
                        f"consistency.country.{code}",
                        f"{a_name} country {a} differs from {b_name} country {b}",
                        severity=Severity.LOW,
                        score=score,
                        evidence={a_name.lower(): a, b_name.lower(): b},
                    )
                )

        history = ctx.history.customer(order.customer_key, order.created_at)
        total = money(order.total)
        z = 0.0
        ratio = 0.0
        if history.orders == 0:
            out.append(
                self.finding(
                    "consistency.customer.first_seen",
                    "first order from this customer",
                    severity=Severity.INFO,
                    score=c["first_seen_score"],
                    evidence={"customer_orders": 0},
                )
            )
        else:
            ratio = total / history.mean if history.mean > 0 else 0.0
            if history.countries and ship not in history.countries:
                out.append(
                    self.finding(
                        "consistency.customer.new_country",
                        f"customer with {history.orders} earlier orders ships to {ship} for the "
                        f"first time",
                        severity=Severity.LOW,
                        score=c["new_country_score"],
                        evidence={"country": ship, "known": sorted(history.countries)},
                    )
                )
            if history.orders >= c["outlier_min_orders"]:
                std = history.std
                # A customer who always pays the same amount has std 0: any jump is an outlier,
                # so floor the spread at 10% of the mean instead of dividing by zero.
                spread = max(std, 0.1 * history.mean, 1e-9)
                z = (total - history.mean) / spread
                if z > c["outlier_z"]:
                    out.append(
                        self.finding(
                            "consistency.amount.outlier",
                            f"total {total:.2f} is {z:.1f} standard deviations above this "
                            f"customer's mean of {history.mean:.2f}",
                            severity=Severity.MEDIUM,
                            score=min(c["outlier_score"] * z / c["outlier_z"], 60.0),
                            evidence={
                                "total": total,
                                "mean": round(history.mean, 2),
                                "std": round(std, 2),
                                "z": round(z, 2),
                                "orders": history.orders,
                            },
                        )
                    )

        if order.payment is not None and order.payment.currency == order.currency:
            paid = money(order.payment.amount)
            if total > 0 and abs(paid - total) / total > c["payment_mismatch_tolerance"]:
                out.append(
                    self.finding(
                        "consistency.payment.amount_mismatch",
                        f"payment of {paid:.2f} does not match the order total {total:.2f}",
                        severity=Severity.MEDIUM,
                        score=15.0,
                        evidence={"paid": paid, "total": total},
                    )
                )

        out.append(
            self.finding(
                "consistency.summary",
                f"{mismatches} country mismatch(es)",
                severity=Severity.INFO,
                signals={
                    "consistency.country_mismatches": mismatches,
                    "consistency.amount_z": round(z, 3),
                    "consistency.amount_ratio": round(ratio, 3),
                },
            )
        )
        return out
