"""fraud tables: online feature store events, entity links, recorded orders, latest labels

Revision ID: f001_fraud
Revises:
Create Date: 2026-11-24 04:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f001_fraud"
down_revision = None
branch_labels = ("fraud",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "fraud_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("t", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_events")),
    )
    op.create_index("ix_fraud_events_lookup", "fraud_events", ["entity", "value", "t"])
    op.create_index(op.f("ix_fraud_events_order_id"), "fraud_events", ["order_id"])
    op.create_table(
        "fraud_links",
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("other", sa.String(20), nullable=False),
        sa.Column("other_value", sa.String(64), nullable=False),
        sa.Column("first_t", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "entity", "value", "other", "other_value", name=op.f("pk_fraud_links")
        ),
    )
    op.create_table(
        "fraud_orders",
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("t", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_fraud_orders")),
    )
    op.create_index(op.f("ix_fraud_orders_t"), "fraud_orders", ["t"])
    op.create_table(
        "fraud_labels",
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("is_fraud", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_fraud_labels")),
    )


def downgrade() -> None:
    op.drop_table("fraud_labels")
    op.drop_index(op.f("ix_fraud_orders_t"), table_name="fraud_orders")
    op.drop_table("fraud_orders")
    op.drop_table("fraud_links")
    op.drop_index(op.f("ix_fraud_events_order_id"), table_name="fraud_events")
    op.drop_index("ix_fraud_events_lookup", table_name="fraud_events")
    op.drop_table("fraud_events")
