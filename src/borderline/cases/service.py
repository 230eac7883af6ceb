"""Queue and case operations, given sessions, the ledger and label recording.

Reads query the core tables directly (indexed columns only, server-side pagination); writes go
to ``cases_*`` tables with a ledger entry in the same transaction. Concurrent edits of one case
are caught by an optimistic version check: the loser gets ``Conflict`` and nothing is written.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from borderline.cases import DISPOSITIONS, QUEUE_OUTCOMES, SLA_HOURS
from borderline.cases.store import (
    CaseAttachmentRow,
    CaseDecisionRow,
    CaseEventRow,
    CaseRow,
    ClaimRow,
    QueueRow,
)
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.store import transaction
from borderline.store.models import DecisionRow, FindingRow, OrderRow
from borderline.store.ports import LabelRecorder, ListInvalidator, Storage

MAX_ATTACHMENT_BYTES = 5_000_000


class CaseBackend(Storage, LabelRecorder, Protocol):
    """What case operations need: sessions, the ledger, label recording (dispositions) and the
    list cache (allow-listing a party)."""

    @property
    def lists(self) -> ListInvalidator: ...


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


# -- cases ---------------------------------------------------------------------------------


def _text_hash(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def _event(
    services: CaseBackend,
    s: Session,
    case: CaseRow,
    kind: str,
    actor: str,
    text: str | None,
    extra: dict[str, Any] | None = None,
) -> CaseEventRow:
    """Record a case event and its ledger entry in the caller's transaction.

    The ledger subject is ``<case id>/e<event id>`` so each event can be re-checked on its own
    (``ledger verify`` recomputes the record from the row; see ``register_ledger``). Only a hash
    of free text reaches the ledger: notes may name people.
    """
    now = datetime.now(UTC)
    detail = {
        "case_id": case.id,
        "kind": kind,
        "actor": actor,
        "at": now.isoformat(),
        "version": case.version,
        **(extra or {}),
    }
    ev = CaseEventRow(case_id=case.id, kind=kind, actor=actor, at=now, text=text, detail=detail)
    s.add(ev)
    s.flush()
    receipt = services.ledger.append(
        s,
        kind=f"case.{kind}",
        subject=f"{case.id}/e{ev.id}",
        record={**detail, "text_sha256": _text_hash(text)},
    )
    ev.log_index = receipt.log_index
    return ev


CASE_EVENT_KINDS = ("open", "note", "assign", "disposition", "reopen", "attach")


def _event_record(s: Session, subject: str) -> dict[str, Any] | None:
    case_id, _, ev = subject.rpartition("/e")
    if not ev.isdigit():
        return None
    row = s.get(CaseEventRow, int(ev))
    if row is None or row.case_id != case_id or row.detail is None:
        return None
    return {**row.detail, "text_sha256": _text_hash(row.text)}


def register_ledger(ledger: Any) -> None:
    """Let ``ledger verify`` recompute every case event's record (entry point
    ``borderline.ledger``: ``cases = "borderline.cases.service:register_ledger"``)."""
    for kind in CASE_EVENT_KINDS:
        ledger.register_resolver(f"case.{kind}", _event_record)


def open_case(
    services: CaseBackend, decision_ids: Sequence[str], actor: str, title: str | None = None
) -> str:
    if not decision_ids:
        raise InvalidInput("select at least one decision", where="decision_ids")
    now = datetime.now(UTC)
    with transaction(services.sessions) as s:
        rows = list(
            s.execute(
                select(DecisionRow.id, DecisionRow.order_id).where(
                    DecisionRow.id.in_(list(decision_ids))
                )
            )
        )
        if len(rows) != len(set(decision_ids)):
            known = {r[0] for r in rows}
            raise NotFound(
                f"no decision {next(d for d in decision_ids if d not in known)!r}",
                where="decision_ids",
            )
        taken = s.execute(
            select(CaseDecisionRow.decision_id, CaseRow.id)
            .join(CaseRow, CaseRow.id == CaseDecisionRow.case_id)
            .where(CaseDecisionRow.decision_id.in_(list(decision_ids)), CaseRow.status == "open")
        ).first()
        if taken is not None:
            raise Conflict(
                f"decision {taken[0]} is already in open case {taken[1]}",
                where="decision_ids",
                case_id=taken[1],
            )
        case = CaseRow(
            id=f"case_{uuid.uuid4().hex[:16]}",
            title=(title or "").strip()[:200]
            or f"Review of {rows[0][1]}" + (f" and {len(rows) - 1} more" if len(rows) > 1 else ""),
            status="open",
            assignee=actor,
            created_by=actor,
            created_at=now,
            updated_at=now,
            version=1,
        )
        s.add(case)
        s.flush()
        s.add_all(CaseDecisionRow(case_id=case.id, decision_id=d, order_id=o) for d, o in rows)
        _event(services, s, case, "open", actor, None, {"decisions": sorted(d for d, _ in rows)})
        return case.id


def get_case(services: CaseBackend, case_id: str) -> dict[str, Any]:
    with services.sessions() as s:
        case = s.get(CaseRow, case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        decisions = [
            dict(r._mapping)
            for r in s.execute(
                select(
                    CaseDecisionRow.decision_id,
                    CaseDecisionRow.order_id,
                    DecisionRow.outcome,
                    DecisionRow.score,
                    OrderRow.total,
                    OrderRow.currency,
                    OrderRow.origin_country,
                    OrderRow.destination_country,
                )
                .join(DecisionRow, DecisionRow.id == CaseDecisionRow.decision_id)
                .join(OrderRow, OrderRow.id == CaseDecisionRow.order_id)
                .where(CaseDecisionRow.case_id == case_id)
            )
        ]
        events = list(
            s.scalars(
                select(CaseEventRow)
                .where(CaseEventRow.case_id == case_id)
                .order_by(CaseEventRow.id)
            )
        )
        attachments = list(
            s.execute(
                select(
                    CaseAttachmentRow.id,
                    CaseAttachmentRow.filename,
                    CaseAttachmentRow.sha256,
                    CaseAttachmentRow.added_by,
                    CaseAttachmentRow.added_at,
                    func.length(CaseAttachmentRow.data),
                ).where(CaseAttachmentRow.case_id == case_id)
            )
        )
        return {"case": case, "decisions": decisions, "events": events, "attachments": attachments}


def list_cases(
    services: CaseBackend,
    status: str | None = None,
    assignee: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    conds = []
    if status:
        conds.append(CaseRow.status == status)
    if assignee:
        conds.append(CaseRow.assignee == assignee)
    with services.sessions() as s:
        total = s.scalar(select(func.count()).select_from(CaseRow).where(*conds)) or 0
        n = (
            select(func.count())
            .where(CaseDecisionRow.case_id == CaseRow.id)
            .correlate(CaseRow)
            .scalar_subquery()
        )
        rows = [
            {
                **{
                    c: getattr(r[0], c)
                    for c in (
                        "id",
                        "title",
                        "status",
                        "disposition",
                        "assignee",
                        "created_by",
                        "updated_at",
                    )
                },
                "decisions": r[1],
            }
            for r in s.execute(
                select(CaseRow, n)
                .where(*conds)
                .order_by(CaseRow.updated_at.desc())
                .limit(per_page)
                .offset((max(page, 1) - 1) * per_page)
            )
        ]
    return rows, total


def _locked_case(s: Session, case_id: str, expected_version: int | None) -> CaseRow:
    """Bump the case's version if it is still the one the user saw, else ``Conflict``.

    The conditional UPDATE is atomic on SQLite and PostgreSQL alike: of two concurrent writers
    with the same expected version exactly one matches a row.
    """
    case = s.get(CaseRow, case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    version = case.version if expected_version is None else expected_version
    res = s.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id, CaseRow.version == version)
        .values(version=version + 1, updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"case {case_id} was changed by someone else while you were editing it "
            f"(you saw version {version}); reload to see their change",
            where="version",
        )
    s.refresh(case)
    return case


def add_note(services: CaseBackend, case_id: str, text: str, actor: str) -> None:
    with transaction(services.sessions) as s:
        add_note_in(services, s, case_id, text, actor)


def add_note_in(services: CaseBackend, s: Session, case_id: str, text: str, actor: str) -> None:
    """:func:`add_note` in the caller's transaction (an action and its note land together)."""
    text = text.strip()
    if not text:
        raise InvalidInput("a note needs some text", where="note")
    case = _locked_case(s, case_id, None)
    _event(services, s, case, "note", actor, text[:20000])


def assign_case(
    services: CaseBackend, case_id: str, assignee: str, actor: str, expected_version: int | None
) -> None:
    with transaction(services.sessions) as s:
        case = _locked_case(s, case_id, expected_version)
        if case.status != "open":
            raise Conflict(f"case {case_id} is {case.status}", where="status")
        case.assignee = assignee or None
        _event(services, s, case, "assign", actor, None, {"assignee": assignee})


def disposition(
    services: CaseBackend,
    case_id: str,
    value: str,
    actor: str,
    expected_version: int,
    note: str | None = None,
) -> list[dict[str, Any]]:
    """Close a case with a disposition; each of its orders gets a label through ``add_labels``.

    The case change, its ledger entry and the labels commit in one transaction: a concurrent
    second disposition loses with a ``Conflict`` and nothing of it is kept.
    """
    if value not in DISPOSITIONS:
        raise InvalidInput(
            f"disposition must be one of {', '.join(DISPOSITIONS)}", where="disposition"
        )
    kind, is_fraud = DISPOSITIONS[value]
    with transaction(services.sessions) as s:
        case = _locked_case(s, case_id, expected_version)
        if case.status != "open":
            raise Conflict(
                f"case {case_id} is already {case.status} as {case.disposition}",
                where="status",
            )
        case.status, case.disposition = "closed", value
        s.execute(
            update(QueueRow)
            .where(
                QueueRow.decision_id.in_(
                    select(CaseDecisionRow.decision_id).where(CaseDecisionRow.case_id == case_id)
                )
            )
            .values(closed=True)
            .execution_options(synchronize_session=False)
        )
        order_ids = list(
            s.scalars(select(CaseDecisionRow.order_id).where(CaseDecisionRow.case_id == case_id))
        )
        _event(
            services,
            s,
            case,
            "disposition",
            actor,
            (note or "").strip() or None,
            {"disposition": value, "orders": sorted(order_ids)},
        )
        labels = services.add_labels(
            [
                {
                    "order_id": oid,
                    "kind": kind,
                    "is_fraud": is_fraud,
                    "reason": f"case {case_id}: {value}",
                }
                for oid in order_ids
            ],
            actor=actor,
            session=s,
        )
    return labels


def reopen(services: CaseBackend, case_id: str, actor: str, expected_version: int) -> None:
    with transaction(services.sessions) as s:
        case = _locked_case(s, case_id, expected_version)
        if case.status == "open":
            raise Conflict(f"case {case_id} is already open", where="status")
        case.status, case.disposition = "open", None
        s.execute(
            update(QueueRow)
            .where(
                QueueRow.decision_id.in_(
                    select(CaseDecisionRow.decision_id).where(CaseDecisionRow.case_id == case_id)
                )
            )
            .values(closed=False)
            .execution_options(synchronize_session=False)
        )
        _event(services, s, case, "reopen", actor, None)


def add_attachment(
    services: CaseBackend, case_id: str, filename: str, content_type: str, data: bytes, actor: str
) -> None:
    if not data:
        raise InvalidInput("the file is empty", where="file")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            f"attachments are limited to {MAX_ATTACHMENT_BYTES // 1_000_000} MB", where="file"
        )
    digest = hashlib.sha256(data).hexdigest()
    with transaction(services.sessions) as s:
        case = _locked_case(s, case_id, None)
        s.add(
            CaseAttachmentRow(
                case_id=case_id,
                filename=filename[:200] or "file",
                content_type=content_type[:100] or "application/octet-stream",
                sha256=digest,
                data=data,
                added_by=actor,
                added_at=datetime.now(UTC),
            )
        )
        _event(services, s, case, "attach", actor, filename[:200], {"sha256": digest})


def get_attachment(services: CaseBackend, case_id: str, attachment_id: int) -> CaseAttachmentRow:
    with services.sessions() as s:
        row = s.get(CaseAttachmentRow, attachment_id)
        if row is None or row.case_id != case_id:
            raise NotFound(f"no attachment {attachment_id} on case {case_id}")
        return row


def cases_for_decision(services: CaseBackend, decision_id: str) -> list[tuple[str, str]]:
    with services.sessions() as s:
        return [
            (r[0], r[1])
            for r in s.execute(
                select(CaseRow.id, CaseRow.status)
                .join(CaseDecisionRow, CaseDecisionRow.case_id == CaseRow.id)
                .where(CaseDecisionRow.decision_id == decision_id)
            )
        ]


def claim_of(services: CaseBackend, decision_id: str) -> str | None:
    with services.sessions() as s:
        row = s.get(ClaimRow, decision_id)
        return row.assignee if row else None
