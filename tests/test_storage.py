"""The storage layer (api.db, api.feedback, api.tables, Alembic migrations) and the database rate
limiter on SQLite; the same code on PostgreSQL is exercised by tests/test_cluster.py."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect

from api import db
from api.feedback import FeedbackStore
from api.ratelimit import DatabaseRateLimiter
from api.tables import metadata
from guideqa.config import Settings
from guideqa.models import Answer
from guideqa.redact import redact, register_settings_secrets

# The schema the single-process store wrote before migrations existed (verbatim).
LEGACY_SCHEMA = """
CREATE TABLE answers (answer_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, request_id TEXT, question TEXT NOT NULL,
    role TEXT, refused INTEGER NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, generator TEXT NOT NULL);
CREATE TABLE feedback (feedback_id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, request_id TEXT,
    answer_id TEXT NOT NULL, rating INTEGER NOT NULL, comment TEXT NOT NULL, question TEXT NOT NULL, role TEXT,
    refused INTEGER NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, generator TEXT NOT NULL);
"""


def sqlite_settings(path: Path, **update: object) -> Settings:
    return Settings(feedback_db=path).model_copy(update=update)


def test_a_legacy_sqlite_database_is_adopted_with_its_feedback(tmp_path: Path):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY_SCHEMA)
        conn.execute("INSERT INTO answers VALUES ('old', '2026-01-01T00:00:00Z', NULL, '旧い質問', 'user', 0, '旧い回答', '[]', 'extractive')")
        conn.execute("INSERT INTO feedback (created_at, answer_id, rating, comment, question, role, refused, answer,"
                     " citations, generator) VALUES ('2026-01-01T00:00:01Z', 'old', 5, '移行前の評価', '旧い質問', 'user',"
                     " 0, '旧い回答', '[]', 'extractive')")  # fmt: skip
    store = FeedbackStore(sqlite_settings(path))
    assert store.revision == "0003" and store.backend == "sqlite"
    assert "移行前の評価" in store.export_csv()
    assert store.get_answer("old")["saved_ns"] == 0  # type: ignore[index]
    # New rows continue the old numbering, and the old answer still takes feedback.
    feedback_id, _ = store.add_feedback("old", 4, "移行後の評価")
    assert feedback_id == 2 and store.count_feedback() == 2


@pytest.mark.parametrize("legacy", [False, True], ids=["fresh", "legacy"])
def test_declared_tables_match_the_migrated_schema(tmp_path: Path, legacy: bool):
    path = tmp_path / "f.sqlite3"
    if legacy:
        with sqlite3.connect(path) as conn:
            conn.executescript(LEGACY_SCHEMA)
    store = FeedbackStore(sqlite_settings(path))
    inspector = inspect(store.engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys()), table.name
    assert {ix["name"] for ix in inspector.get_indexes("answers")} == {"ix_answers_saved_ns"}
    assert {ix["name"] for ix in inspector.get_indexes("conversations")} == {"conversations_updated"}


def test_concurrent_start_ups_migrate_once(tmp_path: Path):
    path = tmp_path / "f.sqlite3"
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            FeedbackStore(sqlite_settings(path)).close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0003",)]


def test_answers_and_feedback_round_trip(tmp_path: Path):
    store = FeedbackStore(sqlite_settings(tmp_path / "f.sqlite3"))
    store.save_answer("a1", Answer(question="質問", refused=False, answer="回答 [1]", generator="extractive"), "rid-1")
    saved = store.get_answer("a1")
    assert saved is not None and saved["question"] == "質問" and saved["request_id"] == "rid-1"
    fid, created = store.add_feedback("a1", 3, "=SUM(A1)", "rid-2")
    assert store.feedback_ids() == {fid} and created.endswith("Z")
    assert "'=SUM(A1)" in store.export_csv()  # a formula is neutralised in the export


def test_database_url_selects_postgresql_through_psycopg_and_hides_the_password():
    settings = Settings(database_url=SecretStr("postgresql://guideqa:s3cret-pass@127.0.0.1:5432/guideqa"))
    url = db.database_url(settings)
    assert url.drivername == "postgresql+psycopg" and url.get_backend_name() == "postgresql"
    assert "s3cret-pass" not in db.describe(url)
    register_settings_secrets(settings)
    assert "s3cret-pass" not in redact("connection to postgresql://guideqa:s3cret-pass@127.0.0.1 failed")
    assert db.database_url(Settings(feedback_db=Path("/x/f.sqlite3"))).database == "/x/f.sqlite3"


def test_database_rate_limiter_is_a_token_bucket_per_client(tmp_path: Path):
    store = FeedbackStore(sqlite_settings(tmp_path / "f.sqlite3"))
    limiter = DatabaseRateLimiter(store.engine, per_minute=3)
    assert [limiter.acquire("192.0.2.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("192.0.2.1")
    assert 19.0 < wait <= 20.0  # one token refills in 60 / 3 s
    assert limiter.acquire("192.0.2.2") == 0.0  # another client keeps its own bucket
    # A second process (another limiter on the same database) sees the same bucket.
    assert DatabaseRateLimiter(store.engine, per_minute=3).acquire("192.0.2.1") > 19.0
    assert DatabaseRateLimiter(store.engine, per_minute=0).acquire("192.0.2.1") == 0.0  # 0 = no limit


def test_database_rate_limiter_lets_requests_through_when_the_database_fails(caplog: pytest.LogCaptureFixture):
    from deploy.cluster import free_port

    settings = Settings(database_url=SecretStr(f"postgresql://u:p@127.0.0.1:{free_port()}/none"), feedback_timeout=1.0)
    limiter = DatabaseRateLimiter(db.make_engine(settings), per_minute=1)
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        assert limiter.acquire("192.0.2.1") == 0.0 and limiter.acquire("192.0.2.1") == 0.0
    assert any("request allowed" in r.getMessage() for r in caplog.records)


def test_an_unreachable_postgresql_makes_feedback_unavailable_not_the_service(caplog: pytest.LogCaptureFixture):
    from api.errors import StoreError
    from deploy.cluster import free_port

    settings = Settings(database_url=SecretStr(f"postgresql://u:pw-123456@127.0.0.1:{free_port()}/none"), feedback_timeout=1.0)
    with caplog.at_level(logging.ERROR, logger="api.feedback"), pytest.raises(StoreError):
        FeedbackStore(settings)
    record = next(r for r in caplog.records if r.getMessage().startswith("feedback database unavailable"))
    assert "pw-123456" not in getattr(record, "database", "") and "127.0.0.1" in getattr(record, "database", "")


def test_conversations_upsert_expire_and_are_bounded(tmp_path: Path):
    from api import feedback as fb

    store = FeedbackStore(sqlite_settings(tmp_path / "f.sqlite3", conversations_keep=3, conversation_ttl=100))
    store.save_conversation("c1", '{"turn": 1}', 1, now=1000.0)
    store.save_conversation("c1", '{"turn": 2}', 2, now=1010.0)  # the next turn replaces the state
    assert store.load_conversation("c1", now=1020.0) == ('{"turn": 2}', 2)
    assert store.load_conversation("c1", now=1111.0) is None  # expired: 100 s without a question
    for n in range(fb.PRUNE_EVERY):
        store.save_conversation(f"x{n}", "{}", 1, now=2000.0 + n)
    with sqlite3.connect(tmp_path / "f.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] <= 3 + fb.PRUNE_EVERY - 1
        newest = conn.execute("SELECT conversation_id FROM conversations ORDER BY updated_at DESC LIMIT 3").fetchall()
    assert [r[0] for r in newest] == [f"x{fb.PRUNE_EVERY - 1 - i}" for i in range(3)]
    assert store.load_conversation("c1", now=2000.0 + fb.PRUNE_EVERY) is None  # pruned
