"""Records that cross a boundary: the HTTP API's requests and responses, the checklist and the
topic menu, and the limits both sides check (question length, k, comment length).

Defined once here and imported by api/, retriever/ and ui/. This module imports only pydantic,
the stdlib and the other light modules of guideqa (models, guideline), so the UI, a thin HTTP
client, can use these types without loading the answering stack.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from guideqa.guideline import GUIDELINE_DOC
from guideqa.models import Answer, DocumentMeta, Passage, Role

# --- limits ----------------------------------------------------------------------------
MAX_QUESTION_CHARS = 1000  # after trimming
RAW_QUESTION_LIMIT = 10 * MAX_QUESTION_CHARS  # hard cap on the raw text before trimming
MAX_K = 50  # passages retrieved per question
MAX_COMMENT_CHARS = 2000  # feedback comment
ROLE_DESCRIPTION = "役割: developer / provider / user（D / P / U、AI開発者 / AI提供者 / AI利用者も可）。省略すると質問文から推定します。"

ItemKind = Literal["principle", "sub_item", "role_item"]
TopicGroup = Literal["principle", "governance", "role_item", "advanced", "theme"]

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True for text that cannot be written as UTF-8: lone surrogates from JSON escapes
    ("\\ud800") or from command-line bytes that were not UTF-8 (Python's surrogateescape)."""
    return bool(_LONE_SURROGATE.search(text))


# --- errors ----------------------------------------------------------------------------
class ErrorResponse(BaseModel):
    """The body of every error response."""

    detail: str
    code: str
    request_id: str | None = None


# --- checklist and topic menu (retriever/catalog.py builds them) -------------------------
class ChecklistItem(BaseModel):
    code: str = Field(description="項目コード（例: 「2)」「2) ①」「U-4) i.」）")
    kind: ItemKind
    principle: int = Field(description="対応する共通の指針の番号（1〜10）")
    title: str
    text: str
    phases: list[str] = Field(default_factory=list, description="本編の段階（例: AIシステム・サービス利用時）")
    source_passage_id: str = Field(description="本編の該当箇所の passage id")
    passage_ids: list[str] = Field(default_factory=list, description="本編の該当箇所（全て）")
    annex_passage_id: str | None = Field(None, description="別添で項目を解説している箇所の passage id")
    annex_passage_ids: list[str] = Field(default_factory=list)
    points: list[str] = Field(default_factory=list, description="別添の [ポイント] の記載（チェックの観点）")


class Checklist(BaseModel):
    role: Role
    role_label: str
    doc_id: str = GUIDELINE_DOC
    items: list[ChecklistItem]


class Topic(BaseModel):
    id: str
    label: str
    group: TopicGroup
    description: str = ""
    item_codes: list[str] = Field(default_factory=list)
    passages: list[Passage] = Field(description="この事項に対応する文書片（本文付き）")


class RoleTopics(BaseModel):
    role: Role
    role_label: str
    topics: list[Topic]


class TopicMenu(BaseModel):
    roles: list[RoleTopics]


# --- HTTP API ----------------------------------------------------------------------------
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


class AskResponse(Answer):
    """One `guideqa batch` output line (id + Answer) plus the answer id for feedback."""

    id: str | int | None = Field(None, description="リクエストの id（省略時は answer_id）")
    answer_id: str = Field(description="この回答の id。POST /feedback で指定します。")
    feedback_stored: bool = Field(
        True,  # a default keeps clients that build this model from older data working
        description="この回答を保存できたか。false のときは保存先のデータベースを利用できず、"
        "この回答へのフィードバック（POST /feedback）は受け付けられません（回答そのものは有効です）。",
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
