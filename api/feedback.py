"""Durable feedback and the recent answers it refers to, in the API database (api.db).

One store for both backends (SQLAlchemy Core; schema by the Alembic migrations): the embedded
SQLite file by default, PostgreSQL when several replicas share it. Every write is committed
before the call returns; feedback is committed durably (SQLite synchronous=FULL, PostgreSQL
synchronous_commit=on) before the API answers 201.

Conversations (``conversations``) live here too: one row per conversation holding the state
its latest turn left (a small JSON document), bounded in number and expiring after a time
without questions — so a follow-up may reach any replica.

Recent answers are kept too (``answers``, bounded by ``answers_keep``) so that feedback sent
later — to another replica, or after a restart — can still name the question, answer and
citations it refers to. A feedback row copies them, so pruning old answers never loses what a
maintainer needs.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from api import db
from api.errors import NotFoundError, StoreError
from api.tables import answers, conversations, feedback
from guideqa.config import Settings
from guideqa.models import Answer

log = logging.getLogger(__name__)
T = TypeVar("T")

EXPORT_COLUMNS = (
    "feedback_id", "created_at", "answer_id", "rating", "comment", "question", "role",
    "refused", "answer", "citations", "generator", "request_id",
)  # fmt: skip
ANSWER_COLUMNS = ("question", "role", "refused", "answer", "citations", "generator")
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


def _reason(exc: BaseException) -> str:
    """The driver's own message ("database is locked", "connection refused" …): it names the
    fault and never contains the stored text (statements are sent with bound parameters)."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


class FeedbackStore:
    """Thread-safe (a pooled engine); ``StoreError`` (503) whenever the database fails."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.keep = max(1, settings.answers_keep)
        self.conversations_keep = max(1, settings.conversations_keep)
        self.conversation_ttl = max(1.0, float(settings.conversation_ttl))
        self.timeout = max(0.0, settings.feedback_timeout)  # seconds to wait for another writer's lock
        self._inserts = 0
        self._lock = threading.Lock()
        try:
            self.engine = engine or db.make_engine(settings)
            self.revision = db.migrate(self.engine)
        except (OSError, SQLAlchemyError) as exc:
            url = db.describe(db.database_url(settings))
            log.error(
                "feedback database unavailable: %s",
                type(exc).__name__,
                extra={"reason": _reason(exc), "database": url},
            )
            raise StoreError(UNAVAILABLE) from exc
        self.backend = self.engine.dialect.name
        self.url = db.describe(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def _run(self, what: str, fn: Callable[[Connection], T], *, durable: bool = True, timeout: float | None = None) -> T:
        try:
            with self.engine.begin() as conn:  # commit on return, roll back on any exception
                db.tune(conn, durable=durable, timeout=self.timeout if timeout is None else timeout)
                return fn(conn)
        except SQLAlchemyError as exc:
            log.error(
                "feedback database error during %s: %s",
                what,
                type(exc).__name__,
                extra={"reason": _reason(exc), "database": self.url},
            )
            raise StoreError(UNAVAILABLE) from exc

    # -- answers --------------------------------------------------------------------------
    def save_answer(self, answer_id: str, answer: Answer, request_id: str | None = None) -> None:
        row = {
            "answer_id": answer_id, "created_at": _now(), "request_id": request_id, "question": answer.question,
            "role": answer.role, "refused": int(answer.refused), "answer": answer.answer,
            "citations": _citations(answer), "generator": answer.generator, "saved_ns": time.time_ns(),
        }  # fmt: skip
        with self._lock:
            self._inserts += 1
            prune = self._inserts % PRUNE_EVERY == 0

        def write(conn: Connection) -> None:
            conn.execute(insert(answers).values(**row))  # answer ids are fresh uuid4s
            if prune:
                cutoff = (
                    select(answers.c.saved_ns).order_by(answers.c.saved_ns.desc()).offset(self.keep - 1).limit(1)
                ).scalar_subquery()
                conn.execute(delete(answers).where(answers.c.saved_ns < cutoff))

        self._run("save_answer", write, durable=False, timeout=min(self.timeout, ANSWER_TIMEOUT))

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        def read(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute(select(answers).where(answers.c.answer_id == answer_id)).mappings().first()
            return dict(row) if row else None

        return self._run("get_answer", read)

    # -- conversations --------------------------------------------------------------------
    def save_conversation(self, conversation_id: str, state: str, turns: int, now: float | None = None) -> None:
        """Store the latest state (JSON) of a conversation; the oldest beyond the bound are dropped."""
        stamp = time.time() if now is None else now
        with self._lock:
            self._inserts += 1
            prune = self._inserts % PRUNE_EVERY == 0
        row = {"conversation_id": conversation_id, "updated_at": stamp, "turns": turns, "state": state}

        def write(conn: Connection) -> None:
            # Upsert: another replica may have written this conversation's previous turn.
            insert_ = sqlite_insert if db.is_sqlite(conn) else pg_insert
            stmt = insert_(conversations).values(**row)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=[conversations.c.conversation_id],
                set_={"updated_at": stmt.excluded.updated_at, "turns": stmt.excluded.turns, "state": stmt.excluded.state},
            ))  # fmt: skip
            if prune:
                conn.execute(delete(conversations).where(conversations.c.updated_at < stamp - self.conversation_ttl))
                cutoff = (
                    select(conversations.c.updated_at)
                    .order_by(conversations.c.updated_at.desc())
                    .offset(self.conversations_keep - 1)
                    .limit(1)
                ).scalar_subquery()
                conn.execute(delete(conversations).where(conversations.c.updated_at < cutoff))

        self._run("save_conversation", write, durable=False, timeout=min(self.timeout, ANSWER_TIMEOUT))

    def load_conversation(self, conversation_id: str, now: float | None = None) -> tuple[str, int] | None:
        """(state JSON, turns) of a conversation that has not expired; None otherwise."""
        stamp = time.time() if now is None else now

        def read(conn: Connection) -> tuple[str, int] | None:
            row = conn.execute(
                select(conversations.c.state, conversations.c.turns).where(
                    conversations.c.conversation_id == conversation_id,
                    conversations.c.updated_at >= stamp - self.conversation_ttl,
                )
            ).first()
            return (str(row.state), int(row.turns)) if row else None

        return self._run("load_conversation", read)

    # -- feedback -------------------------------------------------------------------------
    def add_feedback(
        self, answer_id: str, rating: int, comment: str = "", request_id: str | None = None
    ) -> tuple[int, str]:
        """Store one feedback row (committed on return). Raises NotFoundError for unknown ids."""
        created = _now()

        def write(conn: Connection) -> int:
            columns = [answers.c[name] for name in ANSWER_COLUMNS]
            ans = conn.execute(select(*columns).where(answers.c.answer_id == answer_id)).mappings().first()
            if ans is None:
                raise NotFoundError(
                    "指定された回答（answer_id）が見つかりません。古い回答は保存期間を過ぎた可能性があります。",
                    code="answer_not_found",
                )
            values = dict(ans) | {
                "created_at": created, "request_id": request_id, "answer_id": answer_id, "rating": rating,
                "comment": comment,
            }  # fmt: skip
            return int(conn.execute(insert(feedback).values(**values).returning(feedback.c.feedback_id)).scalar_one())

        return self._run("add_feedback", write), created

    def count_feedback(self) -> int:
        return int(self._run("count_feedback", lambda conn: conn.execute(select(func.count()).select_from(feedback)).scalar_one()))

    def feedback_ids(self) -> set[int]:
        """Every stored feedback id (for checks that nothing acknowledged was lost)."""
        return set(self._run("feedback_ids", lambda conn: conn.execute(select(feedback.c.feedback_id)).scalars().all()))

    def export_csv(self) -> str:
        """All feedback as CSV (UTF-8 with BOM so that spreadsheet software reads Japanese)."""
        columns = [feedback.c[name] for name in EXPORT_COLUMNS]
        rows = self._run(
            "export", lambda conn: conn.execute(select(*columns).order_by(feedback.c.feedback_id)).all()
        )
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
        return buf.getvalue()
