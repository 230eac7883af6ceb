"""The data-flow register: every recorded transfer (who, where, what, how many, mechanism,
documents) and the volume counters each regime's rules read from it.

Imported only by adapters (CLI, API) and the engine's services, never by detection code.
Counting follows each regime's own rule: China sums individuals per exporter since 1 January
of the transfer's year; the US DOJ rule sums US persons per counterparty over the preceding
12 months. Without person-level identifiers the sums add up data-subject counts across
transfers, which over-counts people who appear in several transfers (a conservative bound).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from borderline.errors import NotFound
from borderline.privacy.transfer.model import TransferAssessment, TransferRequest
from borderline.privacy.transfer.regimes import PriorTransfer, TransferHistory
from borderline.store.db import Base, JSONType


class TransferRow(Base):
    __tablename__ = "privacy_transfers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    transfer_date: Mapped[date] = mapped_column(Date, index=True)
    exporter_name: Mapped[str] = mapped_column(String(300), index=True)
    exporter_country: Mapped[str] = mapped_column(String(10))
    importer_name: Mapped[str] = mapped_column(String(300), index=True)
    importer_country: Mapped[str] = mapped_column(String(10))
    importer_kind: Mapped[str] = mapped_column(String(50))
    categories: Mapped[list[str]] = mapped_column(JSONType)
    sensitive: Mapped[bool] = mapped_column(Boolean)
    data_subjects: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mechanism: Mapped[str | None] = mapped_column(String(200), nullable=True)
    documents: Mapped[list[str]] = mapped_column(JSONType)
    outcome: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSONType)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSONType)


def prior_transfer(row: TransferRow) -> PriorTransfer:
    """The fields of a register row the volume counters read."""
    return PriorTransfer(
        transfer_date=row.transfer_date,
        exporter_name=row.exporter_name,
        importer_name=row.importer_name,
        regimes=frozenset(r["regime"] for r in row.assessment.get("regimes", [])),
        sensitive=bool(row.sensitive),
        categories=tuple(row.categories),
        data_subjects=int(row.data_subjects),
    )


class DbVolumes:
    """``VolumeProvider`` over the register, for the transfer engine: the rows of the period
    and party are selected in the database, then counted by ``TransferHistory``'s rule."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def prior_subjects(
        self,
        *,
        regime: str,
        exporter: str,
        importer: str | None,
        categories: Iterable[str],
        sensitive: bool | None,
        since: date,
        until: date,
    ) -> int:
        q = select(TransferRow).where(
            TransferRow.transfer_date >= since, TransferRow.transfer_date <= until
        )
        if importer is not None:
            q = q.where(TransferRow.importer_name == importer)
        else:
            q = q.where(TransferRow.exporter_name == exporter)
        history = TransferHistory([prior_transfer(row) for row in self.session.scalars(q)])
        return history.prior_subjects(
            regime=regime,
            exporter=exporter,
            importer=importer,
            categories=categories,
            sensitive=sensitive,
            since=since,
            until=until,
        )


def record_transfer(
    session: Session,
    req: TransferRequest,
    result: TransferAssessment,
    *,
    created_by: str,
    order_id: str | None = None,
    documents: Sequence[str] = (),
) -> TransferRow:
    sensitive = bool(req.sensitive_categories) or any(
        r.volume and r.volume.get("sensitive") for r in result.regimes
    )
    row = TransferRow(
        id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
        created_by=created_by,
        transfer_date=req.date or date.today(),
        exporter_name=req.exporter.name,
        exporter_country=req.exporter_country.upper(),
        importer_name=req.importer.name,
        importer_country=req.importer_country.upper(),
        importer_kind=req.importer.kind,
        categories=list(req.data_categories),
        sensitive=sensitive,
        data_subjects=req.data_subjects,
        purpose=req.purpose,
        mechanism=req.mechanism or ", ".join(sorted({m.id for m in result.mechanisms})) or None,
        documents=list(documents) or sorted({a.document for a in result.actions if a.document}),
        outcome=result.outcome,
        order_id=order_id,
        request=req.model_dump(mode="json"),
        assessment=result.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row


def get_transfer(session: Session, transfer_id: str) -> TransferRow:
    row = session.get(TransferRow, transfer_id)
    if row is None:
        raise NotFound(f"no transfer {transfer_id!r} in the register", where="transfer_id")
    return row


def list_transfers(session: Session, limit: int = 100, offset: int = 0) -> list[TransferRow]:
    q = select(TransferRow).order_by(TransferRow.created_at.desc()).limit(limit).offset(offset)
    return list(session.scalars(q))


EXPORT_COLUMNS = (
    "id",
    "transfer_date",
    "exporter_name",
    "exporter_country",
    "importer_name",
    "importer_country",
    "importer_kind",
    "categories",
    "sensitive",
    "data_subjects",
    "purpose",
    "mechanism",
    "documents",
    "outcome",
    "order_id",
    "created_at",
    "created_by",
)


def row_summary(row: TransferRow) -> dict[str, Any]:
    out = {c: getattr(row, c) for c in EXPORT_COLUMNS}
    out["transfer_date"] = row.transfer_date.isoformat()
    out["created_at"] = row.created_at.isoformat()
    return out


def export_register(session: Session, fmt: str = "csv") -> str:
    """The whole register as CSV (lists joined with '; ') or JSON lines."""
    rows = session.scalars(select(TransferRow).order_by(TransferRow.transfer_date, TransferRow.id))
    if fmt == "jsonl":
        return "".join(json.dumps(row_summary(r), ensure_ascii=False) + "\n" for r in rows)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        s = row_summary(r)
        w.writerow(["; ".join(v) if isinstance(v, list) else v for v in s.values()])
    return buf.getvalue()


LEDGER_KIND = "privacy.transfer"


def ledger_record(row: TransferRow) -> dict[str, Any]:
    """What the ledger commits to for a recorded transfer (only its hash reaches the log)."""
    return {"id": row.id, "outcome": row.outcome, "request": row.request}


def resolve_ledger_record(session: Session, subject: str) -> dict[str, Any] | None:
    """Ledger resolver: lets verification recompute the hash from the register row."""
    row = session.get(TransferRow, subject)
    return ledger_record(row) if row is not None else None


def context_extras(session: Session) -> dict[str, Any]:
    """What the privacy assessor reads from storage, handed to it through ``ctx.extras``.

    Registered under the ``borderline.context`` entry-point group; the core calls it with the
    session an order is assessed in, so volume counters see that transaction's own writes.
    """
    return {"privacy.volumes": DbVolumes(session)}
