"""screening tables: list versions, whitelist decisions, re-screening hits

Revision ID: s001_screening
Revises:
Create Date: 2026-11-24 05:00:00
"""

import sqlalchemy as sa
from alembic import op

from borderline.store.db import JSONType

revision = "s001_screening"
down_revision = None
branch_labels = ("screening",)
depends_on = "0001_core"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screening_list_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("diff", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_list_versions")),
    )
    op.create_index(
        "ix_screening_list_versions_list", "screening_list_versions", ["list_name", "active"]
    )
    op.create_table(
        "screening_whitelist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_key", sa.String(600), nullable=False),
        sa.Column("list_name", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_whitelist")),
    )
    op.create_index(
        "ix_screening_whitelist_pair",
        "screening_whitelist",
        ["party_key", "list_name", "source_id"],
    )
    op.create_table(
        "screening_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("party_role", sa.String(30), nullable=False),
        sa.Column("party_key", sa.String(600), nullable=False),
        sa.Column("list_name", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("found_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hits")),
    )
    op.create_index("ix_screening_hits_order", "screening_hits", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_hits_order", table_name="screening_hits")
    op.drop_table("screening_hits")
    op.drop_index("ix_screening_whitelist_pair", table_name="screening_whitelist")
    op.drop_table("screening_whitelist")
    op.drop_index("ix_screening_list_versions_list", table_name="screening_list_versions")
    op.drop_table("screening_list_versions")
