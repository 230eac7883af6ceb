"""API keys name their owner and who minted/revoked them; sign-in attempts are counted in the DB

Revision ID: 0003_key_owners_throttle
Revises: 0002_decisions_outcome_time
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_key_owners_throttle"
down_revision = "0002_decisions_outcome_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(length=100), nullable=True))
    # Keys minted before owners existed belong to the name they were given.
    op.execute("UPDATE api_keys SET owner = name WHERE owner IS NULL")
    op.create_table(
        "auth_throttle",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_auth_throttle")),
    )


def downgrade() -> None:
    op.drop_table("auth_throttle")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("created_by")
        batch.drop_column("owner")
