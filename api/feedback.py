"""Durable feedback: SQLite in WAL mode, one short connection per operation (thread-safe).

Conversations (``conversations``) live here too, in their own table: one row per
conversation holding the state its latest turn left (a small JSON document), bounded in
number and expiring after a time without questions.

Recent answers are kept too (``answers``, bounded by ``answers_keep``) so that feedback sent
after a restart can still name the question, answer and citations it refers to. A feedback
row copies them, so pruning old answers never loses what a maintainer needs.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from api.errors import NotFoundError, StoreError
from guideqa.models import Answer

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    answer_id  TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    request_id TEXT,
    question   TEXT NOT NULL,
    role       TEXT,
    refused    INTEGER NOT NULL,
    answer     TEXT NOT NULL,
    citations  TEXT NOT NULL,
    generator  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    request_id  TEXT,
    answer_id   TEXT NOT NULL,
    rating      INTEGER NOT NULL,
    comment     TEXT NOT NULL,
    question    TEXT NOT NULL,
    role        TEXT,
    refused     INTEGER NOT NULL,
    answer      TEXT NOT NULL,
    citations   TEXT NOT NULL,
    generator   TEXT NOT NULL
);
"""
CONVERSATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    updated_at      REAL NOT NULL,
    turns           INTEGER NOT NULL,
    state           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated_at);
"""
EXPORT_COLUMNS = (
    "feedback_id", "created_at", "answer_id", "rating", "comment", "question", "role",
    "refused", "answer", "citations", "generator", "request_id",
)  # fmt: skip
UNAVAILABLE = "フィードバックの保存先（データベース）を利用できません。時間をおいて再度お試しください。"
PRUNE_EVERY = 50
# Remembering an answer is best effort: /ask never waits long for a locked database.
ANSWER_TIMEOUT = 1.0


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _citations(answer: Answer) -> str:
    """What a maintainer needs to judge the answer, without repeating whole passages."""
    return json.dumps(
        [
            {
                "number": c.number,
                "id": c.id,
                "doc_id": c.doc_id,
                "title": c.title,
                "section": c.section,
                "item_codes": c.item_codes,
                "location": c.location,
                "quotes": c.quotes,
            }
            for c in answer.citations
        ],
        ensure_ascii=False,
    )


def _cell(value: Any) -> Any:
    """User text starting with = + - @ would run as a formula in spreadsheet software."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class FeedbackStore:
    def __init__(
        self,
        path: Path,
        keep: int = 10000,
        timeout: float = 5.0,
        conversations_keep: int = 10000,
        conversation_ttl: float = 86400.0,
    ) -> None:
        self.path = Path(path)
        self.keep = max(1, keep)
        self.conversations_keep = max(1, conversations_keep)
        self.conversation_ttl = max(1.0, conversation_ttl)
        self.timeout = max(0.0, timeout)  # seconds to wait for another writer's lock
        self._inserts = 0
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                conn.executescript(SCHEMA + CONVERSATION_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            log.error(
                "feedback database unavailable: %s",
                type(exc).__name__,
                extra={"reason": str(exc), "path": str(self.path)},
            )
            raise StoreError(UNAVAILABLE) from exc
        if str(mode).lower() != "wal":
            log.warning("feedback database is not in WAL mode", extra={"journal_mode": mode})

    @contextlib.contextmanager
    def _connect(self, *, durable: bool = True, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=self.timeout if timeout is None else timeout)
        try:
            # FULL: the commit is on disk before we answer. Answers may use NORMAL (WAL keeps
            # the file consistent; at worst the latest answers are lost on power failure).
            conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    def _run(self, what: str, fn: Any, *, durable: bool = True, timeout: float | None = None) -> Any:
        try:
            with self._connect(durable=durable, timeout=timeout) as conn, conn:  # inner `conn`: commit or roll back
                return fn(conn)
        except sqlite3.Error as exc:
            # sqlite's own message ("database is locked", "attempt to write a readonly database")
            # names the fault and never contains the stored text.
            log.error(
                "feedback database error during %s: %s",
                what,
                type(exc).__name__,
                extra={"reason": str(exc), "path": str(self.path)},
            )
            raise StoreError(UNAVAILABLE) from exc

    # -- answers --------------------------------------------------------------------------
    def save_answer(self, answer_id: str, answer: Answer, request_id: str | None = None) -> None:
        row = (
            answer_id, _now(), request_id, answer.question, answer.role, int(answer.refused),
            answer.answer, _citations(answer), answer.generator,
        )  # fmt: skip
        with self._lock:
            self._inserts += 1
            prune = self._inserts % PRUNE_EVERY == 0

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            if prune:
                conn.execute(
                    "DELETE FROM answers WHERE rowid <= (SELECT MAX(rowid) FROM answers) - ?", (self.keep,)
                )

        self._run("save_answer", write, durable=False, timeout=min(self.timeout, ANSWER_TIMEOUT))

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        def read(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute("SELECT * FROM answers WHERE answer_id = ?", (answer_id,)).fetchone()
            return dict(row) if row else None

        result: dict[str, Any] | None = self._run("get_answer", read)
        return result

    # -- conversations ----------------------------------------------------------------------
    def save_conversation(self, conversation_id: str, state: str, turns: int, now: float | None = None) -> None:
        """Store the latest state (JSON) of a conversation; the oldest beyond the bound are dropped."""
        stamp = time.time() if now is None else now
        with self._lock:
            self._inserts += 1
            prune = self._inserts % PRUNE_EVERY == 0

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?, ?, ?)", (conversation_id, stamp, turns, state))
            if prune:
                conn.execute("DELETE FROM conversations WHERE updated_at < ?", (stamp - self.conversation_ttl,))
                conn.execute(
                    "DELETE FROM conversations WHERE conversation_id IN (SELECT conversation_id FROM conversations"
                    " ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
                    (self.conversations_keep,),
                )

        self._run("save_conversation", write, durable=False, timeout=min(self.timeout, ANSWER_TIMEOUT))

    def load_conversation(self, conversation_id: str, now: float | None = None) -> tuple[str, int] | None:
        """(state JSON, turns) of a conversation that has not expired; None otherwise."""
        stamp = time.time() if now is None else now

        def read(conn: sqlite3.Connection) -> tuple[str, int] | None:
            row = conn.execute(
                "SELECT state, turns FROM conversations WHERE conversation_id = ? AND updated_at >= ?",
                (conversation_id, stamp - self.conversation_ttl),
            ).fetchone()
            return (str(row["state"]), int(row["turns"])) if row else None

        result: tuple[str, int] | None = self._run("load_conversation", read)
        return result

    # -- feedback -------------------------------------------------------------------------
    def add_feedback(
        self, answer_id: str, rating: int, comment: str = "", request_id: str | None = None
    ) -> tuple[int, str]:
        """Store one feedback row (committed on return). Raises NotFoundError for unknown ids."""
        created = _now()

        def write(conn: sqlite3.Connection) -> int:
            ans = conn.execute("SELECT * FROM answers WHERE answer_id = ?", (answer_id,)).fetchone()
            if ans is None:
                raise NotFoundError(
                    "指定された回答（answer_id）が見つかりません。古い回答は保存期間を過ぎた可能性があります。",
                    code="answer_not_found",
                )
            cur = conn.execute(
                "INSERT INTO feedback (created_at, request_id, answer_id, rating, comment, question, role,"
                " refused, answer, citations, generator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    created, request_id, answer_id, rating, comment, ans["question"], ans["role"],
                    ans["refused"], ans["answer"], ans["citations"], ans["generator"],
                ),
            )  # fmt: skip
            return int(cur.lastrowid or 0)

        feedback_id: int = self._run("add_feedback", write)
        return feedback_id, created

    def count_feedback(self) -> int:
        n: int = self._run("count_feedback", lambda conn: conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
        return n

    def export_csv(self) -> str:
        """All feedback as CSV (UTF-8 with BOM so that spreadsheet software reads Japanese)."""

        def read(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            return conn.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM feedback ORDER BY feedback_id").fetchall()

        rows = self._run("export", read)
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
        return buf.getvalue()
