"""Questions, search and passages: the routes that use the index."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import AnswererDep, RetrieverDep, StateDep, rate_limit
from api.errors import (
    BODY_RESPONSES,
    DOC_422,
    DOC_500,
    DOC_503,
    ERROR_RESPONSES,
    RATE_LIMIT_RESPONSE,
    NotFoundError,
    StoreError,
    error_doc,
)
from api.state import AppState
from guideqa.errors import QueryError
from guideqa.models import Answer
from guideqa.records import (
    MAX_K,
    RAW_QUESTION_LIMIT,
    ROLE_DESCRIPTION,
    AskRequest,
    AskResponse,
    PassageContext,
    SearchResponse,
)
from guideqa.service import answer_record, check_k
from retriever.answer import Answerer, clean_question, search_text
from retriever.roles import detect_role, parse_role

log = logging.getLogger(__name__)
router = APIRouter(tags=["質問と検索"])


def _pick(state: AppState, default: Answerer, generator: str | None) -> Answerer:
    if generator is None or generator == state.default_generator:
        return default
    if generator in state.answerers:
        return state.answerers[generator]
    names = " / ".join(state.answerers)
    raise QueryError(f"生成方式「{generator[:30]}」は使えません。使える方式: {names}", code="unknown_generator")


def _remember(state: AppState, answer_id: str, answer: Answer, request_id: str | None) -> bool:
    """Keep the answer for later feedback. A database fault never costs the user the answer:
    it is logged (by the store) and reported as ``feedback_stored: false``."""
    store = state.feedback_store()
    if store is None:
        return False
    try:
        store.save_answer(answer_id, answer, request_id)
    except StoreError:
        return False
    return True


@router.post(
    "/ask",
    response_model=AskResponse,
    summary="質問に答える",
    responses={**ERROR_RESPONSES, **BODY_RESPONSES, **RATE_LIMIT_RESPONSE},
    dependencies=[Depends(rate_limit)],
)
async def ask(body: AskRequest, request: Request, state: StateDep, answerer: AnswererDep) -> AskResponse:
    """質問に出典付きで答えます。応答は `guideqa batch` の出力1行と同じ形で、`answer_id` が付きます。

    ガイドラインに記載がない質問には `refused: true` と近い記載（passages）を返します。
    同じクライアントからのリクエストが多すぎると 429（`Retry-After` 秒後に再送）を返します。
    """
    chosen = _pick(state, answerer, body.generator)
    role = parse_role(body.role)
    question = clean_question(body.question)
    k = check_k(body.k)
    answer = await run_in_threadpool(chosen.ask, question, role=role, k=k)
    answer_id = uuid.uuid4().hex
    request_id = getattr(request.state, "request_id", None)
    stored = await run_in_threadpool(_remember, state, answer_id, answer, request_id)
    record = answer_record(body.id if body.id is not None else answer_id, answer)
    extra = {
        "answer_id": answer_id,
        "role": answer.role,
        "k": k,
        "refused": answer.refused,
        "citations": len(answer.citations),
        "question_chars": len(question),
        "feedback_stored": stored,
    }
    if state.settings.log_questions:
        extra["question"] = question
    log.info("answered", extra=extra)
    return AskResponse(**record, answer_id=answer_id, feedback_stored=stored)


@router.get("/search", response_model=SearchResponse, summary="文書片を検索する", responses=ERROR_RESPONSES)
async def search(
    state: StateDep,
    retriever: RetrieverDep,
    q: Annotated[
        str, Query(max_length=RAW_QUESTION_LIMIT, description="検索する文（質問と同じく1〜1,000文字）", examples=["生成AIの偽情報対策"])
    ],
    role: Annotated[str | None, Query(description=ROLE_DESCRIPTION, examples=["provider"])] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"返す件数（1〜{MAX_K}）")] = 10,
) -> SearchResponse:
    """役割と文書の状態を考慮して、関連の高い順に文書片を返します。"""
    parsed = parse_role(role)
    query = search_text(clean_question(q))
    used_role = parsed or detect_role(query)
    passages = await run_in_threadpool(retriever.search, query, used_role, check_k(k))
    extra: dict[str, object] = {"role": used_role, "k": k, "hits": len(passages), "question_chars": len(query)}
    if state.settings.log_questions:
        extra["question"] = query
    log.info("searched", extra=extra)
    return SearchResponse(query=query, role=used_role, k=k, passages=passages)


@router.get(
    "/passages/{passage_id}",
    response_model=PassageContext,
    summary="文書片と前後の文脈",
    responses={404: error_doc("文書片が見つからない"), 422: DOC_422, 503: DOC_503, 500: DOC_500},
)
async def passage(
    retriever: RetrieverDep,
    passage_id: Annotated[str, Path(max_length=100, description="文書片の id（例: guideline-32b993d1b946）")],
    span: Annotated[int, Query(ge=0, le=5, description="前後に付ける文書片の数（0〜5）")] = 1,
) -> PassageContext:
    """出典の文書片を、同じ文書の前後の文書片とともに返します。"""
    chunk = retriever.get(passage_id)
    if chunk is None:
        raise NotFoundError("指定された文書片は見つかりません。インデックスが作り直された可能性があります。", code="passage_not_found")
    before, after = retriever.neighbours(passage_id, span=span) if span else ([], [])
    return PassageContext(
        passage=retriever.passage(chunk),
        before=[retriever.passage(c) for c in before],
        after=[retriever.passage(c) for c in after],
    )
