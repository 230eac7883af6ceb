"""Web sign-in: server-side sessions in signed cookies, CSRF tokens, principals for the
accounts of ``borderline.accounts`` (which holds users, passwords and sessions).

The cookie holds a random session token and an HMAC of it, so a forged cookie is refused
without touching the database. CSRF tokens are an HMAC of the session token: each form
carries one and every state-changing request must present it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from borderline import accounts
from borderline.auth import ROLE_PERMISSIONS, Principal
from borderline.errors import Unauthorized
from borderline.service import Services

COOKIE = "bl_session"
PRE_COOKIE = "bl_pre"  # a pre-session token so the sign-in form has a CSRF token too


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


# -- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    token: str
    principal: Principal
    expires_at: datetime


def _web_session(opened: accounts.OpenSession) -> WebSession:
    return WebSession(opened.token, _principal(opened.account), opened.expires_at)


def sign_in(services: Services, name: str, password: str) -> WebSession | None:
    opened = accounts.open_session(services, name, password)
    return None if opened is None else _web_session(opened)


def authenticate_user(
    services: Services, name: str, password: str, where: str = "cli"
) -> Principal:
    """A web user's principal from name and password (for the CLI's approvals), throttled
    like the sign-in form. Raises ``Unauthorized`` when it does not check out."""
    from borderline.web import throttle

    wait = throttle.begin_attempt(services, name, where)
    if wait > 0:
        raise Unauthorized(f"too many wrong passwords; try again in {int(wait) + 1} second(s)")
    account = accounts.verify_password(services, name, password)
    if account is None:
        raise Unauthorized("wrong user name or password")
    throttle.succeeded(services, name, where)
    return _principal(account)


def _principal(account: accounts.Account) -> Principal:
    return Principal(
        key_id=f"web:{account.name}", name=account.name, role=account.role, owner=account.name
    )


def lookup(services: Services, token: str) -> tuple[WebSession | None, bool]:
    """(session, expired): ``expired`` tells a timed-out session from no session at all."""
    opened, expired = accounts.find_session(services, token)
    if opened is None or opened.account.role not in ROLE_PERMISSIONS:
        return None, expired
    return _web_session(opened), False


def sign_out(services: Services, token: str) -> None:
    accounts.close_session(services, token)
