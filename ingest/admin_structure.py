"""The generic structure reader for Japanese administrative documents (layout ``generic``).

Municipal and corporate guidelines, rules (要綱・規程), Q&A collections and slide decks share
a small vocabulary of structure, which this reader turns into section paths:

* 第N編 / 第N章 / 第N節 and 第N条（見出し） (the caption may stand on the line before the article,
  as in statutes: 「（目的）」 then 「第1条 …」). An article is one unit: chunks never cross it,
  and inside an article numbered items (1. (1) ① ア, and paragraph numbers 「2 …」) only start
  new paragraphs;
* 「第1　目的」 (a 要綱・要領 in the public-document style): a unit at the level of an article,
  inside which short numbered lines may still be headings;
* 別紙 / 別表 / 別記 / 様式 / 附則 open top-level sections;
* outside articles, short numbered lines (1. / 1 見出し / (1) / ① / ア), markdown headings and
  【…】 labels are headings;
* Q&A pairs (Q. / Q1 / 問1 … then A. / 答): each question is a unit whose path names it;
* slide decks (PDFs without articles and few lines per page): the first line of a page;
* the title block (the short lines before the body) and the table of contents carry no answer
  and are not glued to the first section; running page headers and page numbers are dropped.

``AdminParser`` is a pure function of the loaded lines, like the layout parsers in
``ingest.structure``.
"""

from __future__ import annotations

import re
from collections import Counter

from guideqa.models import LoadedDocument, SectionKind, SourceLine
from guideqa.text import CIRCLED
from ingest.comparison import comparison_lines
from ingest.pdf_layout import SHORT_LINE, article_titles, standalone_headings, table_rows
from ingest.structure import (
    CIRCLED_NUMBER,
    MARKDOWN_HEADING_RE,
    NUMBER_DOT,
    PAREN_NUMBER,
    Paragraph,
    _Parser,
    _starts_bullet,
    clean_line,
)
from ingest.text import nfkc, normalize_line, tidy

_NUM = r"[0-9一二三四五六七八九十百]+"
PART_RE = re.compile(rf"^第\s*({_NUM})\s*編(?:\s+|$)(.*)$")
CHAPTER_RE = re.compile(rf"^第\s*({_NUM})\s*章(?:\s+|$)(.*)$")
SECTION_RE = re.compile(rf"^第\s*({_NUM})\s*節(?:\s+|$)(.*)$")
ARTICLE_RE = re.compile(rf"^第\s*({_NUM})\s*条(?:\s*の\s*({_NUM}))?\s*(?:[(（]([^()（）]{{1,30}})[)）])?\s*(.*)$")
CAPTION_RE = re.compile(r"^[(（]([^()（）]{1,20})[)）]$")
# 「P5　会社が認めているAIツール」「スライド3 使い方」: the page or slide labels of a deck or a
# handbook exported to text, each followed by its title (a document using them, in order, at least
# MIN_PAGE_TITLES times); the count of pages may follow the number (「スライド 4／18　研修の受講義務」).
PAGE_TITLE_RE = re.compile(
    # (The count is no title: 「スライド 2 / 24」 alone is a label whose title is on the next line.)
    r"^(?:P|p|Page|page|ページ|スライド|Slide|slide)\s*\.?\s*(\d{1,3})(?:\s*/\s*\d{1,3})?\s+(?!/\s*\d{1,3}$)(\S.{0,29})$"
)
# A slide's label alone on its line (「スライド 7」), its title on the next line. (A page's label alone,
# 「p.1」「Page 3」, is a PDF's footer, not a heading.)
PAGE_LABEL_RE = re.compile(r"^(?:スライド|Slide|slide)\s*\.?\s*(\d{1,3})(?:\s*/\s*\d{1,3})?$")
MIN_PAGE_TITLES = 3
# Marks that open a line of a checklist or an OK/NG list (「✔ OK：…」「× NG：…」), besides the bullets.
CHECK_MARKS = frozenset("✔✅☑✗✘×❌☐●◎★☆")
# 「第1　目的」「第３　利用の手続」: the numbered units of a 要綱・要領 written in the public-document
# style (公用文), 第N then a space and a caption, without 条. (第1条, 第2章, 第3号, 第1項… are not.)
NUMBERED_UNIT_RE = re.compile(rf"^第\s*({_NUM})(?![0-9一二三四五六七八九十百])\s+(?![条章節編号項款](?:\s|$|[(（]))(\S.{{0,19}})$")
# (「附　則」: a two-character heading is often spaced out to the width of longer ones.)
APPENDIX_RE = re.compile(rf"^(別紙|別表|別記|様式|附\s*則|付\s*則)\s*(?:第\s*)?({_NUM})?\s*(?:号)?(.*)$")
# (「Q　家で…」: a bare Q set apart by a space, as a Q&A page of a handbook writes it.)
QUESTION_RE = re.compile(r"^(?:Q\s*(\d{1,3})\s*[.:)]?|Q\s*[.:)]|Q\s+(?=\S)|問\s*(\d{1,3})\s*[.:)]?|問\s*[.:)])\s*(\S.*)$")
ANSWER_RE = re.compile(r"^(?:A\s*\d{0,3}\s*[.:)]|答\s*\d{0,3}\s*[.:)]?)\s*\S")
# The answer's marker inside a Q&A entry, on the source line (half- or full-width): 「A. …」
# 「A …」 「Ａ　…」 「答 …」. The question is the entry's heading; the answer reads without it.
ANSWER_MARK_RE = re.compile(
    r"^\s*(?:[AＡ]\s*[0-9０-９]{0,3}\s*[.:)．：）]|[AＡ][\s\u3000]+(?=[^\x00-\x7f])|答え?\s*[0-9０-９]{0,3}\s*[.:)．：）]|答え?[\s\u3000]+)"
    r"[\s\u3000]*(?=\S)"
)
# Numbered headings outside articles, by level (below 条 = 3). A decimal sub-number (「3.1 各部門長」)
# heads a subsection of the section its first number names (「3. 役割と責任」): a PDF keeps no
# Markdown marks, so the number's shape is all that tells the two levels apart.
KANA_ORDER = "アイウエオカキクケコサシスセソタチツテト"
NUMBERED: tuple[tuple[int, re.Pattern[str]], ...] = (
    (5, re.compile(r"^\d{1,2}\s*\.\s*\d{1,2}\.?(?:\s+|(?=[^\d\s.]))\S")),
    # 「4.1.2 利用計画書」: a third number heads a subsection of 「4.1」 (before 「4.」's pattern,
    # which it would also match).
    (6, re.compile(r"^\d{1,2}\s*\.\s*\d{1,2}\s*\.\s*\d{1,2}\.?(?:\s+|(?=[^\d\s.]))\S")),
    (4, re.compile(NUMBER_DOT + r"|^\d{1,2}\s+\S")),
    (7, re.compile(PAREN_NUMBER)),
    (8, re.compile(CIRCLED_NUMBER)),
    (9, re.compile(rf"^(?:\(\s*[ア-ン]\s*\)|[{KANA_ORDER}](?:\s+|[.、]))\s*\S")),
)
LEVEL_DEEPEST = 10  # below every numbered level: a question or an unmarked heading at most
_SEQUENCE_NUMBER_RE = re.compile(rf"^\(?\s*(?:\d{{1,2}}\s*\.\s*){{0,2}}(\d{{1,2}}|[{CIRCLED}]|[{KANA_ORDER}])")
# Lines that start a new paragraph inside an article (項番号 「2 …」, items).
# Items: 1. / (1) / (ア) / ア / ① / A. and a statute's 号 (「一 個人情報の…」, 「二 機密性3に…」).
ITEM_START_RE = re.compile(
    r"^(?:\d{1,2}\s*[.．]?\s+|\(\d{1,2}\)|\(\s*[ア-ン]\s*\)|[アイウエオカキクケコ]\s+|[①-⑳]|[A-Z]\s*[.:]\s"
    r"|[一二三四五六七八九十]{1,3}[\s\u3000]+\S)"
)
ITEM_MARK_RE = re.compile(r"^([ア-ン]|[①-⑳]|\d{1,2}|[一二三四五六七八九十]{1,3})[\s\u3000]+\S")
PAGE_NUMBER_RE = re.compile(r"^[-－‐—–―(（]?\s*\d{1,3}\s*[-－‐—–―)）]?$|^\d{1,3}\s*/\s*\d{1,3}$|^[-－‐—–―]?\s*\d{1,3}\s*ページ$")
TOC_TITLE_RE = re.compile(r"^目\s*次$")
TOC_ENTRY_RE = re.compile(r"[.．・…‥]{3,}\s*\d+$|\s\d{1,3}$")
LABEL_RE = re.compile(r"^【([^】]{1,20})】$")
# A label between a pair of the same mark (「★まず大事なこと★」「◆対象◆」): read as a 【】 label.
ENCLOSED_LABEL_RE = re.compile(r"^([★☆◆◇■□●○])\s*([^★☆◆◇■□●○。、]{1,20}?)\s*\1$")
# A Markdown code block's opening fence (CommonMark: three or more backticks or tildes, an info
# string without backticks; any indent, as Notion indents a toggle's children), and a blank line,
# or one of a quote's (「>」 alone), that ends a paragraph.
FENCE_OPEN_RE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
BLANK_QUOTE_RE = re.compile(r"^\s{0,3}(?:>\s?)*\s*$")


def closes_fence(line: str, fence: str) -> bool:
    """Does ``line`` close the code block ``fence`` opened: the same character, at least as many,
    nothing after them?"""
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}
# The word goes on in hiragana right after the label (and its number): 「様式の修正」「別表1に定める」.
_RUNS_ON_WORD_RE = re.compile(r"号?[\u3041-\u309f]")
TABLE_ROW_RE = re.compile(r"^\|.*\|$")
TABLE_RULE_RE = re.compile(r"^\|[\s|:\-－—]+\|$")
# Marks that open a short heading line in office documents (「■ 勤務表（シフト）」) as well as a
# bullet (「■ 次のものは使ってはいけません。」): a heading is short, states no sentence and is
# followed by body text, not by another line with the same mark (a list of short items).
HEADING_MARKS = "■□◆◇▼▽"
MAX_MARKED_HEADING = 24
MAX_TITLE_LINE = 40
MAX_TITLE_LINES = 6
MAX_HEADING_CHARS = 40
SLIDE_MAX_LINES_PER_PAGE = 25
# A line this short, in text not broken at a width, ends where its writer ended it.
MAX_UNIT_LINE = 20
_OPEN_CLAUSE = ("、", "，", ",", "（", "(", "「", "・", "：", ":", "及び", "又は", "並びに", "若しくは")
MIN_UNIT_LINE = 4  # 「例）」 labels what follows
MAX_QUESTION_LINES = 4  # a 「Q …」 line wrapped in a narrow column: the question and its next lines

LEVEL_PART, LEVEL_CHAPTER, LEVEL_SECTION, LEVEL_ARTICLE, LEVEL_QUESTION = 1, 1, 2, 3, 4
LEVEL_MARKED = 7  # 「■ 介護記録」: beside a (1) heading, below a 1., 3.1 or 3.1.1 one
LEVEL_LABEL = 4  # 「【対象者】」
# In a document with Markdown headings (opened at levels 4-7), labels and marked headings rank under them.
LEVEL_BELOW_MARKDOWN = 4

# The headings this reader writes (see AdminParser.article / classify): 「第4条（入力禁止情報）」,
# 「Q1. …」「問2. …」, 「別紙1 …」.
ARTICLE_LABEL_RE = re.compile(rf"^第({_NUM})条(?:の({_NUM}))?")
QUESTION_LABEL_RE = re.compile(r"^(?:Q|問)\d{0,3}\. ")
# A 別紙 that is a form to fill in is named after the paper it is: 申請書, 届出書, 報告書 …
FORM_TITLE_RE = re.compile(r"様式|(?:申請|届出|報告|申込|依頼|承認|計画|確認)書|記入例")
SUPPLEMENTARY = ("附則", "付則")  # enforcement dates: neither an explanation nor a rule to lead with


def is_supplementary(heading: str) -> bool:
    """Is this top-level heading a 附則 (「附則」「附　則」「附則（令和7年3月31日）」)?"""
    return re.sub(r"\s", "", heading).startswith(SUPPLEMENTARY)


def _runs_on_word(text: str, m: re.Match[str]) -> bool:
    return bool(_RUNS_ON_WORD_RE.match(text, m.end(2) if m.group(2) else m.end(1)))


def section_kind(section_path: list[str] | tuple[str, ...]) -> SectionKind:
    """What the section at ``section_path`` is, from the headings this reader wrote.

    A Q&A entry anywhere (also inside a 別紙) is ``qa``; a 第N条 article is the normative
    ``article``; a 別紙/別表/別記/様式 section is a ``form`` when its title names a form,
    else an ``appendix``; everything else (附則 included) is ``text``.
    """
    if any(QUESTION_LABEL_RE.match(p) for p in section_path):
        return "qa"
    if any(ARTICLE_LABEL_RE.match(p) for p in section_path):
        return "article"
    top = section_path[0] if section_path else ""
    m = APPENDIX_RE.match(top)
    if m and m.group(1) not in SUPPLEMENTARY:
        return "form" if m.group(1) == "様式" or FORM_TITLE_RE.search(top) else "appendix"
    return "text"


def _heading_like(s: str, limit: int = MAX_HEADING_CHARS) -> bool:
    return 0 < len(s) <= limit and "。" not in s and not s.endswith(("、", "，", ","))


# Text broken at a fixed width (a PDF's lines, a text file wrapped like one) has many lines of
# one length: the width. A share of the long lines this large marks it.
MIN_WRAPPED_SHARE = 0.2
MIN_WRAP_WIDTH = 20


def wrap_width(lines: list[str]) -> int | None:
    """The width the text was broken at (the most common length of its long lines, ±1), or
    None when its lines were not broken at a fixed width (Markdown, one paragraph per line)."""
    long = [len(t) for t in lines if len(t) >= MIN_WRAP_WIDTH]
    if not long:
        return None
    width, _ = Counter(long).most_common(1)[0]
    near = sum(1 for n in long if abs(n - width) <= 1)
    return width if near >= MIN_WRAPPED_SHARE * len([t for t in lines if t]) else None


def numbered_title(text: str) -> str:
    """「1　目的」 -> 「1 目的」, 「5.2.1　確認」 -> 「5.2.1 確認」: the number stays apart from the words
    (tidy() joins them)."""
    return re.sub(r"^(\d{1,2}(?:\.\d{1,2}){0,2}\.?|[①-⑳]|[ア-ン])\s*(?=[^\d.．)\s])", r"\1 ", tidy(text))


def _key(s: str) -> str:
    return re.sub(r"\s+", "", nfkc(s))


def running_furniture(doc: LoadedDocument) -> frozenset[str]:
    """Lines repeated at the top or bottom of most pages (running headers, footers); in a
    two-page document (a notice, a short guideline), of both pages."""
    pages: dict[int, list[str]] = {}
    for line in doc.lines:
        if line.page is not None and line.text.strip():
            pages.setdefault(line.page, []).append(_key(line.text))
    if len(pages) < 2:
        return frozenset()
    counts: Counter[str] = Counter()
    for lines in pages.values():
        counts.update(set(lines[:2] + lines[-2:]))
    least = 2 if len(pages) == 2 else max(3, len(pages) // 2 + 1)
    return frozenset(k for k, n in counts.items() if n >= least)


def page_furniture(texts: list[str]) -> frozenset[str]:
    """In text copied out of a PDF (no page numbers known): the lines found beside a page number
    (「- 8 -」 then 「ひなた市 生成AI…ガイドライン 第1.0版」) on most pages, its running header or
    footer, which otherwise splits a sentence that runs on to the next page."""
    content = [t for t in texts if t]
    pages = [i for i, t in enumerate(content) if PAGE_NUMBER_RE.match(t)]
    if len(pages) < 3:
        return frozenset()
    counts: Counter[str] = Counter()
    for i in pages:
        counts.update({_key(content[j]) for j in (i - 1, i + 1) if 0 <= j < len(content) and not PAGE_NUMBER_RE.match(content[j])})
    return frozenset(k for k, n in counts.items() if n >= max(3, len(pages) // 2 + 1))


def page_titles(texts: list[str]) -> frozenset[int]:
    """Lines that are page or slide labels with their titles (「P1　このハンドブックについて」, or
    「スライド 7」 alone with the title on the next line), when the document numbers at least
    :data:`MIN_PAGE_TITLES` of them in ascending order."""
    found = [(i, int(m.group(1))) for i, t in enumerate(texts) if (m := PAGE_TITLE_RE.match(t)) and _heading_like(t)]
    found += [(i, int(m.group(1))) for i, t in enumerate(texts) if (m := PAGE_LABEL_RE.match(t)) and _heading_like(label_title(texts, i))]
    found.sort()
    numbers = [n for _, n in found]
    if len(found) < MIN_PAGE_TITLES or numbers != sorted(set(numbers)):
        return frozenset()
    return frozenset(i for i, _ in found)


def label_title(texts: list[str], i: int) -> str:
    """The title of a label alone on line ``i``: the next non-empty line within three ('' if none)."""
    return next((t for t in texts[i + 1 : i + 4] if t), "")


def numbered(text: str) -> tuple[int, int] | None:
    """The level (see :data:`NUMBERED`) and number of a numbered line: 「2. 秘密保持…」 -> (4, 2),
    「(3) …」 -> (7, 3), 「イ …」 -> (9, 2), 「3.2 各部門長」 -> (5, 2), 「4.1.2 利用計画書」 -> (6, 2)."""
    for level, pattern in NUMBERED:
        if pattern.match(text) and (m := _SEQUENCE_NUMBER_RE.match(text)):
            mark = m.group(1)
            if mark in CIRCLED:
                return level, CIRCLED.index(mark) + 1
            if mark in KANA_ORDER:
                return level, KANA_ORDER.index(mark) + 1
            return level, int(mark)
    return None


def list_items(texts: list[str]) -> frozenset[int]:
    """Indices of numbered lines that are items of a list, not headings (``texts``: the cleaned
    lines, empty for lines the reader skips).

    A heading is followed by its section's text; a list is a run of numbered paragraphs with no
    text between them: 「1. 顧客から受け取った図面…」「2. 秘密保持契約（NDA）の対象となる情報」
    「3. …」. A numbered paragraph whose neighbouring paragraph (before or after, its wrapped
    lines included) carries the number before or after it at the same level is an item. A short
    numbered line that could be a heading is a paragraph of its own (a heading is one line)."""
    content = [i for i, t in enumerate(texts) if t]
    starts: list[int] = []
    prev = ""
    for i in content:
        t = texts[i]
        if (
            not starts
            or numbered(t)
            or _starts_bullet(t)
            or ITEM_START_RE.match(t)
            or prev.endswith("。")
            or (numbered(prev) and _heading_like(prev))
            or TABLE_ROW_RE.match(t)
        ):
            starts.append(i)
        prev = t
    marks = [numbered(texts[i]) for i in starts]
    items = set()
    for k, mark in enumerate(marks):
        if mark is None:
            continue
        level, number = mark
        before = marks[k - 1] if k > 0 else None
        after = marks[k + 1] if k + 1 < len(marks) else None
        if before == (level, number - 1) or after == (level, number + 1):
            items.add(starts[k])
    # A list a sentence introduces (「業務で使ってよいのは、次の2つだけです。」「次のとおりとする。」) is one
    # however its items are noted (「(1) …Copilot」「（会社のアカウントで…）」「(2) …」): its numbered lines
    # from 1 on are items, a line or two of their own between them.
    position = {i: n for n, i in enumerate(content)}
    for k, mark in enumerate(marks):
        if mark is None or mark[1] != 1 or position[starts[k]] == 0:
            continue
        if not _INTRODUCES_LIST.search(texts[content[position[starts[k]] - 1]]):
            continue
        run: list[int] = []
        gap = 0
        for j in range(k, len(marks)):
            if marks[j] is None:
                # Between items, only a note on the item (「（会社のアカウントで…）」「※…」), not a section's text.
                gap += 1
                if gap > 2 or not _ITEM_NOTE.match(texts[starts[j]]):
                    break
                continue
            if marks[j] != (mark[0], len(run) + 1):
                break
            run.append(starts[j])
            gap = 0
        if len(run) >= 2:  # a list: the announced items follow one another (not sections with their text)
            items.update(run)
    return frozenset(items)


# A sentence that announces the list after it: 「次の」 with what is listed, ending the sentence or
# with a colon (「次の2つだけです。」「次のとおりとする。」「次のいずれかに該当するとき：」).
_ITEM_NOTE = re.compile(r"^[\s\u3000]*[（(※＊*]")
_INTRODUCES_LIST = re.compile(r"次(?:の|に掲げる)[^。：:]{0,20}(?:[。：:]|です|とおり)\s*$")


def _marked_headings(texts: list[str], wrap: int | None = None) -> frozenset[str]:
    """Lines that open with a heading mark and read as headings (see :data:`HEADING_MARKS`); not
    one as long as the width the text was broken at (``wrap``), whose words go on in the next
    line (「■ボランティア募集 会場の案内や清掃をお手伝いいた」 / 「だける方を募集します。」)."""
    lines = [t for t in texts if t]
    out = set()
    for line, nxt in zip(lines, lines[1:], strict=False):
        body = line[1:].strip()
        if (
            line[0] in HEADING_MARKS
            and 0 < len(body) <= MAX_MARKED_HEADING
            and not any(ch in body for ch in "。、，")
            and nxt[0] != line[0]
            and not (wrap is not None and len(line) >= wrap - 1 and " " in body)
        ):
            out.add(line)
    return frozenset(out)


class AdminParser(_Parser):
    """Headings of Japanese administrative documents; see the module docstring."""

    def __init__(self, doc: LoadedDocument) -> None:
        texts = [clean_line(normalize_line(line.text)) for line in doc.lines]
        if rows := comparison_lines(texts):  # a 新旧対照表 flattened one cell per line: a line per row
            lines = [
                line if i not in rows else line.model_copy(update={"text": rows[i]})
                for i, line in enumerate(doc.lines)
                if i not in rows or rows[i] is not None
            ]
            doc = doc.model_copy(update={"lines": lines})
            texts = [clean_line(normalize_line(line.text)) for line in doc.lines]
        super().__init__(doc)
        self.has_articles = any(ARTICLE_RE.match(t) and not TOC_ENTRY_RE.search(t) for t in texts)
        page_lines = Counter(line.page for line in doc.lines if line.page is not None and line.text.strip())
        # A slide deck has few lines on every page; a document's last page may be short as well,
        # so it is not counted (a 2-page notice whose second page holds 5 lines is no deck).
        full_pages = [n for page, n in sorted(page_lines.items())][:-1] or list(page_lines.values())
        self.slides = bool(page_lines) and not self.has_articles and (
            sum(full_pages) / len(full_pages) <= SLIDE_MAX_LINES_PER_PAGE
        )
        self.furniture = running_furniture(doc) if page_lines else page_furniture(texts)
        self.page_titles = page_titles(texts)
        # With markdown headings, numbered lines are list items, not headings.
        self.markdown = sum(1 for t in texts if MARKDOWN_HEADING_RE.match(t)) >= 2
        self.wrap = wrap_width(texts)
        self.marked_headings = _marked_headings(texts, self.wrap)
        # 【】 labels and ■ headings have no number to rank them: the kind the document uses first
        # is the higher (「■2. 対象」 then 「【対象者】」, or 「【場面別の使い方】」 then 「■ 介護記録」).
        first_marked = next((i for i, t in enumerate(texts) if t in self.marked_headings), len(texts))
        first_label = next((i for i, t in enumerate(texts) if LABEL_RE.match(t) or ENCLOSED_LABEL_RE.match(t)), len(texts))
        self.label_level, self.marked_level = (
            (LEVEL_MARKED, LEVEL_LABEL) if first_marked < first_label else (LEVEL_LABEL, LEVEL_MARKED)
        )
        if self.markdown:  # below every Markdown heading (a table row's 【】 label under its h2 ends there)
            self.label_level, self.marked_level = self.label_level + LEVEL_BELOW_MARKDOWN, self.marked_level + LEVEL_BELOW_MARKDOWN
        self.paragraph_lines = doc.paragraph_lines
        content = [t if t and not self.is_furniture(t) else "" for t in texts]
        self.content = content
        self.row_label: int | None = None  # the level of an open label naming a table row
        self.list_items = list_items(content)
        # A PDF's layout marks (ingest.pdf_layout): table rows and headings set apart on the page.
        # Table rows are also what a text file holds when a table was copied out of a word
        # processor or a PDF viewer: each row one line, its cells apart by spaces.
        opens = [bool(t) and (self.starts_paragraph(t) or numbered(t) is not None or bool(QUESTION_RE.match(t))) for t in content]
        # (A Markdown row, 「| a | b |」, is read as such: never one of these.)
        barred = [o or bool(TABLE_ROW_RE.match(t)) for o, t in zip(opens, content, strict=True)]
        self.table_rows = table_rows(content, barred, plain_text=not page_lines) if page_lines or not self.markdown else {}
        self.standalone = standalone_headings(content, opens) if page_lines else frozenset()
        self.article_titles = article_titles(content, opens) if page_lines else frozenset()
        self.set_apart: dict[int, str] = {}  # level -> title of the open headings known by their mark or place
        self.standalone_level = 0
        self.index = 0  # of the line being read
        self.label: str | None = None  # a page label alone, waiting for its title line
        self.in_title = True  # the short lines before the first heading or sentence
        self.title_count = 0
        self.in_toc = False
        self.toc_first = ""
        self.in_article = False
        self.caption: tuple[SourceLine, str] | None = None
        self.question_level = 0
        self.page: int | None = None
        self.in_slide = False  # under a slide's title (see open)
        self.joined: set[int] = set()  # lines read as the end of a wrapped 「Q …」 line

    # -- hooks -------------------------------------------------------------------------
    def is_furniture(self, s: str) -> bool:
        return super().is_furniture(s) or bool(PAGE_NUMBER_RE.match(s)) or _key(s) in self.furniture

    def starts_paragraph(self, s: str) -> bool:
        return _starts_bullet(s) or s[:1] in CHECK_MARKS or bool(ITEM_START_RE.match(s)) or bool(ANSWER_RE.match(s))

    def run(self) -> list[Paragraph]:
        fence: str | None = None  # the open code block's fence (「```」, 「~~~~」)
        for index, line in enumerate(self.doc.lines):
            self.index = index
            if index in self.joined:  # read already, as the end of a wrapped question
                continue
            raw = line.text
            if self.markdown:
                if fence is not None:  # a code block's lines stay lines, as written
                    if closes_fence(raw, fence):
                        fence = None
                    elif raw.strip():
                        self.flush()
                        self._emit(raw.strip(), line, line)
                    continue
                if (m := FENCE_OPEN_RE.match(raw)) and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                    self.flush()
                    fence = m.group(1)
                    continue
                if BLANK_QUOTE_RE.match(raw):
                    self.flush()  # a blank line ends a Markdown paragraph or list item (CommonMark)
                    continue
            s = clean_line(normalize_line(raw))
            if not s or self.is_furniture(s):
                continue
            if self.caption is not None:
                pending, self.caption = self.caption, None
                if not ARTICLE_RE.match(s):
                    self.body(*pending)
                else:
                    self.article(line, s, caption=pending[1])
                    continue
            if self.classify(line, raw, s):
                continue
            self.body(line, s)
        if self.caption is not None:
            self.body(*self.caption)
        self.flush()
        return self.out

    def flush(self) -> None:
        """As the base class, but an item marker keeps its space (「ア 入力前に…」, 「2 前項の…」)."""
        if not self._buf:
            return
        first = self._buf[0][0].strip()
        super().flush()
        if (m := ITEM_MARK_RE.match(first)) and self.out:
            para = self.out[-1]
            para.text = m.group(1) + " " + para.text[len(m.group(1)) :].lstrip()

    def body(self, line: SourceLine, s: str) -> None:
        if self.in_title:
            self.title_line(line, s)
            return
        if self.row_label is not None and not TABLE_ROW_RE.match(s) and self.index not in self.table_rows:
            self.flush()  # past the labelled row's table: back in the section it stands in
            self.state.close(self.row_label)
            self.row_label = None
        if self.index in self.table_rows:
            # A PDF's table row (cells apart on one printed line, a wrapped last cell on the
            # next) reads as a Markdown table row does.
            self.flush()
            if row := self.table_rows[self.index]:
                self._emit("| " + " | ".join(tidy(c) for c in row) + " |", line, line)
            return
        if TABLE_ROW_RE.match(s):
            # A Markdown table: each row is a line of its own (its cells are one fact: 「見積書の
            # 文案作成 | 要承認 | 営業部長の承認」); the |---| rule under the header is dropped.
            self.flush()
            if not TABLE_RULE_RE.match(s):
                self._emit(tidy(s), line, line)
            return
        text = clean_line(line.text)
        if self.question_level and (m := ANSWER_MARK_RE.match(text)):
            self.flush()  # the answer starts its own paragraph, without its marker
            text = text[m.end() :]
        elif (
            self.starts_paragraph(s)
            or self._buf_ends_sentence()
            or self._buf_too_long()
            or self._buf_ends_line_unit()
            or self._buf_stops_short()
        ):
            self.flush()
        self._buf.append((text, line))

    def _buf_stops_short(self) -> bool:
        """In a PDF broken at a width, a line that stops well short of it and leaves no clause open
        ends its unit: a word processor wraps prose only at the margin, so such a line is the end of
        a cell's line of a ruled table (「氏名・社名を「A社」等に置き換えた」), a caption, an entry of a
        list, not the middle of a paragraph. (A paragraph's last line ends in 。 and is flushed
        anyway.)"""
        if self.wrap is None or self.page is None or not self._buf:
            return False
        last = self._buf[-1][0].strip()
        return MIN_UNIT_LINE <= len(last) < SHORT_LINE * self.wrap and not last.endswith(_OPEN_CLAUSE)

    def _buf_ends_line_unit(self) -> bool:
        """In a text file whose lines were not broken at a width (each line as its writer ended it),
        a short line that leaves no clause open is a unit of its own: the lines of a contact block
        (「医療情報部 AI推進担当」「内線：4120」「メール：…」) are not one run of words."""
        if self.paragraph_lines and self._buf:
            return True
        if self.wrap is not None or self.markdown or self.page is not None or len(self._buf) != 1:
            return False
        last = self._buf[-1][0].strip()
        return MIN_UNIT_LINE <= len(last) <= MAX_UNIT_LINE and not last.endswith(_OPEN_CLAUSE)

    def title_line(self, line: SourceLine, s: str) -> None:
        """The title block: kept out of the chunks (the document's title is in its metadata)."""
        if _heading_like(s, MAX_TITLE_LINE) and not self.out_of_title(s) and self.title_count < MAX_TITLE_LINES:
            self.title_count += 1
            self._emit(tidy(s), line, line, heading=True)
            return
        self.in_title = False
        self.body(line, s)

    def out_of_title(self, s: str) -> bool:
        return bool(ITEM_START_RE.match(s)) or s.endswith(("。", "」"))

    # -- headings ------------------------------------------------------------------------
    def classify(self, line: SourceLine, raw: str, s: str) -> bool:
        page_top = line.page is not None and line.page != self.page
        if page_top and self.page is not None:
            self.in_title = False  # the title block is on the first page
        self.page = line.page if line.page is not None else self.page
        if self.label is not None:  # a slide's label alone: this line is its title, if it reads as one
            number, self.label = self.label, None
            if (m := CHAPTER_RE.match(s)) and _heading_like(s):
                # A section divider 「第2章　使ってよいAI」 opens its chapter; the slides after it sit
                # under it, and the slide keeps its number.
                self.open(LEVEL_CHAPTER, f"第{m.group(1)}章 {tidy(m.group(2))}".strip(), line)
            if _heading_like(s):
                return self.open(LEVEL_SECTION, f"P{number} {tidy(s)}", line, slide=True)
        if self.in_toc:
            return self.toc(line, s)
        if self.index in self.table_rows:
            return False
        if TOC_TITLE_RE.match(s):
            self.flush()
            self.in_toc = True
            return True
        md = MARKDOWN_HEADING_RE.match(s)
        text = md.group(2).strip() if md else s
        if (m := PART_RE.match(text)) and _heading_like(text):
            return self.open(LEVEL_PART, f"第{m.group(1)}編 {tidy(m.group(2))}".strip(), line)
        if (m := CHAPTER_RE.match(text)) and _heading_like(text):
            if self.in_slide and not page_top:  # a slide's agenda lists the chapters: lines of the slide
                return False
            return self.open(LEVEL_CHAPTER, f"第{m.group(1)}章 {tidy(m.group(2))}".strip(), line)
        if (m := SECTION_RE.match(text)) and _heading_like(text):
            return self.open(LEVEL_SECTION, f"第{m.group(1)}節 {tidy(m.group(2))}".strip(), line)
        if ARTICLE_RE.match(text):
            return self.article(line, text)
        if self.index in self.page_titles and (m := PAGE_TITLE_RE.match(text)):
            return self.open(LEVEL_SECTION, f"P{m.group(1)} {tidy(m.group(2))}", line, slide=True)
        if self.index in self.page_titles and (m := PAGE_LABEL_RE.match(text)):
            self.label = m.group(1)  # the title is the next line
            return True
        if (m := NUMBERED_UNIT_RE.match(text)) and _heading_like(text) and "、" not in text:
            return self.open(LEVEL_ARTICLE, f"第{m.group(1)} {tidy(m.group(2))}", line)
        if CAPTION_RE.match(text) and self.has_articles:
            self.caption = (line, text)
            return True
        # (「様式の修正、…」 / 「別表1に定める…」: a sentence that begins with the word, not a heading.)
        if (m := APPENDIX_RE.match(text)) and _heading_like(text) and not _runs_on_word(text, m):
            label = f"{''.join(m.group(1).split())}{m.group(2) or ''}"
            rest = tidy(m.group(3)).lstrip(":：")
            return self.open(LEVEL_CHAPTER, f"{label} {rest}".strip(), line)
        if m := QUESTION_RE.match(text):
            number = m.group(1) or m.group(2)
            marker = "問" if text.startswith("問") else "Q"
            label = f"{marker}{number or ''}. {tidy(m.group(3) + self._question_goes_on(text))}"
            headings = self.state.headings
            deepest = max(headings, default=LEVEL_ARTICLE)
            # A question sits below the section it is in; the next question replaces it.
            level = deepest if self.question_level == deepest else min(max(deepest + 1, LEVEL_QUESTION), LEVEL_DEEPEST)
            self.open(level, label, line, question=True)
            self.question_level = level
            return True
        if self.in_article:
            return False
        if md and len(md.group(1)) == 1 and self.in_title and not self.out:
            self.title_line(line, text)  # a markdown document's "# title" is its title block
            return True
        if md:
            return self.open(min(len(md.group(1)) + 3, 7), tidy(text), line)
        if m := ENCLOSED_LABEL_RE.match(text):
            return self.open(self.label_level, tidy(m.group(2)), line)
        if m := LABEL_RE.match(text):
            self.open(self.label_level, f"【{tidy(m.group(1))}】", line)
            # A sheet's row under the label naming it (ingest.sheets.row_title): the label ends with
            # the table; a note or a paragraph under the table is not the last row's.
            following = next((t for t in self.content[self.index + 1 :] if t), "")
            self.row_label = self.label_level if TABLE_ROW_RE.match(following) else None
            return True
        if self._slide_title(text, page_top):
            return self.open(LEVEL_SECTION, tidy(text.lstrip(HEADING_MARKS)), line, slide=True)
        if text in self.marked_headings:
            self.open(self.marked_level, tidy(text[1:]), line)
            self.set_apart[self.marked_level] = tidy(text[1:])
            return True
        if self.index in self.article_titles and not self.in_title:
            # An article's title ends the sections known only by a mark or by their place (the
            # previous article's 「■…」 parts, its Q&A box): it sits below the others.
            # Above the marked headings when there is room (its 「■日程と会場」 sit below it).
            headings = self.state.headings
            marked = [lvl for lvl, title in headings.items() if self.set_apart.get(lvl) == title or QUESTION_LABEL_RE.match(title)]
            above = max((lvl for lvl in headings if lvl < min(marked, default=LEVEL_DEEPEST + 1)), default=0)
            level = min(max(above, LEVEL_ARTICLE) + 1, LEVEL_DEEPEST)
            if self.marked_headings and level >= self.marked_level > above + 1:
                level = self.marked_level - 1
            self.open(level, tidy(text), line)
            self.set_apart[level] = tidy(text)
            return True
        if self.index in self.standalone and not self.in_title:
            # Its rank is unknown (no number, no mark): it sits below the sections open, beside
            # the previous heading of its kind.
            deepest = max(self.state.headings, default=LEVEL_ARTICLE)
            if self.standalone_level not in self.state.headings:
                self.standalone_level = min(deepest + 1, LEVEL_DEEPEST)
            level = self.standalone_level
            self.open(level, tidy(text), line)
            self.standalone_level = level
            self.set_apart[level] = tidy(text)
            return True
        if _heading_like(text) and not self.markdown and self.index not in self.list_items and not self._runs_on(text):
            for level, pattern in NUMBERED:
                if pattern.match(text) and "、" not in text:
                    return self.open(level, numbered_title(text), line)
        return False

    def _slide_title(self, text: str, page_top: bool) -> bool:
        """The first line of a slide, read as its title: short, no clause, and not the rest of a
        sentence the previous slide left open (a bullet line left without 。 is complete: a slide's
        lines are phrases, 「・このルールは職員全員が対象」)."""
        return (
            self.slides
            and page_top
            and not self.in_title
            and _heading_like(text, 30)
            and "、" not in text
            and (not self._open_sentence() or self._buf_is_list_line())
        )

    def _buf_is_list_line(self) -> bool:
        """The last line read is a bullet or a numbered line (complete without 。), not one that runs
        to the width (「・…個人情報や機密情」 goes on in 「報は入力しないこと」 on the next page)."""
        last = clean_line(normalize_line(self._buf[-1][0])) if self._buf else ""
        return bool(last) and (self.starts_paragraph(last) or numbered(last) is not None) and not self._runs_on(last)

    def _question_goes_on(self, text: str) -> str:
        """The rest of a question wrapped at the width (「Q AIとやりとりするのは不安です。これまでどおり電」
        / 「話で聞いてもいいですか？」): the next lines up to the one ending the question, at most
        :data:`MAX_QUESTION_LINES` in all, marked as read; '' when it ends on its line."""
        if text.endswith(("？", "?", "。")) or not self._runs_on(text):
            return ""
        rest: list[int] = []
        for k in range(self.index + 1, len(self.content)):
            t = self.content[k]
            if not t:  # a blank line, or the page's furniture
                continue
            if QUESTION_RE.match(t) or self.starts_paragraph(t) or len(rest) + 1 >= MAX_QUESTION_LINES:
                return ""
            rest.append(k)
            # It ends where a line ends the question or stops short of the width (「すか。」).
            if t.endswith(("？", "?", "。")) or not self._runs_on(t):
                self.joined.update(rest)
                return "".join(self.content[j] for j in rest)
        return ""

    def _runs_on(self, text: str) -> bool:
        """A line as long as the width the text was broken at, not closed by a bracket: its sentence
        goes on in the next line (「イ 生成AIで作成した画像を…と表示」 / 「すること。」), so it is an item, not a heading."""
        return self.wrap is not None and len(text) >= self.wrap - 1 and not text.endswith(("）", ")", "」", "】"))

    def _open_sentence(self) -> bool:
        return bool(self._buf) and not self._buf_ends_sentence()

    def open(self, level: int, title: str, line: SourceLine, slide: bool = False, question: bool = False) -> bool:
        """Open a heading. A slide is read as one unit: a heading inside it (「■対応」「受講期限」
        under 「P14 不正利用・詐欺メールに注意」) is a line of the slide, not a section of its own; its
        lines are about the slide's title, and a passage cut at it would lose that. A question
        (an FAQ slide's 「Q. …」) is an entry of its own."""
        if slide:
            self.in_slide = True
        elif level <= LEVEL_SECTION:
            self.in_slide = False
        elif self.in_slide and not question:
            self.flush()
            self._emit(tidy(clean_line(line.text)) or title, line, line)  # as written: 「■対応」
            return True
        self.in_title = False
        self.standalone_level = 0
        self.question_level = 0
        if level <= LEVEL_ARTICLE:
            self.in_article = False
        self.heading(level, title, line)
        return True

    def article(self, line: SourceLine, s: str, caption: str | None = None) -> bool:
        m = ARTICLE_RE.match(s)
        assert m is not None
        caption = m.group(3) or caption
        title = f"第{m.group(1)}条" + (f"の{m.group(2)}" if m.group(2) else "") + (f"（{tidy(caption.strip('()（）'))}）" if caption else "")
        self.open(LEVEL_ARTICLE, title, line)
        self.in_article = True
        rest = m.group(4).strip()
        if rest:
            self._buf.append((rest, line))
        return True

    def toc(self, line: SourceLine, s: str) -> bool:
        """Skip the table of contents until the body repeats its first entry (or a sentence)."""
        entry = TOC_ENTRY_RE.sub("", s).strip()
        key = _key(entry)
        if not self.toc_first:
            self.toc_first = key
            return True
        if key == self.toc_first and not TOC_ENTRY_RE.search(s):
            self.in_toc = False
            return self.classify(line, line.text, s)
        if s.endswith("。") and len(s) > MAX_HEADING_CHARS:
            self.in_toc = False
            return False
        return True
