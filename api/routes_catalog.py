"""The corpus and the guided lookup: documents, topic menu, per-role checklist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CatalogDep, RetrieverDep
from api.errors import ERROR_RESPONSES
from guideqa.errors import RoleError
from guideqa.guideline import ACTOR_ROLES
from guideqa.models import Role
from guideqa.records import ActorName, Checklist, DocumentInfo, DocumentsResponse, RoleName, TopicMenu
from retriever.roles import parse_role

router = APIRouter(tags=["コーパスと目次"])
ROLE_ONLY = "役割: developer / provider / user（D / P / U、AI開発者 / AI提供者 / AI利用者）"


def _role(value: str | None, *, required: bool) -> Role | None:
    role = parse_role(value)
    if role is None and required:
        raise RoleError("役割（role）を指定してください: developer / provider / user（D / P / U）。", code="role_required")
    if role is not None and role not in ACTOR_ROLES:
        raise RoleError(f"役割「{role}」は指定できません。developer / provider / user のいずれかを指定してください。")
    return role


@router.get("/documents", response_model=DocumentsResponse, summary="文書の一覧（チャンク数付き）", responses=ERROR_RESPONSES)
async def documents(retriever: RetrieverDep) -> DocumentsResponse:
    """インデックスのマニフェスト: 文書ごとの題名・版・状態・チャンク数（役割別・区分別）。"""
    manifest: dict[str, Any] = retriever.index.manifest
    return DocumentsResponse(
        created_at=str(manifest.get("created_at", "")),
        embedder=dict(manifest.get("embedder", {})),
        chunk_count=int(manifest.get("chunk_count", len(retriever.chunks))),
        documents=[DocumentInfo.model_validate(d) for d in manifest.get("documents", [])],
        errors=list(manifest.get("errors", [])),
    )


@router.get("/topics", response_model=TopicMenu, summary="役割別のトピック一覧（ガイド付き検索）", responses=ERROR_RESPONSES)
async def topics(
    catalog: CatalogDep,
    role: Annotated[
        RoleName | None, Query(description=ROLE_ONLY + "。省略または 指定しない で全ての役割。", examples=["user"])
    ] = None,
) -> TopicMenu:
    """役割ごとに選べるトピック（10の原則、AIガバナンス、その役割の項目 D-/P-/U-、高度なAIシステム、
    AIエージェント、フィジカルAI）と、それぞれに対応する文書片を返します。"""
    wanted = _role(role, required=False)
    if wanted is None:
        return catalog.topics
    return TopicMenu(roles=[r for r in catalog.topics.roles if r.role == wanted], note=catalog.topics.note)


@router.get("/checklist", response_model=Checklist, summary="役割別チェックリスト", responses=ERROR_RESPONSES)
async def checklist(
    catalog: CatalogDep,
    role: Annotated[ActorName, Query(description=ROLE_ONLY, examples=["user"])],
) -> Checklist:
    """その役割に当てはまる全ての項目を、ガイドラインの順に返します: 第2部C の共通の指針 1)〜10) と
    その細目 ①②…、続いて第3〜5部のその役割の項目（D-/P-/U-）。別添に解説がある項目には
    別添の文書片 id と [ポイント] の記載が付きます。"""
    wanted = _role(role, required=True)
    assert wanted is not None
    return catalog.checklists[wanted]
