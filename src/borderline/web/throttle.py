"""Sign-in throttling: atomic attempt counting per user name and per client address.

Every attempt is counted *before* its password is checked, in one transaction that holds a
lock on the counters (a row lock on PostgreSQL, the write lock on SQLite): forty concurrent
guesses are serialised, so the sixth waits however many threads send it. Counters live in the
database, so every worker process and every restart sees the same numbers.

Past the free attempts, each further attempt must wait twice as long as the one before —
a back-off, not a lock: for a user name it never exceeds ``USER_MAX_DELAY`` seconds, so
someone who knows a name cannot keep its owner out; a client address that keeps failing
backs off up to ``ADDR_MAX_DELAY``. A correct password clears the user's counter.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from borderline.service import Services
from borderline.store import begin_write, transaction
from borderline.store.models import AuthThrottleRow

WINDOW = 900.0  # failures older than this are forgotten
USER_FREE = 5
ADDR_FREE = 20
USER_MAX_DELAY = 30.0
ADDR_MAX_DELAY = 900.0

_LIMITS = {"user": (USER_FREE, USER_MAX_DELAY), "addr": (ADDR_FREE, ADDR_MAX_DELAY)}


def backoff(failures: int, free: int, cap: float) -> float:
    """Seconds the next attempt must wait after ``failures`` counted attempts."""
    if failures < free:
        return 0.0
    return min(cap, 2.0 ** (failures - free))


def _subjects(name: str, addr: str | None) -> list[tuple[str, str]]:
    out = [("user", name.strip().casefold()[:200])]
    if addr:
        out.append(("addr", addr[:200]))
    return out


def _locked(s: Session, scope: str, subject: str, now: float) -> AuthThrottleRow:
    dialect = s.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(
        make(AuthThrottleRow)
        .values(scope=scope, subject=subject, failures=0, window_start=now, blocked_until=0.0)
        .on_conflict_do_nothing()
    )
    row = s.scalars(
        select(AuthThrottleRow)
        .where(AuthThrottleRow.scope == scope, AuthThrottleRow.subject == subject)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def begin_attempt(
    services: Services, name: str, addr: str | None = None, now: float | None = None
) -> float:
    """Count one sign-in attempt. Returns 0 when it may go ahead (and is counted), else the
    seconds to wait (and nothing is counted)."""
    now = time.time() if now is None else now
    with transaction(services.sessions) as s:
        begin_write(s)
        rows = [
            (scope, _locked(s, scope, subject, now)) for scope, subject in _subjects(name, addr)
        ]
        wait = max(row.blocked_until - now for _, row in rows)
        if wait > 0:
            return wait
        for scope, row in rows:
            if now - row.window_start > WINDOW:
                row.failures, row.window_start = 0, now
            row.failures += 1
            free, cap = _LIMITS[scope]
            row.blocked_until = (
                now + backoff(row.failures, free, cap) if row.failures >= free else 0.0
            )
        return 0.0


def succeeded(services: Services, name: str, addr: str | None = None) -> None:
    """The right password: the user's counter starts again, and the address is not charged
    for this attempt (an office of people signing in is not an attack)."""
    with transaction(services.sessions) as s:
        begin_write(s)
        row = s.get(AuthThrottleRow, ("user", name.strip().casefold()[:200]))
        if row is not None:
            s.delete(row)
        if addr:
            arow = s.get(AuthThrottleRow, ("addr", addr[:200]))
            if arow is not None and arow.failures > 0:
                arow.failures -= 1
                if arow.failures < ADDR_FREE:
                    arow.blocked_until = 0.0
