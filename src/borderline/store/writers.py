"""One SQLite writer at a time across processes, handed on at once.

SQLite lets one connection write at a time; a second one that wants to write waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries. With one process that
hardly matters (its group committer is the only writer). With two server workers on one file,
each committer's next transaction found the other's in progress about as often as not, and slept
on: two workers served fewer decisions a second than one.

So a write transaction that ``begin_write`` opens first takes an exclusive ``flock`` on a lock
file beside the database (``<database>-writer``) and gives it up when the transaction ends,
committed or rolled back (the session's ``after_transaction_end``). A process that wants it
while another holds it tries again after 0.1 ms, doubling to at most 1 ms: it starts within a
millisecond of the other's commit, and the SQLite lock it then takes is free. The wait is
bounded like SQLite's own (``TIMEOUT_S``); past it, it goes ahead and lets SQLite's busy
handler decide, as before. A lock held by a process that dies is released by the kernel.

A transaction that writes without ``begin_write`` does not take the file lock; it still waits
for SQLite's lock as before, so correctness never depends on the file lock: SQLite's own lock
decides who writes, this one only decides who asks first.
"""

from __future__ import annotations

import fcntl
import os
import time
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

TIMEOUT_S = 10.0
_FIRST_PAUSE_S = 0.0001
_LONGEST_PAUSE_S = 0.001
_KEY = "borderline.writer_fd"

_locks: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def install(engine: Engine, database_path: str) -> None:
    """Queue ``begin_write`` transactions on ``engine`` behind a lock file beside the database."""
    _locks[engine] = database_path + "-writer"


def uninstall(engine: Engine) -> None:
    """Let ``engine``'s writers wait in SQLite's busy handler alone (for comparisons)."""
    _locks.pop(engine, None)


def lock_path(engine: Engine) -> str | None:
    return _locks.get(engine)


def acquire(session: Session, engine: Engine) -> None:
    """Take the engine's writer lock for the session's current transaction (if it has one)."""
    path = _locks.get(engine)
    if path is None or _KEY in session.info:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    pause, deadline = _FIRST_PAUSE_S, time.monotonic() + TIMEOUT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)  # SQLite's busy handler has the last word, as without this lock
                return
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE_S)
        except BaseException:
            os.close(fd)
            raise
    session.info[_KEY] = fd


def release(session: Session) -> None:
    fd = session.info.pop(_KEY, None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases its flock


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        release(session)


def held(session: Session) -> bool:
    return _KEY in session.info


__all__ = ["TIMEOUT_S", "acquire", "held", "install", "lock_path", "release", "uninstall"]
