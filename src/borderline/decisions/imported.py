"""Decisions made outside this process (a Spark job) recorded in the store and the ledger.

``borderline spark assess`` decides orders in Spark tasks, where there is no database; each
decision row carries the decision as the service would have stored it (``decision_json``,
with its customer context), the order payload (``order_json``) and the hash of the ledger
record (``record_hash``). ``append_decisions`` records them afterwards, in input order, the way
``Services._store`` records an order it decided itself: the order, the decision, its findings,
the customer's aggregates, the domains' ``borderline.recorded`` hooks (the fraud feature store)
and one ledger entry per decision, so ``ledger verify`` re-checks these decisions like any.

A row whose content does not hash to its ``record_hash`` is refused: what reaches the ledger
is exactly what the job decided. A decision already recorded is skipped, so a run that was
interrupted can be repeated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, Protocol

from sqlalchemy import insert, select

from borderline.decisions.record import (
    _stats_upsert,
    decision_row,
    finding_rows,
    order_row,
    payload_sha256,
)
from borderline.engine import CustomerHistory
from borderline.errors import Conflict, InvalidInput
from borderline.ledger import record_hash
from borderline.model import Decision, Order
from borderline.store import transaction
from borderline.store.models import CustomerStatsRow, DecisionRow, FindingRow, OrderRow
from borderline.store.ports import SessionFactory


class BatchStorage(Protocol):
    """A session factory and a ledger that appends many entries in one transaction."""

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def ledger(self) -> Any: ...


@dataclass
class AppendReport:
    appended: int = 0
    already_recorded: int = 0
    errors_skipped: int = 0
    first_index: int | None = None
    last_index: int | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _checked(row: Mapping[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(decision body, order payload, payload hash) of a row, after checking its hashes."""
    try:
        body = json.loads(row["decision_json"])
        payload = json.loads(row["order_json"])
    except (TypeError, KeyError, json.JSONDecodeError):
        raise InvalidInput("needs decision_json and order_json (JSON text)", where=where) from None
    phash = payload_sha256(payload)
    record = {"decision": body, "order_payload_sha256": phash}
    if record_hash(record) != row.get("record_hash"):
        raise InvalidInput(
            f"decision for order {body.get('order_id')!r} does not hash to its record_hash: "
            "it was changed after the job decided it",
            where=where,
        )
    if row.get("order_id") not in (None, body.get("order_id")):
        raise InvalidInput("order_id differs from the decision's order", where=where)
    return body, payload, phash


def append_decisions(
    services: BatchStorage, rows: Iterable[Mapping[str, Any]], *, chunk: int = 500
) -> AppendReport:
    """Record decided rows (``borderline.spark.assess`` output) in the given order."""
    hooks = [ep.load() for ep in entry_points(group="borderline.recorded")]
    report = AppendReport()
    pending: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
    for i, row in enumerate(rows):
        where = str(row.get("input") or f"row {i}")
        if row.get("error"):
            report.errors_skipped += 1
            continue
        body, payload, phash = _checked(row, where)
        pending.append((where, body, payload, phash))
        if len(pending) >= chunk:
            _append_chunk(services, pending, hooks, report)
            pending = []
    if pending:
        _append_chunk(services, pending, hooks, report)
    return report


def _append_chunk(
    services: BatchStorage,
    rows: list[tuple[str, dict[str, Any], dict[str, Any], str]],
    hooks: list[Any],
    report: AppendReport,
) -> None:
    with transaction(services.sessions) as s:
        ids = [b["order_id"] for _w, b, _p, _h in rows]
        stored = dict(
            s.execute(select(OrderRow.id, OrderRow.payload_hash).where(OrderRow.id.in_(ids))).all()
        )
        decided = set(s.scalars(select(DecisionRow.id).where(DecisionRow.order_id.in_(ids))).all())
        todo = []
        for where, body, payload, phash in rows:
            oid = body["order_id"]
            if oid in stored:
                if body["decision_id"] in decided and stored[oid] == phash:
                    report.already_recorded += 1
                    continue
                raise Conflict(
                    f"order {oid!r} is already stored with another decision; "
                    "a job must not re-decide stored orders",
                    where=where,
                )
            todo.append((where, body, payload, phash))
        if not todo:
            return
        receipts = services.ledger.append_many(
            s,
            [
                (
                    "decision",
                    body["decision_id"],
                    {"decision": body, "order_payload_sha256": phash},
                )
                for _w, body, _p, phash in todo
            ],
        )
        now = datetime.now(UTC)
        dialect = s.get_bind().dialect.name
        for (_where, body, payload, phash), receipt in zip(todo, receipts, strict=True):
            order = Order.model_validate(payload)
            decision = Decision.model_validate(body)
            decision.receipt = receipt
            s.execute(insert(OrderRow), order_row(order, payload, phash, now))
            name, _, version = str(decision.versions.get("policy", "")).rpartition("@")
            s.execute(
                insert(DecisionRow),
                decision_row(decision, order, body, name or "default", version),
            )
            findings = finding_rows(decision)
            if findings:
                s.execute(insert(FindingRow), findings)
            _add_to_customer(s, dialect, order)
            for hook in hooks:
                hook(s, order, decision)
        report.appended += len(todo)
        if report.first_index is None:
            report.first_index = receipts[0].log_index
        report.last_index = receipts[-1].log_index


def _add_to_customer(s: Any, dialect: str, order: Order) -> None:
    """The customer aggregates the service keeps, updated as ``Services._store`` does."""
    row = s.execute(
        select(CustomerStatsRow.countries, CustomerStatsRow.last_seen).where(
            CustomerStatsRow.customer_key == order.customer_key
        )
    ).first()
    history = CustomerHistory(
        countries=frozenset(c for c in (row[0] if row else "").split(",") if c),
        last_seen=row[1] if row else None,
    )
    amount = float(order.total)
    dest = order.ship_to.country if order.ship_to else order.shipment.destination_country
    known = set(history.countries)
    countries = ",".join(sorted(known | {dest}))
    if len(countries) >= 990:
        countries = ",".join(sorted(known))
    last = history.last_seen
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    s.execute(
        _stats_upsert(dialect),
        {
            "customer_key": order.customer_key,
            "orders": 1,
            "amount_sum": amount,
            "amount_sumsq": amount * amount,
            "first_seen": order.created_at,
            "last_seen": max(last or order.created_at, order.created_at),
            "countries": countries,
        },
    )
