"""Storage hooks of the intake domain, called by the core in its own transactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.intake.tables import PaymentRefRow
from borderline.model import Decision, Order


def payment_references(order: Order) -> list[str]:
    """The order's payment references: ``metadata.payment_reference`` (one) or
    ``metadata.payment_references`` (a list), e.g. a Stripe charge or payment intent id."""
    refs: list[Any] = []
    one = order.metadata.get("payment_reference")
    if one:
        refs.append(one)
    many = order.metadata.get("payment_references")
    if isinstance(many, list):
        refs.extend(many)
    out: list[str] = []
    for r in refs:
        s = str(r).strip()
        if s and len(s) <= 200 and s not in out:
            out.append(s)
    return out


def record_payment_refs(session: Session, order: Order, decision: Decision) -> None:
    """Entry point ``borderline.recorded``: index the payment references of a stored order in
    its own transaction, so a dispute naming the charge finds the order."""
    refs = payment_references(order)
    if not refs:
        return
    taken = set(
        session.scalars(select(PaymentRefRow.reference).where(PaymentRefRow.reference.in_(refs)))
    )
    # A reference already pointing at another order keeps its first order: a charge pays once.
    session.add_all(PaymentRefRow(reference=r, order_id=order.id) for r in refs if r not in taken)
    session.flush()


def order_for_reference(session: Session, refs: list[str]) -> str | None:
    refs = [r for r in refs if r]
    if not refs:
        return None
    return session.scalars(
        select(PaymentRefRow.order_id).where(PaymentRefRow.reference.in_(refs)).limit(1)
    ).first()
