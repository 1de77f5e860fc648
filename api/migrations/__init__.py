"""Alembic migrations of the API database (run at start-up by api.db.migrate)."""
