"""Case operations (and, re-exported, the review queue), given sessions, the ledger and label
recording.

Reads query the core tables directly (indexed columns only, server-side pagination); writes go
to ``cases_*`` tables with a ledger entry in the same transaction. Concurrent edits of one case
are caught by an optimistic version check: the loser gets ``Conflict`` and nothing is written.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from borderline.cases import DISPOSITIONS, SANCTIONS_BLOCK_LIST, SANCTIONS_REPORT
from borderline.cases.backend import CaseBackend
from borderline.cases.review_queue import (
    SORTS,
    SYNC_OVERLAP,
    QueueFilter,
    QueuePage,
    aware,
    claim,
    claim_of,
    queue,
    sync_queue,
)
from borderline.cases.store import (
    CaseAttachmentRow,
    CaseDecisionRow,
    CaseEventRow,
    CaseRow,
    QueueRow,
)
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.store import transaction
from borderline.store.models import DecisionRow, OrderRow

MAX_ATTACHMENT_BYTES = 5_000_000


# -- cases ---------------------------------------------------------------------------------

# The review queue lives in review_queue; it is re-exported: adapters call cases.service.queue.
__all__ = [
    "CASE_EVENT_KINDS",
    "MAX_ATTACHMENT_BYTES",
    "SORTS",
    "SYNC_OVERLAP",
    "CaseBackend",
    "QueueFilter",
    "QueuePage",
    "add_attachment",
    "add_note",
    "add_note_in",
    "assign_case",
    "aware",
    "cases_for_decision",
    "claim",
    "claim_of",
    "disposition",
    "get_attachment",
    "get_case",
    "list_cases",
    "open_case",
    "queue",
    "register_ledger",
    "reopen",
    "sync_queue",
]


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
        details: dict[str, Any] = {"disposition": value, "orders": sorted(order_ids)}
        if value == "confirmed_sanctions_match":
            details["blocked"] = _block_parties(services, s, case_id, order_ids, actor)
            details["report"] = SANCTIONS_REPORT
        _event(
            services,
            s,
            case,
            "disposition",
            actor,
            (note or "").strip() or None,
            details,
        )
        labels: list[dict[str, Any]] = []
        if kind is not None:
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
    if "blocked" in details:
        services.lists.invalidate()  # the next order of a blocked party sees the entry
    return labels


def _block_parties(
    services: CaseBackend, s: Session, case_id: str, order_ids: list[str], actor: str
) -> list[dict[str, Any]]:
    """Put each party of the case's orders on the sanctions block list, in the same
    transaction: by customer id when known, else by email (never by name alone)."""
    from borderline.store.models import OrderRow

    wanted: set[tuple[str, str]] = set()
    for oid in order_ids:
        row = s.get(OrderRow, oid)
        for p in (row.payload.get("parties") or []) if row else []:
            if p.get("customer_id"):
                wanted.add(("customer", str(p["customer_id"])))
            elif p.get("email"):
                wanted.add(("email", str(p["email"])))
    from borderline.lists import add_entry, validate_entry
    from borderline.store.models import ListEntryRow

    out = []
    for kind, raw in sorted(wanted):
        value = validate_entry(SANCTIONS_BLOCK_LIST, kind, raw, "block", None)
        already = s.scalars(
            select(ListEntryRow.id).where(
                ListEntryRow.list_name == SANCTIONS_BLOCK_LIST,
                ListEntryRow.kind == kind,
                ListEntryRow.value == value,
                ListEntryRow.removed_at.is_(None),
            )
        ).first()
        if already is not None:
            continue
        out.append(
            add_entry(
                s,
                services.ledger,
                list_name=SANCTIONS_BLOCK_LIST,
                kind=kind,
                value=value,
                action="block",
                reason=f"confirmed sanctions match, case {case_id}",
                actor=actor,
            )
        )
    return out


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
