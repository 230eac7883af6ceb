"""fraud_events.currency: amount aggregates add up only amounts in one currency

Amount sums, means and ratios of an entity's orders now use only its orders in the scored
order's currency (Borderline ships no FX rates). Existing rows take their order's currency from
the core orders table; rows whose order is not there keep "" (no currency matches it, so they
still count as orders but add no amount). The covering lookup index gains the column.

Revision ID: f003_event_currency
Revises: f002_event_labels
Create Date: 2026-11-24 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f003_event_currency"
down_revision = "f002_event_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fraud_events") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default=""))
    op.execute(
        "UPDATE fraud_events SET currency = "
        "(SELECT orders.currency FROM orders WHERE orders.id = fraud_events.order_id) "
        "WHERE order_id IN (SELECT id FROM orders)"
    )
    op.drop_index("ix_fraud_events_lookup", table_name="fraud_events")
    op.create_index(
        "ix_fraud_events_lookup",
        "fraud_events",
        ["entity", "value", "t", "amount", "currency", "fraud"],
    )


def downgrade() -> None:
    op.drop_index("ix_fraud_events_lookup", table_name="fraud_events")
    op.create_index(
        "ix_fraud_events_lookup", "fraud_events", ["entity", "value", "t", "amount", "fraud"]
    )
    with op.batch_alter_table("fraud_events") as batch:
        batch.drop_column("currency")
