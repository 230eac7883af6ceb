"""SQLite writers of several processes queue on a lock file beside the database."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from borderline.store import begin_write, make_engine, session_factory, transaction, writers


def _free(path: str) -> bool:
    """Whether another open file could take the writer lock now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _setup(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger_checkpoints (size INTEGER)"))
        conn.execute(text("CREATE TABLE t (who TEXT, n INTEGER)"))
    engine.dispose()


def _opened(tmp_path: Path) -> tuple[Path, Engine, sessionmaker[Session]]:
    db = tmp_path / "w.db"
    _setup(db)
    engine = make_engine(f"sqlite:///{db}")
    return db, engine, session_factory(engine)


def test_the_lock_is_held_for_the_write_transaction_and_no_longer(tmp_path: Path) -> None:
    db, engine, sessions = _opened(tmp_path)
    lock = writers.lock_path(engine)
    assert lock == f"{db}-writer"
    try:
        with transaction(sessions) as s:
            begin_write(s)
            assert writers.held(s) and not _free(lock)
            s.execute(text("INSERT INTO t VALUES ('a', 1)"))
        assert _free(lock)  # released once committed

        with pytest.raises(RuntimeError), transaction(sessions) as s:
            begin_write(s)
            s.execute(text("INSERT INTO t VALUES ('a', 2)"))
            assert not _free(lock)
            raise RuntimeError("boom")
        assert _free(lock)  # released once rolled back; nothing of it kept
        with sessions() as s:
            assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1

        # A savepoint ending inside the transaction keeps the lock.
        with transaction(sessions) as s:
            begin_write(s)
            with s.begin_nested():
                s.execute(text("INSERT INTO t VALUES ('a', 3)"))
            assert writers.held(s) and not _free(lock)
        assert _free(lock)
        # The lock file is private, like the database.
        assert os.stat(lock).st_mode & 0o777 == 0o600
    finally:
        engine.dispose()


def test_a_writer_waits_for_the_other_process_then_goes_on(tmp_path: Path) -> None:
    db, engine, sessions = _opened(tmp_path)
    lock = f"{db}-writer"
    # Another process holds the writer lock (as a worker inside its transaction would).
    holder = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    proc = _writer(db, "child", 1)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(2.0)  # queued behind the lock, nothing written
        with sessions() as s:
            assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0
        os.close(holder)
        assert proc.wait(60) == 0
        with sessions() as s:
            assert s.execute(text("SELECT count(*) FROM t WHERE who='child'")).scalar() == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()


_WRITE = """
import sys
from sqlalchemy import text
from borderline.store import begin_write, make_engine, session_factory, transaction
db, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = make_engine(f"sqlite:///{db}")
sessions = session_factory(engine)
for i in range(n):
    with transaction(sessions) as s:
        begin_write(s)
        last = s.execute(text("SELECT coalesce(max(n), -1) FROM t")).scalar()
        s.execute(text("INSERT INTO t VALUES (:w, :n)"), {"w": who, "n": int(last) + 1})
engine.dispose()
"""


def _writer(db: Path, who: str, n: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", _WRITE, str(db), who, str(n)])


def test_processes_writing_at_once_lose_nothing_and_never_interleave(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    _setup(db)
    procs = [_writer(db, f"p{i}", 150) for i in range(3)]
    for p in procs:
        assert p.wait(300) == 0
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            ns = [r[0] for r in s.execute(text("SELECT n FROM t ORDER BY rowid"))]
        # Each transaction read the highest n and wrote the next: one writer at a time
        # leaves 0..449 exactly once each.
        assert ns == list(range(450))
        assert _free(f"{db}-writer")
    finally:
        engine.dispose()
