"""Tables of the assessment domain (``assessment_*``), on the shared declarative base.

Imported only by adapters and :mod:`borderline.assessment.service`; the schema is created by
the migrations in ``assessment/migrations`` on the ``assessment`` Alembic branch.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store.db import Base, JSONType


class AssessmentRow(Base):
    """One assessment period (e.g. 2026-Q1) of the register, on one risk matrix."""

    __tablename__ = "assessment_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(40), index=True)
    matrix_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="open")
    copied_from: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_assessments.id"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RiskRow(Base):
    __tablename__ = "assessment_risks"
    __table_args__ = (UniqueConstraint("assessment_id", "key", name="uq_assessment_risks_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment_assessments.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100), index=True)
    owner: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    causes: Mapped[list[str]] = mapped_column(JSONType)
    consequences: Mapped[list[str]] = mapped_column(JSONType)
    inherent_l: Mapped[int] = mapped_column(Integer)
    inherent_i: Mapped[int] = mapped_column(Integer)
    current_l: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_i: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_l: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_i: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    target_l: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_i: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ControlRow(Base):
    __tablename__ = "assessment_controls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("assessment_risks.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    effectiveness: Mapped[float] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)


class TreatmentRow(Base):
    __tablename__ = "assessment_treatments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("assessment_risks.id"), index=True)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AcceptanceRow(Base):
    """An accepted risk. Never updated: ``snapshot`` is what was accepted, hashed in the ledger."""

    __tablename__ = "assessment_acceptances"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("assessment_risks.id"), index=True)
    requester: Mapped[str] = mapped_column(String(100))
    approver: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    expires: Mapped[date] = mapped_column(Date)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    record_hash: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KriRow(Base):
    __tablename__ = "assessment_kris"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    metric: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    window_days: Mapped[int] = mapped_column(Integer)
    amber: Mapped[float] = mapped_column(Float)
    red: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(10))
    risk_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KriReadingRow(Base):
    __tablename__ = "assessment_kri_readings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kri_id: Mapped[int] = mapped_column(ForeignKey("assessment_kris.id"), index=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class MaturityRunRow(Base):
    __tablename__ = "assessment_maturity_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    questionnaire: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    overall: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuantRunRow(Base):
    """A Monte Carlo run: inputs and seed stored so the result can be reproduced exactly."""

    __tablename__ = "assessment_quant_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
