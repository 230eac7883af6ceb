"""Later starts skip Alembic only when the database is stamped at the shipped heads."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from borderline.store.db import alembic_config, migrate


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_memo_names_the_heads_and_never_hides_a_database_that_needs_migrating(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    first = f"sqlite:///{tmp_path / 'first.db'}"
    migrate(first, state_dir=state)
    memo = json.loads((state / "schema-heads.json").read_text())
    heads = ScriptDirectory.from_config(alembic_config(first)).get_heads()
    assert sorted(heads) == memo["heads"]
    assert {"orders", "decisions", "ledger_leaves"} <= _tables(first)

    # The same data folder pointed at a new, empty database: the memo must not skip it.
    second = f"sqlite:///{tmp_path / 'second.db'}"
    migrate(second, state_dir=state)
    assert _tables(second) == _tables(first)


def test_a_changed_script_invalidates_the_memo(tmp_path: Path) -> None:
    state = tmp_path / "state"
    url = f"sqlite:///{tmp_path / 'b.db'}"
    migrate(url, state_dir=state)
    memo_path = state / "schema-heads.json"
    memo = json.loads(memo_path.read_text())
    memo_path.write_text(json.dumps({**memo, "fingerprint": "from-other-scripts"}))
    migrate(url, state_dir=state)
    assert json.loads(memo_path.read_text())["fingerprint"] == memo["fingerprint"]
