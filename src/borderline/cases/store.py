"""Case-management tables (``cases_*``): cases, their decisions, events and claims (web users
and sessions: ``borderline.accounts.tables``).

Imported only by adapters and services; the migration in ``cases/migrations`` creates them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store import Base, JSONType


class CaseRow(Base):
    __tablename__ = "cases_cases"
    __table_args__ = (Index("ix_cases_cases_status_updated", "status", "updated_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # open, closed
    disposition: Mapped[str | None] = mapped_column(String(30), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Optimistic concurrency: every change bumps it; a stale form gets a conflict, not a lost write.
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseDecisionRow(Base):
    __tablename__ = "cases_decisions"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases_cases.id"), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    order_id: Mapped[str] = mapped_column(String(200))


class CaseEventRow(Base):
    """Notes, status changes, dispositions, attachments: the case's history, in ledger order."""

    __tablename__ = "cases_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The ledger record of the event except the text hash (recomputed from ``text``).
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    log_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CaseAttachmentRow(Base):
    __tablename__ = "cases_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases_cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimRow(Base):
    """Who works a queued decision. One row per decision; reassigning updates it."""

    __tablename__ = "cases_claims"
    decision_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    assignee: Mapped[str] = mapped_column(String(100), index=True)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QueueRow(Base):
    """A narrow, indexed copy of each queued decision (review/hold) that the queue page reads.

    The core ``decisions`` rows carry the whole decision body, so filtering and counting them
    for every page view is slow at 100k rows. This table holds only what the queue filters and
    sorts on, kept up to date incrementally from ``decisions.created_at`` (see
    ``cases.service.sync_queue``), plus the assignee and whether the work is done.
    """

    __tablename__ = "cases_queue"
    __table_args__ = (
        Index("ix_cases_queue_open_created", "closed", "created_at"),
        Index("ix_cases_queue_open_score", "closed", "score"),
        Index("ix_cases_queue_open_total", "closed", "total"),
        Index("ix_cases_queue_open_route", "closed", "origin", "destination"),
        Index("ix_cases_queue_assignee", "assignee", "closed"),
    )
    decision_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    total: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    origin: Mapped[str] = mapped_column(String(2))
    destination: Mapped[str] = mapped_column(String(2))
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
