"""Web sign-in: scrypt-hashed passwords, server-side sessions in signed cookies, CSRF tokens.

The cookie holds a random session token and an HMAC of it, so a forged cookie is refused
without touching the database; the database holds only a SHA-256 of the token, so a stolen
database does not yield live sessions. CSRF tokens are an HMAC of the session token: each form
carries one and every state-changing request must present it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from borderline.auth import ROLE_PERMISSIONS, Principal
from borderline.cases import users_ledger
from borderline.cases.store import SessionRow, UserRow
from borderline.errors import Conflict, InvalidInput, NotFound, Unauthorized
from borderline.service import Services
from borderline.store import transaction

WEB_ROLES = ("admin", "analyst", "auditor")
SESSION_TTL = timedelta(hours=8)
COOKIE = "bl_session"
PRE_COOKIE = "bl_pre"  # a pre-session token so the sign-in form has a CSRF token too

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB per hash, ~50 ms; the OWASP minimum for scrypt.
_N, _R, _P = 2**14, 8, 1


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


def add_user(services: Services, name: str, role: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidInput("a user name is 1-100 characters without spaces", where="name")
    if role not in WEB_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(WEB_ROLES)}", where="role")
    if len(password) < 10:
        raise InvalidInput("passwords need at least 10 characters", where="password")
    with transaction(services.sessions) as s:
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
        services.ledger.append_many(
            s,
            [
                ("user.create", name, users_ledger.create_record(row)),
                ("user.password", name, users_ledger.password_record(row)),
            ],
        )


def set_password(services: Services, name: str, password: str) -> None:
    if len(password) < 10:
        raise InvalidInput("passwords need at least 10 characters", where="password")
    with transaction(services.sessions) as s:
        row = s.get(UserRow, name)
        if row is None:
            raise NotFound(f"no user {name!r}")
        row.password_hash = hash_password(password)
        s.flush()
        services.ledger.append(
            s, kind="user.password", subject=name, record=users_ledger.password_record(row)
        )
        s.execute(delete(SessionRow).where(SessionRow.user == name))


def disable_user(services: Services, name: str) -> None:
    with transaction(services.sessions) as s:
        row = s.get(UserRow, name)
        if row is None:
            raise NotFound(f"no user {name!r}")
        if row.disabled_at is None:
            row.disabled_at = datetime.now(UTC)
            s.flush()
            services.ledger.append(
                s, kind="user.disable", subject=name, record=users_ledger.disable_record(row)
            )
        s.execute(delete(SessionRow).where(SessionRow.user == name))


def list_users(services: Services) -> list[UserRow]:
    with services.sessions() as s:
        return list(s.scalars(select(UserRow).order_by(UserRow.name)))


# Sign-in throttling lives in borderline.web.throttle (counted in the database).


# -- secrets and signing ---------------------------------------------------------------------


def session_secret(services: Services) -> bytes:
    configured = services.settings.session_secret
    if configured:
        return configured.encode()
    path = Path(services.settings.data_dir) / "session-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _mac(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def sign(secret: bytes, token: str) -> str:
    return f"{token}.{_mac(secret, 'cookie', token)}"


def unsign(secret: bytes, cookie: str | None) -> str | None:
    if not cookie or "." not in cookie:
        return None
    token, _, mac = cookie.rpartition(".")
    return token if hmac.compare_digest(mac, _mac(secret, "cookie", token)) else None


def csrf_for(secret: bytes, token: str) -> str:
    return _mac(secret, "csrf", token)


def csrf_ok(secret: bytes, token: str | None, presented: str | None) -> bool:
    return bool(token and presented) and hmac.compare_digest(
        csrf_for(secret, token or ""), presented or ""
    )


def _id_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    token: str
    principal: Principal
    expires_at: datetime


def sign_in(services: Services, name: str, password: str) -> WebSession | None:
    with transaction(services.sessions) as s:
        row = s.get(UserRow, name.strip())
        # Hash even for an unknown user so timing does not reveal which names exist.
        ok = check_password(password, row.password_hash if row else _DUMMY_HASH)
        if row is None or not ok or row.disabled_at is not None:
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
        return WebSession(token, _principal(row), expires)


def authenticate_user(
    services: Services, name: str, password: str, where: str = "cli"
) -> Principal:
    """A web user's principal from name and password (for the CLI's approvals), throttled
    like the sign-in form. Raises ``Unauthorized`` when it does not check out."""
    from borderline.web import throttle

    wait = throttle.begin_attempt(services, name, where)
    if wait > 0:
        raise Unauthorized(f"too many wrong passwords; try again in {int(wait) + 1} second(s)")
    with services.sessions() as s:
        row = s.get(UserRow, name.strip())
        ok = check_password(password, row.password_hash if row else _DUMMY_HASH)
        if row is None or not ok or row.disabled_at is not None:
            raise Unauthorized("wrong user name or password")
        principal = _principal(row)
    throttle.succeeded(services, name, where)
    return principal


def _principal(row: UserRow) -> Principal:
    return Principal(key_id=f"web:{row.name}", name=row.name, role=row.role, owner=row.name)


def lookup(services: Services, token: str) -> tuple[WebSession | None, bool]:
    """(session, expired): ``expired`` tells a timed-out session from no session at all."""
    with services.sessions() as s:
        row = s.get(SessionRow, _id_hash(token))
        if row is None:
            return None, False
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None, True
        user = s.get(UserRow, row.user)
        if user is None or user.disabled_at is not None or user.role not in ROLE_PERMISSIONS:
            return None, False
        return WebSession(token, _principal(user), expires), False


def sign_out(services: Services, token: str) -> None:
    with transaction(services.sessions) as s:
        s.execute(delete(SessionRow).where(SessionRow.id_hash == _id_hash(token)))
