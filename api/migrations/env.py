"""Alembic environment: always run by api.db.migrate with an open connection (online mode)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - `alembic` CLI without api.db
    raise SystemExit("run the migrations with api.db.migrate (guideqa serve does it at start-up)")
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
