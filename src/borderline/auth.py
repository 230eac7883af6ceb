"""API keys and roles. Keys are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from borderline.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from borderline.store.models import ApiKeyRow

# What each role may do. Endpoints ask for a permission, never for a role, so a new role is a
# line here. "assess" runs assessments and stateless tools; "write" changes stored data
# (lists, cases, registers); "activate" puts a policy live; "admin" manages keys.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "assess", "label", "write", "review", "activate", "admin"}),
    "analyst": frozenset({"read", "assess", "label", "write", "review"}),
    "auditor": frozenset({"read"}),
    "service": frozenset({"read", "assess", "label"}),
}
ROLES = tuple(ROLE_PERMISSIONS)


class _Appender(Protocol):
    def append(self, session: Session, *, kind: str, subject: str, record: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    name: str
    role: str
    # The person answerable for this key (a web user is their own owner) and who minted it.
    owner: str = ""
    minted_by: str = ""

    @property
    def person(self) -> str:
        return self.owner or self.name

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone who can act through this principal: its owner and the key's minter."""
        return tuple(p for p in (self.person, self.minted_by) if p)

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"role '{self.role}' may not {permission}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session,
    name: str,
    role: str,
    *,
    owner: str | None = None,
    by: str | None = None,
    ledger: _Appender | None = None,
) -> tuple[str, str]:
    """Create a key; returns (key id, the full secret). The secret is not stored.

    ``owner`` is the person answerable for the key (default: ``name``); ``by`` who minted it.
    With ``ledger`` the key lands with its ``key.create`` entry in the same transaction.
    """
    if role not in ROLE_PERMISSIONS:
        raise InvalidInput(f"unknown role {role!r}; roles: {', '.join(ROLES)}", where="role")
    key_id = secrets.token_hex(6)
    secret = f"bl_{key_id}_{secrets.token_urlsafe(24)}"
    row = ApiKeyRow(
        id=key_id,
        name=name,
        role=role,
        secret_hash=_hash(secret),
        created_at=datetime.now(UTC),
        owner=(owner or name).strip(),
        created_by=by,
    )
    session.add(row)
    session.flush()
    if ledger is not None:
        from borderline.ledger.tables import key_record

        ledger.append(session, kind="key.create", subject=key_id, record=key_record(row))
    return key_id, secret


_KEYS = ApiKeyRow.__table__.c
_KEY_SELECT = select(
    _KEYS.id, _KEYS.name, _KEYS.role, _KEYS.secret_hash, _KEYS.revoked_at, _KEYS.owner,
    _KEYS.created_by,
).where(_KEYS.id == bindparam("id"))  # fmt: skip


def authenticate(session: Session, secret: str | None) -> Principal:
    if not secret:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "bl":
        raise Unauthorized("malformed API key")
    # A Core select of the columns it needs: the ORM's identity-map load cost more than the
    # query itself on every request of an integration.
    row = session.execute(_KEY_SELECT, {"id": parts[1]}).first()
    # Compare in constant time; an unknown id and a wrong secret give the same answer.
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise Unauthorized("invalid API key")
    if row.revoked_at is not None:
        raise Unauthorized("revoked API key")
    return Principal(
        key_id=row.id,
        name=row.name,
        role=row.role,
        owner=row.owner or row.name,
        minted_by=row.created_by or "",
    )


class KeyCache:
    """The principals of API keys that authenticated in the last ``ttl`` seconds.

    An integration sends the same key with every request; looking it up in the database each
    time cost a query and a thread hop per request. A hit is still checked against the
    stored hash of the secret in constant time, and only keys that authenticated are kept (a
    wrong or unknown key always goes to the database). A key revoked through this process is
    forgotten at once; one revoked by another process (the CLI, another worker) stops
    working within ``ttl`` seconds. ``ttl`` 0 turns the cache off.
    """

    def __init__(self, ttl: float = 2.0, size: int = 4096) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[str, Principal, float]] = {}

    def get(self, secret: str | None) -> Principal | None:
        if not secret or self.ttl <= 0:
            return None
        parts = secret.split("_")
        entry = self._entries.get(parts[1]) if len(parts) >= 3 else None
        if entry is None or entry[2] < time.monotonic():
            return None
        if not hmac.compare_digest(entry[0], _hash(secret)):
            return None
        return entry[1]

    def put(self, secret: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.size:  # many keys at once: start again, no LRU needed
            self._entries.clear()
        self._entries[principal.key_id] = (_hash(secret), principal, time.monotonic() + self.ttl)

    def forget(self, key_id: str) -> None:
        self._entries.pop(key_id, None)

    def authenticate(self, session: Session, secret: str | None) -> Principal:
        """``authenticate`` through the cache."""
        principal = self.get(secret)
        if principal is None:
            principal = authenticate(session, secret)
            self.put(cast(str, secret), principal)
        return principal


def revoke_key(
    session: Session, key_id: str, *, by: str | None = None, ledger: _Appender | None = None
) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id!r}")
    if row.revoked_at is not None:
        return
    row.revoked_at = datetime.now(UTC)
    row.revoked_by = by
    session.flush()
    if ledger is not None:
        from borderline.ledger.tables import key_revoke_record

        ledger.append(session, kind="key.revoke", subject=key_id, record=key_revoke_record(row, by))


def list_keys(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))
