"""fraud_events.fraud, a covering lookup index and fraud_days: bounded work per order scored

- Each order's latest label is copied onto its event rows, so label-aware features count
  frauds in the same grouped pass as velocity and history instead of joining fraud_labels
  (which stays the source of truth; existing rows are back-filled from it).
- The lookup index grows to (entity, value, t, amount, fraud) so that pass reads the index only.
- fraud_days holds orders and frauds per (entity, value, UTC day): the 90-day label window
  reads whole days from it and only its two partial days from fraud_events (back-filled).

Revision ID: f002_event_labels
Revises: f001_fraud
Create Date: 2026-11-24 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f002_event_labels"
down_revision = "f001_fraud"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fraud_events") as batch:
        batch.add_column(
            sa.Column("fraud", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE fraud_events SET fraud = TRUE WHERE order_id IN "
        "(SELECT order_id FROM fraud_labels WHERE is_fraud = TRUE)"
    )
    op.drop_index("ix_fraud_events_lookup", table_name="fraud_events")
    op.create_index(
        "ix_fraud_events_lookup", "fraud_events", ["entity", "value", "t", "amount", "fraud"]
    )
    op.create_table(
        "fraud_days",
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("frauds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "value", "day", name=op.f("pk_fraud_days")),
        # SQLite: the rows live in the primary-key b-tree, so a range of days is one read.
        sqlite_with_rowid=False,
    )
    # Floor division on both databases (times are seconds since 1970, so never negative in
    # practice; the CASE keeps a pre-1970 time on the same day the Python code puts it).
    day = "CASE WHEN t >= 0 THEN t / 86400 ELSE (t - 86399) / 86400 END"
    op.execute(
        f"INSERT INTO fraud_days (entity, value, day, orders, frauds) "
        f"SELECT entity, value, {day}, COUNT(*), SUM(CASE WHEN fraud THEN 1 ELSE 0 END) "
        f"FROM fraud_events GROUP BY entity, value, {day}"
    )


def downgrade() -> None:
    op.drop_table("fraud_days")
    op.drop_index("ix_fraud_events_lookup", table_name="fraud_events")
    op.create_index("ix_fraud_events_lookup", "fraud_events", ["entity", "value", "t"])
    with op.batch_alter_table("fraud_events") as batch:
        batch.drop_column("fraud")
