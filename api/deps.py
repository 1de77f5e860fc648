"""FastAPI dependencies: everything a route needs comes from the app state, never a reload."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from api.errors import NotReadyError, RateLimitedError, not_ready
from api.feedback import FeedbackStore
from api.ratelimit import retry_after_seconds
from api.state import AppState, Catalog, Snapshot
from guideqa.config import Settings
from retriever.answer import Answerer
from retriever.search import Retriever


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.guideqa
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


INDEX_BUILD_HEADER = "X-Index-Version"


def get_snapshot(state: StateDep, response: Response) -> Snapshot:
    """The index this request uses, taken once (FastAPI caches it per request): a live reload
    during the request does not change it. 503 with the reason when nothing is loaded."""
    snapshot = state.snapshot
    if snapshot is None:
        raise not_ready(state.error or NotReadyError("サービスを起動中です。しばらくしてから再度お試しください。", code="starting"))
    response.headers[INDEX_BUILD_HEADER] = snapshot.build
    return snapshot


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


def get_answerer(snapshot: SnapshotDep) -> Answerer:
    """The default answerer of the request's snapshot."""
    return snapshot.answerer


def get_retriever(answerer: Annotated[Answerer, Depends(get_answerer)]) -> Retriever:
    return answerer.retriever


def get_catalog(snapshot: SnapshotDep) -> Catalog:
    if snapshot.catalog is None:
        raise NotReadyError("目次とチェックリストを作成できませんでした。サーバーのログを確認してください。", code="catalog_unavailable")
    return snapshot.catalog


def get_store(state: StateDep) -> FeedbackStore:
    store = state.feedback_store()
    if store is None:
        raise state.store_error or NotReadyError("フィードバックの保存先を利用できません。", code="feedback_unavailable")
    return store


async def rate_limit(request: Request, state: StateDep) -> None:
    """One token per request from this client address; 429 with Retry-After when it has none."""
    client = request.client.host if request.client else "unknown"
    if client in state.rate_limit_exempt:
        return
    limiter = state.limiter
    # The shared limiter asks the database: off the event loop.
    wait = await run_in_threadpool(limiter.acquire, client) if limiter.blocking else limiter.acquire(client)
    if wait > 0:
        raise RateLimitedError(retry_after_seconds(wait))


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
StoreDep = Annotated[FeedbackStore, Depends(get_store)]
