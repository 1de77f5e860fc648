"""User feedback on answers, and the maintainers' CSV export behind a token."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep
from api.errors import BODY_RESPONSES, DOC_500, ApiError, error_doc
from guideqa.records import FeedbackCreated, FeedbackRequest

log = logging.getLogger(__name__)
router = APIRouter(tags=["フィードバック"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    summary="回答へのフィードバックを送る",
    responses={
        404: error_doc("answer_id の回答が見つからない"),
        422: error_doc("評価やコメントが不正"),
        503: error_doc("保存先のデータベースを利用できない（ロック中・読み取り専用など。保存されていません）"),
        500: DOC_500,
        **BODY_RESPONSES,
    },
)
async def feedback(body: FeedbackRequest, request: Request, store: StoreDep) -> FeedbackCreated:
    """回答（answer_id）への評価とコメントを保存します。応答を返す前にデータベースへ確定（commit）します。"""
    comment = (body.comment or "").strip()
    request_id = getattr(request.state, "request_id", None)
    feedback_id, created = await run_in_threadpool(store.add_feedback, body.answer_id, body.rating, comment, request_id)
    log.info("feedback stored", extra={"feedback_id": feedback_id, "answer_id": body.answer_id, "rating": body.rating})
    return FeedbackCreated(feedback_id=feedback_id, answer_id=body.answer_id, created_at=created)


def _check_token(expected: str, authorization: str | None) -> None:
    given = ""
    if authorization and authorization[:7].lower() == "bearer ":
        given = authorization[7:].strip()
    if not given or not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise ApiError(403, "書き出しには正しいトークンが必要です（Authorization: Bearer <トークン>）。", code="forbidden")


@router.get(
    "/feedback/export",
    summary="フィードバックの書き出し（CSV、保守担当者向け）",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8（BOM付き）の CSV"},
        403: error_doc("トークンがない、または正しくない"),
        404: error_doc("書き出しが無効（GUIDEQA_EXPORT_TOKEN が未設定）"),
        503: error_doc("保存先のデータベースを利用できない"),
        500: DOC_500,
    },
)
async def export(
    settings: SettingsDep,
    store: StoreDep,
    authorization: Annotated[str | None, Header(description="Bearer <GUIDEQA_EXPORT_TOKEN の値>")] = None,
) -> Response:
    """全てのフィードバックを、対象の質問・回答・出典とともに CSV で返します。"""
    token = settings.export_token.get_secret_value() if settings.export_token else ""
    if not token:
        raise ApiError(
            404, "フィードバックの書き出しは無効です（サーバーに GUIDEQA_EXPORT_TOKEN が設定されていません）。", code="export_disabled"
        )
    _check_token(token, authorization)
    body = await run_in_threadpool(store.export_csv)
    log.info("feedback exported", extra={"bytes": len(body)})
    return Response(
        content=body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"', "Cache-Control": "no-store"},
    )
