"""SQLite write-ahead-log checkpoints run on a background thread, not inside a commit."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from sqlalchemy import Engine, text

from borderline.store import make_engine
from borderline.store.checkpoint import AUTO_PAGES, JOURNAL_LIMIT, Checkpointer, checkpointer_of


def _wait(cond: object, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_commits_leave_checkpoints_to_the_background_thread(tmp_path: Path) -> None:
    path = tmp_path / "borderline.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            pages = conn.execute(text("PRAGMA wal_autocheckpoint")).scalar()
            limit = conn.execute(text("PRAGMA journal_size_limit")).scalar()
        # SQLite's own checkpoint only as a safety net far above what the thread leaves.
        assert (pages, limit) == (AUTO_PAGES, JOURNAL_LIMIT)
        cp = checkpointer_of(engine)
        assert cp is not None and cp.alive
        runs = cp.runs
        with engine.begin() as conn:
            for i in range(200):
                conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": str(i) * 500})
        assert _wait(lambda: cp.runs > runs + 1)
        # The rows reached the database file itself (they were only in the log at commit).
        assert _wait(lambda: path.stat().st_size > 150_000)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 200
    finally:
        engine.dispose()


def _used(engine: Engine) -> Checkpointer:
    """The engine's checkpointer after a first connection (which starts its thread)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    cp = checkpointer_of(engine)
    assert cp is not None and cp.alive
    return cp


def test_dispose_stops_the_thread_and_the_next_connection_starts_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    cp = _used(engine)
    engine.dispose()
    assert not cp.alive
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert cp.alive
    engine.dispose()


def test_the_thread_ends_with_its_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    cp = _used(engine)
    del engine
    gc.collect()
    assert _wait(lambda: not cp.alive)


def test_memory_databases_have_no_checkpointer() -> None:
    engine = make_engine("sqlite:///:memory:")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert checkpointer_of(engine) is None
