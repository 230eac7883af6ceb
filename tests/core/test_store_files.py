"""The SQLite database holds orders and personal data: only its owner may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from borderline.store import make_engine, migrate


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
def test_new_sqlite_database_and_its_wal_are_owner_only(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = tmp_path / "data" / "borderline.db"
        migrate(f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            files = [p for p in path.parent.iterdir() if p.name.startswith("borderline.db")]
            assert any(p.name.endswith("-wal") for p in files)
            for p in files:
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
        engine.dispose()
    finally:
        os.umask(old)
