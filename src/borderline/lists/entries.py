"""Adding, removing and listing block/allow entries, each change with its ledger entry."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.assessors import LIST_KINDS, normalise_value
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.lists.cache import ListCache
from borderline.refdata import is_country
from borderline.store import transaction
from borderline.store.models import ListEntryRow
from borderline.store.ports import LedgerAppender, SessionFactory
from borderline.store.times import iso


class ListEntries:
    """The block/allow lists' lifecycle; every change invalidates the engine's list cache."""

    def __init__(self, sessions: SessionFactory, ledger: LedgerAppender, cache: ListCache) -> None:
        self.sessions, self.ledger, self.cache = sessions, ledger, cache

    def add(
        self,
        *,
        list_name: str,
        kind: str,
        value: str,
        action: str,
        reason: str | None,
        actor: str,
        expires_at: datetime | None = None,
    ) -> dict[str, Any]:
        value = validate_entry(list_name, kind, value, action, expires_at)
        with transaction(self.sessions) as s:
            out = add_entry(
                s,
                self.ledger,
                list_name=list_name,
                kind=kind,
                value=value,
                action=action,
                reason=reason,
                actor=actor,
                expires_at=expires_at,
            )
        self.cache.invalidate()
        return out

    def remove(self, entry_id: int, actor: str) -> None:
        with transaction(self.sessions) as s:
            row = s.get(ListEntryRow, entry_id)
            if row is None or row.removed_at is not None:
                raise NotFound(f"no list entry {entry_id}")
            row.removed_at, row.removed_by = datetime.now(UTC), actor
            s.flush()
            self.ledger.append(s, kind="list.remove", subject=str(row.id), record=_list_remove(row))
        self.cache.invalidate()

    def entries(self, list_name: str | None = None) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = select(ListEntryRow).where(ListEntryRow.removed_at.is_(None))
            if list_name:
                q = q.where(ListEntryRow.list_name == list_name)
            return [_entry_dict(r) for r in s.scalars(q.order_by(ListEntryRow.id))]


def validate_entry(
    list_name: str, kind: str, value: str, action: str, expires_at: datetime | None
) -> str:
    """Check an entry before anything is written; returns the value in its stored form."""
    if kind not in LIST_KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; kinds: {', '.join(LIST_KINDS)}", where="kind")
    if action not in ("block", "allow"):
        raise InvalidInput("action must be 'block' or 'allow'", where="action")
    if not list_name.strip() or len(list_name) > 100:
        raise InvalidInput("list name must be 1-100 characters", where="list")
    value = normalise_value(kind, value)
    if not value or len(value) > 500:
        raise InvalidInput("value must be 1-500 characters", where="value")
    if kind == "ip":
        try:
            value = (
                str(ipaddress.ip_network(value, strict=False))
                if "/" in value
                else str(ipaddress.ip_address(value))
            )
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not an IP address or CIDR range", where="value"
            ) from None
    if kind == "country" and not is_country(value):
        raise InvalidInput(f"unknown country code {value!r}", where="value")
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone", where="expires_at")
    return value


def add_entry(
    s: Session,
    ledger: LedgerAppender,
    *,
    list_name: str,
    kind: str,
    value: str,
    action: str,
    reason: str | None,
    actor: str,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """Write a validated entry and its ledger entry in the caller's transaction."""
    dup = s.scalars(
        select(ListEntryRow).where(
            ListEntryRow.list_name == list_name,
            ListEntryRow.kind == kind,
            ListEntryRow.value == value,
            ListEntryRow.removed_at.is_(None),
        )
    ).first()
    if dup is not None:
        raise Conflict(f"{kind} {value!r} is already on list {list_name!r}", where="value")
    row = ListEntryRow(
        list_name=list_name,
        kind=kind,
        value=value,
        action=action,
        reason=reason,
        created_by=actor,
        created_at=datetime.now(UTC),
        expires_at=expires_at,
    )
    s.add(row)
    s.flush()
    ledger.append(s, kind="list.add", subject=str(row.id), record=_list_add(row))
    return _entry_dict(row)


# -- ledger records ------------------------------------------------------------------------------


def list_add_record(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.get(ListEntryRow, int(subject))
    return None if row is None else _list_add(row)


def list_remove_record(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.get(ListEntryRow, int(subject))
    return None if row is None or row.removed_at is None else _list_remove(row)


def _list_add(r: ListEntryRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "list": r.list_name,
        "kind": r.kind,
        "value": r.value,
        "action": r.action,
        "reason": r.reason,
        "by": r.created_by,
        "at": iso(r.created_at),
        "expires_at": iso(r.expires_at),
    }


def _list_remove(r: ListEntryRow) -> dict[str, Any]:
    return {"id": r.id, "by": r.removed_by, "at": iso(r.removed_at)}


def _entry_dict(r: ListEntryRow) -> dict[str, Any]:
    return {**_list_add(r), "removed_at": iso(r.removed_at)}
