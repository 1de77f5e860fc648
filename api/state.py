"""What the app loads once at start-up, and why it is not ready when loading failed."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from api.errors import NotReadyError, StoreError
from api.feedback import FeedbackStore
from api.ratelimit import DatabaseRateLimiter, Limiter, RateLimiter
from guideqa.config import Settings
from guideqa.errors import GuideQAError
from guideqa.guideline import ACTOR_ROLES
from guideqa.models import Role
from guideqa.records import Checklist, TopicMenu
from guideqa.service import build_answerers
from retriever.answer import Answerer
from retriever.catalog import checklist, topic_menu

log = logging.getLogger(__name__)

WARMUP_QUESTION = "AIガバナンスの構築で経営層がすべきことは？"
# Requests embed from many pool threads; with libgomp's default (all cores) every OS thread
# gets its own OpenMP team and the idle teams spin: measured 3.4 s instead of 0.07 s per
# /ask on 2 cores. One thread per query unless GUIDEQA_EMBED_THREADS says otherwise.
SERVER_EMBED_THREADS = 1
# A feedback database that could not be opened is tried again at most this often.
STORE_RETRY_SECONDS = 30.0


@dataclass
class Catalog:
    checklists: dict[Role, Checklist]
    topics: TopicMenu


class AppState:
    """Shared, read-only after :meth:`load` (requests never mutate it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.answerers: dict[str, Answerer] = {}
        self.default_generator = ""
        self.catalog: Catalog | None = None
        self.store: FeedbackStore | None = None
        self.store_error: GuideQAError | None = None
        self.error: GuideQAError | None = NotReadyError("サービスを起動中です。しばらくしてから再度お試しください。", code="starting")
        self.loaded_at = ""
        self.load_seconds = 0.0
        # In memory until the database is open; then shared when configured (see _open_store).
        self.limiter: Limiter = RateLimiter(settings.rate_limit_per_minute)
        self.rate_limit_exempt = frozenset(a.strip() for a in settings.rate_limit_exempt.split(",") if a.strip())
        self._store_lock = threading.Lock()
        self._store_tried = float("-inf")

    @property
    def ready(self) -> bool:
        return self.error is None

    def load(self) -> None:
        """Blocking: open the feedback store, load the index and models, warm them up."""
        start = time.perf_counter()
        self._open_store()
        settings = self.settings
        if "embed_threads" not in settings.model_fields_set:
            settings = settings.model_copy(update={"embed_threads": SERVER_EMBED_THREADS})
        try:
            answerers = build_answerers(settings)
            answerer = answerers[settings.generator if settings.generator in answerers else "extractive"]
            answerers["extractive"].ask(WARMUP_QUESTION, k=1)  # loads the embedder and the tokenizer now
        except GuideQAError as err:
            self.error = err
            log.error("not ready: %s", err.code, extra={"code": err.code, "reason": err.message})
            return
        except Exception:
            log.exception("unexpected error while loading the index and models")
            self.error = NotReadyError(
                "インデックスまたはモデルの読み込みに失敗しました。サーバーのログを確認してください。", code="load_failed"
            )
            return
        self.answerers = answerers
        self.default_generator = answerer.generator.name
        self._build_catalog(answerer)
        self.load_seconds = time.perf_counter() - start
        self.loaded_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.error = None
        log.info(
            "ready",
            extra={"chunks": len(answerer.retriever.chunks), "load_seconds": round(self.load_seconds, 2)},
        )

    def feedback_store(self) -> FeedbackStore | None:
        """The feedback store; one that could not be opened is retried (blocking, at most every
        STORE_RETRY_SECONDS), so a disk that comes back needs no restart."""
        if self.store is None and time.monotonic() - self._store_tried >= STORE_RETRY_SECONDS:
            with self._store_lock:
                if self.store is None and time.monotonic() - self._store_tried >= STORE_RETRY_SECONDS:
                    self._open_store()
        return self.store

    def _open_store(self) -> None:
        self._store_tried = time.monotonic()
        settings = self.settings
        try:
            self.store = FeedbackStore(settings)
            self.store_error = None
        except StoreError as err:
            self.store, self.store_error = None, err
            return
        store_kind = settings.rate_limit_store
        if store_kind == "database" or (store_kind == "auto" and self.store.backend != "sqlite"):
            self.limiter = DatabaseRateLimiter(self.store.engine, settings.rate_limit_per_minute)
        log.info("rate limit", extra={"scope": "shared" if self.limiter.blocking else "process",
                                      "per_minute": settings.rate_limit_per_minute})  # fmt: skip

    @property
    def index_version(self) -> str:
        """The published index build this process serves (its directory name under builds/)."""
        answerer = self.answerers.get(self.default_generator)
        return answerer.retriever.index.path.name if answerer else ""

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def _build_catalog(self, answerer: Answerer) -> None:
        chunks = answerer.retriever.chunks
        try:
            self.catalog = Catalog(
                checklists={role: checklist(chunks, role) for role in ACTOR_ROLES},
                topics=topic_menu(chunks, answerer.retriever.documents),
            )
        except Exception:  # a structure the catalog cannot read only disables /topics and /checklist
            log.exception("could not build the topic menu and checklists")
            self.catalog = None
