"""Web users in the audit ledger: who may sign in, with which role and which password.

Entries (format 2, RFC 8785):

- ``user.create`` — ``{"name", "role", "created_at"}``, re-checked against the row;
- ``user.password`` — ``{"name", "password_sha256"}``: the SHA-256 of the stored scrypt hash
  (never the password, nor the hash itself). Only the newest one per user can match the row,
  so the coverage check compares that one rather than a resolver re-checking each;
- ``user.disable`` — ``{"name", "disabled_at"}``.

A user row with no ``user.create``, a role or password hash edited behind the log's back, or a
disabled user re-enabled in the table are reported by ``ledger verify``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.accounts.tables import UserRow
from borderline.ledger import record_hash
from borderline.ledger.canonical import CURRENT_FORMAT
from borderline.ledger.coverage import Coverage, LoggedIndex


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def create_record(row: UserRow) -> dict[str, Any]:
    return {"name": row.name, "role": row.role, "created_at": _iso(row.created_at)}


def password_record(row: UserRow) -> dict[str, Any]:
    digest = hashlib.sha256(row.password_hash.encode()).hexdigest()
    return {"name": row.name, "password_sha256": digest}


def disable_record(row: UserRow) -> dict[str, Any]:
    return {"name": row.name, "disabled_at": _iso(row.disabled_at)}


def _create(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.get(UserRow, subject)
    return None if row is None else create_record(row)


def _disable(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.get(UserRow, subject)
    return None if row is None or row.disabled_at is None else disable_record(row)


def check_users(s: Session, logged: LoggedIndex) -> tuple[int, list[str]]:
    problems: list[str] = []
    passwords = logged.entries("user.password")
    n = 0
    for row in s.scalars(select(UserRow)):
        n += 1
        if not logged.has("user.create", row.name):
            problems.append(f"cases_users: user {row.name} has no ledger entry")
            continue
        latest = passwords.get(row.name)
        if latest is None or latest.version != CURRENT_FORMAT:
            problems.append(f"cases_users: user {row.name} has no logged password")
        elif record_hash(password_record(row), CURRENT_FORMAT) != latest.record_sha256:
            problems.append(f"cases_users: password of {row.name} differs from the logged one")
        if row.disabled_at is not None and not logged.has("user.disable", row.name):
            problems.append(f"cases_users: user {row.name} is disabled but it is not logged")
    return n, problems


def register(ledger: Any) -> None:
    """Entry point ``borderline.ledger``: resolvers and coverage for web users."""
    ledger.register_resolver("user.create", _create)
    ledger.register_resolver("user.disable", _disable)
    ledger.register_coverage(
        Coverage(
            "cases_users",
            ("user.create", "user.password", "user.disable"),
            check_users,
            "every column: role and creation time, the password hash (its newest entry), disabled",
        )
    )
