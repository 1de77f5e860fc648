"""The FastAPI application: ``create_app(settings)``.

The index and models are loaded in the lifespan, in a worker thread, and again whenever a new
index is published (live reload, see ``api.state``). When loading fails (index missing or
corrupt, embedder mismatch) the service still starts: /healthz is 200, /readyz and the routes
that need the index answer 503 with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import routes_catalog, routes_feedback, routes_health, routes_qa
from api.errors import APP_RESPONSES, install_error_handlers
from api.middleware import REQUEST_ID_HEADER, BodyLimitMiddleware, RequestContextMiddleware
from api.state import AppState
from guideqa.config import Settings, get_settings
from guideqa.redact import register_settings_secrets
from guideqa.service import generator_names

log = logging.getLogger(__name__)

DESCRIPTION = """\
「AI事業者ガイドライン」とその関連資料に日本語で質問できる API です。

- 回答の各文には出典番号 [n] が付き、`citations` に文書名・版・章節・項目コード・行またはページが入ります。
- ガイドラインに記載がない質問には推測で答えず、`refused: true` と近い記載を返します。
- エラーは全て `{"detail": "日本語の説明", "code": "機械向けのコード"}` の形です。
- 各応答の `X-Request-ID` ヘッダーは問い合わせの際にお知らせください。
"""
# The largest valid /ask body is a 10,000-character question written as \uXXXX escapes (~60 KB).
MAX_BODY_BYTES = 256 * 1024
TAGS = [
    {"name": "質問と検索", "description": "質問への回答、文書片の検索と参照"},
    {"name": "コーパスと目次", "description": "文書の一覧、役割別のトピックとチェックリスト"},
    {"name": "フィードバック", "description": "回答への評価の送信と、保守担当者向けの書き出し"},
    {"name": "稼働状況", "description": "死活監視と準備状況"},
]


def cors_origins(value: str) -> list[str]:
    """GUIDEQA_CORS_ORIGINS: comma-separated origins; empty means no cross-origin access."""
    return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.guideqa
    await anyio.to_thread.run_sync(state.load)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(state.watch)  # live reload of newly published indexes
            yield
            tasks.cancel_scope.cancel()
    finally:
        state.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    register_settings_secrets(settings)  # masked in every log line from now on
    app = FastAPI(
        title="ガイドラインQA API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        responses=APP_RESPONSES,  # documented on every operation
    )
    app.state.guideqa = AppState(settings)
    install_error_handlers(app)
    origins = cors_origins(settings.cors_origins)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestContextMiddleware)  # added last = outermost: every response gets an id
    proxies = [a.strip() for a in settings.trusted_proxies.split(",") if a.strip()]
    if proxies:
        # Behind a load balancer: the client is the address it reports in X-Forwarded-For
        # (for the rate limit and the logs), and only when the peer is one of these proxies.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    for module in (routes_qa, routes_catalog, routes_feedback, routes_health):
        app.include_router(module.router)
    _document_generators(app, generator_names(settings))
    return app


def _document_generators(app: FastAPI, names: list[str]) -> None:
    """The schema of AskRequest.generator lists the generators this server offers (from its
    settings, known before the index loads), so a client knows which ones it may ask for."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            field = schema["components"]["schemas"]["AskRequest"]["properties"]["generator"]
            field["anyOf"] = [{"type": "string", "enum": names}, {"type": "null"}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
