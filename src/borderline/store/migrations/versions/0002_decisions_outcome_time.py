"""Index decisions by (outcome, created_at) for review queues and analytics

Revision ID: 0002_decisions_outcome_time
Revises: 0001_core
"""

from alembic import op

revision = "0002_decisions_outcome_time"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_outcome_created_at", "decisions", ["outcome", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_outcome_created_at", table_name="decisions")
