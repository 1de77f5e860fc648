"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SnapshotDep, StateDep
from api.errors import DOC_500, error_doc
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
async def readyz(state: StateDep, snapshot: SnapshotDep) -> ReadyResponse:
    """インデックスとモデルが読み込まれていれば 200、そうでなければ理由とともに 503 を返します。
    新しいインデックスが公開されると数秒で切り替わり、`index_version` と `loaded_at` が変わります。"""
    retriever = snapshot.answerer.retriever
    return ReadyResponse(
        chunks=len(retriever.chunks),
        documents=len(retriever.documents),
        embedder=retriever.index.embedder_id,
        generators=list(snapshot.answerers),
        index_version=snapshot.build,
        loaded_at=snapshot.loaded_at,
        load_seconds=round(snapshot.load_seconds, 2),
        feedback="ok" if state.store is not None else "unavailable",
        database=state.store.backend if state.store is not None else "",  # type: ignore[arg-type]
        rate_limit="shared" if state.limiter.blocking else "process",
    )
