"""The fraud feature store's tables ``fraud_*`` on the shared SQLAlchemy ``Base`` (their
migrations are ``fraud/migrations``; ``fraud.store`` reads and writes them).

Entity values are SHA-256 digests, so e-mails and IPs do not sit in clear text here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store.db import Base


class FraudEventRow(Base):
    __tablename__ = "fraud_events"
    # Covering: the per-order pass of SqlFeatureStore.fetch reads this index only.
    __table_args__ = (
        Index("ix_fraud_events_lookup", "entity", "value", "t", "amount", "currency", "fraud"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(200), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(64))
    t: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[float] = mapped_column(Float)
    # Amount aggregates only add up amounts in the scored order's currency ("" = not known:
    # rows recorded before the column existed whose order is not in the core table).
    currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    # The order's latest label, copied from fraud_labels (which stays the source of truth).
    fraud: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class FraudDayRow(Base):
    """Per entity value and UTC day (``t // 86400``): orders recorded and those labelled fraud.

    Label-aware features look 90 days back; counting those events one by one costs as many rows
    as a busy corridor has orders. Whole days come from here, only the two partial days at the
    window's ends from ``fraud_events``. Kept in step in the same transaction as the events.
    """

    __tablename__ = "fraud_days"
    # SQLite: the rows live in the primary-key b-tree, so a range of days is one read.
    __table_args__ = ({"sqlite_with_rowid": False},)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    frauds: Mapped[int] = mapped_column(Integer)


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
