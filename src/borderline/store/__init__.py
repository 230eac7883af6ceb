"""Storage: SQLAlchemy 2 tables, sessions and Alembic migrations (SQLite or PostgreSQL)."""

from borderline.store.db import (
    Base,
    JSONType,
    begin_write,
    make_engine,
    migrate,
    session_factory,
    transaction,
)

__all__ = [
    "Base",
    "JSONType",
    "begin_write",
    "make_engine",
    "migrate",
    "session_factory",
    "transaction",
]
