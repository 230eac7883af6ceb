"""Accounts: web users (name, role, scrypt password, disabled) and their server-side sessions.

Public API (the rest is internal):

- ``add_user``, ``list_users``, ``set_password``, ``disable_user``, ``check_password``;
  ``Account``, ``WEB_ROLES``; ``hash_password`` / ``verify_password`` (scrypt).
- ``open_session``, ``find_session``, ``close_session``, ``OpenSession``, ``SESSION_TTL``.
- ``AccountStorage``: what the functions need from the application (sessions, ledger).
- ``UserRow``, ``SessionRow``: the tables.

Every change to a user is logged in the ledger in the same transaction
(``borderline.accounts.ledger`` re-checks them in ``ledger verify``). The tables keep their
names ``cases_users`` and ``cases_sessions`` (migration in ``cases/migrations``). The web
adapter (``borderline.web.auth``) adds cookies, CSRF tokens and throttling.
"""

from borderline.accounts.tables import SessionRow, UserRow
from borderline.accounts.users import (
    SESSION_TTL,
    WEB_ROLES,
    Account,
    AccountStorage,
    OpenSession,
    add_user,
    check_password,
    close_session,
    disable_user,
    find_session,
    hash_password,
    list_users,
    open_session,
    set_password,
    verify_password,
)

__all__ = [
    "SESSION_TTL",
    "WEB_ROLES",
    "Account",
    "AccountStorage",
    "OpenSession",
    "SessionRow",
    "UserRow",
    "add_user",
    "check_password",
    "close_session",
    "disable_user",
    "find_session",
    "hash_password",
    "list_users",
    "open_session",
    "set_password",
    "verify_password",
]
