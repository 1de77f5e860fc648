"""OpenDocument files as LibreOffice saves them: Writer documents (.odt) and Calc spreadsheets (.ods).

Many municipalities write and publish in LibreOffice (the government recommends OpenDocument for
documents it exchanges), so a town's 生成AI利用ガイドライン often comes as an .odt. Each file is read
with odfpy into lines the structure reader (:mod:`ingest.admin_structure`) reads as it reads a Word
document or a workbook (:mod:`ingest.office`):

* Writer: the body's headings, paragraphs, lists and tables in order (sections opened). A heading
  (``text:h``) of outline level N is a Markdown heading of N+1 marks, as a Word 「見出し N」 is; the
  numbers Writer draws for a list item (「1.」「(1)」「①」, from the list style, never in the text) are
  put back in front of it; a table's rows are read as a sheet's (:func:`ingest.sheets.table_lines`);
  a footnote is taken out of its sentence and read on a line of its own after its paragraph
  (「（注1）…」), as are text frames. Comments, ruby readings, the record of deleted text (tracked
  changes), a table of contents, and the page headers and footers (styles.xml) are left out.
  Lines are numbered by paragraph (a table row counts as one).
* Calc: each shown sheet is a table read as an Excel sheet is (the text a cell shows — Calc saves
  it beside the value —, a cell merged down holding its value on each row it spans); the run of
  empty cells and rows Calc writes to the sheet's edge (「number-rows-repeated="1048550"」) is
  never expanded. Lines are numbered by the sheet's row.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ingest.office import OfficeFileError, format_number
from ingest.sheets import table_lines, workbook_lines
from ingest.text import join_soft_breaks

logger = logging.getLogger(__name__)

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"

# Inline elements whose content is not the paragraph's running text.
_SKIPPED_INLINE = {(_TEXT, "ruby-text"), (_OFFICE, "annotation"), (_TEXT, "note-citation"), (_TEXT, "bookmark-ref")}
# Body elements that hold no reading text: declarations, the deleted text of tracked changes, tables
# of contents and indexes (their entries repeat the headings).
_SKIPPED_BLOCKS = {
    (_TEXT, "sequence-decls"), (_TEXT, "variable-decls"), (_TEXT, "user-field-decls"), (_TEXT, "tracked-changes"),
    (_TEXT, "table-of-content"), (_TEXT, "alphabetical-index"), (_TEXT, "illustration-index"),
    (_TEXT, "table-index"), (_TEXT, "object-index"), (_TEXT, "user-index"), (_TEXT, "bibliography"),
    (_OFFICE, "forms"), (_TEXT, "soft-page-break"),
}  # fmt: skip
# A rows' run longer than this with content is a sheet's edge or an error, not the document's rows.
_MAX_REPEAT = 1000
# style:num-format values (ODF's five and LibreOffice's extensions, by their first character) in
# Word's names (ingest.office.format_number).
_NUM_FORMATS = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman",
                "１": "decimalFullWidth", "①": "decimalEnclosedCircle", "一": "japaneseCounting", "ア": "aiueo",
                "ｱ": "aiueo", "イ": "iroha", "ｲ": "iroha", "甲": "ideographTraditional"}  # fmt: skip


def _load(data: bytes) -> Any:
    from odf.opendocument import load

    try:
        return load(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise OfficeFileError(type(exc).__name__) from exc
    except Exception as exc:  # an encrypted content.xml, broken XML: the file's fault, not the corpus's
        raise OfficeFileError(type(exc).__name__) from exc


def _children(node: Any) -> Iterator[Any]:
    return (c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE)


def _attr(node: Any, ns: str, name: str) -> str:
    try:
        return str(node.getAttrNS(ns, name) or "")
    except (AttributeError, ValueError):  # an attribute odfpy does not know for this element
        return ""


def _int_attr(node: Any, ns: str, name: str, default: int = 1) -> int:
    value = _attr(node, ns, name)
    return int(value) if value.isdigit() else default


# --- paragraph text -----------------------------------------------------------------------------
class _Paragraph:
    """A paragraph's text as Writer shows it, and what it holds that is read on lines of its own
    (footnotes, text frames)."""

    def __init__(self, node: Any) -> None:
        self.parts: list[str] = []
        self.extra: list[str] = []
        self._walk(node)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def _walk(self, node: Any) -> None:
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                # ODF collapses white space in text content (spaces are written as text:s).
                # (A soft hyphen, U+00AD, is drawn only at a line end: no character of the text.)
                self.parts.append(re.sub(r"[ \t\r\n]+", " ", child.data).replace("\u00ad", ""))
                continue
            if child.nodeType != child.ELEMENT_NODE:
                continue
            q = child.qname
            if q == (_TEXT, "s"):
                self.parts.append(" " * _int_attr(child, _TEXT, "c"))
            elif q == (_TEXT, "tab"):
                self.parts.append("\t")
            elif q == (_TEXT, "line-break"):
                self.parts.append("\n")
            elif q == (_TEXT, "note"):
                self._note(child)
            elif q == (_DRAW, "frame") or q == (_DRAW, "custom-shape"):
                self.extra.extend(_frame_lines(child))
            elif q not in _SKIPPED_INLINE:
                self._walk(child)

    def _note(self, note: Any) -> None:
        mark = "".join(_flat_text(c) for c in _children(note) if c.qname == (_TEXT, "note-citation")).strip()
        body = [c for c in _children(note) if c.qname == (_TEXT, "note-body")]
        lines = [_Paragraph(p).text.strip() for b in body for p in _children(b) if p.qname in ((_TEXT, "p"), (_TEXT, "h"))]
        text = " ".join(line for line in lines if line)
        if text:
            self.extra.append(f"（注{mark}）{text}" if mark else text)


def _flat_text(node: Any) -> str:
    if node.nodeType == node.TEXT_NODE:
        return str(node.data)
    return "".join(_flat_text(c) for c in node.childNodes)


def _frame_lines(frame: Any) -> list[str]:
    """The paragraphs of a text frame (draw:text-box) or a shape's text."""
    lines: list[str] = []
    for child in _children(frame):
        if child.qname in ((_TEXT, "p"), (_TEXT, "h")):
            lines += [t for t in (_Paragraph(child).text.strip(),) if t]
        elif child.qname[0] in (_DRAW, _TEXT):
            lines += _frame_lines(child)
    return lines


def _lines_of(text: str) -> list[str]:
    return [line for line in join_soft_breaks([part.strip() for part in text.split("\n") if part.strip()]) if line]


# --- Writer -------------------------------------------------------------------------------------
class _ListStyles:
    """The numbers a list style draws before its items, per level: (format, prefix, suffix, start,
    levels shown) for a numbered level, the bullet for a bulleted one."""

    def __init__(self, document: Any) -> None:
        self.styles: dict[str, dict[int, tuple[str, str, str, int, int]]] = {}
        for root in (document.styles, document.automaticstyles):
            for style in _children(root):
                if style.qname == (_TEXT, "list-style"):
                    self.styles[_attr(style, _STYLE, "name")] = self._levels(style)

    @staticmethod
    def _levels(style: Any) -> dict[int, tuple[str, str, str, int, int]]:
        levels: dict[int, tuple[str, str, str, int, int]] = {}
        for level in _children(style):
            n = _int_attr(level, _TEXT, "level")
            if level.qname == (_TEXT, "list-level-style-number"):
                raw = _attr(level, _STYLE, "num-format")
                fmt = _NUM_FORMATS.get(raw[:1], "none" if not raw else "decimal")
                levels[n] = (fmt, _attr(level, _STYLE, "num-prefix"), _attr(level, _STYLE, "num-suffix"),
                             _int_attr(level, _TEXT, "start-value"), _int_attr(level, _TEXT, "display-levels"))  # fmt: skip
            elif level.qname == (_TEXT, "list-level-style-bullet"):
                levels[n] = ("bullet", "", "", 1, 1)
        return levels


def _title_styles(document: Any) -> set[str]:
    """The paragraph styles that set a document's title: Writer's 「Title」 and the automatic styles
    built on it (as a Word 「表題」 paragraph, read as a Markdown 「# 」 heading)."""
    names = {"Title"}
    for style in _children(document.automaticstyles):
        if style.qname == (_STYLE, "style") and _attr(style, _STYLE, "parent-style-name") == "Title":
            names.add(_attr(style, _STYLE, "name"))
    return names


class _Writer:
    def __init__(self, document: Any) -> None:
        self.lists = _ListStyles(document)
        self.titles = _title_styles(document)
        self.out: list[tuple[int, str]] = []
        self.number = 0
        self.counters: dict[str, list[int]] = {}  # per list style, the count at each level

    def blocks(self, node: Any) -> None:
        for child in _children(node):
            q = child.qname
            if q in _SKIPPED_BLOCKS:
                continue
            if q in ((_TEXT, "p"), (_TEXT, "h")):
                self.paragraph(child)
            elif q == (_TEXT, "list"):
                self.items(child, _attr(child, _TEXT, "style-name"), 1)
            elif q == (_TABLE, "table"):
                self.table(child)
            else:  # a section, an index body, a change's insertion: read what it holds
                self.blocks(child)

    def paragraph(self, node: Any, label: str = "") -> None:
        self.number += 1
        paragraph = _Paragraph(node)
        lines = _lines_of(paragraph.text)
        if label and lines:
            lines[0] = f"{label} {lines[0]}"
        marks = ""
        if node.qname == (_TEXT, "h"):
            marks = "#" * min(_int_attr(node, _TEXT, "outline-level") + 1, 6)
        elif _attr(node, _TEXT, "style-name") in self.titles:
            marks = "#"
        self.out.extend((self.number, f"{marks} {line}" if marks else line) for line in lines)
        self.out.extend((self.number, line) for line in paragraph.extra)

    def items(self, node: Any, style: str, level: int) -> None:
        style = _attr(node, _TEXT, "style-name") or style
        levels = self.lists.styles.get(style, {})
        counts = self.counters.setdefault(style, [0] * 11)
        continues = _attr(node, _TEXT, "continue-numbering") == "true" or bool(_attr(node, _TEXT, "continue-list"))
        if level == 1 and not continues:
            counts[:] = [0] * 11
        for item in _children(node):
            if item.qname not in ((_TEXT, "list-item"), (_TEXT, "list-header")):
                continue
            label = ""
            if item.qname == (_TEXT, "list-item"):
                label = self._label(levels, counts, level, item)
            for child in _children(item):
                if child.qname in ((_TEXT, "p"), (_TEXT, "h")):
                    self.paragraph(child, label)
                    label = ""
                elif child.qname == (_TEXT, "list"):
                    self.items(child, style, level + 1)
                elif child.qname == (_TABLE, "table"):
                    self.table(child)

    @staticmethod
    def _label(levels: dict[int, tuple[str, str, str, int, int]], counts: list[int], level: int, item: Any) -> str:
        if level >= len(counts):
            return ""
        fmt, prefix, suffix, start, shown = levels.get(level, ("none", "", "", 1, 1))
        override = _attr(item, _TEXT, "start-value")
        counts[level] = int(override) if override.isdigit() else (counts[level] + 1 if counts[level] else start)
        counts[level + 1 :] = [0] * (len(counts) - level - 1)
        if fmt == "bullet":
            return "・"
        if fmt == "none":
            return (prefix + suffix).strip()
        numbers = []
        for upper in range(max(level - shown + 1, 1), level + 1):
            upper_fmt = levels.get(upper, ("decimal",))[0]
            numbers.append(format_number(counts[upper] or 1, upper_fmt if upper_fmt not in ("bullet", "none") else "decimal"))
        return f"{prefix}{'.'.join(numbers)}{suffix}".strip()

    def table(self, node: Any) -> None:
        rows = [cells for _, cells in _table_rows(node, self._cell_text)]
        start = self.number + 1
        self.out.extend(table_lines((start + i, row) for i, row in enumerate(rows)))
        self.number += max(len(rows), 1)

    @staticmethod
    def _cell_text(cell: Any) -> str:
        """A cell's paragraphs, those of lists in it, and the footnotes and frames they hold."""
        lines: list[str] = []

        def walk(node: Any) -> None:
            for child in _children(node):
                if child.qname in ((_TEXT, "p"), (_TEXT, "h")):
                    paragraph = _Paragraph(child)
                    lines.append(" ".join(_lines_of(paragraph.text)))
                    lines.extend(paragraph.extra)
                elif child.qname in ((_TEXT, "list"), (_TEXT, "list-item"), (_TEXT, "list-header"), (_TEXT, "section")):
                    walk(child)

        walk(cell)
        return "\n".join(line for line in lines if line)


def odt_lines(data: bytes) -> list[tuple[int, str]]:
    """(paragraph number from 1, line) for a Writer document's body (module doc)."""
    document = _load(data)
    writer = _Writer(document)
    writer.blocks(document.text)
    return writer.out


# --- tables and Calc ----------------------------------------------------------------------------
def _rows(node: Any) -> Iterator[Any]:
    """A table's rows in order, those in header-row and row-group wrappers included."""
    for child in _children(node):
        if child.qname == (_TABLE, "table-row"):
            yield child
        elif child.qname in ((_TABLE, "table-header-rows"), (_TABLE, "table-rows"), (_TABLE, "table-row-group")):
            yield from _rows(child)


def _hidden_columns(node: Any) -> set[int]:
    hidden: set[int] = set()
    col = 0

    def walk(parent: Any) -> None:
        nonlocal col
        for child in _children(parent):
            if child.qname == (_TABLE, "table-column"):
                repeat = _int_attr(child, _TABLE, "number-columns-repeated")
                if _attr(child, _TABLE, "visibility") in ("collapse", "filter"):
                    hidden.update(range(col, col + min(repeat, _MAX_REPEAT)))
                col += repeat
            elif child.qname in ((_TABLE, "table-header-columns"), (_TABLE, "table-columns"), (_TABLE, "table-column-group")):
                walk(child)

    walk(node)
    return hidden


def _table_rows(node: Any, cell_text: Any) -> list[tuple[int, list[str]]]:
    """(row number from 1, shown cell texts) of a table's shown rows up to its last filled row and
    column; a cell spanning columns once (its covered cells dropped), a cell merged down holding its
    text on each row it covers."""
    hidden_cols = _hidden_columns(node)
    down: dict[tuple[int, int], str] = {}  # (row, column) a cell merged down covers → its text
    rows: list[tuple[int, dict[int, str]]] = []
    r = 0
    for row in _rows(node):
        repeat = _int_attr(row, _TABLE, "number-rows-repeated")
        cells: dict[int, str] = {}
        col = 0
        for cell in _children(row):
            if cell.qname not in ((_TABLE, "table-cell"), (_TABLE, "covered-table-cell")):
                continue
            span = _int_attr(cell, _TABLE, "number-columns-repeated")
            if cell.qname == (_TABLE, "covered-table-cell"):
                # Merged down: each column's top cell's text; merged across: nothing.
                for c in range(col, col + min(span, _MAX_REPEAT)):
                    if down.get((r, c)):
                        cells[c] = down[(r, c)]
                col += span
                continue
            text = cell_text(cell)
            if text:
                for below in range(1, _int_attr(cell, _TABLE, "number-rows-spanned")):
                    down[(r + below, col)] = text
                for c in range(col, col + min(span, _MAX_REPEAT)):
                    cells[c] = text
            col += span
        hidden = _attr(row, _TABLE, "visibility") in ("collapse", "filter")
        if cells and not hidden:
            for i in range(min(repeat, _MAX_REPEAT)):
                rows.append((r + i + 1, cells))
        r += repeat
    if not rows:
        return []
    shown = sorted({c for _, cells in rows for c in cells} - hidden_cols)
    if not shown:
        return []
    columns = [c for c in range(shown[-1] + 1) if c not in hidden_cols]
    return [(number, [cells.get(c, "") for c in columns]) for number, cells in rows]


def _sheet_hidden(document: Any) -> set[str]:
    """Names of the automatic table styles that hide a sheet (table:display="false")."""
    hidden: set[str] = set()
    for style in _children(document.automaticstyles):
        if style.qname == (_STYLE, "style") and _attr(style, _STYLE, "family") == "table":
            for props in _children(style):
                if props.qname == (_STYLE, "table-properties") and _attr(props, _TABLE, "display") == "false":
                    hidden.add(_attr(style, _STYLE, "name"))
    return hidden


def ods_lines(data: bytes) -> list[tuple[int, str]]:
    """(row number in its sheet, line) for a Calc spreadsheet's shown sheets (module doc)."""
    document = _load(data)
    hidden_styles = _sheet_hidden(document)
    sheets = [t for t in _children(document.spreadsheet) if t.qname == (_TABLE, "table")]
    sheets = [t for t in sheets if _attr(t, _TABLE, "style-name") not in hidden_styles]
    return workbook_lines([(_attr(sheet, _TABLE, "name"), _table_rows(sheet, _Writer._cell_text)) for sheet in sheets])
