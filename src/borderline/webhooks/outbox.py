"""The outbox: every change worth telling an endpoint about becomes rows in its own transaction.

Each such change already appends an audit-ledger entry in the transaction that makes it
(a decision, a case opened or closed, a policy activated, a list changed, a re-screening hit).
:func:`register_ledger` makes the outbox an observer of the ledger (entry point
``borderline.ledger``), so the event row and one delivery row per subscribed endpoint commit
with the change or not at all: a crash can neither lose an event nor invent one. Delivery
happens later, elsewhere (:mod:`borderline.webhooks.dispatcher`); nothing here talks to the
network, so a slow endpoint cannot slow the decision path.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from borderline.model import Receipt
from borderline.webhooks.tables import DeliveryRow, EndpointRow, EventRow

EVENT_TYPES = (
    "decision.created",
    "decision.changed",
    "case.created",
    "case.closed",
    "screening.hit",
    "list.updated",
    "policy.activated",
)

Built = list[tuple[str, dict[str, Any]]]
Builder = Callable[[Session, str, Mapping[str, Any], Receipt], Built]

_ENDPOINTS = select(EndpointRow.id, EndpointRow.events).where(EndpointRow.disabled_at.is_(None))
_EVENTS_INSERT = insert(cast(Table, EventRow.__table__))
_DELIVERIES_INSERT = insert(cast(Table, DeliveryRow.__table__))


def _decision(s: Session, subject: str, record: Mapping[str, Any], receipt: Receipt) -> Built:
    body = {k: v for k, v in dict(record.get("decision", {})).items() if k != "context"}
    out: Built = [("decision.created", {**body, "receipt": receipt.model_dump(mode="json")})]
    hits = [
        f
        for f in body.get("findings", [])
        if str(f.get("code", "")).startswith("screening.sanctions.")
    ]
    if hits:
        out.append(
            (
                "screening.hit",
                {
                    "source": "decision",
                    "decision_id": body.get("decision_id", subject),
                    "order_id": body.get("order_id"),
                    "findings": hits,
                },
            )
        )
    return out


def _rescreen_hit(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    return [("screening.hit", {"source": "rescreen", **record})]


def _case_open(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    return [
        (
            "case.created",
            {
                "case_id": record.get("case_id"),
                "decisions": record.get("decisions", []),
                "created_by": record.get("actor"),
                "created_at": record.get("at"),
            },
        )
    ]


def _case_disposition(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    from borderline.cases import DISPOSITIONS, CaseDecisionRow

    case_id = str(record.get("case_id"))
    disposition = str(record.get("disposition"))
    is_fraud = DISPOSITIONS.get(disposition, ("", None))[1]
    out: Built = [
        (
            "case.closed",
            {
                "case_id": case_id,
                "disposition": disposition,
                "is_fraud": is_fraud,
                "orders": record.get("orders", []),
                "closed_by": record.get("actor"),
                "closed_at": record.get("at"),
            },
        )
    ]
    rows = s.execute(
        select(CaseDecisionRow.decision_id, CaseDecisionRow.order_id)
        .where(CaseDecisionRow.case_id == case_id)
        .order_by(CaseDecisionRow.decision_id)
    )
    for decision_id, order_id in rows:
        out.append(
            (
                "decision.changed",
                {
                    "decision_id": decision_id,
                    "order_id": order_id,
                    "review_outcome": disposition,
                    "is_fraud": is_fraud,
                    "case_id": case_id,
                    "reviewed_by": record.get("actor"),
                    "reviewed_at": record.get("at"),
                },
            )
        )
    return out


def _policy_activate(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    return [("policy.activated", dict(record))]


def _list_add(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    return [("list.updated", {"change": "add", "entry": dict(record)})]


def _list_remove(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    from borderline.store.models import ListEntryRow

    row = s.get(ListEntryRow, int(subject)) if subject.isdigit() else None
    entry = {"id": record.get("id"), "removed_by": record.get("by"), "removed_at": record.get("at")}
    if row is not None:
        entry.update(list=row.list_name, kind=row.kind, value=row.value, action=row.action)
    return [("list.updated", {"change": "remove", "entry": entry})]


def _sanctions_update(s: Session, subject: str, record: Mapping[str, Any], _: Receipt) -> Built:
    return [("list.updated", {"change": "sanctions_version", "entry": dict(record)})]


# ledger entry kind -> (event types it can produce, builder)
BUILDERS: dict[str, tuple[frozenset[str], Builder]] = {
    "decision": (frozenset({"decision.created", "screening.hit"}), _decision),
    "screening.rescreen_hit": (frozenset({"screening.hit"}), _rescreen_hit),
    "case.open": (frozenset({"case.created"}), _case_open),
    "case.disposition": (frozenset({"case.closed", "decision.changed"}), _case_disposition),
    "policy.activate": (frozenset({"policy.activated"}), _policy_activate),
    "list.add": (frozenset({"list.updated"}), _list_add),
    "list.remove": (frozenset({"list.updated"}), _list_remove),
    "screening.list_update": (frozenset({"list.updated"}), _sanctions_update),
}


class _OnLedgerEntry:
    """Ledger observer: queue the events an entry stands for, if anyone subscribed. ``many``
    takes the entries of one append together (a group commit's or a batch's decisions)."""

    def __call__(
        self, session: Session, kind: str, subject: str, record: Mapping[str, Any], receipt: Receipt
    ) -> None:
        self.many(session, [(kind, subject, record, receipt)])

    def many(
        self, session: Session, entries: Sequence[tuple[str, str, Mapping[str, Any], Receipt]]
    ) -> None:
        subscribed: list[tuple[str, set[str]]] | None = None
        for kind, subject, record, receipt in entries:
            found = BUILDERS.get(kind)
            if found is None:
                continue
            types, build = found
            if subscribed is None:
                # One small read per append: the subscriptions as this transaction sees them,
                # so an endpoint registered a moment ago is never missed and a deleted one
                # never gets rows.
                subscribed = [(ep_id, set(events)) for ep_id, events in session.execute(_ENDPOINTS)]
            wanted = [(ep_id, events & types) for ep_id, events in subscribed]
            if not any(w for _, w in wanted):
                continue
            enqueue(session, build(session, subject, record, receipt), wanted)


on_ledger_entry = _OnLedgerEntry()


def enqueue(
    session: Session,
    events: Built,
    subscribed: list[tuple[str, set[str]]] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Write events and their deliveries in the caller's transaction; returns the event ids."""
    if subscribed is None:
        subscribed = [(ep_id, set(evs)) for ep_id, evs in session.execute(_ENDPOINTS)]
    now = now or datetime.now(UTC)
    ids = []
    for event_type, data in events:
        targets = [ep_id for ep_id, wanted in subscribed if event_type in wanted]
        if not targets:
            continue
        event_id = f"evt_{uuid.uuid4().hex[:24]}"
        payload = {
            "id": event_id,
            "type": event_type,
            "created_at": now.isoformat(),
            "data": data,
        }
        session.execute(
            _EVENTS_INSERT,
            {"id": event_id, "type": event_type, "created_at": now, "payload": payload},
        )
        session.execute(
            _DELIVERIES_INSERT,
            [
                {
                    "event_id": event_id,
                    "endpoint_id": ep_id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for ep_id in targets
            ],
        )
        ids.append(event_id)
    return ids


def register_ledger(ledger: Any) -> None:
    """Entry point ``borderline.ledger``: observe every ledger entry appended by this process."""
    ledger.observe(on_ledger_entry)
