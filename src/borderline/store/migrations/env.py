"""Alembic environment: runs migrations on the URL set by ``borderline.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

# Autogenerate compares against the core tables; domains write their own branch migrations.
import borderline.store.models  # noqa: E402,F401
from borderline.store.db import Base  # noqa: E402

target_metadata = Base.metadata


def run() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # SQLite can roll DDL back too: every revision of a first start in one transaction
            # (one sync to disk instead of one per statement, and all or nothing).
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
