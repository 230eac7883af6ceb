"""Storage hooks of the intake domain, called by the core in its own transactions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.intake.tables import PaymentRefRow
from borderline.model import Decision, Order
from borderline.store import present


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


class _RecordPaymentRefs:
    """Entry point ``borderline.recorded``: index the payment references of stored orders in
    their own transaction, so a dispute naming the charge finds the order. Called per order,
    or with ``many`` for the orders a group commit or a batch stores together (one query)."""

    def __call__(self, session: Session, order: Order, decision: Decision) -> None:
        self.many(session, [(order, decision)])

    def many(self, session: Session, stored: Sequence[tuple[Order, Decision]]) -> None:
        wanted = [(order.id, payment_references(order)) for order, _ in stored]
        refs = [r for _, rs in wanted for r in rs]
        if not refs:
            return
        taken: set[str] = present(session, PaymentRefRow.reference, refs)
        # A reference already pointing at another order keeps its first order: a charge pays
        # once (within a group too: the earlier order keeps it).
        rows = []
        for order_id, rs in wanted:
            for r in rs:
                if r not in taken:
                    taken.add(r)
                    rows.append(PaymentRefRow(reference=r, order_id=order_id))
        session.add_all(rows)
        session.flush()


record_payment_refs = _RecordPaymentRefs()


def order_for_reference(session: Session, refs: list[str]) -> str | None:
    refs = [r for r in refs if r]
    if not refs:
        return None
    return session.scalars(
        select(PaymentRefRow.order_id).where(PaymentRefRow.reference.in_(refs)).limit(1)
    ).first()
