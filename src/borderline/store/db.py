"""Database plumbing: the declarative base, engine creation and migrations.

Every domain declares its tables on ``Base`` (table names prefixed with the domain, e.g.
``fraud_features``) and ships Alembic migrations in ``borderline/<domain>/migrations/`` on its
own branch (``branch_labels = ("<domain>",)``, ``depends_on = "0001_core"``). ``migrate()``
upgrades every branch to its head.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import JSON, MetaData, bindparam, create_engine, event, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from borderline.store import writers

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _private_file(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600), before SQLite creates it with
    the umask's 0644: it holds orders and personal data. SQLite gives its -wal and -shm files
    the same mode as the database."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def json_text(value: Any) -> str:
    """JSON columns' text: orjson (several times faster than json.dumps on a decision's
    13 KB body, a tenth of a stored decision's CPU), json.dumps for what orjson refuses (an
    integer beyond 64 bits). Keys that are not strings become strings, as json.dumps makes
    them. Values are read back with the database's JSON parser, so spacing and number
    spelling do not matter; record hashes are computed from values (RFC 8785), not this text.
    NaN and infinities, which JSON has no spelling for and PostgreSQL's JSONB refuses, are
    written as null (orjson's choice); inputs refuse them before they get here."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def make_engine(url: str, **kw: Any) -> Engine:
    kw.setdefault("json_serializer", json_text)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        _private_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kw)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the API read while a batch writes; foreign keys are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        if path and path != ":memory:" and not path.startswith("file:"):
            from borderline.store.checkpoint import install

            install(engine, path)
            writers.install(engine, path)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kw)


def begin_write(session: Session) -> None:
    """Open a real write transaction now, so savepoints nest inside it.

    Python's sqlite3 module (legacy transaction control) sends BEGIN only before the first
    INSERT/UPDATE/DELETE: a SAVEPOINT issued before that starts the transaction itself, and
    releasing it commits everything so far. A batch whose items each run in a savepoint then
    commits item by item. A no-op UPDATE makes the driver send BEGIN and takes the write lock
    up front (reads that follow see one snapshot). PostgreSQL needs nothing.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.dbapi_connection
    if dbapi is not None and not getattr(dbapi, "in_transaction", True):
        # Across processes, writers queue on a lock file and follow each other at once
        # rather than in SQLite's sleeping retries (``borderline.store.writers``).
        writers.acquire(session, bind.engine)
        session.connection().exec_driver_sql(
            "UPDATE ledger_checkpoints SET size = size WHERE 1 = 0"
        )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: never half-written."""
    with factory() as session, session.begin():
        yield session


def _version_locations() -> list[str]:
    root = importlib.resources.files("borderline")
    locations = [str(root / "store" / "migrations" / "versions")]
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        mig = child / "migrations"
        if child.name != "store" and mig.is_dir():
            locations.append(str(mig))
    return locations


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("version_locations", " ".join(_version_locations()))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _migrations_fingerprint() -> str:
    """A hash of every migration script: it changes whenever a revision is added or edited."""
    digest = hashlib.sha256()
    for location in _version_locations():
        for script in sorted(Path(location).glob("*.py")):
            digest.update(script.name.encode() + b"\0" + script.read_bytes() + b"\0")
    return digest.hexdigest()


def _stamped_revisions(url: str) -> set[str] | None:
    """The revisions recorded in the database's ``alembic_version`` table (None: no table)."""
    from sqlalchemy import inspect
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return {
                row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            }
    finally:
        engine.dispose()


def migrate(url: str, *, state_dir: Path | None = None) -> None:
    """Bring the schema of every domain to its newest revision.

    With ``state_dir``, the heads of the shipped migrations are remembered there (keyed by a
    hash of the scripts): a later start whose database is already stamped at those heads skips
    loading Alembic and its scripts, which is most of a warm start's schema check. Any new or
    edited script, or a database at other revisions, takes the full Alembic path.
    """
    if url.startswith("sqlite"):
        _private_file(url.split("///", 1)[-1])
    memo = state_dir / "schema-heads.json" if state_dir is not None else None
    fingerprint = _migrations_fingerprint() if memo is not None else ""
    if memo is not None and memo.is_file():
        try:
            known = json.loads(memo.read_text())
        except (OSError, ValueError):
            known = {}
        if known.get("fingerprint") == fingerprint and _stamped_revisions(url) == set(
            known.get("heads", ())
        ):
            return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(url)
    command.upgrade(config, "heads")
    if memo is not None:
        heads = sorted(ScriptDirectory.from_config(config).get_heads())
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(json.dumps({"fingerprint": fingerprint, "heads": heads}))


_T = TypeVar("_T")

# Values per ``IN (...)`` list: far inside SQLite's and PostgreSQL's parameter limits.
IN_LIST = 500


def in_chunks(values: Sequence[_T], size: int = IN_LIST) -> Iterator[Sequence[_T]]:
    """``values`` a slice at a time, for queries with ``column.in_(part)``."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


# One statement per column, its IN list a parameter: building ``column.in_(values)`` anew
# cost more than the query on a group commit's few ids.
_PRESENT: dict[int, tuple[Any, Any]] = {}


def present(conn: Session | Connection, column: Any, values: Iterable[Any]) -> set[Any]:
    """Which of ``values`` the column holds (one query per :data:`IN_LIST` values)."""
    known = _PRESENT.get(id(column))
    if known is None or known[0] is not column:
        stmt = select(column).where(column.in_(bindparam("values", expanding=True)))
        known = _PRESENT[id(column)] = (column, stmt)
    out: set[Any] = set()
    for part in in_chunks(sorted(set(values))):
        out.update(conn.scalars(known[1], {"values": list(part)}))
    return out
