"""Storage: SQLAlchemy 2 tables, sessions and Alembic migrations (SQLite or PostgreSQL)."""

from borderline.store.db import (
    IN_LIST,
    Base,
    JSONType,
    begin_write,
    in_chunks,
    make_engine,
    migrate,
    present,
    session_factory,
    transaction,
)

__all__ = [
    "IN_LIST",
    "Base",
    "JSONType",
    "begin_write",
    "in_chunks",
    "make_engine",
    "migrate",
    "present",
    "session_factory",
    "transaction",
]
