"""cases tables: cases, case decisions, events, attachments, queue claims, web users, sessions

Revision ID: c001_cases
Revises:
Create Date: 2026-11-24 04:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "c001_cases"
down_revision = None
branch_labels = ("cases",)
depends_on = "0001_core"

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cases_cases",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("disposition", sa.String(30), nullable=True),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_cases")),
    )
    op.create_index("ix_cases_cases_status_updated", "cases_cases", ["status", "updated_at"])
    op.create_index(op.f("ix_cases_cases_assignee"), "cases_cases", ["assignee"])
    op.create_table(
        "cases_decisions",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases_cases.id"], name=op.f("fk_cases_decisions_case_id_cases_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "decision_id", name=op.f("pk_cases_decisions")),
    )
    op.create_index(op.f("ix_cases_decisions_decision_id"), "cases_decisions", ["decision_id"])
    op.create_table(
        "cases_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases_cases.id"], name=op.f("fk_cases_events_case_id_cases_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_events")),
    )
    op.create_index(op.f("ix_cases_events_case_id"), "cases_events", ["case_id"])
    op.create_table(
        "cases_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases_cases.id"], name=op.f("fk_cases_attachments_case_id_cases_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_attachments")),
    )
    op.create_index(op.f("ix_cases_attachments_case_id"), "cases_attachments", ["case_id"])
    op.create_table(
        "cases_claims",
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_cases_claims")),
    )
    op.create_index(op.f("ix_cases_claims_assignee"), "cases_claims", ["assignee"])
    op.create_table(
        "cases_queue",
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("origin", sa.String(2), nullable=False),
        sa.Column("destination", sa.String(2), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_cases_queue")),
    )
    op.create_index("ix_cases_queue_open_created", "cases_queue", ["closed", "created_at"])
    op.create_index("ix_cases_queue_open_score", "cases_queue", ["closed", "score"])
    op.create_index("ix_cases_queue_open_total", "cases_queue", ["closed", "total"])
    op.create_index("ix_cases_queue_open_route", "cases_queue", ["closed", "origin", "destination"])
    op.create_index("ix_cases_queue_assignee", "cases_queue", ["assignee", "closed"])
    op.create_table(
        "cases_users",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cases_users")),
    )
    op.create_table(
        "cases_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_cases_sessions")),
    )
    op.create_index(op.f("ix_cases_sessions_user"), "cases_sessions", ["user"])


def downgrade() -> None:
    for t in (
        "cases_sessions",
        "cases_users",
        "cases_queue",
        "cases_claims",
        "cases_attachments",
        "cases_events",
        "cases_decisions",
        "cases_cases",
    ):
        op.drop_table(t)
