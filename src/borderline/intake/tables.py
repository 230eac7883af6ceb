"""Intake tables (``intake_*``): platform messages seen, payment references, write-backs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store import Base, JSONType


class IntakeEventRow(Base):
    """A platform message handled once (Stripe event ids): a re-delivery is answered, not redone."""

    __tablename__ = "intake_events"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_intake_events_platform_external"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    order_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)


class PaymentRefRow(Base):
    """Payment references (charge, payment intent, transaction ids) -> the order they paid."""

    __tablename__ = "intake_payment_refs"
    reference: Mapped[str] = mapped_column(String(200), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(200), index=True)


class WritebackRow(Base):
    """A decision to write back to the storefront (Shopify risk assessment), until it lands."""

    __tablename__ = "intake_writebacks"
    __table_args__ = (Index("ix_intake_writebacks_status_due", "status", "next_attempt_at"),)
    order_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    shop: Mapped[str] = mapped_column(String(300))
    decision_id: Mapped[str] = mapped_column(String(40))
    request: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12))  # pending, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
