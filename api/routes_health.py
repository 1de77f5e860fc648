"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StateDep
from api.errors import DOC_500, NotReadyError, error_doc, not_ready
from guideqa.records import HealthResponse, ReadyResponse

router = APIRouter(tags=["稼働状況"])


@router.get("/healthz", response_model=HealthResponse, summary="プロセスが動いているか")
async def healthz() -> HealthResponse:
    """プロセスが応答できれば 200 を返します（インデックスの状態は見ません）。"""
    return HealthResponse()


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    summary="質問に答えられる状態か",
    responses={503: error_doc("準備ができていない（理由を detail、種類を code に示します）"), 500: DOC_500},
)
async def readyz(state: StateDep) -> ReadyResponse:
    """インデックスとモデルが読み込まれていれば 200、そうでなければ理由とともに 503 を返します。"""
    if state.error is not None:
        raise not_ready(state.error)
    answerer = state.answerers.get(state.default_generator)
    if answerer is None:  # pragma: no cover - error is set whenever answerers is empty
        raise NotReadyError("回答の準備ができていません。", code="not_ready")
    retriever = answerer.retriever
    return ReadyResponse(
        chunks=len(retriever.chunks),
        documents=len(retriever.documents),
        embedder=retriever.index.embedder_id,
        generators=list(state.answerers),
        index_version=state.index_version,
        loaded_at=state.loaded_at,
        load_seconds=round(state.load_seconds, 2),
        feedback="ok" if state.store is not None else "unavailable",
        database=state.store.backend if state.store is not None else "",  # type: ignore[arg-type]
        rate_limit="shared" if state.limiter.blocking else "process",
    )
