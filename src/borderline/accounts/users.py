"""Web users and their sessions: scrypt-hashed passwords, each change logged in the ledger in
the same transaction (``user.create``, ``user.password``, ``user.disable``), and server-side
sessions of which the database holds only a SHA-256 of the token, so a stolen database does
not yield live sessions.

Cookies, CSRF tokens, roles' permissions and sign-in throttling belong to the web adapter
(``borderline.web.auth``); this module knows names, roles, passwords and tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from borderline.accounts import ledger as users_ledger
from borderline.accounts.tables import SessionRow, UserRow
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.store import transaction
from borderline.store.ports import LedgerAppender, Storage

WEB_ROLES = ("admin", "analyst", "auditor")
SESSION_TTL = timedelta(hours=8)

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB per hash, ~50 ms; the OWASP minimum for scrypt.
_N, _R, _P = 2**14, 8, 1


class AccountLedger(LedgerAppender, Protocol):
    """Appends one entry, or several in order, in the caller's transaction."""

    def append_many(
        self, session: Session, entries: Iterable[tuple[str, str, Mapping[str, Any]]]
    ) -> Any: ...


class AccountStorage(Storage, Protocol):
    """A session factory and a ledger that can also append several entries at once."""

    @property
    def ledger(self) -> AccountLedger: ...


@dataclass(frozen=True)
class Account:
    """A user who may act now (not disabled)."""

    name: str
    role: str


@dataclass(frozen=True)
class OpenSession:
    token: str
    account: Account
    expires_at: datetime


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    dk = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(dk).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, dk = stored.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(dk)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(dk))


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def _check_new_password(password: str) -> None:
    if len(password) < 10:
        raise InvalidInput("passwords need at least 10 characters", where="password")


def add_user(storage: AccountStorage, name: str, role: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidInput("a user name is 1-100 characters without spaces", where="name")
    if role not in WEB_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(WEB_ROLES)}", where="role")
    _check_new_password(password)
    with transaction(storage.sessions) as s:
        if (
            s.get(UserRow, name) is not None
            or s.scalars(select(UserRow).where(func.lower(UserRow.name) == name.lower())).first()
        ):
            # "Ada" and "ada" would be one person to four eyes: refuse the second spelling.
            raise Conflict(f"user {name!r} already exists", where="name")
        row = UserRow(
            name=name,
            role=role,
            password_hash=hash_password(password),
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        storage.ledger.append_many(
            s,
            [
                ("user.create", name, users_ledger.create_record(row)),
                ("user.password", name, users_ledger.password_record(row)),
            ],
        )


def _user(s: Session, name: str) -> UserRow:
    row = s.get(UserRow, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def set_password(storage: AccountStorage, name: str, password: str) -> None:
    """A new password; the user's open sessions end."""
    _check_new_password(password)
    with transaction(storage.sessions) as s:
        row = _user(s, name)
        row.password_hash = hash_password(password)
        s.flush()
        storage.ledger.append(
            s, kind="user.password", subject=name, record=users_ledger.password_record(row)
        )
        s.execute(delete(SessionRow).where(SessionRow.user == name))


def disable_user(storage: AccountStorage, name: str) -> None:
    """Disable a user for good (logged once); the user's open sessions end."""
    with transaction(storage.sessions) as s:
        row = _user(s, name)
        if row.disabled_at is None:
            row.disabled_at = datetime.now(UTC)
            s.flush()
            storage.ledger.append(
                s, kind="user.disable", subject=name, record=users_ledger.disable_record(row)
            )
        s.execute(delete(SessionRow).where(SessionRow.user == name))


def list_users(storage: AccountStorage) -> list[UserRow]:
    with storage.sessions() as s:
        return list(s.scalars(select(UserRow).order_by(UserRow.name)))


def _verified(s: Session, name: str, password: str) -> UserRow | None:
    row = s.get(UserRow, name.strip())
    # Hash even for an unknown user so timing does not reveal which names exist.
    ok = check_password(password, row.password_hash if row else _DUMMY_HASH)
    if row is None or not ok or row.disabled_at is not None:
        return None
    return row


def verify_password(storage: AccountStorage, name: str, password: str) -> Account | None:
    """The account when the name and password check out and it is not disabled."""
    with storage.sessions() as s:
        row = _verified(s, name, password)
        return None if row is None else Account(row.name, row.role)


def _id_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(storage: AccountStorage, name: str, password: str) -> OpenSession | None:
    """Sign in: a new session token for a user whose password checks out, else None."""
    with transaction(storage.sessions) as s:
        row = _verified(s, name, password)
        if row is None:
            return None
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        expires = now + SESSION_TTL
        s.add(
            SessionRow(id_hash=_id_hash(token), user=row.name, created_at=now, expires_at=expires)
        )
        # Housekeeping: drop this user's expired sessions.
        s.execute(
            delete(SessionRow).where(SessionRow.user == row.name, SessionRow.expires_at < now)
        )
        return OpenSession(token, Account(row.name, row.role), expires)


def find_session(storage: AccountStorage, token: str) -> tuple[OpenSession | None, bool]:
    """(session, expired): ``expired`` tells a timed-out session from no session at all; a
    disabled or deleted user has no session."""
    with storage.sessions() as s:
        row = s.get(SessionRow, _id_hash(token))
        if row is None:
            return None, False
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None, True
        user = s.get(UserRow, row.user)
        if user is None or user.disabled_at is not None:
            return None, False
        return OpenSession(token, Account(user.name, user.role), expires), False


def close_session(storage: AccountStorage, token: str) -> None:
    with transaction(storage.sessions) as s:
        s.execute(delete(SessionRow).where(SessionRow.id_hash == _id_hash(token)))
