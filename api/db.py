"""The API database: one SQLAlchemy engine for either backend, migrated by Alembic at start-up.

``GUIDEQA_DATABASE_URL`` selects it:

- unset (default): an embedded SQLite file at ``GUIDEQA_FEEDBACK_DB`` (WAL mode) — one
  machine, one ``guideqa serve``; nothing to install or run.
- ``postgresql://user:password@host:port/db`` (psycopg 3): a database shared by every replica
  behind a load balancer — feedback, recent answers and the rate limit live there.

Migrations (api/migrations/) run when the store is opened; concurrent start-ups are
serialised (PostgreSQL: an advisory lock; SQLite: a lock file next to the database), so N
replicas starting together migrate once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from guideqa.config import Settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant shared by all replicas: the key of the PostgreSQL advisory lock around migrations.
MIGRATION_LOCK_KEY = 0x6775_6964_6571_61  # "guideqa"
POOL_SIZE = 5
POOL_OVERFLOW = 10


def database_url(settings: Settings) -> URL:
    """The configured URL; PostgreSQL always through psycopg 3."""
    raw = settings.database_url.get_secret_value() if settings.database_url else ""
    if not raw:
        return URL.create("sqlite", database=str(Path(settings.feedback_db)))
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def describe(url: URL) -> str:
    """The URL for logs and messages, without its password."""
    return url.render_as_string(hide_password=True)


def make_engine(settings: Settings) -> Engine:
    url = database_url(settings)
    timeout = max(0.0, settings.feedback_timeout)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
        # A fresh connection per operation (as cheap as opening a file): a database file that
        # vanishes or turns read-only fails the next operation instead of living on in a pool.
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout})
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=max(1.0, timeout),
        pool_pre_ping=True,  # a PostgreSQL restart costs one reconnect, not an error
        connect_args={"connect_timeout": max(1, int(timeout)), "application_name": "guideqa"},
    )


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_conn.cursor()
    mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    cursor.close()
    if str(mode).lower() != "wal":
        log.warning("feedback database is not in WAL mode", extra={"journal_mode": mode})


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def tune(conn: Connection, *, durable: bool, timeout: float) -> None:
    """Per operation: how long to wait for another writer, and whether the commit must reach
    the disk before we answer (feedback: yes; remembered answers: the newest may be lost on a
    power failure, never corrupted)."""
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.exec_driver_sql(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    else:
        ms = max(1, int(timeout * 1000))
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms + 5000}")
        conn.exec_driver_sql(f"SET LOCAL synchronous_commit = {'on' if durable else 'off'}")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if not is_sqlite(engine):
        yield  # the advisory lock is taken inside the migration transaction
        return
    path = Path(engine.url.database or "")
    with open(path.with_name(path.name + ".migrate-lock"), "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision; returns it. Safe to run from many processes."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as conn:
        if not is_sqlite(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        revision = MigrationContext.configure(conn).get_current_revision() or ""
    log.info("database ready", extra={"database": describe(engine.url), "revision": revision})
    return revision
