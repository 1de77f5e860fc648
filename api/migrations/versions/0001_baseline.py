"""Baseline: the answers and feedback tables of the single-process SQLite store.

A database written by that store (before migrations existed) already has both tables: they
are adopted as they are, so an existing var/feedback.sqlite3 keeps its feedback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "answers" not in existing:
        op.create_table(
            "answers",
            sa.Column("answer_id", sa.Text, primary_key=True),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("request_id", sa.Text),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("role", sa.Text),
            sa.Column("refused", sa.Integer, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("citations", sa.Text, nullable=False),
            sa.Column("generator", sa.Text, nullable=False),
        )
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("feedback_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("request_id", sa.Text),
            sa.Column("answer_id", sa.Text, nullable=False),
            sa.Column("rating", sa.Integer, nullable=False),
            sa.Column("comment", sa.Text, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("role", sa.Text),
            sa.Column("refused", sa.Integer, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("citations", sa.Text, nullable=False),
            sa.Column("generator", sa.Text, nullable=False),
            sqlite_autoincrement=True,
        )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("answers")
