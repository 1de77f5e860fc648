"""Pydantic models shared by every stage (ingest, retriever, API, UI).

They are defined once here and reused; the API's response schemas are these models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["developer", "provider", "user", "common"]
Status = Literal["current", "update", "draft", "older"]
Segment = Literal["overview", "main", "annex", "body"]
# How a follow-up question builds on the previous turn (retriever.conversation).
FollowUpKind = Literal["examples", "detail", "role_switch", "more", "reference"]
# What a section of a document read by the generic reader is (ingest.admin_structure.section_kind):
# the normative text (an article, 第N条), a Q&A entry, a form (様式, 申請書 …), another appendix
# (別紙・別表・別記), or plain text (everything else, and every document with its own layout).
SectionKind = Literal["text", "article", "qa", "form", "appendix"]

ROLES: tuple[Role, ...] = ("developer", "provider", "user", "common")


class DocumentMeta(BaseModel):
    """One entry of the corpus manifest."""

    doc_id: str
    title: str
    short_title: str = ""
    publisher: str = ""
    date: str = ""
    version: str = ""
    status: Status = "current"
    # How the structure reader reads the text: "generic" (any Japanese administrative document:
    # 第N章/第N条, 別紙, Q&A, slides) or one of the bundled documents' own layouts.
    layout: Literal["generic", "guideline", "slides", "report"] = "generic"
    file: str
    supersedes: list[str] = Field(default_factory=list)
    description: str = ""
    aliases: list[str] = Field(default_factory=list)  # names people use for this document
    profile: str = ""  # a document profile (guideqa/profiles/<profile>.yaml): roles, principles …


class SourceLine(BaseModel):
    """One physical line of a source document, with where it came from."""

    text: str
    line: int  # 1-based line number in the text file, or line within the page for PDFs
    page: int | None = None  # 1-based page number (PDF only)


class LoadedDocument(BaseModel):
    meta: DocumentMeta
    lines: list[SourceLine]
    sha256: str
    # Each line is a paragraph as its writer ended it (a Word paragraph, a web page's block), never a
    # piece of one broken at a width.
    paragraph_lines: bool = False


class Chunk(BaseModel):
    """A retrievable unit of text that never crosses an item boundary."""

    id: str
    doc_id: str
    segment: Segment
    section_path: list[str] = Field(default_factory=list)
    item_codes: list[str] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    page_start: int | None = None
    page_end: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    text: str
    content_hash: str = ""
    kind: SectionKind = "text"
    # For a Q&A entry, form or appendix: the ids of the articles it explains
    # (ingest.explanations), which lead an answer that quotes it.
    explains: list[str] = Field(default_factory=list)

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)

    @property
    def location(self) -> str:
        """Human-readable location (Japanese): page or line span."""
        if self.page_start is not None:
            if self.page_end and self.page_end != self.page_start:
                return f"{self.page_start}〜{self.page_end}ページ"
            return f"{self.page_start}ページ"
        if self.line_start is not None:
            return f"{self.line_start}〜{self.line_end}行"
        return ""


class Passage(BaseModel):
    """A retrieved chunk with its score and document metadata."""

    id: str
    doc_id: str
    title: str
    status: Status
    version: str = ""
    date: str = ""
    segment: Segment
    section: str
    section_path: list[str]
    item_codes: list[str]
    roles: list[Role]
    page_start: int | None = None
    page_end: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    location: str = ""
    text: str
    score: float = 0.0

    @classmethod
    def from_chunk(cls, chunk: Chunk, doc: Mapping[str, Any], score: float = 0.0) -> Passage:
        """The chunk with its document's title, status, version and date (``doc``: a manifest entry)."""
        return cls(
            id=chunk.id,
            doc_id=chunk.doc_id,
            title=doc.get("title", chunk.doc_id),
            status=doc.get("status", "current"),
            version=doc.get("version", ""),
            date=doc.get("date", ""),
            segment=chunk.segment,
            section=chunk.section,
            section_path=chunk.section_path,
            item_codes=chunk.item_codes,
            roles=chunk.roles,
            page_start=chunk.page_start,
            page_end=chunk.page_end,
            line_start=chunk.line_start,
            line_end=chunk.line_end,
            location=chunk.location,
            text=chunk.text,
            score=round(score, 6),
        )


class Citation(BaseModel):
    number: int
    id: str
    doc_id: str
    title: str
    status: Status
    version: str = ""
    date: str = ""
    section: str
    section_path: list[str]
    item_codes: list[str]
    roles: list[Role]
    page_start: int | None = None
    page_end: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    location: str = ""
    text: str
    quotes: list[str] = Field(default_factory=list)  # the cited sentences, for highlighting


class AnswerSentence(BaseModel):
    text: str
    citations: list[int]
    # True for the answerer's own fixed statement (the lead of a false-premise answer), which
    # is not a quote; its citations point to the passages that support it.
    statement: bool = False


class TurnState(BaseModel):
    """What one answered turn of a conversation leaves for the next question."""

    question: str = Field(description="その回の質問（利用者が入力したとおり）")
    query: str = Field(description="検索に使った文（続きの質問なら前の質問で補ったもの）")
    role: Role | None = None
    item_codes: list[str] = Field(default_factory=list, description="回答が出典とした項目コード（D-/P-/U-、行動目標）")
    principles: list[int] = Field(default_factory=list, description="回答が出典とした共通の指針の番号")
    passage_ids: list[str] = Field(default_factory=list, description="回答が出典とした文書片")
    anchor_ids: list[str] | None = Field(
        default=None,
        description="出典のうち前の質問の語を含む文書片（続きの質問が参照する箇所。未確認なら None で、出典すべて）",
    )
    refused: bool = False
    off_topic: bool = Field(default=False, description="回答を控えた回で、質問がコーパスの扱う話題から外れていた（関連する記載も示さなかった）")
    lead: str = Field(default="", description="回答の最初の引用文（「他には？」で同じ話題の別の記載を探す手がかり）")


class ContextUse(BaseModel):
    """What a follow-up question took from the earlier turns (the ``context`` field of a record)."""

    kind: FollowUpKind = Field(
        description="examples: 具体例・具体的な手法 / detail: ポイント・解説 / role_switch: 他の主体の対応する項目 / "
        "more: 他の記載 / reference: 前の質問の語を補う"
    )
    previous_question: str
    query: str = Field(description="実際に検索した文")
    role: Role | None = None
    item_codes: list[str] = Field(default_factory=list, description="前の回答から引き継いだ項目（主体の切り替えでは対応する項目）")
    note: str = Field(description="回答に添える一行（「前の質問（…）の続きとしてお答えします」）")


class Answer(BaseModel):
    question: str
    role: Role | None = None
    refused: bool
    answer: str
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    generator: str = "extractive"
    context: ContextUse | None = None  # set when the question was answered as a follow-up


# --- document profiles (guideqa/profiles/*.yaml, see guideqa/profiles.py) -----------------
class ProfileRole(BaseModel):
    """One actor (主体) a profiled document defines."""

    role: Role
    letter: str  # item-code prefix: D-2) i.
    label: str  # AI開発者
    stem: str  # the word before 者: 開発
    part: int  # 本編 第N部 written for this role
    annex: int  # 別添N explaining that part
    # Everyday verb stems for the act that defines the role (開発する → 作る; 提供する → 売る):
    # a party described by its act (「作ってる側」「売る場合」) is this role.
    acts: list[str] = []


class ProfileTheme(BaseModel):
    id: str
    label: str
    description: str = ""
    pattern: str  # regular expression over chunk text


class ProfileSections(BaseModel):
    common: str  # heading of the common principles (C. 共通の指針)
    philosophy: str = ""  # heading of the basic philosophy (A. 基本理念)
    governance: str = ""  # heading prefix of the governance section (E.)
    advanced: str = ""  # heading prefix of the advanced-AI section (D.)
    advanced_item: str = ""  # sub-heading of items for advanced AI systems
    # Sub-sections of an item's explanation (別添): worked examples, and the explanation proper.
    examples: list[str] = Field(default_factory=list)  # [具体的な手法], [実践例]
    explanations: list[str] = Field(default_factory=list)  # [ポイント], [実践のポイント], [留意点]


class ProfileTopics(BaseModel):
    common_description: str = ""
    governance_label: str = ""
    governance_description: str = ""
    advanced_label: str = ""
    advanced_description: str = ""
    themes: list[ProfileTheme] = Field(default_factory=list)


class DocumentProfile(BaseModel):
    """What is specific to one kind of document (roles, principles, item codes …), as data."""

    id: str
    name: str
    roles: list[ProfileRole] = Field(default_factory=list)
    principles: list[str] = Field(default_factory=list)
    item_code_pattern: str = ""
    sections: ProfileSections
    topics: ProfileTopics = Field(default_factory=ProfileTopics)
    soft_law_statement: str = ""
