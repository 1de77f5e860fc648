"""The database tables, declared once (SQLAlchemy Core) for both backends: SQLite and PostgreSQL.

The schema itself is created and changed only by the Alembic migrations in api/migrations/;
these declarations must describe the schema at the newest migration (tests/test_storage.py
compares them with a freshly migrated database).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, Table, Text

metadata = MetaData()

# Recent answers, so that feedback sent later (to any replica, after a restart) can name the
# question, answer and citations it refers to. Bounded: the oldest (by saved_ns) are pruned.
answers = Table(
    "answers",
    metadata,
    Column("answer_id", Text, primary_key=True),
    Column("created_at", Text, nullable=False),
    Column("request_id", Text),
    Column("question", Text, nullable=False),
    Column("role", Text),
    Column("refused", Integer, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON
    Column("generator", Text, nullable=False),
    Column("saved_ns", BigInteger, nullable=False, server_default="0"),  # wall clock (ns) when saved
    Index("ix_answers_saved_ns", "saved_ns"),
)

# One row per rating; copies what the answer said so pruning answers never loses it.
feedback = Table(
    "feedback",
    metadata,
    Column("feedback_id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("request_id", Text),
    Column("answer_id", Text, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("role", Text),
    Column("refused", Integer, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("generator", Text, nullable=False),
    sqlite_autoincrement=True,
)

# The shared per-client rate limit (api.ratelimit.DatabaseRateLimiter): one row per client,
# the "theoretical arrival time" of its next request in seconds on the database's clock.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("client", Text, primary_key=True),
    Column("tat", Float, nullable=False),
)

# Server-side conversations (POST /ask conversation_id): the state the latest turn left, as
# JSON; bounded in number and expiring after a time without questions.
conversations = Table(
    "conversations",
    metadata,
    Column("conversation_id", Text, primary_key=True),
    Column("updated_at", Float, nullable=False),
    Column("turns", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Index("conversations_updated", "updated_at"),
)
