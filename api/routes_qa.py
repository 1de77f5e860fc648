"""Questions, search and passages: the routes that use the index."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import AnswererDep, RetrieverDep, SnapshotDep, StateDep, rate_limit
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
from api.state import AppState, Snapshot
from guideqa.errors import QueryError
from guideqa.models import Answer, Role, TurnState
from guideqa.records import (
    MAX_K,
    MAX_QUESTION_CHARS,
    QUESTION_PATTERN,
    RAW_QUESTION_LIMIT,
    ROLE_DESCRIPTION,
    AskRequest,
    AskResponse,
    PassageContext,
    RoleName,
    SearchResponse,
)
from guideqa.service import answer_record, check_k
from retriever.answer import Answerer, clean_question, search_text
from retriever.conversation import ask_in_context, replay, turn_state
from retriever.roles import parse_role, search_role

log = logging.getLogger(__name__)
router = APIRouter(tags=["質問と検索"])


def _pick(snapshot: Snapshot, default: Answerer, generator: str | None) -> Answerer:
    if generator is None or generator == snapshot.default_generator:
        return default
    if generator in snapshot.answerers:
        return snapshot.answerers[generator]
    names = " / ".join(snapshot.answerers)
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


CONVERSATION_NOT_FOUND = (
    "指定された会話（conversation_id）が見つかりません。最後の質問から時間がたって保存期間を過ぎたか、"
    "存在しない会話です。conversation_id を付けずに、新しい話題として質問し直してください。"
)
CONVERSATION_UNAVAILABLE = "会話の履歴を読み込めなかったため、この質問だけでお答えしています。"


def _conversation_state(state: AppState, conversation_id: str) -> tuple[TurnState | None, int]:
    """The stored state of a conversation. Unknown or expired ids are a 404; a database fault
    only loses the context (the question is still answered, with a note)."""
    store = state.feedback_store()
    if store is None:
        return None, -1
    try:
        found = store.load_conversation(conversation_id)
    except StoreError:
        return None, -1
    if found is None:
        raise NotFoundError(CONVERSATION_NOT_FOUND, code="conversation_not_found")
    try:
        return TurnState.model_validate_json(found[0]), found[1]
    except ValueError:  # a row written by an incompatible version: the context is lost, not the answer
        log.warning("unreadable conversation state", extra={"conversation_id": conversation_id})
        return None, -1


def _save_conversation(state: AppState, chosen: Answerer, conversation_id: str, answer: Answer, turns: int) -> bool:
    store = state.feedback_store()
    if store is None:
        return False
    try:
        store.save_conversation(conversation_id, turn_state(answer, chosen).model_dump_json(), turns)
    except StoreError:
        return False
    return True


def _answer_in_conversation(
    chosen: Answerer, question: str, role: Role | None, k: int, history: list[str], previous: TurnState | None
) -> Answer:
    if history:
        previous = replay(chosen, history, role, k)
    if previous is None:
        return chosen.ask(question, role=role, k=k)
    return ask_in_context(chosen, question, role, k, previous)


@router.post(
    "/ask",
    response_model=AskResponse,
    summary="質問に答える",
    responses={
        **ERROR_RESPONSES,
        **BODY_RESPONSES,
        **RATE_LIMIT_RESPONSE,
        404: error_doc("conversation_id の会話が見つからない・保存期間を過ぎた（conversation_not_found）"),
    },
    dependencies=[Depends(rate_limit)],
)
async def ask(
    body: AskRequest, request: Request, state: StateDep, snapshot: SnapshotDep, answerer: AnswererDep
) -> AskResponse:
    """質問に出典付きで答えます。応答は `guideqa batch` の出力1行と同じ形で、`answer_id` が付きます。

    ガイドラインに記載がない質問には `refused: true` と近い記載（passages）を返します。
    同じクライアントからのリクエストが多すぎると 429（`Retry-After` 秒後に再送）を返します。

    **会話**: 応答の `conversation_id` を次のリクエストに付けると、「具体例は？」「提供者の場合は？」
    のような続きの質問を前の回答を踏まえて答えます（`context` に何を引き継いだかが入ります）。
    会話を保存しない場合は、それまでの質問を `history`（古い順）で渡しても同じように答えます。
    """
    chosen = _pick(snapshot, answerer, body.generator)
    role = parse_role(body.role)
    question = clean_question(body.question)
    k = check_k(body.k)
    history = [clean_question(h) for h in body.history or []]
    if history and body.conversation_id:
        raise QueryError("history と conversation_id は同時に指定できません。どちらか一方にしてください。", code="history_and_conversation")
    previous: TurnState | None = None
    turns = 0
    notes: list[str] = []
    conversation_id = body.conversation_id
    if conversation_id:
        previous, turns = await run_in_threadpool(_conversation_state, state, conversation_id)
        if turns < 0:
            notes.append(CONVERSATION_UNAVAILABLE)
            turns = 0
    else:
        conversation_id = uuid.uuid4().hex
    answer = await run_in_threadpool(_answer_in_conversation, chosen, question, role, k, history, previous)
    answer.notes = [*notes, *answer.notes]
    saved = await run_in_threadpool(_save_conversation, state, chosen, conversation_id, answer, turns + len(history) + 1)
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
        "followup": answer.context.kind if answer.context else None,
        "turn": turns + len(history) + 1,
    }
    if state.settings.log_questions:
        extra["question"] = question
    log.info("answered", extra=extra)
    return AskResponse(**record, answer_id=answer_id, feedback_stored=stored, conversation_id=conversation_id if saved else None)


@router.get("/search", response_model=SearchResponse, summary="文書片を検索する", responses=ERROR_RESPONSES)
async def search(
    state: StateDep,
    retriever: RetrieverDep,
    q: Annotated[
        str,
        Query(
            max_length=RAW_QUESTION_LIMIT,
            pattern=QUESTION_PATTERN,
            description=f"検索する文（質問と同じく、前後の空白・制御文字を除いて1〜{MAX_QUESTION_CHARS:,}文字）",
            examples=["生成AIの偽情報対策"],
        ),
    ],
    role: Annotated[RoleName | None, Query(description=ROLE_DESCRIPTION, examples=["provider"])] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"返す件数（1〜{MAX_K}）")] = 10,
) -> SearchResponse:
    """役割と文書の状態を考慮して、関連の高い順に文書片を返します。"""
    parsed = parse_role(role)
    query = search_text(clean_question(q))
    used_role = search_role(query, parsed)
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
