"""webhooks tables: endpoints, events (the outbox), deliveries, attempts

Revision ID: w001_webhooks
Revises:
Create Date: 2026-12-07 08:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "w001_webhooks"
down_revision = None
branch_labels = ("webhooks",)
depends_on = "0001_core"

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "webhooks_endpoints",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_endpoints")),
    )
    op.create_table(
        "webhooks_events",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_events")),
    )
    op.create_index(op.f("ix_webhooks_events_type"), "webhooks_events", ["type"])
    op.create_index(op.f("ix_webhooks_events_created_at"), "webhooks_events", ["created_at"])
    op.create_table(
        "webhooks_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("endpoint_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhooks_events.id"],
            name=op.f("fk_webhooks_deliveries_event_id_webhooks_events"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhooks_endpoints.id"],
            name=op.f("fk_webhooks_deliveries_endpoint_id_webhooks_endpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_deliveries")),
        sa.UniqueConstraint(
            "event_id", "endpoint_id", name="uq_webhooks_deliveries_event_endpoint"
        ),
    )
    op.create_index(
        "ix_webhooks_deliveries_status_due", "webhooks_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        op.f("ix_webhooks_deliveries_endpoint_id"), "webhooks_deliveries", ["endpoint_id"]
    )
    op.create_table(
        "webhooks_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("trigger", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhooks_deliveries.id"],
            name=op.f("fk_webhooks_attempts_delivery_id_webhooks_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_attempts")),
    )
    op.create_index(op.f("ix_webhooks_attempts_delivery_id"), "webhooks_attempts", ["delivery_id"])


def downgrade() -> None:
    for t in ("webhooks_attempts", "webhooks_deliveries", "webhooks_events", "webhooks_endpoints"):
        op.drop_table(t)
