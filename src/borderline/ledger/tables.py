"""Coverage of the core tables: every row logged, every stored column re-derived from the log.

| table        | entry kinds                        | columns re-derived                           |
|--------------|------------------------------------|----------------------------------------------|
| decisions    | decision                           | all: from the logged body and its entry      |
| orders       | decision (order payload hash)      | all but received_at: from the logged payload |
| findings     | decision                           | all: from the logged body's findings         |
| policies     | policy.draft/backtest/activate     | source (hash), status (active = last logged) |
| list_entries | list.add, list.remove              | all (the records hold every column)          |
| api_keys     | key.create, key.revoke             | all (the records hold every column)          |

Each check streams its table once; findings are grouped per decision in the same pass.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.ledger.canonical import LEGACY_FORMAT, CanonicalError, jcs, legacy_json
from borderline.ledger.coverage import Coverage, LoggedIndex, NotRecheckable
from borderline.store.models import (
    ApiKeyRow,
    DecisionRow,
    FindingRow,
    ListEntryRow,
    OrderRow,
    PolicyRow,
)

_MAX_REPORTED = 50  # per table: a wholesale edit should not bury the report


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value)
    try:
        return _aware(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def payload_hashes(payload: Mapping[str, Any]) -> set[str]:
    """The hashes an order payload may carry: format 2 (RFC 8785) and, for old rows, format 1."""
    out = {hashlib.sha256(legacy_json(payload)).hexdigest()}
    with contextlib.suppress(CanonicalError):  # a payload no input could have produced
        out.add(hashlib.sha256(jcs(payload)).hexdigest())
    return out


class _Problems(list[str]):
    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.dropped = 0

    def add(self, message: str) -> None:
        if len(self) < _MAX_REPORTED:
            self.append(f"{self.table}: {message}")
        else:
            self.dropped += 1

    def close(self) -> list[str]:
        if self.dropped:
            self.append(f"{self.table}: … and {self.dropped} more")
        return list(self)


def _finding_rows(body: Mapping[str, Any]) -> Counter[tuple[str, str, float, str]]:
    # The same filter the writer applies: informational findings with no score stay in the body.
    return Counter(
        (
            str(f.get("code")),
            str(f.get("severity")),
            float(f.get("score", 0.0)),
            str(f.get("assessor", "")),
        )
        for f in body.get("findings", [])
        if float(f.get("score", 0.0)) > 0 or f.get("severity") != "info"
    )


def check_decisions(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    out = _Problems("decisions")
    entries = logged.entries("decision")
    findings: dict[str, Counter[tuple[str, str, float, str]]] = {}
    for did, code, sev, score, assessor in s.execute(
        select(
            FindingRow.decision_id,
            FindingRow.code,
            FindingRow.severity,
            FindingRow.score,
            FindingRow.assessor,
        )
    ).yield_per(5000):
        findings.setdefault(did, Counter())[(code, sev, float(score), assessor)] += 1
    n = 0
    q = select(
        DecisionRow.id,
        DecisionRow.order_id,
        DecisionRow.outcome,
        DecisionRow.score,
        DecisionRow.policy_name,
        DecisionRow.policy_version,
        DecisionRow.created_at,
        DecisionRow.record_hash,
        DecisionRow.log_index,
        DecisionRow.body,
    )
    for did, oid, outcome, score, pname, pver, created, rhash, lidx, body in s.execute(q).yield_per(
        2000
    ):
        n += 1
        entry = entries.get(did)
        if entry is None:
            out.add(f"decision {did} has no ledger entry")
            continue
        if not isinstance(body, Mapping):
            out.add(f"decision {did}: body is not a JSON object")
            continue
        policy = str(body.get("versions", {}).get("policy", ""))
        name, _, version = policy.rpartition("@")
        derived = {
            "order_id": body.get("order_id"),
            "outcome": body.get("outcome"),
            "score": body.get("score"),
            "policy_name": name,
            "policy_version": int(version) if version.isdigit() else 0,
            "created_at": _when(body.get("created_at")),
            "record_hash": entry.record_sha256,
            "log_index": entry.idx,
        }
        stored = {
            "order_id": oid,
            "outcome": outcome,
            "score": score,
            "policy_name": pname,
            "policy_version": pver,
            "created_at": _aware(created),
            "record_hash": rhash,
            "log_index": lidx,
        }
        for col, want in derived.items():
            if stored[col] != want:
                out.add(f"decision {did}: column {col} differs from the logged decision")
        receipt = body.get("receipt") or {}
        if receipt.get("log_index") != entry.idx or receipt.get("record_hash") != rhash:
            out.add(f"decision {did}: stored receipt differs from its ledger entry")
        if findings.pop(did, Counter()) != _finding_rows(body):
            out.add(f"decision {did}: findings rows differ from the logged findings")
    for did in findings:
        out.add(f"findings of {did} belong to no decision")
    return n, out.close()


def check_orders(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    from borderline.model import Order  # the model package is below the ledger: no cycle

    out = _Problems("orders")
    decided = logged.entries("decision")
    n = 0
    q = select(OrderRow, DecisionRow.id).outerjoin(DecisionRow, DecisionRow.order_id == OrderRow.id)
    for row, did in s.execute(q).yield_per(1000):
        n += 1
        if did is None or did not in decided:
            out.add(f"order {row.id} has no logged decision")
            continue
        payload = row.payload
        if row.payload_hash not in payload_hashes(payload):
            out.add(f"order {row.id}: payload_hash differs from the stored payload")
        try:
            order = Order.model_validate(payload)
        except ValidationError:
            out.add(f"order {row.id}: stored payload is no longer a valid order")
            continue
        derived = {
            "id": order.id,
            "merchant_id": order.merchant_id,
            "customer_key": order.customer_key,
            "created_at": order.created_at,
            "currency": order.currency,
            "total": float(order.total),
            "origin_country": order.shipment.origin_country,
            "destination_country": order.shipment.destination_country,
        }
        for col, want in derived.items():
            have = getattr(row, col)
            if col == "created_at":
                have = _aware(have)
            if have != want:
                out.add(f"order {row.id}: column {col} differs from the logged payload")
    return n, out.close()


def check_policies(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    out = _Problems("policies")
    # The policies table also holds engine configuration versions (config.draft/activate).
    drafts = {**logged.entries("policy.draft"), **logged.entries("config.draft")}
    tested = logged.entries("policy.backtest")
    activations = {**logged.entries("policy.activate"), **logged.entries("config.activate")}
    # The live version of each policy name, as the log tells it: the newest activation.
    live: dict[str, tuple[int, str]] = {}
    for subject, entry in activations.items():
        name = subject.rpartition("@")[0]
        if name not in live or entry.idx > live[name][0]:
            live[name] = (entry.idx, subject)
    active_now: dict[str, str] = {}
    n = 0
    for row in s.scalars(select(PolicyRow)):
        n += 1
        subject = f"{row.name}@{row.version}"
        if subject not in drafts:
            out.add(f"policy {subject} has no ledger entry")
        if hashlib.sha256(row.source.encode()).hexdigest() != row.source_hash:
            out.add(f"policy {subject}: source differs from its logged hash")
        if row.status == "active":
            if subject in active_now.values() or row.name in active_now:
                out.add(f"policy {row.name}: more than one version is active")
            active_now[row.name] = subject
        elif row.status == "tested" and subject not in tested:
            out.add(f"policy {subject}: status tested but no backtest is logged")
    for name, (_, subject) in live.items():
        if active_now.get(name) != subject:
            out.add(
                f"policy {name}: {active_now.get(name, 'no version')} is active, "
                f"the log says {subject}"
            )
    for name, subject in active_now.items():
        if name not in live:
            out.add(f"policy {subject} is active but no activation is logged")
    return n, out.close()


def check_list_entries(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    out = _Problems("list_entries")
    n = 0
    for eid, removed_at in s.execute(select(ListEntryRow.id, ListEntryRow.removed_at)):
        n += 1
        if not logged.has("list.add", str(eid)):
            out.add(f"list entry {eid} has no ledger entry")
        elif removed_at is not None and not logged.has("list.remove", str(eid)):
            out.add(f"list entry {eid} is removed but no removal is logged")
    return n, out.close()


def key_record(row: ApiKeyRow) -> dict[str, Any]:
    """What a key.create entry commits to (format 2): every column but the revocation."""
    return {
        "id": row.id,
        "name": row.name,
        "owner": row.owner,
        "role": row.role,
        "secret_sha256": row.secret_hash,
        "created_at": _iso(row.created_at),
        "by": row.created_by,
    }


def key_revoke_record(row: ApiKeyRow, by: str | None) -> dict[str, Any]:
    return {"id": row.id, "at": _iso(row.revoked_at), "by": by}


def _iso(dt: datetime | None) -> str | None:
    aware = _aware(dt)
    return aware.isoformat() if aware is not None else None


def resolve_key_create(s: Session, subject: str) -> Mapping[str, Any] | None:
    from borderline.ledger.canonical import current_format

    row = s.get(ApiKeyRow, subject)
    if row is None:
        return None
    if current_format() == LEGACY_FORMAT:
        # Format 1 committed to {"id", "role", "by"}; "by" was not stored before the
        # created_by column, so such an entry is re-checked only once it is known.
        if row.created_by is None:
            raise NotRecheckable(subject)
        return {"id": row.id, "role": row.role, "by": row.created_by}
    return key_record(row)


def resolve_key_revoke(s: Session, subject: str) -> Mapping[str, Any] | None:
    from borderline.ledger.canonical import current_format

    row = s.get(ApiKeyRow, subject)
    if row is None or row.revoked_at is None:
        return None
    if current_format() == LEGACY_FORMAT:
        # Format 1 spelled revocations two ways (with and without "at"): presence only.
        raise NotRecheckable(subject)
    return key_revoke_record(row, row.revoked_by)


def check_api_keys(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    out = _Problems("api_keys")
    n = 0
    for kid, revoked_at in s.execute(select(ApiKeyRow.id, ApiKeyRow.revoked_at)):
        n += 1
        if not logged.has("key.create", kid):
            out.add(f"API key {kid} has no ledger entry")
        elif revoked_at is not None and not logged.has("key.revoke", kid):
            out.add(f"API key {kid} is revoked but no revocation is logged")
    return n, out.close()


CORE_COVERAGE = (
    Coverage(
        "decisions",
        ("decision",),
        check_decisions,
        "every column, the receipt in the body, and the findings rows",
    ),
    Coverage("orders", ("decision",), check_orders, "every column but received_at"),
    Coverage(
        "policies",
        ("policy.draft", "policy.backtest", "policy.activate", "config.draft", "config.activate"),
        check_policies,
        "source against its logged hash; which version is active",
    ),
    Coverage("list_entries", ("list.add", "list.remove"), check_list_entries, "every column"),
    Coverage("api_keys", ("key.create", "key.revoke"), check_api_keys, "every column"),
)


def register_core_coverage(ledger: Any) -> None:
    """Wire the core tables' coverage checks and the API-key resolvers onto a ``Ledger``."""
    ledger.register_resolver("key.create", resolve_key_create)
    ledger.register_resolver("key.revoke", resolve_key_revoke)
    for cov in CORE_COVERAGE:
        ledger.register_coverage(cov)
