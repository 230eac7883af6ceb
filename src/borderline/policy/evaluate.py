"""Apply a compiled policy to one order's facts: score, gates, rules, thresholds → outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from borderline.model import CustomerHistory, Finding, ListHit, Order, Outcome, RuleHit
from borderline.policy.language import CompiledPolicy, Facts

_THRESHOLD_ORDER = (Outcome.DECLINE, Outcome.HOLD, Outcome.REVIEW)


def combine_scores(findings: Sequence[Finding]) -> float:
    """Noisy-OR of finding contributions: bounded in 0-100, grows with each independent sign.

    Two 50-point findings give 75, not 100: evidence accumulates without ever overflowing.
    """
    remaining = 1.0
    for f in findings:
        remaining *= 1.0 - f.score / 100.0
    return round(100.0 * (1.0 - remaining), 4)


@dataclass
class PolicyResult:
    outcome: Outcome
    score: float
    actions: list[str]
    hits: list[RuleHit] = field(default_factory=list)
    base_score: float = 0.0


def order_fields(order: Order, history: CustomerHistory) -> dict[str, object]:
    """The order facts named in ``language.FIELDS``, resolved for one order."""
    ship, bill, pay, dev, shp = (
        order.ship_to,
        order.bill_to,
        order.payment,
        order.device,
        order.shipment,
    )
    buyer = order.buyer
    created: datetime = order.created_at
    age = (created - history.first_seen).days if history.first_seen else 0
    return {
        "order.total": float(order.total),
        "order.currency": order.currency,
        "order.channel": order.channel,
        "order.merchant_id": order.merchant_id,
        "order.items": len(order.items),
        "order.quantity": sum(i.quantity for i in order.items),
        "order.hour": created.hour,
        "buyer.kind": str(buyer.kind),
        "buyer.email_domain": buyer.email.split("@", 1)[1] if buyer.email else None,
        "buyer.country": buyer.address.country if buyer.address else None,
        "ship_to.country": ship.country if ship else shp.destination_country,
        "ship_to.region": ship.region if ship else None,
        "ship_to.city": ship.city if ship else None,
        "ship_to.postal_code": ship.postal_code if ship else None,
        "bill_to.country": bill.country if bill else None,
        "payment.method": str(pay.method) if pay else None,
        "payment.amount": float(pay.amount) if pay else None,
        "payment.currency": pay.currency if pay else None,
        "payment.card_country": pay.card_country if pay else None,
        "payment.card_bin": pay.card_bin if pay else None,
        "ip.country": dev.ip_country if dev else None,
        "device.id": dev.device_id if dev else None,
        "shipment.origin": shp.origin_country,
        "shipment.destination": shp.destination_country,
        "shipment.incoterm": str(shp.incoterm),
        "shipment.mode": str(shp.mode) if shp.mode else None,
        "shipment.carrier": shp.carrier,
        "customer.orders": history.orders,
        "customer.age_days": max(age, 0),
        "customer.first_seen": history.orders == 0,
        "customer.mean_amount": history.mean,
    }


class _Lists(Protocol):
    def lookup(self, kind: str, value: str) -> Sequence[ListHit]: ...


def listed_in(lists: _Lists | None) -> Callable[[str, str], bool]:
    """The policy's ``listed(name, value)`` answered from block/allow lists (none: never)."""

    def listed(name: str, value: str) -> bool:
        return lists is not None and any(h.list_name == name for h in lists.lookup("any", value))

    return listed


def policy_facts(
    order: Order,
    history: CustomerHistory,
    findings: Sequence[Finding],
    listed: Callable[[str, str], bool],
) -> Facts:
    """Everything the policy reads for one order. Live decisions, replays and backtests all
    build their facts here, so a backtest of the active policy sees what the live decision saw."""
    signals: dict[str, Any] = {}
    for f in findings:
        signals.update(f.signals)
    return Facts(
        fields=order_fields(order, history),
        signals=signals,
        findings=findings,
        score=combine_scores(findings),
        listed=listed,
    )


def apply_policy(policy: CompiledPolicy, facts: Facts, *, degraded: bool = False) -> PolicyResult:
    """Gates beat everything; an ``approve`` rule beats thresholds and other rules; otherwise
    the most severe of the threshold outcome and the outcomes of rules that fired."""
    adjust = 0.0
    actions: list[str] = []
    hits: list[RuleHit] = []
    gate_outcomes: list[Outcome] = []
    rule_outcomes: list[Outcome] = []
    approved = False
    for rule in policy.rules:
        if not rule.fires(facts):
            continue
        for eff in rule.effects:
            if eff.kind == "outcome":
                if rule.kind == "gate":
                    gate_outcomes.append(eff.value)
                elif eff.value is Outcome.APPROVE:
                    approved = True
                else:
                    rule_outcomes.append(eff.value)
            elif eff.kind == "add":
                adjust += eff.value
            elif eff.kind == "require" and eff.value not in actions:
                actions.append(eff.value)
        hits.append(
            RuleHit(
                rule=rule.name,
                kind=rule.kind,
                effect=", ".join(str(e) for e in rule.effects),
                explanation=rule.because or rule.source,
            )
        )
    score = round(min(100.0, max(0.0, facts.score + adjust)), 4)
    threshold_outcome = Outcome.APPROVE
    for outcome in _THRESHOLD_ORDER:
        if score >= policy.thresholds[outcome]:
            threshold_outcome = outcome
            hits.append(
                RuleHit(
                    rule=f"threshold.{outcome}",
                    kind="threshold",
                    effect=str(outcome),
                    explanation=f"score {score:g} >= {policy.thresholds[outcome]:g}",
                )
            )
            break
    if gate_outcomes:
        outcome = max(gate_outcomes, key=lambda o: o.rank)
    elif approved:
        outcome = Outcome.APPROVE
    else:
        outcome = max([threshold_outcome, *rule_outcomes], key=lambda o: o.rank)
    if degraded and outcome is Outcome.APPROVE:
        # An assessor failed: we do not know enough to approve without a person looking.
        outcome = Outcome.REVIEW
        hits.append(
            RuleHit(
                rule="engine.degraded",
                kind="gate",
                effect="review",
                explanation="an assessor failed; never auto-approve on partial data",
            )
        )
    return PolicyResult(outcome, score, actions, hits, base_score=facts.score)
