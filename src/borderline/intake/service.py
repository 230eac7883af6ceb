"""Receiving storefront and payment-provider webhooks: verify, map, assess or label.

These routes authenticate by the platform's signature over the raw body, not by an API key:
a request whose signature does not verify with the configured secret gets 401 and nothing is
stored. The same webhook delivered twice (platforms retry) yields one order and one decision
(the order id is derived from the platform's own id) and one label (Stripe event ids are
remembered in ``intake_events``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from borderline.errors import Conflict, InvalidInput, Unauthorized
from borderline.intake import writeback
from borderline.intake.mapping import Mapped, map_shopify, map_woocommerce
from borderline.intake.signatures import verify_base64_hmac, verify_stripe
from borderline.intake.store import order_for_reference
from borderline.intake.tables import IntakeEventRow
from borderline.model import Decision
from borderline.settings import env
from borderline.store import transaction

WC_PING = re.compile(rb"webhook_id=\d{1,20}")

# Stripe dispute reasons that say the cardholder did not make the payment.
FRAUD_REASONS = frozenset({"fraudulent", "unrecognized"})


class IntakeHost(Protocol):
    """What intake needs from the application: assess an order, record labels."""

    sessions: sessionmaker[Session]

    def assess(self, payload: Mapping[str, Any]) -> tuple[Decision, bool]: ...

    def get_decision(self, ident: str) -> Decision: ...

    def add_labels(
        self,
        labels: Iterable[Mapping[str, Any]],
        actor: str,
        session: Session | None = None,
    ) -> list[dict[str, Any]]: ...


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _json(body: bytes, platform: str) -> dict[str, Any]:
    try:
        obj = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"malformed JSON: {exc}", where=f"{platform} body") from None
    if not isinstance(obj, dict):
        raise InvalidInput("the webhook body must be a JSON object", where=f"{platform} body")
    return obj


def _assess(host: IntakeHost, mapped: Mapped) -> Decision:
    try:
        decision, _ = host.assess(mapped.order)
    except Conflict:
        # The platform re-sent the order with some field changed (an updated_at, a note): it is
        # still the order already decided, so answer with that decision.
        decision = host.get_decision(mapped.order["id"])
    return decision


def _answer(decision: Decision) -> dict[str, Any]:
    return {
        "order_id": decision.order_id,
        "decision_id": decision.decision_id,
        "outcome": str(decision.outcome),
    }


def receive_shopify(host: IntakeHost, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """``orders/create`` -> order, decision and (when enabled) a queued risk write-back."""
    h = _headers(headers)
    if not verify_base64_hmac(env("SHOPIFY_SECRET"), body, h.get("x-shopify-hmac-sha256")):
        raise Unauthorized(
            "X-Shopify-Hmac-Sha256 does not match the body signed with the app secret "
            "(BORDERLINE_SHOPIFY_SECRET)",
            where="X-Shopify-Hmac-Sha256",
        )
    topic = h.get("x-shopify-topic")
    if topic is not None and topic != "orders/create":
        raise InvalidInput(
            f"topic {topic!r} is not handled; subscribe this URL to orders/create",
            where="X-Shopify-Topic",
        )
    shop = h.get("x-shopify-shop-domain")
    mapped = map_shopify(
        _json(body, "shopify"), shop=shop, origin_setting=env("INTAKE_ORIGIN_COUNTRY")
    )
    decision = _assess(host, mapped)
    if writeback.enabled() and shop:
        intake = mapped.order["metadata"]["intake"]
        with transaction(host.sessions) as s:
            writeback.queue_shopify(
                s,
                order_id=decision.order_id,
                shop=shop.strip().lower(),
                decision=decision.model_dump(mode="json"),
                order_gid=str(intake["admin_graphql_api_id"]),
            )
    return _answer(decision)


def receive_woocommerce(
    host: IntakeHost, body: bytes, headers: Mapping[str, str]
) -> dict[str, Any]:
    """``order.created`` -> order and decision."""
    h = _headers(headers)
    if WC_PING.fullmatch(body):
        # WooCommerce checks a new webhook's URL with an unsigned form post of its id. Nothing
        # is stored or assessed for it, so answering it needs no signature.
        return {"ping": "ok"}
    if not verify_base64_hmac(env("WOOCOMMERCE_SECRET"), body, h.get("x-wc-webhook-signature")):
        raise Unauthorized(
            "X-WC-Webhook-Signature does not match the body signed with the webhook secret "
            "(BORDERLINE_WOOCOMMERCE_SECRET)",
            where="X-WC-Webhook-Signature",
        )
    topic = h.get("x-wc-webhook-topic")
    if topic is not None and topic != "order.created":
        raise InvalidInput(
            f"topic {topic!r} is not handled; set the webhook's topic to order.created",
            where="X-WC-Webhook-Topic",
        )
    mapped = map_woocommerce(
        _json(body, "woocommerce"),
        source=h.get("x-wc-webhook-source"),
        origin_setting=env("INTAKE_ORIGIN_COUNTRY"),
    )
    return _answer(_assess(host, mapped))


def _ref(v: Any) -> str | None:
    if isinstance(v, dict):  # an expanded object
        v = v.get("id")
    return str(v) if v else None


def _time(unix: Any) -> str:
    try:
        return datetime.fromtimestamp(int(unix), UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC).isoformat()


def dispute_label(event: Mapping[str, Any], order_id: str) -> dict[str, Any] | None:
    """The label a dispute event stands for, or None when it says nothing about fraud."""
    dispute = event["data"]["object"]
    reason = str(dispute.get("reason") or "general")
    status = str(dispute.get("status") or "")
    fraud = reason in FRAUD_REASONS
    text = f"Stripe dispute {dispute.get('id')}: {reason} ({status})"
    if event["type"] == "charge.dispute.created":
        return {
            "order_id": order_id,
            "kind": "chargeback",
            "is_fraud": fraud,
            "reason": text,
            "event_at": _time(dispute.get("created") or event.get("created")),
        }
    if status == "won":
        # The merchant's evidence held: the payment was the cardholder's.
        kind, is_fraud = "legitimate", False
    elif status == "lost":
        kind, is_fraud = "chargeback", fraud
    else:  # warning_closed: an inquiry that never became a dispute
        return None
    return {
        "order_id": order_id,
        "kind": kind,
        "is_fraud": is_fraud,
        "reason": text,
        "event_at": _time(event.get("created")),
    }


HANDLED_STRIPE = ("charge.dispute.created", "charge.dispute.closed")


def receive_stripe(
    host: IntakeHost, body: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> dict[str, Any]:
    """``charge.dispute.created`` / ``charge.dispute.closed`` -> a fraud label on the order."""
    h = _headers(headers)
    problem = verify_stripe(
        env("STRIPE_WEBHOOK_SECRET"),
        body,
        h.get("stripe-signature"),
        tolerance=int(env("STRIPE_TOLERANCE_SECONDS")),
        now=now,
    )
    if problem:
        raise Unauthorized(problem, where="Stripe-Signature")
    event = _json(body, "stripe")
    event_id, etype = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id.startswith("evt_"):
        raise InvalidInput("a Stripe event needs an id starting evt_", where="stripe.id")
    if etype not in HANDLED_STRIPE:
        return {"event_id": event_id, "type": etype, "handled": False}
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict) or obj.get("object") not in (None, "dispute"):
        raise InvalidInput("data.object must be a dispute", where="stripe.data.object")
    for attempt in (1, 2):
        try:
            with transaction(host.sessions) as s:
                seen = s.scalars(
                    select(IntakeEventRow.result).where(
                        IntakeEventRow.platform == "stripe", IntakeEventRow.external_id == event_id
                    )
                ).first()
                if seen is not None:
                    return {**seen, "replayed": True}
                refs = [r for r in (_ref(obj.get("charge")), _ref(obj.get("payment_intent"))) if r]
                order_id = order_for_reference(s, refs)
                result: dict[str, Any] = {
                    "event_id": event_id,
                    "type": etype,
                    "handled": True,
                    "order_id": order_id,
                    "label_id": None,
                }
                if order_id is None:
                    result["unmatched"] = f"no stored order has payment reference {refs}"
                else:
                    label = dispute_label(event, order_id)
                    if label is not None:
                        added = host.add_labels([label], actor="stripe", session=s)
                        result.update(
                            label_id=added[0]["label_id"],
                            kind=label["kind"],
                            is_fraud=label["is_fraud"],
                        )
                s.add(
                    IntakeEventRow(
                        platform="stripe",
                        external_id=event_id,
                        kind=etype,
                        received_at=datetime.now(UTC),
                        order_id=order_id,
                        result=result,
                    )
                )
                return result
        except IntegrityError:
            # The same event arrived twice at once; the other copy's row now answers.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
