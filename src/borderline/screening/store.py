"""Screening tables: list versions, analyst whitelist decisions and hits from re-screening.

Imported only by services and adapters; matching code never touches the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store.db import Base, JSONType


class ListVersionRow(Base):
    """One imported version of one list; ``active`` marks the version screening uses."""

    __tablename__ = "screening_list_versions"
    __table_args__ = (Index("ix_screening_list_versions_list", "list_name", "active"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    published: Mapped[date | None] = mapped_column(Date, nullable=True)
    entities: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class WhitelistRow(Base):
    """An analyst's decision that a party is not a listed entity (a false positive)."""

    __tablename__ = "screening_whitelist"
    __table_args__ = (Index("ix_screening_whitelist_pair", "party_key", "list_name", "source_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_key: Mapped[str] = mapped_column(String(600))
    list_name: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class HitRow(Base):
    """A match found by continuous re-screening of a stored order's party after a list update."""

    __tablename__ = "screening_hits"
    __table_args__ = (Index("ix_screening_hits_order", "order_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(200))
    party_role: Mapped[str] = mapped_column(String(30))
    party_key: Mapped[str] = mapped_column(String(600))
    list_name: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[str] = mapped_column(String(200))
    list_version: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    matched_name: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
