"""SQLite WAL checkpoints off the request path.

SQLite's automatic checkpoint runs inside whichever commit pushes the write-ahead log past
1,000 pages: with a stored decision writing about 70 KB, one decision in fifteen paid for
copying the log back into the database file (and its fsync), 9-18 ms more than the others,
which set the stored decision's p95 and p99. Here a daemon thread per file database runs a
PASSIVE checkpoint every ``INTERVAL_S`` seconds instead: it copies what no reader still needs
and never blocks a reader or a writer (SQLite releases the interpreter lock while it copies).
The automatic checkpoint stays on as a safety net at ``AUTO_PAGES`` pages (40 MB), which the
thread keeps the log well below; so a process without the thread (one that forked, say) still
checkpoints, only in larger steps. The log file is cut back to ``JOURNAL_LIMIT`` bytes when
SQLite restarts it.

The thread starts with the engine's first connection, stops when the engine is disposed and
starts again with the next connection, and ends when the engine is garbage-collected.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

INTERVAL_S = 0.25
AUTO_PAGES = 10_000
JOURNAL_LIMIT = 64 * 1024 * 1024


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on ``path`` every ``interval`` seconds."""

    def __init__(self, path: str, engine: Engine, interval: float = INTERVAL_S) -> None:
        self.path = path
        self.interval = interval
        self.runs = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine = weakref.ref(engine, lambda _ref: self._stop.set())

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def ensure_running(self) -> None:
        with self._lock:
            if self.alive or self._engine() is None:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="sqlite-checkpoint", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1

    def _run(self, stop: threading.Event) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=0, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("no background checkpoints for %s: %s", self.path, exc)
            return
        try:
            while not stop.wait(self.interval):
                try:
                    self.checkpoint(conn)
                except sqlite3.OperationalError as exc:
                    if "locked" in str(exc) or "busy" in str(exc):
                        continue  # the next tick tries again
                    log.warning("background checkpoints of %s stopped: %s", self.path, exc)
                    return
        finally:
            conn.close()


_installed: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def checkpointer_of(engine: Engine) -> Checkpointer | None:
    """The background checkpointer of ``engine`` (None: not a file SQLite database)."""
    return _installed.get(engine)


def install(engine: Engine, path: str) -> Checkpointer:
    """Checkpoint ``engine``'s file database in the background (see the module text)."""
    checkpointer = Checkpointer(path, engine)

    @event.listens_for(engine, "connect")
    def _connected(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTO_PAGES}")
        cur.execute(f"PRAGMA journal_size_limit={JOURNAL_LIMIT}")
        cur.close()
        checkpointer.ensure_running()

    @event.listens_for(engine, "engine_disposed")
    def _disposed(_engine: Engine) -> None:
        checkpointer.stop()

    _installed[engine] = checkpointer
    return checkpointer
