"""The review queue: decisions waiting for an analyst, with SLAs, filters and claims.

Reads query the core tables directly (indexed columns only, server-side pagination); claims
are written with a ledger entry in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from borderline.cases import QUEUE_OUTCOMES, SLA_HOURS
from borderline.cases.backend import CaseBackend
from borderline.cases.store import (
    CaseDecisionRow,
    CaseRow,
    ClaimRow,
    QueueRow,
)
from borderline.errors import InvalidInput, NotFound
from borderline.store import transaction
from borderline.store.models import DecisionRow, FindingRow, OrderRow


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# -- the review queue ----------------------------------------------------------------------


@dataclass
class QueueFilter:
    outcome: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    origin: str | None = None
    destination: str | None = None
    finding: str | None = None  # a code prefix: "fraud", "screening.sanctions"
    assignee: str | None = None  # a name, "" for unassigned
    min_age_hours: float | None = None
    include_closed: bool = False
    sort: str = "age"
    desc: bool = True
    page: int = 1
    per_page: int = 50


SORTS = {
    "age": QueueRow.created_at,
    "score": QueueRow.score,
    "amount": QueueRow.total,
    "corridor": QueueRow.origin,
    "assignee": QueueRow.assignee,
}


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


# Decisions are immutable once stored, so the queue copy only ever needs new rows. A writer's
# transaction may commit a little after a newer one; re-reading this window catches it.
SYNC_OVERLAP = timedelta(minutes=10)
_sync_lock = threading.Lock()
_watermarks: dict[int, datetime] = {}


def queue_synced(services: CaseBackend) -> bool:
    """True once ``sync_queue`` has copied this application's queue at least once."""
    return id(services) in _watermarks


def sync_queue(services: CaseBackend) -> int:
    """Copy decisions that went to review/hold since the last sync into ``cases_queue``."""
    with _sync_lock:
        mark = _watermarks.get(id(services))
        try:
            with transaction(services.sessions) as s:
                if mark is None:
                    last = s.scalar(select(func.max(QueueRow.created_at)))
                    mark = aware(last) if last is not None else None
                newest = s.scalar(select(func.max(DecisionRow.created_at)))
                if newest is None:
                    return 0
                closed_case = exists().where(
                    CaseDecisionRow.decision_id == DecisionRow.id,
                    CaseRow.id == CaseDecisionRow.case_id,
                    CaseRow.status == "closed",
                )
                q = (
                    select(
                        DecisionRow.id,
                        DecisionRow.order_id,
                        DecisionRow.outcome,
                        DecisionRow.score,
                        DecisionRow.created_at,
                        OrderRow.total,
                        OrderRow.currency,
                        OrderRow.origin_country,
                        OrderRow.destination_country,
                        ClaimRow.assignee,
                        closed_case,
                    )
                    .join(OrderRow, OrderRow.id == DecisionRow.order_id)
                    .outerjoin(ClaimRow, ClaimRow.decision_id == DecisionRow.id)
                    .where(
                        DecisionRow.outcome.in_(QUEUE_OUTCOMES),
                        ~exists().where(QueueRow.decision_id == DecisionRow.id),
                    )
                )
                if mark is not None:
                    q = q.where(DecisionRow.created_at >= mark - SYNC_OVERLAP)
                rows = [
                    {
                        "decision_id": r[0],
                        "order_id": r[1],
                        "outcome": r[2],
                        "score": r[3],
                        "created_at": r[4],
                        "total": r[5],
                        "currency": r[6],
                        "origin": r[7],
                        "destination": r[8],
                        "assignee": r[9],
                        "closed": bool(r[10]),
                    }
                    for r in s.execute(q)
                ]
                if rows:
                    s.execute(insert(QueueRow), rows)
            _watermarks[id(services)] = aware(newest)
            return len(rows)
        except IntegrityError:
            # Another process copied the same rows first; the next sync carries on.
            return 0


def queue(services: CaseBackend, f: QueueFilter, now: datetime | None = None) -> QueuePage:
    sync_queue(services)
    now = now or datetime.now(UTC)
    outcomes = [f.outcome] if f.outcome in QUEUE_OUTCOMES else list(QUEUE_OUTCOMES)
    conds: list[Any] = []
    if not f.include_closed:
        conds.append(QueueRow.closed.is_(False))
    if len(outcomes) == 1:
        conds.append(QueueRow.outcome == outcomes[0])
    if f.min_score is not None:
        conds.append(QueueRow.score >= f.min_score)
    if f.max_score is not None:
        conds.append(QueueRow.score <= f.max_score)
    if f.min_amount is not None:
        conds.append(QueueRow.total >= f.min_amount)
    if f.max_amount is not None:
        conds.append(QueueRow.total <= f.max_amount)
    if f.origin:
        conds.append(QueueRow.origin == f.origin.upper())
    if f.destination:
        conds.append(QueueRow.destination == f.destination.upper())
    if f.finding:
        prefix = f.finding.strip().rstrip(".")
        # A range instead of LIKE so the code index is usable on SQLite and PostgreSQL alike;
        # IN (decisions with such a finding) scans only matching findings, not every queued row.
        conds.append(
            QueueRow.decision_id.in_(
                select(FindingRow.decision_id).where(
                    or_(
                        FindingRow.code == prefix,
                        and_(FindingRow.code > prefix + ".", FindingRow.code < prefix + "/"),
                    )
                )
            )
        )
    if f.assignee is not None:
        conds.append(
            QueueRow.assignee.is_(None) if f.assignee == "" else QueueRow.assignee == f.assignee
        )
    if f.min_age_hours is not None:
        conds.append(QueueRow.created_at <= now - timedelta(hours=f.min_age_hours))
    col = SORTS.get(f.sort, QueueRow.created_at)
    # "age" descending means oldest first: the work most at risk of missing its SLA.
    if f.sort == "age":
        order = col.asc() if f.desc else col.desc()
    else:
        order = col.desc() if f.desc else col.asc()
    per_page = max(1, min(f.per_page, 200))
    page = max(1, f.page)
    where = and_(true(), *conds)
    with services.sessions() as s:
        total = s.scalar(select(func.count()).select_from(QueueRow).where(where)) or 0
        q = (
            select(
                QueueRow.decision_id.label("id"),
                QueueRow.order_id,
                QueueRow.outcome,
                QueueRow.score,
                QueueRow.created_at,
                QueueRow.total,
                QueueRow.currency,
                QueueRow.origin.label("origin_country"),
                QueueRow.destination.label("destination_country"),
                QueueRow.assignee,
            )
            .where(where)
            .order_by(order, QueueRow.decision_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        rows = [dict(r._mapping) for r in s.execute(q)]
        ids = [r["id"] for r in rows]
        top: dict[str, list[str]] = {}
        cases: dict[str, str] = {}
        if ids:
            for did, code, _score in s.execute(
                select(FindingRow.decision_id, FindingRow.code, FindingRow.score)
                .where(FindingRow.decision_id.in_(ids))
                .order_by(FindingRow.score.desc())
            ):
                top.setdefault(did, []).append(code)
            for did, cid in s.execute(
                select(CaseDecisionRow.decision_id, CaseDecisionRow.case_id)
                .join(CaseRow, CaseRow.id == CaseDecisionRow.case_id)
                .where(CaseDecisionRow.decision_id.in_(ids))
            ):
                cases[did] = cid
    for r in rows:
        created = aware(r["created_at"])
        age_h = (now - created).total_seconds() / 3600
        sla = SLA_HOURS.get(r["outcome"], 24.0)
        r.update(
            created_at=created,
            age_hours=age_h,
            sla_hours=sla,
            overdue=age_h > sla,
            findings=top.get(r["id"], [])[:3],
            case_id=cases.get(r["id"]),
        )
    return QueuePage(rows=rows, total=total, page=page, per_page=per_page)


def claim(services: CaseBackend, decision_ids: Sequence[str], assignee: str, actor: str) -> int:
    """Assign queued decisions to ``assignee`` (claiming is assigning to yourself)."""
    if not decision_ids:
        raise InvalidInput("select at least one decision", where="decision_ids")
    now = datetime.now(UTC)
    with transaction(services.sessions) as s:
        found = set(s.scalars(select(DecisionRow.id).where(DecisionRow.id.in_(list(decision_ids)))))
        missing = [d for d in decision_ids if d not in found]
        if missing:
            raise NotFound(f"no decision {missing[0]!r}", where="decision_ids")
        for did in decision_ids:
            row = s.get(ClaimRow, did)
            if row is None:
                s.add(
                    ClaimRow(decision_id=did, assignee=assignee, assigned_by=actor, assigned_at=now)
                )
            else:
                row.assignee, row.assigned_by, row.assigned_at = assignee, actor, now
            s.execute(update(QueueRow).where(QueueRow.decision_id == did).values(assignee=assignee))
            s.flush()
            services.ledger.append(
                s,
                kind="queue.claim",
                subject=did,
                record={
                    "decision_id": did,
                    "assignee": assignee,
                    "by": actor,
                    "at": now.isoformat(),
                },
            )
    return len(decision_ids)


def claim_of(services: CaseBackend, decision_id: str) -> str | None:
    with services.sessions() as s:
        row = s.get(ClaimRow, decision_id)
        return row.assignee if row else None
