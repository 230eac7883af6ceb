"""intake tables: platform events, payment references, storefront write-backs

Revision ID: i001_intake
Revises:
Create Date: 2026-12-07 08:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "i001_intake"
down_revision = None
branch_labels = ("intake",)
depends_on = "0001_core"

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "intake_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("order_id", sa.String(200), nullable=True),
        sa.Column("result", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_events")),
        sa.UniqueConstraint("platform", "external_id", name="uq_intake_events_platform_external"),
    )
    op.create_table(
        "intake_payment_refs",
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_intake_payment_refs")),
    )
    op.create_index(op.f("ix_intake_payment_refs_order_id"), "intake_payment_refs", ["order_id"])
    op.create_table(
        "intake_writebacks",
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("shop", sa.String(300), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("request", JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_intake_writebacks")),
    )
    op.create_index(
        "ix_intake_writebacks_status_due", "intake_writebacks", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for t in ("intake_writebacks", "intake_payment_refs", "intake_events"):
        op.drop_table(t)
