"""Office files as an office saves them: Word documents (.docx), Excel workbooks (.xlsx) and
PowerPoint decks (.pptx).

A municipality's 要綱 or a company's AI policy is kept in Word, a school's rules or an FAQ in
Excel; people bring those files, not a text export. Each is read into lines the structure reader
(:mod:`ingest.admin_structure`) reads as it reads a text file:

* Word: the body's paragraphs and tables in order (content controls opened, text boxes read after
  their paragraph, a table of contents left out). A paragraph in a heading style is a Markdown
  heading (``Title`` 「# 」, ``Heading N`` N+1 marks), as a Markdown document marks its own; the
  numbers Word draws for an automatically numbered paragraph (段落番号: 「①」「第1条」「(1)」) are
  not in its text and are put back in front of it (:class:`_Numbering`); a table's rows are read as a
  sheet's (:func:`ingest.sheets.table_lines`). Lines are numbered by paragraph (a table row counts
  as one). Page headers and footers (「取扱注意」, page numbers) are furniture and left out.
* Excel: each visible sheet is a table read as a sheet saved as text is
  (:func:`ingest.sheets.table_lines`: an FAQ's questions and answers, a register's rows under their
  labels), a cell merged down a group of rows holding its value on each, dates as dates; a workbook
  of several sheets names each sheet on a line of its own (「■ よくある質問」) above its rows. Lines are
  numbered by the sheet's row, as Excel shows it.
* PowerPoint: each shown slide under its label and title (「スライド 3」「申請の流れ」), as a deck
  exported to text reads (:func:`pptx_lines`); lines numbered by slide.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ingest.sheets import table_lines, workbook_lines
from ingest.text import join_soft_breaks

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


class OfficeFileError(Exception):
    """The file is not a readable Office document (broken, or protected by a password)."""


# --- Word ---------------------------------------------------------------------------------------
_HEADING_STYLE = re.compile(r"(?:heading|見出し)\s*([1-9])", re.IGNORECASE)
_TOC_STYLE = re.compile(r"(?:toc|目次)\s*\d|toc heading|目次の見出し", re.IGNORECASE)


def docx_lines(data: bytes) -> list[tuple[int, str]]:
    """(paragraph number from 1, line) for a Word document's body (module doc)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise OfficeFileError(type(exc).__name__) from exc
    except Exception as exc:  # lxml's XMLSyntaxError and the like: a broken package
        raise OfficeFileError(type(exc).__name__) from exc
    numbering = _Numbering(document)
    out: list[tuple[int, str]] = []
    number = 0
    for element in _body_blocks(document.element.body):
        number += 1
        if element.tag == f"{_W}tbl":
            rows = _table_rows(Table(element, document), numbering)
            out.extend(table_lines((number + i, row) for i, row in enumerate(rows)))
            number += max(len(rows) - 1, 0)
            continue
        paragraph = Paragraph(element, document)
        style = _style_name(paragraph)
        if _TOC_STYLE.search(style):
            continue
        text = _paragraph_text(element)
        label = numbering.label(paragraph)
        lines = join_soft_breaks([part.strip() for part in text.split("\n") if part.strip()])
        if label and lines and lines[0]:
            lines[0] = f"{label} {lines[0]}"
        marks = heading_marks(style)
        for part in lines:
            if part:
                out.append((number, f"{marks} {part}" if marks else part))
        for box in _text_boxes(element):
            out.append((number, box))
    return out


def _body_blocks(body: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in order, those inside content controls (w:sdt) included."""
    for child in body.iterchildren():
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _body_blocks(content)


def _style_name(paragraph: Any) -> str:
    try:
        return paragraph.style.name or "" if paragraph.style is not None else ""
    except (KeyError, ValueError):  # a style id the styles part does not define
        return ""


def heading_marks(style: str) -> str:
    if style.lower() in ("title", "表題"):
        return "#"
    m = _HEADING_STYLE.fullmatch(style.strip())
    return "#" * min(int(m.group(1)) + 1, 6) if m else ""


def _text_boxes(paragraph: Any) -> list[str]:
    """The text of text boxes anchored in a paragraph (once: a box is saved twice, as a drawing and
    as its VML fallback)."""
    texts: list[str] = []
    for box in paragraph.iter(f"{_W}txbxContent"):
        if any(a.tag == _MC_FALLBACK for a in box.iterancestors()):
            continue
        for p in box.iter(f"{_W}p"):
            text = "".join(t.text or "" for t in p.iter(f"{_W}t")).strip()
            if text:
                texts.append(text)
    return texts


def _table_rows(table: Any, numbering: _Numbering) -> list[list[str]]:
    """A table's rows as cell texts; a cell spanning columns once (python-docx repeats it for every
    column it spans); a cell merged down holds its value on each row it spans. A cell's paragraphs
    are its lines (automatic numbers drawn), a table nested in it one line per row."""
    from docx.text.paragraph import Paragraph

    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous._tc:
                continue
            previous = cell
            lines: list[str] = []
            for block in _body_blocks(cell._tc):
                if block.tag == f"{_W}tbl":
                    lines += [" ".join(c for c in nested if c) for nested in _nested_rows(block)]
                    continue
                text = " ".join(join_soft_breaks([t.strip() for t in _paragraph_text(block).split("\n") if t.strip()]))
                label = numbering.label(Paragraph(block, cell))
                lines.append(f"{label} {text}" if label and text else text)
            cells.append("\n".join(line for line in lines if line))
        rows.append(cells)
    return rows


def _nested_rows(table: Any) -> list[list[str]]:
    return [
        [" ".join(_paragraph_text(p).split()) for p in tc.iter(f"{_W}p")]
        for tr in table.iterchildren(f"{_W}tr")
        for tc in tr.iterchildren(f"{_W}tc")
    ]


_RUN_TEXT = {f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"}
_NOT_BODY = {f"{_W}txbxContent", _MC_FALLBACK, f"{_W}del", f"{_W}moveFrom"}


def _paragraph_text(p: Any) -> str:
    """A paragraph's text as Word shows it: the text of every run in it, those inside hyperlinks,
    content controls, fields, smart tags and tracked insertions included; deleted text, text boxes
    (read on their own) and the fallback copy of a drawing left out."""
    parts: list[str] = []
    for el in p.iter(*_RUN_TEXT):
        if _inside(el, p, _NOT_BODY):
            continue
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        else:
            parts.append("\t" if el.tag == f"{_W}tab" else "\n")
    return "".join(parts)


def _inside(el: Any, stop: Any, tags: set[str]) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in tags:
            return True
    return False


class _Numbering:
    """The numbers Word draws before automatically numbered paragraphs (numbering.xml). Lists
    (w:num) drawing on one definition (w:abstractNum, or the one a list style links to) share its
    count, as Word counts them; a list's start override restarts a level where the list is first
    used; a deeper level restarts under a new item of the level above. The label is the level's text
    with its %N placeholders filled in each level's number format."""

    def __init__(self, document: Any) -> None:
        self.abstract: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId -> ilvl -> (start, fmt, text)
        self.num_abstract: dict[str, str] = {}  # numId -> abstractNumId
        self.overrides: dict[str, dict[int, int]] = {}  # numId -> ilvl -> start
        self.counters: dict[str, list[int]] = {}  # abstractNumId -> counts per level
        self.starts: dict[str, dict[int, int]] = {}  # abstractNumId -> the start a list restarted a level at
        self.used: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        links: dict[str, str] = {}  # abstractNumId -> the list style it takes its levels from
        for node in root.iter(f"{_W}abstractNum"):
            aid = node.get(f"{_W}abstractNumId", "")
            self.abstract[aid] = {int(lvl.get(f"{_W}ilvl", "0")): _level(lvl) for lvl in node.iter(f"{_W}lvl")}
            link = node.find(f"{_W}numStyleLink")
            if link is not None:
                links[aid] = link.get(f"{_W}val", "")
        for num in root.iter(f"{_W}num"):
            nid = num.get(f"{_W}numId", "")
            ref = num.find(f"{_W}abstractNumId")
            self.num_abstract[nid] = ref.get(f"{_W}val", "") if ref is not None else ""
            for override in num.iter(f"{_W}lvlOverride"):
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    self.overrides.setdefault(nid, {})[int(override.get(f"{_W}ilvl", "0"))] = int(start.get(f"{_W}val", "1"))
        # A definition that only links to a list style (numStyleLink) counts with the one that style's
        # numbering uses.
        styles = {st.get(f"{_W}styleId", ""): st for st in document.styles.element.iter(f"{_W}style")}
        for aid, style_id in links.items():
            style = styles.get(style_id)
            num_id = style.find(f"{_W}pPr/{_W}numPr/{_W}numId") if style is not None else None
            target = self.num_abstract.get(num_id.get(f"{_W}val", "") if num_id is not None else "", "")
            if target and target != aid:
                for nid, a in list(self.num_abstract.items()):
                    if a == aid:
                        self.num_abstract[nid] = target

    def label(self, paragraph: Any) -> str:
        num_id, ilvl = _num_pr(paragraph)
        aid = self.num_abstract.get(num_id or "")
        levels = self.abstract.get(aid or "")
        if not aid or not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(aid, [0] * 9)
        starts = self.starts.setdefault(aid, {})
        if num_id not in self.used:  # a list's first paragraph: its start overrides restart those levels
            self.used.add(num_id or "")
            for level, start in self.overrides.get(num_id or "", {}).items():
                counts[level], starts[level] = 0, start
        start = starts.get(ilvl, levels[ilvl][0])
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
            starts.pop(deeper, None)
        _, fmt, text = levels[ilvl]
        if fmt == "bullet":
            return "・"
        if fmt == "none":
            return text.strip() if "%" not in text else ""

        def fill(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            if level not in levels:
                return ""
            value = counts[level] or starts.get(level, levels[level][0])
            return format_number(value, levels[level][1] if level != ilvl else fmt)

        return re.sub(r"%([1-9])", fill, text).strip()


def _level(lvl: Any) -> tuple[int, str, str]:
    def val(tag: str, default: str) -> str:
        node = lvl.find(f"{_W}{tag}")
        return node.get(f"{_W}val", default) if node is not None else default

    try:
        start = int(val("start", "1"))
    except ValueError:
        start = 1
    return start, val("numFmt", "decimal"), val("lvlText", "")


def _num_pr(paragraph: Any) -> tuple[str | None, int]:
    """(numId, level) of a paragraph's numbering, its own or its style's."""
    holders = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None and len(holders) < 6:
        holders.append(style.element.pPr)
        style = style.base_style
    for ppr in holders:
        if ppr is None:
            continue
        num_pr = ppr.find(f"{_W}numPr")
        if num_pr is None:
            continue
        num_id = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        if num_id is None:
            continue
        value = num_id.get(f"{_W}val")
        if value == "0":  # numbering switched off
            return None, 0
        return value, int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0
    return None, 0


_KANJI_DIGITS = "〇一二三四五六七八九"
_AIUEO = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
_IROHA = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"


def _kanji_number(n: int) -> str:
    if n < 10:
        return _KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    if n < 100:
        return ("" if tens == 1 else _KANJI_DIGITS[tens]) + "十" + (_KANJI_DIGITS[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def format_number(n: int, fmt: str) -> str:
    """``n`` in a Word number format (ST_NumberFormat); an unknown format as decimal."""
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("decimalEnclosedParen",):
        return f"({n})"
    if fmt in ("japaneseCounting", "japaneseDigitalTenThousand", "chineseCounting", "chineseCountingThousand",
               "japaneseLegal", "ideographDigital"):  # fmt: skip
        return _kanji_number(n)
    if fmt in ("aiueoFullWidth", "aiueo") and 1 <= n <= len(_AIUEO):
        return _AIUEO[n - 1]
    if fmt in ("irohaFullWidth", "iroha") and 1 <= n <= len(_IROHA):
        return _IROHA[n - 1]
    if fmt == "ideographTraditional" and 1 <= n <= len(_HEAVENLY):
        return _HEAVENLY[n - 1]
    if fmt in ("lowerLetter", "upperLetter") and n >= 1:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and n >= 1:
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


# --- Excel --------------------------------------------------------------------------------------
def xlsx_lines(data: bytes) -> list[tuple[int, str]]:
    """(row number in its sheet, line) for an Excel workbook's visible sheets (module doc)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # a broken package, a password-protected file (not a zip), bad XML
        raise OfficeFileError(type(exc).__name__) from exc
    return workbook_lines([(ws.title, _sheet_rows(ws)) for ws in workbook.worksheets if ws.sheet_state == "visible"])


def _sheet_rows(ws: Any) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of a sheet's shown rows and columns, up to its last cell holding a
    value (a stray formatted cell far below is no row); the cells of a range merged down (a group's
    区分 over its rows) hold the range's value on every row, in the range's first column."""
    from openpyxl.utils import get_column_letter

    filled = [cell for cell in getattr(ws, "_cells", {}).values() if cell.value is not None and cell.value != ""]
    if not filled:
        return []
    last_row, last_col = max(c.row for c in filled), max(c.column for c in filled)
    down: dict[tuple[int, int], Any] = {}
    for merged in ws.merged_cells.ranges:
        if merged.max_row > merged.min_row:
            top = ws.cell(merged.min_row, merged.min_col)
            for row in range(merged.min_row + 1, min(merged.max_row, last_row) + 1):
                down[(row, merged.min_col)] = top
    hidden_cols = {c for c in range(1, last_col + 1) if ws.column_dimensions[get_column_letter(c)].hidden}
    rows: list[tuple[int, list[str]]] = []
    for r, cells in enumerate(ws.iter_rows(max_row=last_row, max_col=last_col), start=1):
        if ws.row_dimensions[r].hidden:
            continue
        rows.append((r, [_cell_text(down.get((r, c), cell)) for c, cell in enumerate(cells, start=1) if c not in hidden_cols]))
    return rows


_QUOTED_IN_FORMAT = re.compile(r'"([^"]*)"')


def _cell_text(cell: Any) -> str:
    return value_text(cell.value, str(getattr(cell, "number_format", "") or "General"))


def value_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as Excel shows it: dates as dates, a percentage as one (0.5 → 50%), an amount
    with its thousands separators and the currency its format writes (「5,000円」「¥3,000」)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.year}年{value.month}月{value.day}日 {value.hour}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    if isinstance(value, (int, float)):
        return _number_text(value, number_format)
    return str(value).replace("\r\n", "\n").replace("_x000D_", "")


def _number_text(value: float, fmt: str) -> str:
    section = fmt.split(";")[0]
    plain = _QUOTED_IN_FORMAT.sub("", section)
    if "%" in plain:
        percent = value * 100
        digits = len(plain.split(".")[1].split("%")[0]) if "." in plain else 0
        return f"{percent:.{digits}f}%"
    number = str(int(value)) if float(value).is_integer() else format(float(value), ".10g")
    if "," in plain and float(value).is_integer():
        number = f"{int(value):,}"
    # Text the format writes before and after the number (「"¥"#,##0」「#,##0"円"」), and a currency mark.
    placeholder = re.search(r"[#0?]", _QUOTED_IN_FORMAT.sub(lambda m: " " * len(m.group(0)), section))
    at = placeholder.start() if placeholder else len(section)
    prefix = "".join(m.group(1) for m in _QUOTED_IN_FORMAT.finditer(section) if m.end() <= at)
    suffix = "".join(m.group(1) for m in _QUOTED_IN_FORMAT.finditer(section) if m.start() >= at)
    if not prefix and ("[$¥" in plain or "¥" in plain or "\\" in plain.split("#")[0]):
        prefix = "¥"
    return f"{prefix}{number}{suffix}"


# --- PowerPoint ---------------------------------------------------------------------------------
def pptx_lines(data: bytes) -> list[tuple[int, str]]:
    """(slide number, line) for a PowerPoint deck's shown slides: each slide's label 「スライド N」 on a
    line of its own (as a deck exported to text labels its slides), its title on the next, then the
    text of its other shapes from top to bottom and left to right (a group's shapes in turn, a
    table's rows as a sheet's), then its speaker notes."""
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
    except Exception as exc:  # a broken package, a password-protected file (not a zip), bad XML
        raise OfficeFileError(type(exc).__name__) from exc
    out: list[tuple[int, str]] = []
    for number, slide in enumerate(deck.slides, start=1):
        if slide.element.get("show") == "0":  # a hidden slide is not presented
            continue
        title = slide.shapes.title
        title_text = " ".join(_frame_lines(title)) if title is not None else ""
        body: list[str] = []
        for shape in _reading_order(slide.shapes):
            if title is not None and shape.shape_id == title.shape_id:
                continue
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                body.extend(text for _, text in table_lines((0, row) for row in rows))
            else:
                body.extend(_frame_lines(shape))
        notes = []
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = [line.strip() for line in slide.notes_slide.notes_text_frame.text.splitlines() if line.strip()]
        out.append((number, f"スライド {number}"))
        if title_text:
            out.append((number, title_text))
        out.extend((number, line) for line in body + notes if line)
    return out


def _reading_order(shapes: Any) -> list[Any]:
    out: list[Any] = []
    for shape in sorted(shapes, key=lambda s: ((s.top or 0) // 50000, s.left or 0)):
        if shape.shape_type is not None and getattr(shape, "shapes", None) is not None:  # a group
            out.extend(_reading_order(shape.shapes))
        else:
            out.append(shape)
    return out


def _frame_lines(shape: Any) -> list[str]:
    if not getattr(shape, "has_text_frame", False) or not shape.has_text_frame:
        return []
    lines: list[str] = []
    for paragraph in shape.text_frame.paragraphs:
        for part in paragraph.text.replace("\v", "\n").split("\n"):
            if part.strip():
                lines.append(part.strip())
    return lines
