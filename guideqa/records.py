"""Records that cross a boundary: the HTTP API's requests and responses, the checklist and the
topic menu, and the limits both sides check (question length, k, comment length).

Defined once here and imported by api/, retriever/ and ui/. This module imports only pydantic,
the stdlib and the other light modules of guideqa (models, guideline), so the UI, a thin HTTP
client, can use these types without loading the answering stack.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from guideqa.guideline import GUIDELINE_DOC, ROLE_TABLE
from guideqa.models import Answer, DocumentMeta, Passage, Role

# --- limits ----------------------------------------------------------------------------
MAX_QUESTION_CHARS = 1000  # after trimming
RAW_QUESTION_LIMIT = 10 * MAX_QUESTION_CHARS  # hard cap on the raw text before trimming
MAX_K = 50  # passages retrieved per question
MAX_COMMENT_CHARS = 2000  # feedback comment
ROLE_DESCRIPTION = (
    "役割: developer / provider / user（D / P / U、AI開発者 / AI提供者 / AI利用者）、または 指定しない。"
    "省略または 指定しない のときは質問文から推定します。"
)
# Replaced by a space before a question is trimmed (tab, newline and carriage return are whitespace).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_HISTORY = 10  # earlier questions of a conversation used (the most recent ones)
MAX_HISTORY_ITEMS = 50  # earlier questions accepted in a request

ItemKind = Literal["principle", "sub_item", "role_item"]
TopicGroup = Literal["principle", "governance", "role_item", "advanced", "theme"]

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True for text that cannot be written as UTF-8: lone surrogates from JSON escapes
    ("\\ud800") or from command-line bytes that were not UTF-8 (Python's surrogateescape)."""
    return bool(_LONE_SURROGATE.search(text))


# --- the API's input rules, exactly as its OpenAPI schema states them ------------------------
# A client generated from /openapi.json must know every rule the server enforces, and nothing
# the schema allows may be refused (tests/test_fuzz_api.py runs `schemathesis --checks all`).

# Role names the API accepts: each actor's API name, item-code letter and guideline label
# (ROLE_TABLE: user / U / AI利用者 …) and, where a role is optional, 指定しない. The CLI's parser
# (retriever.roles.parse_role) also accepts other spellings; the API documents exactly these.
ACTOR_NAMES: tuple[str, ...] = tuple(name for e in ROLE_TABLE for name in (e.role, e.letter, e.label))
NO_ROLE = "指定しない"
ROLE_NAMES: tuple[str, ...] = (*ACTOR_NAMES, NO_ROLE)


def _blank_class() -> str:
    """A regex character class of what trimming removes: Unicode whitespace (``str.isspace``,
    what ``str.strip`` removes) and the control characters replaced by spaces. All are in the
    BMP, written as \\uXXXX (read the same by ECMA-262 and Python regexes)."""
    blank = [c for c in range(0x10000) if chr(c).isspace() or CONTROL_CHARS.match(chr(c))]
    ranges: list[list[int]] = []
    for c in blank:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


# A question, trimmed, has 1 to MAX_QUESTION_CHARS characters: optional blanks, a non-blank
# character, at most MAX_QUESTION_CHARS - 2 characters and another non-blank one, blanks.
_BLANK = f"[{_blank_class()}]"
_KEPT = f"[^{_blank_class()}]"
QUESTION_PATTERN = f"^{_BLANK}*{_KEPT}(?:[\\s\\S]{{0,{MAX_QUESTION_CHARS - 2}}}{_KEPT})?{_BLANK}*$"


def trimmed(text: str) -> str:
    """What the length rule counts: the text without its leading and trailing blanks."""
    return CONTROL_CHARS.sub(" ", text).strip()


def _encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\\ud800"): they cannot be searched, stored or sent back.
    if has_lone_surrogate(value):
        raise PydanticCustomError("string_unicode", "string contains lone surrogates")
    return value


def _json_integer(value: Any) -> Any:
    """JSON Schema's ``integer``: 3 and 3.0 (a number without a fraction), never true, "3" or 3.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "Input should be a valid integer, got a fractional number")
        return int(value)
    return value


def _json_id(value: Any) -> Any:
    """A caller's id: a string, an integer (as above) or null."""
    return value if value is None or isinstance(value, str) else _json_integer(value)


def _one_of(names: tuple[str, ...]) -> Any:
    def check(value: str) -> str:
        if value not in names:
            raise PydanticCustomError("enum", "Input should be one of the documented names")
        return value

    return check


Text = Annotated[str, AfterValidator(_encodable)]
JsonInt = Annotated[int, BeforeValidator(_json_integer)]
RoleName = Annotated[
    str, AfterValidator(_encodable), AfterValidator(_one_of(ROLE_NAMES)),
    WithJsonSchema({"type": "string", "enum": list(ROLE_NAMES)}),
]  # fmt: skip
ActorName = Annotated[
    str, AfterValidator(_encodable), AfterValidator(_one_of(ACTOR_NAMES)),
    WithJsonSchema({"type": "string", "enum": list(ACTOR_NAMES)}),
]  # fmt: skip


def _encodable_id(value: Any) -> Any:
    return _encodable(value) if isinstance(value, str) else value


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
    note: str = Field("", description="対象の範囲（役割を定義している文書だけが対象であること）")


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
    note: str = Field("", description="対象の範囲（役割別の項目は役割を定義している文書だけが対象であること）")


# --- HTTP API ----------------------------------------------------------------------------
class AskRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            # POST /ask refuses (422 history_and_conversation) a non-empty history together with a
            # conversation_id: say so in the schema.
            "not": {
                "required": ["history", "conversation_id"],
                "properties": {
                    "history": {"type": "array", "minItems": 1},
                    "conversation_id": {"type": "string", "minLength": 1},
                },
            },
            "examples": [
                {"question": "AI利用者として個人情報の扱いで注意することは？", "role": "user", "k": 10},
                {"question": "AI開発者は学習データについて何に注意すべき？", "role": "D"},
            ]
        }
    )

    question: Text = Field(
        max_length=RAW_QUESTION_LIMIT,
        pattern=QUESTION_PATTERN,
        description=f"質問（日本語）。前後の空白・制御文字を除いて1〜{MAX_QUESTION_CHARS:,}文字（全体で{RAW_QUESTION_LIMIT:,}文字まで）。",
        examples=["AI利用者として個人情報の扱いで注意することは？"],
    )
    role: RoleName | None = Field(None, description=ROLE_DESCRIPTION, examples=["user", "AI利用者", "D"])
    k: JsonInt = Field(10, ge=1, le=MAX_K, description=f"検索する文書片の数（1〜{MAX_K}）")
    # The server's schema lists the generators it offers (api.app: extractive, and llm when an
    # endpoint is configured); the server refuses any other name with 422 unknown_generator.
    generator: Text | None = Field(
        None, description="回答の生成方式。省略時は既定（extractive: 抽出型）。", examples=["extractive"]
    )
    id: Annotated[str | int | None, BeforeValidator(_json_id), AfterValidator(_encodable_id)] = Field(
        None, description="任意の識別子（guideqa batch の id と同じ）。省略時は answer_id。"
    )
    # Each entry follows the question rule (the pattern also bounds its trimmed length).
    history: list[Annotated[Text, Field(min_length=1, pattern=QUESTION_PATTERN)]] | None = Field(
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
    rating: JsonInt = Field(ge=1, le=5, description="評価: 1（役に立たない）〜5（とても役に立った）")
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
    index_version: str = Field(description="読み込んだインデックスの版（ビルドの識別子）。全てのレプリカで同じはずです。新しいインデックスが公開されると数秒で切り替わります。")
    loaded_at: str
    load_seconds: float
    feedback: Literal["ok", "unavailable"]
    database: Literal["sqlite", "postgresql", ""] = Field(description="フィードバックの保存先（利用できないときは空）")
    rate_limit: Literal["process", "shared"] = Field(description="回数制限の範囲: このプロセスのみ / 全レプリカ共通")
