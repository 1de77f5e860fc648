"""Every error leaves the API here, as ``{"detail": <Japanese>, "code": <machine>, "request_id"}``.

Domain exceptions (guideqa.errors) are mapped to HTTP statuses in :data:`STATUS_BY_TYPE`;
FastAPI's own validation errors are rewritten with Japanese text and the same codes the
CLI uses (``invalid_k``, ``unknown_role`` …); anything unexpected becomes a generic 500 whose
details are only logged.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from guideqa.errors import EmbedderError, GuideQAError, IndexError_, IngestError, QueryError
from guideqa.records import (
    MAX_COMMENT_CHARS,
    MAX_HISTORY_ITEMS,
    MAX_K,
    MAX_QUESTION_CHARS,
    NO_ROLE,
    ErrorResponse,
    trimmed,
)

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "サーバー内部でエラーが発生しました。時間をおいて再度お試しください。"


class ApiError(GuideQAError):
    """An error raised by the API layer itself, with its HTTP status."""

    def __init__(self, status: int, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
        self.status = status


class NotReadyError(GuideQAError):
    code = "not_ready"


class NotFoundError(GuideQAError):
    code = "not_found"


class StoreError(GuideQAError):
    """The feedback database cannot be used (disk, permissions, lock)."""

    code = "feedback_unavailable"


class RateLimitedError(GuideQAError):
    """A client sent more requests than its bucket allows; answered 429 with Retry-After."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"短い時間に多くのリクエストが送られました。{retry_after}秒ほど待ってから再度お試しください。"
        )
        self.retry_after = retry_after


# Checked in order; the first matching class decides the status.
STATUS_BY_TYPE: tuple[tuple[type[GuideQAError], int], ...] = (
    (QueryError, 422),  # includes RoleError
    (RateLimitedError, 429),
    (NotFoundError, 404),
    (IndexError_, 503),  # IndexMissing / IndexCorrupt / EmbedderMismatch
    (EmbedderError, 503),
    (IngestError, 503),
    (NotReadyError, 503),
    (StoreError, 503),
)


def status_for(err: GuideQAError) -> int:
    if isinstance(err, ApiError):
        return err.status
    for cls, status in STATUS_BY_TYPE:
        if isinstance(err, cls):
            return status
    return 500


def not_ready(err: GuideQAError) -> ApiError:
    """Whatever stopped the index or models from loading, the service answers 503 with it."""
    return ApiError(503, err.message, code=err.code)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def safe_text(text: str) -> str:
    """Text that can always be encoded as UTF-8 (a message may quote user input with lone surrogates)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def error_response(
    request: Request, status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    rid = _request_id(request)
    body = ErrorResponse(detail=safe_text(message), code=code, request_id=rid).model_dump()
    out = dict(headers or {})
    if rid:
        out["X-Request-ID"] = rid
    return JSONResponse(body, status_code=status, headers=out or None)


# --- validation errors -------------------------------------------------------------------
_QUESTION_FIELDS = {"question", "q"}
_FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "k": ("invalid_k", f"k は 1〜{MAX_K} の整数で指定してください。"),
    "span": ("invalid_span", "span は 0〜5 の整数で指定してください。"),
    "role": ("unknown_role", "役割は developer / provider / user（D / P / U、AI開発者 / AI提供者 / AI利用者）、または 指定しない のいずれかを指定してください。"),
    "generator": ("unknown_generator", "生成方式（generator）は文字列で指定してください。"),
    "rating": ("invalid_rating", "評価（rating）は 1〜5 の整数で指定してください。"),
    "comment": ("invalid_comment", f"コメント（comment）は{MAX_COMMENT_CHARS}文字以内の文字列で入力してください。"),
    "answer_id": ("invalid_answer_id", "answer_id には /ask の応答に含まれる answer_id を指定してください。"),
    "id": ("invalid_id", "id は文字列または整数で指定してください。"),
    "history": ("invalid_history", f"会話の履歴（history）は、それまでの質問文（文字列）のリストで、{MAX_HISTORY_ITEMS}件以内で指定してください。"),
    "conversation_id": ("invalid_conversation_id", "conversation_id には前の応答の conversation_id（64文字以内の文字列）を指定してください。"),
    "passage_id": ("invalid_passage_id", "文書片の id が正しくありません。"),
}


def _translate(error: dict[str, Any]) -> tuple[str, str]:
    """One pydantic error -> (code, Japanese message). Never echoes the input value."""
    loc = [str(x) for x in error.get("loc", ())]
    kind = str(error.get("type", ""))
    field = loc[-1] if len(loc) > 1 else ""
    if len(loc) > 2 and loc[1] == "history":  # one entry of the list
        field = "history"
    if kind == "json_invalid":
        return "invalid_json", "リクエストの本文を JSON として読めません。"
    if kind == "string_unicode":
        where = f"（{loc[1]}）" if len(loc) > 1 else ""
        return "invalid_text", f"文字列{where}に、文字として読めないデータ（対になっていないサロゲートなど）が含まれています。"
    if loc == ["body"] or kind in ("model_attributes_type", "dict_type"):
        return "invalid_body", "リクエストの本文は JSON オブジェクトで送ってください。"
    # A history entry is a question too: same rules, same codes.
    if field in _QUESTION_FIELDS or (field == "history" and kind in ("string_pattern_mismatch", "string_too_long")):
        if kind == "missing":
            return "empty_question", "質問が空です。知りたいことを入力してください。"
        if kind == "string_too_long":
            return "question_too_long", f"質問が長すぎます。{MAX_QUESTION_CHARS}文字以内で入力してください。"
        if kind == "string_pattern_mismatch":  # QUESTION_PATTERN: empty or too long once trimmed
            if isinstance(error.get("input"), str) and trimmed(error["input"]):
                return "question_too_long", f"質問が長すぎます。{MAX_QUESTION_CHARS}文字以内で入力してください。"
            return "empty_question", "質問が空です。知りたいことを入力してください。"
        return "invalid_query", "質問は文字列で指定してください。"
    if field == "role" and (kind == "missing" or error.get("input") == NO_ROLE):  # a role is required here
        return "role_required", "役割（role）を指定してください: developer / provider / user（D / P / U）。"
    if field in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[field]
    where = ".".join(loc[1:]) or "入力"
    return "validation_error", f"入力が正しくありません（{where}）。"


def validation_detail(errors: list[dict[str, Any]]) -> tuple[str, str]:
    pairs = [_translate(e) for e in errors] or [("validation_error", "入力が正しくありません。")]
    messages = list(dict.fromkeys(m for _, m in pairs))
    return pairs[0][0], " ".join(messages)


# --- handlers ----------------------------------------------------------------------------
async def _guideqa_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GuideQAError)
    status = status_for(exc)
    if status >= 500:
        log.error("request failed: %s", exc.code, extra={"code": exc.code, "status": status})
    headers = None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
        log.warning("rate limited", extra={"code": exc.code, "retry_after": exc.retry_after})
    return error_response(request, status, exc.message, exc.code, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    code, message = validation_detail(list(exc.errors()))
    return error_response(request, 422, message, code)


_HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    # FastAPI answers 400 when the body cannot be decoded at all (e.g. bytes that are not UTF-8).
    400: ("unreadable_body", "リクエストの本文を JSON として読めません。UTF-8 で書いた JSON オブジェクトを送ってください。"),
    404: ("not_found", "指定された URL は見つかりません。API の一覧は /docs を参照してください。"),
    405: ("method_not_allowed", "この URL では、そのメソッドは使えません。"),
    413: ("request_too_large", "リクエストの本文が大きすぎます。質問は1,000文字以内、コメントは2,000文字以内で送ってください。"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", "リクエストを処理できませんでした。"))
    return error_response(request, exc.status_code, message, code, dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback stays in the server log; the client gets a generic Japanese message.
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return error_response(request, 500, INTERNAL_MESSAGE, "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GuideQAError, _guideqa_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


# For the OpenAPI docs of each route.
def error_doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


DOC_422 = error_doc("入力エラー（質問が空・長すぎる、役割や k が不正など）")
DOC_503 = error_doc("インデックスが未作成・破損などで応答できない")
DOC_500 = error_doc("サーバー内部エラー（詳細はサーバーのログのみ）")
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {422: DOC_422, 503: DOC_503, 500: DOC_500}
# Any request can get these: 400 for a request that cannot be read (from the API, JSON; from
# the HTTP server itself, e.g. for a URL longer than it accepts, plain text) and 500.
DOC_400: dict[str, Any] = {
    **error_doc("要求を読めない（本文が UTF-8 の JSON でない、URL が長すぎるなど。HTTP サーバーが返すときは本文がテキスト）"),
    "content": {"text/plain": {"schema": {"type": "string"}}},
}
APP_RESPONSES: dict[int | str, dict[str, Any]] = {400: DOC_400, 500: DOC_500}
# Routes that read a JSON body can also answer these.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {400: DOC_400, 413: error_doc("本文が大きすぎる")}
RATE_LIMIT_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        **error_doc("同じクライアントからのリクエストが多すぎる（Retry-After ヘッダーの秒数だけ待って再送）"),
        "headers": {"Retry-After": {"description": "再送までに待つ秒数", "schema": {"type": "integer"}}},
    }
}
