"""What the app loads at start-up (and again when a new index is published), and why it is
not ready when loading failed.

Everything a request needs from the index lives in one immutable :class:`Snapshot`. A request
takes the current snapshot once (``api.deps.get_snapshot``) and uses only it, so a reload that
swaps ``AppState.snapshot`` mid-request never mixes two indexes. :meth:`AppState.watch` polls the
index's ``current`` symlink (which ``guideqa ingest`` / ``add`` / ``remove`` replace atomically),
loads the new build beside the old one and swaps the reference when it is warm.
"""

from __future__ import annotations

import logging
import os
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
from ingest.embedders import Embedder
from ingest.index_store import current_dir
from ingest.tokenizer import Tokenizer
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


@dataclass(frozen=True)
class Snapshot:
    """One loaded index and everything built from it; never mutated once published."""

    answerers: dict[str, Answerer]
    default_generator: str
    catalog: Catalog | None
    build: str  # the build directory the index was loaded from (``index/builds/<build>``)
    loaded_at: str
    load_seconds: float

    @property
    def answerer(self) -> Answerer:
        return self.answerers[self.default_generator]


def current_build(settings: Settings) -> str:
    """Name of the published build (the target of ``index/current``), "" when there is none."""
    try:
        return os.path.basename(os.readlink(current_dir(settings.index_dir)))
    except OSError:
        return ""


class AppState:
    """Shared, read-only after :meth:`load` (requests never mutate it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.snapshot: Snapshot | None = None
        self.store: FeedbackStore | None = None
        self.store_error: GuideQAError | None = None
        self.error: GuideQAError | None = NotReadyError("サービスを起動中です。しばらくしてから再度お試しください。", code="starting")
        # In memory until the database is open; then shared when configured (see _open_store).
        self.limiter: Limiter = RateLimiter(settings.rate_limit_per_minute)
        self.rate_limit_exempt = frozenset(a.strip() for a in settings.rate_limit_exempt.split(",") if a.strip())
        self._store_lock = threading.Lock()
        self._store_tried = float("-inf")
        self._load_lock = threading.Lock()
        self._tried_build: str | None = None  # the last build a load was attempted for

    @property
    def ready(self) -> bool:
        return self.error is None and self.snapshot is not None

    # Read-only views of the current snapshot (a request should take the snapshot once instead).
    @property
    def answerers(self) -> dict[str, Answerer]:
        return self.snapshot.answerers if self.snapshot else {}

    @property
    def default_generator(self) -> str:
        return self.snapshot.default_generator if self.snapshot else ""

    @property
    def catalog(self) -> Catalog | None:
        return self.snapshot.catalog if self.snapshot else None

    @property
    def loaded_at(self) -> str:
        return self.snapshot.loaded_at if self.snapshot else ""

    @property
    def load_seconds(self) -> float:
        return self.snapshot.load_seconds if self.snapshot else 0.0

    def load(self) -> None:
        """Blocking: open the feedback store, load the index and models, warm them up."""
        self._open_store()
        self.reload()

    def reload(self) -> bool:
        """Load the published index into a new snapshot and swap it in; True when swapped.

        On failure the previous snapshot (if any) keeps serving and the error is logged; with
        no previous snapshot the service reports the error as not ready.
        """
        with self._load_lock:
            start = time.perf_counter()
            build = current_build(self.settings)
            self._tried_build = build
            settings = self.settings
            if "embed_threads" not in settings.model_fields_set:
                settings = settings.model_copy(update={"embed_threads": SERVER_EMBED_THREADS})
            old = self.snapshot
            try:
                embedder, tokenizer = self._shared_models(old)
                answerers = build_answerers(settings, embedder=embedder, tokenizer=tokenizer)
                answerer = answerers[settings.generator if settings.generator in answerers else "extractive"]
                answerers["extractive"].ask(WARMUP_QUESTION, k=1)  # loads the embedder and the tokenizer now
            except GuideQAError as err:
                self._failed(err, build)
                return False
            except Exception:
                log.exception("unexpected error while loading the index and models")
                self._failed(NotReadyError(
                    "インデックスまたはモデルの読み込みに失敗しました。サーバーのログを確認してください。", code="load_failed"
                ), build)  # fmt: skip
                return False
            snapshot = Snapshot(
                answerers=answerers,
                default_generator=answerer.generator.name,
                catalog=self._build_catalog(answerer),
                build=build,
                loaded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                load_seconds=time.perf_counter() - start,
            )
            self.snapshot = snapshot  # one reference swap: requests keep the snapshot they took
            self.error = None
            log.info(
                "ready" if old is None else "reloaded",
                extra={"chunks": len(answerer.retriever.chunks), "load_seconds": round(snapshot.load_seconds, 2),
                       "build": build},
            )  # fmt: skip
            return True

    def _shared_models(self, old: Snapshot | None) -> tuple[Embedder | None, Tokenizer | None]:
        """The embedder and tokenizer of the serving snapshot: a reload does not load them again."""
        if old is None:
            return None, None
        retriever = old.answerer.retriever
        return retriever.embedder, retriever.tokenizer

    def _failed(self, err: GuideQAError, build: str) -> None:
        if self.snapshot is None:
            self.error = err
            log.error("not ready: %s", err.code, extra={"code": err.code, "reason": err.message})
        else:
            log.error("new index %s not loaded, the previous one keeps serving: %s", build or "(none)", err.code,
                      extra={"code": err.code, "reason": err.message})  # fmt: skip

    def reload_if_changed(self) -> bool:
        """One poll of the watcher: reload when ``index/current`` points at a build not tried yet."""
        build = current_build(self.settings)
        if build == self._tried_build or (not build and self.snapshot is not None):
            return False
        log.info("new index build published: %s", build or "(none)")
        return self.reload()

    async def watch(self) -> None:
        """Poll for newly published indexes every ``settings.reload_interval`` seconds (0: never)."""
        import anyio

        interval = self.settings.reload_interval
        if interval <= 0:
            return
        while True:
            await anyio.sleep(interval)
            try:
                await anyio.to_thread.run_sync(self.reload_if_changed)
            except Exception:  # the watcher must outlive any one failed reload
                log.exception("index reload failed")

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

    def _build_catalog(self, answerer: Answerer) -> Catalog | None:
        chunks = answerer.retriever.chunks
        try:
            return Catalog(
                checklists={role: checklist(chunks, role, answerer.retriever.documents) for role in ACTOR_ROLES},
                topics=topic_menu(chunks, answerer.retriever.documents),
            )
        except Exception:  # a structure the catalog cannot read only disables /topics and /checklist
            log.exception("could not build the topic menu and checklists")
            return None
