"""Server-side conversations: one row per conversation with the state its latest turn left.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A SQLite file written by the single-process store may already have the table.
    if "conversations" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "conversations",
        sa.Column("conversation_id", sa.Text, primary_key=True),
        sa.Column("updated_at", sa.Float, nullable=False),  # time.time() of the latest question
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),  # JSON
    )
    op.create_index("conversations_updated", "conversations", ["updated_at"])


def downgrade() -> None:
    op.drop_index("conversations_updated", table_name="conversations")
    op.drop_table("conversations")
