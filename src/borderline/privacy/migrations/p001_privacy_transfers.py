"""privacy: the data-flow register of cross-border transfers

Revision ID: p001_privacy
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p001_privacy"
down_revision = None
branch_labels = ("privacy",)
depends_on = "0001_core"

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "privacy_transfers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("transfer_date", sa.Date(), nullable=False),
        sa.Column("exporter_name", sa.String(300), nullable=False),
        sa.Column("exporter_country", sa.String(10), nullable=False),
        sa.Column("importer_name", sa.String(300), nullable=False),
        sa.Column("importer_country", sa.String(10), nullable=False),
        sa.Column("importer_kind", sa.String(50), nullable=False),
        sa.Column("categories", _JSON, nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("data_subjects", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("mechanism", sa.String(200), nullable=True),
        sa.Column("documents", _JSON, nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=True),
        sa.Column("request", _JSON, nullable=False),
        sa.Column("assessment", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_transfers")),
    )
    for col in ("transfer_date", "exporter_name", "importer_name", "order_id"):
        op.create_index(op.f(f"ix_privacy_transfers_{col}"), "privacy_transfers", [col])


def downgrade() -> None:
    for col in ("transfer_date", "exporter_name", "importer_name", "order_id"):
        op.drop_index(op.f(f"ix_privacy_transfers_{col}"), table_name="privacy_transfers")
    op.drop_table("privacy_transfers")
