"""Account tables: web users and their server-side sessions.

The names stay ``cases_users`` and ``cases_sessions`` (created by the migration in
``cases/migrations``), so existing databases and ledgers are unchanged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from borderline.store import Base


class UserRow(Base):
    """Web sign-in accounts (API keys stay for machines). Password: scrypt, salted."""

    __tablename__ = "cases_users"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionRow(Base):
    """Server-side web sessions, so logout and expiry really end them."""

    __tablename__ = "cases_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
