"""A small typed HTTP client for the ガイドラインQA API, used by the Streamlit UI.

Every method returns the API's own pydantic models (guideqa.models /
guideqa.records) and every failure — connection refused, timeout, an error status, a body
that does not parse — is raised as one :class:`UIError` carrying a Japanese message the UI
can show as is. Nothing else escapes this module.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from guideqa.config import Settings
from guideqa.records import (
    AskResponse,
    Checklist,
    DocumentsResponse,
    FeedbackCreated,
    PassageContext,
    ReadyResponse,
    TopicMenu,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Connecting to a local API is instant; answering can take a few seconds on a cold start.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=3.0)
# The readiness probe runs before every page draw: a hung API must not hold the page for long.
PROBE_TIMEOUT = httpx.Timeout(5.0, connect=3.0)

MSG_DOWN = "回答サーバー（API）に接続できません。サーバーが起動しているか確認し、しばらくしてから再試行してください。"
MSG_TIMEOUT = "回答サーバー（API）の応答に時間がかかっています。しばらくしてから再試行してください。"
MSG_NOT_READY = "回答サーバー（API）の準備ができていません。"
MSG_SERVER = "回答サーバー（API）でエラーが発生しました。時間をおいて再試行してください。"
MSG_BAD_RESPONSE = "回答サーバー（API）からの応答を読み取れませんでした。時間をおいて再試行してください。"
MSG_UNEXPECTED = "回答サーバー（API）との通信中に予期しないエラーが発生しました。再試行してください。"


class UIError(Exception):
    """The one error type of the client: a Japanese message for the page, and a code for logic/tests."""

    def __init__(self, message: str, *, code: str, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.retryable = retryable

    def __str__(self) -> str:
        return self.message


def default_api_url() -> str:
    """GUIDEQA_API_URL, else Settings' default."""
    return Settings().api_url


def _error_body(resp: httpx.Response) -> tuple[str | None, str | None]:
    try:
        body = resp.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    detail, code = body.get("detail"), body.get("code")
    return (detail if isinstance(detail, str) else None), (code if isinstance(code, str) else None)


def _request_id(resp: httpx.Response) -> str:
    rid = resp.headers.get("X-Request-ID", "")
    return rid if rid.isascii() and rid.replace("-", "").isalnum() and len(rid) <= 64 else ""


def error_from_response(resp: httpx.Response) -> UIError:
    """Map an error status to a UIError; the API's own Japanese ``detail`` is kept when present."""
    detail, code = _error_body(resp)
    status = resp.status_code
    if status == 503:
        text = f"{MSG_NOT_READY}{detail}" if detail else MSG_NOT_READY + "しばらくしてから再試行してください。"
        return UIError(text, code=code or "not_ready", status=status)
    if status >= 500:
        rid = _request_id(resp)
        text = f"{MSG_SERVER}（お問い合わせの際は番号 {rid} をお知らせください）" if rid else MSG_SERVER
        return UIError(text, code=code or "server_error", status=status)
    if detail:  # 4xx from our API: the message is written for the user
        return UIError(detail, code=code or "client_error", status=status, retryable=False)
    return UIError(f"リクエストを処理できませんでした（HTTP {status}）。", code="http_error", status=status, retryable=False)


class ApiClient:
    """Thread-safe (one httpx.Client) and cheap to share between Streamlit sessions."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = (base_url or default_api_url()).rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "guideqa-ui"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ------------------------------------------------------------------
    def _request(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        try:
            resp = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            log.warning("api timeout: %s %s (%s)", method, path, type(exc).__name__)
            raise UIError(MSG_TIMEOUT, code="timeout") from exc
        except httpx.TransportError as exc:  # refused, reset, DNS, protocol
            log.warning("api unreachable: %s %s (%s)", method, path, type(exc).__name__)
            raise UIError(MSG_DOWN, code="unreachable") from exc
        except Exception as exc:  # noqa: BLE001 - the client boundary: nothing else may escape
            log.exception("api request failed: %s %s", method, path)
            raise UIError(MSG_UNEXPECTED, code="unexpected") from exc
        if resp.status_code >= 400:
            err = error_from_response(resp)
            log.warning("api error %s: %s %s (%s)", resp.status_code, method, path, err.code)
            raise err
        try:
            return model.model_validate_json(resp.content)
        except (ValidationError, ValueError) as exc:
            log.warning("api response did not parse: %s %s", method, path)
            raise UIError(MSG_BAD_RESPONSE, code="bad_response", status=resp.status_code) from exc

    # --- endpoints ------------------------------------------------------------------
    def ready(self) -> ReadyResponse:
        return self._request("GET", "/readyz", ReadyResponse, timeout=PROBE_TIMEOUT)

    def ask(
        self,
        question: str,
        role: str | None = None,
        *,
        k: int = 10,
        conversation_id: str | None = None,
        history: list[str] | None = None,
    ) -> AskResponse:
        """Answer a question; with ``conversation_id`` (or ``history``) as the next turn of a conversation."""
        body: dict[str, Any] = {"question": question, "k": k}
        if role:
            body["role"] = role
        if conversation_id:
            body["conversation_id"] = conversation_id
        if history:
            body["history"] = history
        return self._request("POST", "/ask", AskResponse, json=body)

    def passage(self, passage_id: str, *, span: int = 1) -> PassageContext:
        path = "/passages/" + quote(passage_id, safe="")
        return self._request("GET", path, PassageContext, params={"span": span})

    def documents(self) -> DocumentsResponse:
        return self._request("GET", "/documents", DocumentsResponse)

    def topics(self, role: str | None = None) -> TopicMenu:
        return self._request("GET", "/topics", TopicMenu, params={"role": role} if role else None)

    def checklist(self, role: str) -> Checklist:
        return self._request("GET", "/checklist", Checklist, params={"role": role})

    def feedback(self, answer_id: str, rating: int, comment: str | None = None) -> FeedbackCreated:
        body: dict[str, Any] = {"answer_id": answer_id, "rating": rating}
        if comment and comment.strip():
            body["comment"] = comment.strip()
        return self._request("POST", "/feedback", FeedbackCreated, json=body)
