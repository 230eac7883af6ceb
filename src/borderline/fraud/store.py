"""The durable online feature store: tables ``fraud_*`` on the shared SQLAlchemy ``Base``.

Each recorded order adds one row per entity it names (customer, card, device, IP, e-mail,
shipping address, corridor) to ``fraud_events`` — entity values are stored as SHA-256 digests,
so e-mails and IPs do not sit in clear text here — and one row per (entity, other) link to
``fraud_links``. ``fraud_labels`` holds each order's latest label. ``features(flat)`` answers
``borderline.fraud.features.online_features`` with indexed range queries.

Only adapters and services import this module (domain code stays free of the DB layer).
Feed it with ``record(flat)`` as orders are assessed and ``record_label`` as labels arrive, or
catch up from the core ``orders`` and ``labels`` tables with ``sync_from_core()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    and_,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from borderline.fraud.features import (
    DEFAULT_LABEL_DELAY_DAYS,
    ENTITY_COLS,
    SPEC,
    online_features,
)
from borderline.fraud.flat import flatten
from borderline.model import Order
from borderline.store.db import Base
from borderline.store.models import LabelRow, OrderRow


class FraudEventRow(Base):
    __tablename__ = "fraud_events"
    __table_args__ = (Index("ix_fraud_events_lookup", "entity", "value", "t"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(200), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(64))
    t: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[float] = mapped_column(Float)


class FraudLinkRow(Base):
    __tablename__ = "fraud_links"
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    other: Mapped[str] = mapped_column(String(20), primary_key=True)
    other_value: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_t: Mapped[int] = mapped_column(BigInteger)


class FraudOrderRow(Base):
    __tablename__ = "fraud_orders"
    order_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    t: Mapped[int] = mapped_column(BigInteger, index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FraudLabelRow(Base):
    __tablename__ = "fraud_labels"
    order_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    is_fraud: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class SqlFeatureStore:
    """``EntityView`` over the ``fraud_*`` tables of one SQLAlchemy session."""

    # One query fetches an entity's last 31 days; every velocity window is answered from it.
    RECENT = 31 * 86400

    def __init__(self, session: Session, label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS) -> None:
        self.s = session
        self.label_delay_days = label_delay_days
        self._recent: dict[tuple[str, str, int], list[tuple[int, float]]] = {}

    # --- EntityView
    def window(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, float]:
        e = FraudEventRow
        if hi - lo <= self.RECENT:
            key = (entity, value, hi)
            rows = self._recent.get(key)
            if rows is None:
                rows = [
                    (int(t), float(a))
                    for t, a in self.s.execute(
                        select(e.t, e.amount).where(
                            e.entity == entity,
                            e.value == digest(value),
                            e.t > hi - self.RECENT,
                            e.t <= hi,
                        )
                    )
                ]
                self._recent[key] = rows
            inside = [a for t, a in rows if lo < t <= hi]
            return len(inside), float(sum(inside))
        row = self.s.execute(
            select(func.count(), func.coalesce(func.sum(e.amount), 0.0)).where(
                e.entity == entity, e.value == digest(value), e.t > lo, e.t <= hi
            )
        ).one()
        return int(row[0]), float(row[1])

    def prior(self, entity: str, value: str, t: int) -> tuple[int, float, float, int | None]:
        e = FraudEventRow
        row = self.s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(e.amount), 0.0),
                func.coalesce(func.sum(e.amount * e.amount), 0.0),
                func.min(e.t),
            ).where(e.entity == entity, e.value == digest(value), e.t <= t)
        ).one()
        return int(row[0]), float(row[1]), float(row[2]), (int(row[3]) if row[0] else None)

    def distinct(self, entity: str, value: str, other: str) -> int:
        lk = FraudLinkRow
        n = self.s.scalar(
            select(func.count()).where(
                lk.entity == entity, lk.value == digest(value), lk.other == other
            )
        )
        return int(n or 0)

    def linked(self, entity: str, value: str, other: str, other_value: str) -> bool:
        key = (entity, digest(value), other, digest(other_value))
        return self.s.get(FraudLinkRow, key) is not None

    def labelled(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, int]:
        e, lab = FraudEventRow, FraudLabelRow
        # The outer join keeps only fraud labels, so counting label rows counts frauds.
        row = self.s.execute(
            select(func.count(), func.count(lab.order_id))
            .select_from(e)
            .outerjoin(lab, and_(lab.order_id == e.order_id, lab.is_fraud.is_(True)))
            .where(e.entity == entity, e.value == digest(value), e.t > lo, e.t <= hi)
        ).one()
        return int(row[0]), int(row[1])

    # --- use
    def features(self, flat: Mapping[str, Any]) -> dict[str, float]:
        self._recent.clear()
        try:
            return online_features(flat, self, self.label_delay_days)
        finally:
            self._recent.clear()

    def record(self, flat: Mapping[str, Any]) -> bool:
        """Add one order's events; returns False when the order was already recorded."""
        oid = str(flat["order_id"])
        if self.s.get(FraudOrderRow, oid) is not None:
            return False
        t = int(flat["t"])
        amount = float(flat["amount"])
        self.s.add(FraudOrderRow(order_id=oid, t=t, recorded_at=datetime.now(UTC)))
        events = [
            {"order_id": oid, "entity": ent, "value": digest(flat[ent]), "t": t, "amount": amount}
            for ent in ENTITY_COLS
            if flat[ent]
        ]
        if events:
            self.s.execute(insert(FraudEventRow), events)
        for ent, other in SPEC.distinct:
            if flat[ent] and flat[other]:
                key = (ent, digest(flat[ent]), other, digest(flat[other]))
                if self.s.get(FraudLinkRow, key) is None:
                    self.s.add(
                        FraudLinkRow(
                            entity=key[0], value=key[1], other=key[2], other_value=key[3], first_t=t
                        )
                    )
        self.s.flush()
        return True

    def record_label(self, order_id: str, is_fraud: bool) -> None:
        row = self.s.get(FraudLabelRow, order_id)
        now = datetime.now(UTC)
        if row is None:
            self.s.add(FraudLabelRow(order_id=order_id, is_fraud=is_fraud, updated_at=now))
        else:
            row.is_fraud, row.updated_at = is_fraud, now
        self.s.flush()

    def sync_from_core(self) -> tuple[int, int]:
        """Record stored orders not yet in the store (oldest first) and every order's latest
        label from the core ``labels`` table. Returns (orders added, labels written)."""
        missing = self.s.scalars(
            select(OrderRow)
            .outerjoin(FraudOrderRow, FraudOrderRow.order_id == OrderRow.id)
            .where(FraudOrderRow.order_id.is_(None))
            .order_by(OrderRow.created_at, OrderRow.id)
        ).all()
        added = 0
        for row in missing:
            try:
                order = Order.model_validate(row.payload)
            except ValidationError:
                continue  # a payload the current model rejects cannot be featurised
            added += int(self.record(flatten(order)))
        latest: dict[str, bool] = {}
        for lab in self.s.scalars(select(LabelRow).order_by(LabelRow.event_at, LabelRow.id)):
            latest[lab.order_id] = bool(lab.is_fraud)
        for oid, is_fraud in latest.items():
            self.record_label(oid, is_fraud)
        return added, len(latest)


def stored_history(session: Session, until: datetime | None = None) -> tuple[Any, Any]:
    """(flat frame, labels frame) of orders stored by the core before ``until``, oldest first;
    labels are each order's latest from the core ``labels`` table."""
    import pandas as pd

    from borderline.fraud.flat import frame

    q = select(OrderRow.payload).order_by(OrderRow.created_at, OrderRow.id)
    if until is not None:
        q = q.where(OrderRow.created_at < until)
    records = []
    for payload in session.scalars(q):
        try:
            records.append(flatten(Order.model_validate(payload)))
        except ValidationError:
            continue
    latest: dict[str, tuple[int, datetime]] = {}
    for lab in session.scalars(select(LabelRow).order_by(LabelRow.event_at, LabelRow.id)):
        latest[lab.order_id] = (int(lab.is_fraud), lab.event_at)
    labels = pd.DataFrame(
        [(k, v[0], v[1]) for k, v in latest.items()], columns=["order_id", "is_fraud", "event_at"]
    )
    return frame(records), labels


def context_extras(session: Session) -> dict[str, Any]:
    """The online feature store for the fraud assessor, in the order's own transaction.

    Registered under the ``borderline.context`` entry-point group.
    """
    return {"fraud.feature_store": SqlFeatureStore(session)}


def record_assessed(session: Session, order: Order, decision: Any) -> None:
    """After an order is stored, add it to the online feature store (same transaction).

    Registered under the ``borderline.recorded`` entry-point group, so the next order of the
    same card, device or customer sees this one in its velocity features.
    """
    SqlFeatureStore(session).record(flatten(order))
