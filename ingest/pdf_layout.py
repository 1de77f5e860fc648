"""What the lines of an office PDF say about its layout once the text has been extracted.

pypdf gives one line of text per printed line and nothing else: no fonts, no positions. Two
marks of the page survive in the text itself, and the generic reader (``ingest.admin_structure``)
uses them:

* **table rows**: a table is drawn as cells in columns, and each printed row comes out as its
  cells separated by spaces (「見積書・提案書の文案作成 要承認 営業部長の承認」). Japanese prose puts no
  space between words, so a line of three or more space-separated cells next to a line with as
  many is a row;
* **the right margin**: a word processor wraps a paragraph only when the next character does not
  fit, so a wrapped line runs to the right margin, and a line that stops well short of it ends
  its paragraph. A short line, not a sentence, standing between such a line and a bullet or
  numbered item is a heading whose Markdown or bold face the PDF text lost (「報告先と期限」).

Widths are counted in ems: a full-width character is 1, a half-width one ½.
"""

from __future__ import annotations

import re
import unicodedata

# A cell boundary: a run of spaces with a Japanese character on at least one side (the space in
# 「DeepL Pro」 is a word space inside a cell).
_CELL_GAP_RE = re.compile(r"\t+|(?<=[^\x00-\x7f])[ \u3000]+|[ \u3000]+(?=[^\x00-\x7f])")  # a tab: a cell copied from a spreadsheet
MIN_CELLS = 3
# A cell opening with a particle is a piece of a sentence cut at a space, not a cell.
_PARTICLE_START = re.compile(r"[のをがにはでとへも]")
# A line ends its paragraph when it fills less than this share of the document's full line.
SHORT_LINE = 0.8
# A line this close to the full width runs to the margin: its paragraph wraps.
FULL_LINE = 0.95
MAX_STANDALONE_HEADING = 24
_WORD_CHAR = re.compile(r"[A-Za-z\u3041-\u30ff\u4e00-\u9fff]")
# Lines set apart that are no article's title: a figure's or table's caption (「図1 利用の流れ」), a
# line wholly in brackets (「（令和6年4月19日 総務省・経済産業省）」), a date alone.
_NOT_A_TITLE = re.compile(
    r"^(?:図|表|写真|資料)\s*\d|^[（(「『【].*[）)」』】]$|^(?:令和|平成|昭和)?\s*\d+\s*年(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?$"
)


def em_width(text: str) -> float:
    """Printed width in ems: full-width (and ambiguous) characters 1, others ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text.strip())


def cells(text: str) -> list[str]:
    """The cells of a printed table row (see the module docstring)."""
    return [c for c in _CELL_GAP_RE.split(text.strip()) if c]


def table_rows(texts: list[str], starts_item: list[bool], plain_text: bool = False) -> dict[int, tuple[str, ...] | None]:
    """The table rows among the lines: line index -> the row's cells, or ``None`` for a line that
    continues the row above it. ``texts``: the cleaned lines, empty for lines the reader skips
    (page headers and numbers); ``starts_item``: the line opens a bullet, a numbered item or a
    heading (「一 生成AI 利用者の指示…」 is a defined term, not a row).

    A table starts where two neighbouring lines have as many cells (three or more) and runs
    while lines have as many cells, or one fewer (an empty cell prints nothing). A one-cell line inside it is the row's last cell
    wrapped onto the next printed line (「△は仮名加工した」「情報に限る」): it joins that cell, or
    becomes the missing last cell when the row is short of the table's first row."""
    content = [i for i, t in enumerate(texts) if t]
    split = {i: cells(texts[i]) for i in content}
    count = {i: len(split[i]) for i in content}

    def row_shaped(i: int) -> bool:
        if plain_text and any("。" in c or _PARTICLE_START.match(c) for c in split[i]):
            return False  # prose with spaces around Latin words (「の生成 AI を活用する。」)
        return count[i] >= MIN_CELLS and not texts[i].endswith("。") and not starts_item[i]

    def adjacent(a: int, b: int) -> bool:  # in a text file, a blank line ends a table
        return not plain_text or b == a + 1

    out: dict[int, tuple[str, ...] | None] = {}
    k = 0
    while k + 1 < len(content):
        first, second = content[k], content[k + 1]
        if not (row_shaped(first) and row_shaped(second) and count[first] == count[second] and adjacent(first, second)):
            k += 1
            continue
        width = count[first]
        row = first
        out[row] = tuple(split[row])
        k += 1
        while k < len(content):
            i = content[k]
            if not adjacent(content[k - 1], i):
                break
            if row_shaped(i) and count[i] >= width - 1:
                row = i
                out[row] = tuple(split[row])
            elif count[i] == 1 and not starts_item[i] and "。" not in texts[i]:
                previous = out[row]
                assert previous is not None
                piece = texts[i].strip()
                out[row] = previous + (piece,) if len(previous) < width else previous[:-1] + (previous[-1] + piece,)
                out[i] = None
            else:
                break
            k += 1
    return out


def full_width(widths: list[float]) -> float:
    """The width of a full line of the document: the 90th percentile of its line widths (wrapped
    lines fill the line; headings, list items and the last lines of paragraphs are shorter)."""
    if not widths:
        return 0.0
    ordered = sorted(widths)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def _set_apart(texts: list[str], content: list[int], k: int, full: float, starts_item: list[bool], after_sentence: bool = False) -> bool:
    """Is ``texts[content[k]]`` a short line, not a sentence, after a line that stops well short
    of the right margin (so not the end of a wrapped paragraph) or, with ``after_sentence``, that
    ends a sentence (a paragraph's last line may fill the line)?"""
    text, before = texts[content[k]], texts[content[k - 1]]
    n_cells = len(cells(text))
    return (
        0 < len(text) <= MAX_STANDALONE_HEADING
        and n_cells < MIN_CELLS
        # A heading names something in words (not 「0123-45-7002」, a number wrapped alone; 「FAQ」 does)
        # and is not one of a run of rows (「7月22日（水） 北部コミュニティセンター」 / 「8月5日（水） 南部…」).
        and bool(_WORD_CHAR.search(text))
        and not (n_cells > 1 and len(cells(before)) == n_cells)
        and not any(ch in text for ch in "。、，,：:")
        and not starts_item[content[k]]
        and (em_width(before) < SHORT_LINE * full or (after_sentence and before.endswith("。")))
    )


def standalone_headings(texts: list[str], starts_item: list[bool]) -> frozenset[int]:
    """Indices of short lines that are headings by their place on the page: not a sentence, after
    a line that stops well short of the right margin (so not the end of a wrapped paragraph), and
    followed by a bullet or a numbered item. ``texts`` and ``starts_item`` as in
    :func:`table_rows`."""
    content = [i for i, t in enumerate(texts) if t]
    full = full_width([em_width(texts[i]) for i in content])
    return frozenset(
        content[k] for k in range(1, len(content) - 1) if _set_apart(texts, content, k, full, starts_item) and starts_item[content[k + 1]]
    )


def article_titles(texts: list[str], starts_item: list[bool]) -> frozenset[int]:
    """Indices of short lines set apart like a standalone heading but followed by a paragraph that
    wraps (its first line runs to the margin, the next goes on): the title of an article, as a
    newsletter's column sets 「第38回あじさい夏まつり」 over 「今年も夏まつりを開催します。…」.
    ``texts`` and ``starts_item`` as in :func:`table_rows`."""
    content = [i for i, t in enumerate(texts) if t]
    full = full_width([em_width(texts[i]) for i in content])
    out = set()
    for k in range(1, len(content) - 2):
        i, after, then = content[k], content[k + 1], content[k + 2]
        if (
            _set_apart(texts, content, k, full, starts_item, after_sentence=True)
            and not _NOT_A_TITLE.search(texts[i])
            and em_width(texts[i]) < SHORT_LINE * full
            and not starts_item[after]
            and em_width(texts[after]) >= FULL_LINE * full
            and not starts_item[then]
        ):
            out.add(i)
    return frozenset(out)
