"""Times read back from the database: SQLite returns naive datetimes, everything stored is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def iso(dt: datetime | None) -> str | None:
    return aware(dt).isoformat() if dt is not None else None
