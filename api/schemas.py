"""Request and response schemas shared with the UI.

Responses reuse the pipeline's models (guideqa.models: Answer, Passage …; retriever.catalog:
Checklist, TopicMenu); only what the HTTP layer adds is defined here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from api.errors import MAX_COMMENT_CHARS, ErrorResponse
from guideqa.models import Answer, DocumentMeta, Passage, Role
from guideqa.service import MAX_K, has_lone_surrogate
from retriever.answer import MAX_QUESTION_CHARS
from retriever.conversation import MAX_HISTORY

# Hard cap on the raw text before trimming (the 1–1,000 rule applies after trimming).
RAW_QUESTION_LIMIT = 10 * MAX_QUESTION_CHARS
MAX_HISTORY_ITEMS = 50  # accepted in a request; only the most recent MAX_HISTORY are used
ROLE_DESCRIPTION = "役割: developer / provider / user（D / P / U、AI開発者 / AI提供者 / AI利用者も可）。省略すると質問文から推定します。"

__all__ = [
    "AskRequest", "AskResponse", "DocumentInfo", "DocumentsResponse", "ErrorResponse", "FeedbackCreated",
    "FeedbackRequest", "HealthResponse", "PassageContext", "ReadyResponse", "SearchResponse",
]  # fmt: skip


def _encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\\ud800"): they cannot be searched, stored or sent back.
    if has_lone_surrogate(value):
        raise PydanticCustomError("string_unicode", "string contains lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class AskRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "AI利用者として個人情報の扱いで注意することは？", "role": "user", "k": 10},
                {"question": "AI開発者は学習データについて何に注意すべき？", "role": "D"},
            ]
        }
    )

    question: Text = Field(
        max_length=RAW_QUESTION_LIMIT,
        description=f"質問（日本語）。前後の空白を除いて1〜{MAX_QUESTION_CHARS:,}文字。",
        examples=["AI利用者として個人情報の扱いで注意することは？"],
    )
    role: Text | None = Field(None, description=ROLE_DESCRIPTION, examples=["user", "AI利用者", "D"])
    k: int = Field(10, ge=1, le=MAX_K, strict=True, description=f"検索する文書片の数（1〜{MAX_K}）")
    generator: Text | None = Field(None, description="回答の生成方式。省略時は既定（extractive: 抽出型）。", examples=["extractive"])
    id: Text | int | None = Field(None, description="任意の識別子（guideqa batch の id と同じ）。省略時は answer_id。")
    history: list[Annotated[Text, Field(max_length=RAW_QUESTION_LIMIT)]] | None = Field(
        None,
        max_length=MAX_HISTORY_ITEMS,
        description=f"同じ会話でそれまでにした質問（古い順、{MAX_HISTORY_ITEMS}件まで。使うのは直近の{MAX_HISTORY}件）。"
        "「具体例は？」「提供者の場合は？」などの続きの質問を、前の質問を踏まえて答えます。conversation_id とは同時に指定できません。",
        examples=[["AI利用者として個人情報の扱いで注意することは？"]],
    )
    conversation_id: Text | None = Field(
        None,
        max_length=64,
        description="前の応答の conversation_id。指定すると、その会話の続きとして答えます（最後の質問から"
        "一定時間で失効。失効・不明な id は 404 conversation_not_found）。",
    )


class AskResponse(Answer):
    """One `guideqa batch` output line (id + Answer) plus the answer id for feedback and the conversation id."""

    id: str | int | None = Field(None, description="リクエストの id（省略時は answer_id）")
    answer_id: str = Field(description="この回答の id。POST /feedback で指定します。")
    feedback_stored: bool = Field(
        True,  # a default keeps clients that build this model from older data working
        description="この回答を保存できたか。false のときは保存先のデータベースを利用できず、"
        "この回答へのフィードバック（POST /feedback）は受け付けられません（回答そのものは有効です）。",
    )
    conversation_id: str | None = Field(
        None,
        description="この会話の id。次の質問の conversation_id に指定すると、続きの質問として答えます"
        "（保存先のデータベースを利用できないときは null）。",
    )


class SearchResponse(BaseModel):
    query: str
    role: Role | None = Field(None, description="検索に使った役割（指定または質問文から推定）")
    k: int
    passages: list[Passage]


class PassageContext(BaseModel):
    passage: Passage
    before: list[Passage] = Field(default_factory=list, description="同じ文書で直前の文書片")
    after: list[Passage] = Field(default_factory=list, description="同じ文書で直後の文書片")


class DocumentInfo(DocumentMeta):
    """One document of the index manifest: its corpus metadata plus chunk counts."""

    file: str = ""
    sha256: str = ""
    chunks: int = Field(0, description="チャンク（文書片）数")
    roles: dict[str, int] = Field(default_factory=dict, description="役割別のチャンク数")
    segments: dict[str, int] = Field(default_factory=dict, description="概要・本編・別添などの区分別チャンク数")


class DocumentsResponse(BaseModel):
    created_at: str = Field(description="インデックスの作成日時")
    embedder: dict[str, Any]
    chunk_count: int
    documents: list[DocumentInfo]
    errors: list[dict[str, Any]] = Field(default_factory=list, description="取り込めなかった文書と理由")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"answer_id": "3f2c9a…", "rating": 5, "comment": "出典が分かりやすかったです。"}]}
    )

    answer_id: Text = Field(min_length=1, max_length=64, description="/ask の応答の answer_id")
    rating: int = Field(ge=1, le=5, strict=True, description="評価: 1（役に立たない）〜5（とても役に立った）")
    comment: Text | None = Field(None, max_length=MAX_COMMENT_CHARS, description="自由記述（任意）")


class FeedbackCreated(BaseModel):
    feedback_id: int
    answer_id: str
    created_at: str
    stored: Literal[True] = True


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    ready: Literal[True] = True
    chunks: int
    documents: int
    embedder: str
    generators: list[str]
    loaded_at: str
    load_seconds: float
    feedback: Literal["ok", "unavailable"]
