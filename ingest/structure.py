"""Structure detection: source lines -> paragraphs labelled with their place in the document.

The texts are PDF extractions: sentences break across lines (often with blank lines in
between), tables are flattened and slide decks repeat navigation words. This module joins
broken lines into paragraphs and tracks the heading hierarchy of each document layout:

* ``guideline`` – 「AI事業者ガイドライン」: overview deck, 本編 (第1部–第5部, A–E, the ten
  principles, items ``D-2) i.`` …) and 別添 (chapters 1–7, 行動目標, [ポイント] …).
* ``slides`` / ``report`` – numbered and markdown headings (``I.``, ``1.``, ``(1)``, ``①``).
* ``generic`` (the default) – Japanese administrative documents: ``ingest.admin_structure``.

``parse_paragraphs`` is a pure function of the loaded lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guideqa.guideline import (
    ANNEX_OF_ROLE,
    PRINCIPLES,
    PROFILE,
    ROLE_BY_ANNEX,
    ROLE_BY_LETTER,
    ROLE_BY_PART,
    ROLE_LABELS,
)
from guideqa.models import LoadedDocument, Role, Segment, SourceLine
from guideqa.text import CIRCLED, circled_number, nfkc
from ingest.text import canonical_item_code, join_fragments, normalize_line, ocr_repaired, tidy

SEGMENT_LABEL: dict[str, str] = {"overview": "概要", "main": "本編", "annex": "別添（付属資料）"}

# --- line classifiers (applied to the NFKC, stripped line) ----------------------------
# Item codes (D-2) i.) as the guideline's profile declares them.
ITEM_MENTION_RE = re.compile(PROFILE.item_code_pattern)
ITEM_RE = re.compile(rf"^(?:➢\s*)?{PROFILE.item_code_pattern}\s*(.*)$")
PART_RE = re.compile(r"^第\s*(\d)\s*部\s*\.?\s*(.*)$")
ANNEX_CHAPTER_RE = re.compile(r"^別添\s*(\d)\s*\.\s*(.+)$")
LETTER_RE = re.compile(r"^([A-E])\s*\.\s*(\S.*)$")
PRINCIPLE_RE = re.compile(r"^(\d{1,2})\s*\)\s*(\S.*)$")
GOAL_RE = re.compile(r"^行動目標\s*(\d+(?:\s*-\s*\d+){1,2})\s*【(.+?)】")
PHASE_RE = re.compile(r"^(?:⚫\s*)?((?:AI|データ)[^\s。、]{0,20}(?:時|後))$")
BRACKET_RE = re.compile(r"^\[(.{2,30}?)\]")
ROMAN_ITEM_RE = re.compile(r"^(?:[IVX]{1,4}|XI{0,2})\s*\)\s+\S")
MAIN_START_RE = re.compile(r"^\s+はじめに\s*$")
ANNEX_START_RE = re.compile(r"^\s*別添\s*[.．]\s*はじめに\s*$")  # a contents line (…… 1) is not the start
# A part published on its own may open with a cover page (title, publisher, date) this short.
COVER_CHARS = 200
# Numbered heading shapes of Japanese documents (on the NFKC line); each layout gives them
# its own levels (GENERIC_HEADINGS below, ingest.admin_structure.NUMBERED).
NUMBER_DOT = r"^\d{1,2}\s*\.\s*\S"  # 「1. はじめに」
PAREN_NUMBER = r"^\(\d{1,2}\)\s*\S"  # 「(1) 文案の作成」
CIRCLED_NUMBER = rf"^[{CIRCLED}]\s*\S"  # 「① 注意点」
# Generic numbered headings for slides and reports, by level.
GENERIC_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^(?:[IVX]{1,4})\s*\.\s*\S")),
    (2, re.compile(NUMBER_DOT + r"|^\d{1,2}-\d{1,2}\s+\S")),
    (3, re.compile(PAREN_NUMBER)),
    (4, re.compile(CIRCLED_NUMBER)),
)
MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+)$")
HTML_TAG_RE = re.compile(r"</?(?:p|sup|sub|br|b|i|strong|em|span|div)\b[^>]*>", re.IGNORECASE)
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
# Markdown's link and image (「[セキュリティ規程](セキュリティ規程%20a1b2.md)」 as Notion exports a
# link to another page): its text is what the reader sees; inline code (「`.env`」) likewise.
# (The target is an address or a file: 「[0](注)」 in plain text is no link.)
MARKDOWN_LINK_RE = re.compile(r"!?\[([^\]\n]*)\]\((?:<[^>\n]*>|(?=[^()\s]*[./:%#])[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"\n]*\")?\)")
INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
# A task list's box (「- [ ] APIキーを消した」「- [x] …」) as the check mark it draws.
TASK_BOX_RE = re.compile(r"^(\s*)[-*+]\s+\[([ xX])\]\s+")
# A quote's marker (a Markdown blockquote, a Notion callout, a quoted mail): the text is what it quotes.
# (Only a marker: 「>10万円」「>= 100万円」 in a table of amounts keep their sign.)
QUOTE_MARK_RE = re.compile(r"^\s{0,3}(?:>(?=[\s>]|$)\s?)+")

BULLET_CHARS = set("⚫➢•・○◯✓-⁃※■□◆◇▪▶►")
FURNITURE_OVERVIEW = {"はじめに", "本編 別添", "本編", "別添", "本編別添"}
FURNITURE_ANY = {"⋮", "---", "…"}
MAX_HEADING = 60
TABLE_RE = re.compile(r"^表\s*\d+\s*\.")


@dataclass
class Paragraph:
    """A run of joined lines inside one structural unit."""

    segment: Segment
    section_path: tuple[str, ...]
    item_code: str | None
    roles: tuple[Role, ...]
    text: str
    line_start: int
    line_end: int
    page_start: int | None
    page_end: int | None
    is_heading: bool = False
    mentions: tuple[str, ...] = ()

    @property
    def unit(self) -> tuple[object, ...]:
        """Chunks never cross a unit: same segment, section path and item."""
        return (self.segment, self.section_path, self.item_code)


@dataclass
class _State:
    segment: Segment
    headings: dict[int, str] = field(default_factory=dict)
    item_code: str | None = None
    part: int = 0
    chapter: int = 0
    letter: str = ""
    principle: int = 0
    circled: int = 0
    in_table: bool = False

    def set_heading(self, level: int, text: str) -> None:
        for lvl in [k for k in self.headings if k >= level]:
            del self.headings[lvl]
        self.headings[level] = text
        if level <= 5:
            self.item_code = None
            self.in_table = False
        if level <= 3:
            self.circled = 0
            self.in_table = False

    def close(self, level: int) -> None:
        """End the headings at ``level`` and below: what follows is in the section above them."""
        for lvl in [k for k in self.headings if k >= level]:
            del self.headings[lvl]

    def path(self) -> tuple[str, ...]:
        label = SEGMENT_LABEL.get(self.segment)
        parts = [self.headings[k] for k in sorted(self.headings)]
        return tuple([label, *parts] if label else parts)


def clean_line(raw: str) -> str:
    """Display form of one line: tags, markdown emphasis, links (their text kept) and task boxes
    (as □ ☑) removed, the frame of a text box
    (┏━ ポイント ━┓, ┃ …) dropped, OCR's misreadings fixed (「入カ」, 「生成Al」: :func:`ocr_repaired`),
    spaces tidied."""
    text = HTML_TAG_RE.sub(" ", ocr_repaired(raw))
    text = BOLD_RE.sub(r"\1", text)
    text = MARKDOWN_LINK_RE.sub(r"\1", text)
    text = INLINE_CODE_RE.sub(r"\1", text)
    text = QUOTE_MARK_RE.sub("", text)
    text = TASK_BOX_RE.sub(lambda m: m.group(1) + ("☑ " if m.group(2) in "xX" else "□ "), text)
    text = text.replace("\uf06c", "・").replace("\uf0d8", "・").replace("←", "")
    if RULE_LINE_RE.fullmatch(text.strip()):  # 「==========」: a rule drawn with characters
        return ""
    if BOX_DRAWING_RE.search(text):
        framed = text.lstrip()[:1] in BOX_TOP_CORNERS  # 「┏━ ポイント ━┓」: the box's label
        text = BOX_DRAWING_RE.sub(" ", text).strip()
        if framed and text:
            text += "："
    return text.strip()


BOX_DRAWING_RE = re.compile(r"[\u2500-\u257f]+")
# A line that only draws a rule, as a text export frames a slide's title with (「=====」「-----」「*****」).
# (Not dashes apart by spaces: 「------ ---- ------」 is the rule of a Markdown table, a row of its own.)
RULE_LINE_RE = re.compile(r"[=＝\-－_＿*＊~〜―—–‐]{3,}")
BOX_TOP_CORNERS = "┏┌╔┍┎╒╓"


def _is_heading_text(s: str) -> bool:
    return 0 < len(s) <= MAX_HEADING and "。" not in s


def _starts_bullet(s: str) -> bool:
    return bool(s) and (s[0] in BULLET_CHARS or s[0] in CIRCLED or s.startswith("例)"))


class _Parser:
    """Turns lines into paragraphs; subclasses recognise their layout's headings."""

    def __init__(self, doc: LoadedDocument) -> None:
        self.doc = doc
        self.state = _State(segment=self.initial_segment())
        self.out: list[Paragraph] = []
        self._buf: list[tuple[str, SourceLine]] = []

    def initial_segment(self) -> Segment:
        return "body"

    # -- hooks -----------------------------------------------------------------------
    def classify(self, line: SourceLine, raw: str, s: str) -> bool:
        """Handle a heading line; return True when the line was consumed."""
        raise NotImplementedError

    def roles(self, item_code: str | None) -> tuple[Role, ...]:
        return ("common",)

    def is_furniture(self, s: str) -> bool:
        return s in FURNITURE_ANY or s.isdigit()

    # -- paragraph assembly ----------------------------------------------------------
    def flush(self) -> None:
        if not self._buf:
            return
        text = ""
        for piece, _ in self._buf:
            text = join_fragments(text, piece)
        first, last = self._buf[0][1], self._buf[-1][1]
        self._emit(tidy(text), first, last)
        self._buf = []

    def _emit(self, text: str, first: SourceLine, last: SourceLine, heading: bool = False) -> None:
        if not text:
            return
        st = self.state
        mentions = tuple(
            dict.fromkeys(canonical_item_code(*m) for m in ITEM_MENTION_RE.findall(nfkc(text)))
        )
        self.out.append(
            Paragraph(
                segment=st.segment,
                section_path=st.path(),
                item_code=st.item_code,
                roles=self.roles(st.item_code),
                text=text,
                line_start=first.line,
                line_end=last.line,
                page_start=first.page,
                page_end=last.page,
                is_heading=heading,
                mentions=mentions,
            )
        )

    def heading(self, level: int, title: str, line: SourceLine, item_code: str | None = None) -> None:
        self.flush()
        self.state.set_heading(level, title)
        if item_code:
            self.state.item_code = item_code
        self._emit(title, line, line, heading=True)

    def run(self) -> list[Paragraph]:
        for line in self.doc.lines:
            raw = line.text
            s = clean_line(normalize_line(raw))
            if not s or self.classify(line, raw, s) or self.is_furniture(s):
                continue
            if _starts_bullet(s) or self._buf_ends_sentence() or self._buf_too_long():
                self.flush()
            elif raw[:1] == " " and raw[1:2] not in (" ", "") and self._buf_ends_clause():
                self.flush()  # a lost bullet glyph leaves a leading space
            self._buf.append((clean_line(raw), line))
        self.flush()
        return self.out

    def _buf_ends_sentence(self) -> bool:
        return bool(self._buf) and self._buf[-1][0].rstrip().endswith(("。", "」。", "）。"))

    def _buf_ends_clause(self) -> bool:
        if not self._buf or not self._buf[-1][0].rstrip().endswith(("。", "）", ")", "」")):
            return False
        joined = "".join(p for p, _ in self._buf)
        return joined.count("「") <= joined.count("」")

    def _buf_too_long(self) -> bool:
        return sum(len(p) for p, _ in self._buf) > 1500


class GuidelineParser(_Parser):
    def initial_segment(self) -> Segment:
        return "overview"

    def _only_cover(self) -> bool:
        """Nothing but a cover page read so far: the 本編 published on its own starts here."""
        return sum(len(p.text) for p in self.out) + sum(len(t) for t, _ in self._buf) <= COVER_CHARS

    def is_furniture(self, s: str) -> bool:
        if self.state.segment == "overview" and s.replace(" ", "") in FURNITURE_OVERVIEW:
            return True
        return super().is_furniture(s)

    def roles(self, item_code: str | None) -> tuple[Role, ...]:
        st = self.state
        if item_code and item_code[0] in ROLE_BY_LETTER:
            return (ROLE_BY_LETTER[item_code[0]],)
        if st.segment == "main" and st.part in ROLE_BY_PART:
            return (ROLE_BY_PART[st.part],)
        if st.segment == "annex" and st.chapter in ROLE_BY_ANNEX:
            return (ROLE_BY_ANNEX[st.chapter],)
        return ("common",)

    def classify(self, line: SourceLine, raw: str, s: str) -> bool:
        st = self.state
        if st.segment == "overview" and not ANNEX_START_RE.match(s):
            if MAIN_START_RE.match(raw) or (s == "はじめに" and self._only_cover()):
                self.flush()
                st.segment = "main"
                st.headings = {}
                self.heading(1, "はじめに", line)
                return True
            return False
        if st.segment in ("overview", "main") and ANNEX_START_RE.match(s):  # the 別添 may come on its own
            self.flush()
            st.segment = "annex"
            st.headings, st.part, st.letter, st.principle = {}, 0, "", 0
            self.heading(1, "別添.はじめに", line)
            return True
        if st.segment == "main" and s.startswith("なお、高度な") and st.item_code:
            self.flush()
            st.set_heading(4, "高度なAIシステムを取り扱う場合")
            return False
        if not _is_heading_text(s):
            if ROMAN_ITEM_RE.match(s) and st.letter == "D":
                self.flush()  # 高度なAIシステム I)–XII): each is its own unit
                st.set_heading(4, s.split(")")[0] + ")")
            return False
        if m := ITEM_RE.match(s):
            code = canonical_item_code(m.group(1), m.group(2), m.group(3))
            self.heading(5, f"{code} {tidy(m.group(4))}".strip(), line, item_code=code)
            return True
        if st.segment == "main" and (m := PART_RE.match(s)):
            num, title = int(m.group(1)), tidy(m.group(2))
            if num > st.part and re.search(r"(とは|事項|社会)", title):
                st.part, st.letter, st.principle = num, "", 0
                self.heading(1, f"第{num}部 {title}", line)
                return True
            return False
        if st.segment == "annex" and (m := ANNEX_CHAPTER_RE.match(s)):
            num = int(m.group(1))
            if num > st.chapter and "、" not in s:
                st.chapter, st.letter, st.principle = num, "", 0
                self.heading(1, f"別添{num}. {tidy(m.group(2))}", line)
                return True
            return False
        if st.segment == "annex" and (m := LETTER_RE.match(s)) and m.group(1) == "A":
            # 「A. 本編「第4部 …」の解説」 opens 別添4 even where the PDF extraction put the
            # chapter title later.
            part = re.search(r"第\s*(\d)\s*部", s)
            role = ROLE_BY_PART.get(int(part.group(1))) if part else None
            if part and role and ANNEX_OF_ROLE[role] > st.chapter:
                num = ANNEX_OF_ROLE[role]
                st.chapter, st.letter, st.principle = num, "", 0
                self.flush()
                st.set_heading(1, f"別添{num}. {ROLE_LABELS[role]}向け")
        if (m := LETTER_RE.match(s)) and m.group(1) > st.letter and len(s) <= 45:
            in_scope = (st.segment == "main" and st.part == 2) or st.segment == "annex"
            if in_scope and "、" not in s:
                st.letter, st.principle = m.group(1), 0
                self.heading(2, f"{m.group(1)}. {tidy(m.group(2))}", line)
                return True
        if TABLE_RE.match(s) and st.segment in ("main", "annex"):
            # A flattened table follows: its cells must not open sections of their own.
            keep = st.item_code
            self.heading(6 if keep else (4 if st.principle and st.segment == "annex" else 3), tidy(s), line)
            st.item_code = keep  # a table inside an item stays part of the item
            st.in_table = True
            return True
        if m := PRINCIPLE_RE.match(s):
            num = int(m.group(1))
            title = re.sub(r"\d+$", "", tidy(m.group(2))).strip()
            if 1 <= num <= 10 and title.startswith(PRINCIPLES[num - 1]) and num != st.principle:
                st.principle = num
                self.heading(3, f"{num}) {PRINCIPLES[num - 1]}", line)
                return True
        if st.segment == "annex" and (m := GOAL_RE.match(s)):
            code = "行動目標 " + re.sub(r"\s+", "", m.group(1))
            self.heading(3, f"{code}【{tidy(m.group(2))}】", line, item_code=code)
            st.item_code = code
            return True
        if m := PHASE_RE.match(s.replace(" ", "")):
            self.heading(4, tidy(m.group(1)), line)
            return True
        number = circled_number(s)
        if number > st.circled and len(s) <= 30 and not s.endswith("、") and st.principle and not st.in_table:
            st.circled = number
            self.heading(4, tidy(s), line)
            return True
        if m := BRACKET_RE.match(s):
            self.flush()
            keep = st.item_code
            st.set_heading(6, f"[{tidy(m.group(1))}]")
            st.item_code = keep
            return True
        return False


class GenericParser(_Parser):
    """Slides and reports: markdown and numbered headings."""

    def classify(self, line: SourceLine, raw: str, s: str) -> bool:
        md = MARKDOWN_HEADING_RE.match(s)
        text = md.group(2).strip() if md else s
        if "\t" in raw or not _is_heading_text(text) or text.endswith(("、", "，")):
            return False
        display = tidy(MARKDOWN_HEADING_RE.sub(r"\2", clean_line(raw)))
        for level, pattern in GENERIC_HEADINGS:
            # A numbered line with a comma is a sentence (a footnote or a list item), unless
            # markdown marks it as a heading.
            if pattern.match(text) and len(text) <= 45 and (md or "、" not in text):
                self.heading(level, display, line)
                return True
        if md:
            self.heading(min(len(md.group(1)) + 1, 6), display, line)
            return True
        if text.startswith("【") and text.endswith("】") and len(text) <= 20:
            self.flush()  # slide labels such as 【更新内容の詳細】 separate slides
            return True
        return False


def parse_paragraphs(doc: LoadedDocument) -> list[Paragraph]:
    """Split a loaded document into structured paragraphs (headings included, flagged)."""
    parser: _Parser
    if doc.meta.layout == "guideline":
        parser = GuidelineParser(doc)
    elif doc.meta.layout == "generic":
        from ingest.admin_structure import AdminParser

        parser = AdminParser(doc)
    else:
        parser = GenericParser(doc)
    return parser.run()
