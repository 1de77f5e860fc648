"""Replicas: answers pruned by save time (no SQLite rowid on PostgreSQL); the shared rate limit.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before this migration get 0: they are the oldest and pruned first.
    op.add_column("answers", sa.Column("saved_ns", sa.BigInteger, nullable=False, server_default="0"))
    op.create_index("ix_answers_saved_ns", "answers", ["saved_ns"])
    op.create_table(
        "rate_limits",
        sa.Column("client", sa.Text, primary_key=True),
        sa.Column("tat", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
    op.drop_index("ix_answers_saved_ns", table_name="answers")
    op.drop_column("answers", "saved_ns")
