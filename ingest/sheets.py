"""Spreadsheets saved as text: Excel's 「テキスト（タブ区切り）」 export of a checklist or a register.

Each record is a row of cells apart by tabs; a cell holding line breaks is quoted (「"…\\n…"」), so
one row may span several physical lines, and a cell merged over several rows is exported on its
first row only, the cells below it empty. Read line by line, a row's cells run together and a
quoted cell's later lines lose their row. Here the records are read with the csv module (the
``excel-tab`` dialect) and each becomes one line: a row of several cells as a table row
(「| 32 | 事故時 | 事故の報告 | … |」, the form a Markdown table row has, which the structure reader
keeps as one unit) under a 【】 label naming it (:func:`row_title`), a row of one cell as that
cell's text (a title, a note, a sheet's heading).

The same holds for a sheet saved as CSV (「CSV（コンマ区切り）」, the ``excel`` dialect). A sheet whose
header names a question column and an answer column (「質問」「回答」: an FAQ kept in Excel) is read as
an FAQ: each row a question heading (「Q. …」) over its answer, its line breaks kept, and the row's
other cells as 「列名：値」 lines (「担当部署：薬事・DX推進室」).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from guideqa.text import nfkc

# A text is a sheet when at least this many of its lines, and half of its non-empty lines, are rows:
# two filled cells or more apart by a tab (a tab that only indents a line makes no row).
MIN_TAB_LINES = 5


def _is_row(line: str) -> bool:
    return sum(1 for cell in line.split("\t") if cell.strip()) >= 2


def is_tab_separated(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    rows = sum(1 for line in lines if _is_row(line))
    return rows >= MIN_TAB_LINES and 2 * rows >= len(lines)


def sheet_lines(text: str, dialect: str = "excel-tab") -> list[tuple[int, str]] | None:
    """(the physical line a record starts on, counted from 1; the record as one line, or an FAQ
    row's lines), or None when the text does not read as Excel writes a sheet (a quote left open
    swallows the rows after it: a quoted cell holding a tab; a malformed record): then it is read
    line by line. ``dialect``: ``excel-tab`` (tab-separated text) or ``excel`` (CSV)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        return _records(text, dialect)
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)


# The header of an FAQ's question and answer columns (「質問」「よくある質問」「Q」; 「回答」「答え」「A」).
_QUESTION_HEADER = re.compile(r"(?:よくある)?(?:質問|問い?|Q|Ｑ|質疑)(?:内容)?")
_ANSWER_HEADER = re.compile(r"(?:回答|答え?|A|Ａ)(?:内容)?")


def faq_columns(header: list[str]) -> tuple[int, int] | None:
    """(question column, answer column) of a sheet's header row that names both, else None."""
    names = [cell.strip() for cell in header]
    q = next((i for i, n in enumerate(names) if _QUESTION_HEADER.fullmatch(n)), None)
    a = next((i for i, n in enumerate(names) if _ANSWER_HEADER.fullmatch(n)), None)
    return (q, a) if q is not None and a is not None and q != a else None


# The header of a row-number column (「No」「No.」「番号」「#」): its values name no fact of the row.
_NUMBER_HEADER = re.compile(r"No\.?|NO\.?|№|番号|項番|#|＃|連番")
_ENTRY_NUMBER = re.compile(r"[0-9]{1,3}")


def _faq_row(record: list[str], header: list[str], columns: tuple[int, int]) -> list[str]:
    """An FAQ row's lines: 「Q. 質問」, its other cells on one line (「カテゴリ：利用申請／担当部署：…」, not
    the row number), then the answer's lines, the first marked 「A. 」 (so it starts a paragraph of its
    own, as an FAQ's answer does). A row with no question continues the entry above it (an answer
    under a merged question cell: its lines only); a row of one filled cell is that cell's text (a
    category row 「■ 利用申請」, a note under the table)."""
    q, a = columns

    def cell(i: int) -> str:
        return " ".join(part.strip() for part in (record[i] if i < len(record) else "").splitlines() if part.strip())

    answer = [part.strip() for part in (record[a] if a < len(record) else "").splitlines() if part.strip()]
    filled = [cell(i) for i in range(len(record)) if cell(i)]
    question = cell(q)
    if len(filled) == 1 and not answer:
        return filled
    if not question:
        return answer
    # The row's number, when the sheet numbers its entries (「No」 15): 「Q15. …」, as an FAQ document
    # numbers its questions, so that 「Q&Aの15番」 names it.
    number = next((cell(i) for i in range(min(len(header), len(record))) if _NUMBER_HEADER.fullmatch(header[i].strip())), "")
    label = f"Q{nfkc(number)}" if _ENTRY_NUMBER.fullmatch(nfkc(number)) else "Q"
    lines = [f"{label}. {question}"]
    named = range(max(len(header), len(record)))
    other = [f"{(header[i].strip() if i < len(header) else '')}：{cell(i)}".lstrip("：") for i in named
             if i not in columns and cell(i) and not (i < len(header) and _NUMBER_HEADER.fullmatch(header[i].strip()))]  # fmt: skip
    if other:
        lines.append("／".join(other))
    if answer:
        lines += [f"A. {answer[0]}"] + answer[1:]
    return lines


def _records(text: str, dialect: str = "excel-tab") -> list[tuple[int, str]] | None:
    # As Excel writes CSV, a quote is opened only at a cell's start and closed before its end: strict
    # reading tells a file that is no sheet (a quote left open). (Tab-separated text may come from
    # elsewhere, 「"重要"な点」 in a cell: read leniently, as before.)
    reader = csv.reader(io.StringIO(text), dialect=dialect, strict=dialect == "excel")
    records: list[tuple[int, list[str]]] = []
    start = 1
    for record in reader:
        if any("\t" in cell for cell in record) and dialect == "excel-tab":
            return None
        records.append((start, record))
        start = reader.line_num + 1
    return table_lines(records)


def table_lines(records: Iterable[tuple[int, list[str]]]) -> list[tuple[int, str]]:
    """The lines of one table, given as (the line or row number it starts on, its cells) per row —
    a sheet saved as text, a workbook's sheet, a table in a Word document or a web page. The first
    row of two filled cells or more is the header; under a header naming a question and an answer
    column, each row is an FAQ entry (:func:`_faq_row`); otherwise a row of several cells is one
    line 「| … | … |」 under its 【】 label (:func:`row_title`), a row of one cell that cell's text."""
    out: list[tuple[int, str]] = []
    above: list[str] = []  # the previous data row of the table, merged cells filled in
    header: list[str] | None = None  # the first row of two filled cells or more
    faq: tuple[int, int] | None = None
    for start, record in records:
        if faq is not None and header is not None:
            out.extend((start, line) for line in _faq_row(record, header, faq))
            continue
        cells = [" ".join(part.strip() for part in cell.splitlines() if part.strip()) for cell in record]
        while cells and not cells[-1]:
            cells.pop()
        filled = [c for c in cells if c]
        if len(filled) >= 2 and header is None:
            header = cells
            faq = faq_columns(cells)
            if faq is not None:  # an FAQ: its rows are questions and answers (the header is no text)
                continue
        if len(filled) >= 2:
            cells = _fill_merged(cells, above)
            title = row_title(cells)
            if title:  # a data row (a header names no row): the one below may continue its groups
                above = cells
                out.append((start, f"【{title}】"))
            out.append((start, "| " + " | ".join(cells) + " |"))
        else:
            above = []
            out.append((start, filled[0] if filled else ""))
    return out


# A cell this long states the row's content (「判断基準・補足」); the short cells before it name the row.
MIN_CONTENT_CELL = 30
MAX_TITLE = 20


def workbook_lines(sheets: list[tuple[str, list[tuple[int, list[str]]]]]) -> list[tuple[int, str]]:
    """The lines of a workbook's shown sheets, given as (name, rows) each: each sheet's table
    (:func:`table_lines`), under a line naming it (「■ よくある質問」) when the workbook shows several; an
    empty sheet is left out. (An Excel, Excel 97-2003 or Calc workbook alike.)"""
    out: list[tuple[int, str]] = []
    for name, rows in sheets:
        if not any(any(cell.strip() for cell in row) for _, row in rows):
            continue
        if len(sheets) > 1:
            out.append((1, f"■ {name}"))
        out.extend(table_lines(rows))
    return out


def row_title(cells: list[str]) -> str:
    """What names a row of a register or checklist: its short cells before its first long one
    (「2／導入前／利用申請の提出」), as the row's heading, so that each row is a section of its own
    (one record, one passage); '' for a row without such a cell (a header, 「会社名 | …」)."""
    long = next((i for i, c in enumerate(cells) if len(c) >= MIN_CONTENT_CELL), None)
    if not long:
        return ""
    title = "／".join(c for c in cells[:long] if c)
    return title if 0 < len(title) <= MAX_TITLE and "【" not in title and "】" not in title else ""


def _fill_merged(cells: list[str], above: list[str]) -> list[str]:
    """An empty cell of a grouping column, under a filled cell of the row above, was merged with
    that cell (「事故時」 exported on the first row of its group only): it holds the same value. A
    grouping column comes first, or after a row number only (「32」「No.3」「A-1」); an empty cell
    further right (no 担当 for this row) stays empty."""
    out = list(cells)
    for i in range(len(out) - 1):
        if not all(_ROW_NUMBER.fullmatch(c) for c in out[:i]):
            break
        if not out[i] and i < len(above) and above[i] and any(out[i + 1 :]):
            out[i] = above[i]
    return out


_ROW_NUMBER = re.compile(r"(?:No\.?\s*)?[A-Za-z]{0,3}[-‐]?\d{1,4}")
