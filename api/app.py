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

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import routes_catalog, routes_feedback, routes_health, routes_qa
from api.errors import install_error_handlers
from api.middleware import REQUEST_ID_HEADER, BodyLimitMiddleware, RequestContextMiddleware
from api.state import AppState
from guideqa.config import Settings, get_settings
from guideqa.redact import register_settings_secrets

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
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(state.watch)  # live reload of newly published indexes
        yield
        tasks.cancel_scope.cancel()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    register_settings_secrets(settings)  # masked in every log line from now on
    app = FastAPI(
        title="ガイドラインQA API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
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
    for module in (routes_qa, routes_catalog, routes_feedback, routes_health):
        app.include_router(module.router)
    return app
