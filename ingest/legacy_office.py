"""Office files in the formats older offices still keep: Excel 97-2003 workbooks (.xls) and rich
text (.rtf, as Word and WordPad save 「リッチテキスト形式」).

Many municipal desks run on workbooks first made in Excel 2003 and never converted, and a 規程
exchanged between systems is often saved as RTF. Each is read into the lines a newer file of the
same program gives (:mod:`ingest.office`), so the structure reader reads them alike:

* .xls (with xlrd): each visible sheet's shown rows and columns, read as an .xlsx sheet is (a cell
  merged down holds its value on each row it spans, dates and amounts as Excel shows them, hidden
  rows, columns and sheets left out); lines are numbered by the sheet's row.
* .rtf (with striprtf, which decodes the text: the code page the file declares, 「\\'82\\'a0」
  Shift_JIS bytes, 「\\u12354」 escapes and their fallbacks): paragraphs as lines, numbered by
  paragraph; a paragraph in a heading style as a Markdown heading (「見出し 1」/「heading 1」 two marks,
  as a Word document's); list numbers Word writes before an item (``\\listtext``) kept; a table's rows
  read as a sheet's (a cell of two paragraphs keeps both, as lines of the cell); a footnote taken out
  of its sentence and read after its paragraph (「（注1）…」, as in a LibreOffice document); page
  headers and footers, comments, the document's properties and deleted text of tracked changes left
  out. A Japanese file's text in a Latin font (Word switches fonts by ``\\dbch``, which striprtf does
  not follow) is decoded in the file's code page.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from ingest.office import OfficeFileError, heading_marks, value_text
from ingest.sheets import table_lines, workbook_lines
from ingest.text import join_soft_breaks

logger = logging.getLogger(__name__)


# --- Excel 97-2003 ------------------------------------------------------------------------------
def xls_lines(data: bytes) -> list[tuple[int, str]]:
    """(row number in its sheet, line) for an Excel 97-2003 workbook's visible sheets (module doc)."""
    import xlrd

    try:
        # (ragged_rows: a sheet's rows are as long as their last cell, so a stray cell at IV65536 does
        # not make every row 256 cells long.)
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, ragged_rows=True, logfile=io.StringIO())
    except Exception as exc:  # not a BIFF file, encrypted (「Workbook is encrypted」), truncated
        raise OfficeFileError(type(exc).__name__) from exc
    sheets = [book.sheet_by_index(i) for i in range(book.nsheets)]
    return workbook_lines([(sheet.name, _xls_rows(book, sheet)) for sheet in sheets if sheet.visibility == 0])


def _xls_rows(book: Any, sheet: Any) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of a sheet's shown rows and columns up to its last filled cell; the
    cells of a range merged down hold the range's value on every row, in its first column."""
    texts = {(r, c): text for r in range(sheet.nrows) for c in range(sheet.row_len(r)) if (text := _xls_text(book, sheet.cell(r, c)))}
    filled = list(texts)
    if not filled:
        return []
    last_row, last_col = max(r for r, _ in filled), max(c for _, c in filled)
    down: dict[tuple[int, int], tuple[int, int]] = {}
    for row_lo, row_hi, col_lo, _col_hi in sheet.merged_cells:
        for r in range(row_lo + 1, min(row_hi, last_row + 1)):
            down[(r, col_lo)] = (row_lo, col_lo)
    hidden_cols = {c for c in range(last_col + 1) if getattr(sheet.colinfo_map.get(c), "hidden", 0)}
    rows: list[tuple[int, list[str]]] = []
    for r in range(last_row + 1):
        if getattr(sheet.rowinfo_map.get(r), "hidden", 0):
            continue
        rows.append((r + 1, [texts.get(down.get((r, c), (r, c)), "") for c in range(last_col + 1) if c not in hidden_cols]))
    return rows


def _xls_text(book: Any, cell: Any) -> str:
    """A cell's value as Excel shows it (:func:`ingest.office.value_text`)."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_TEXT:
        return str(value).replace("\r\n", "\n").strip()
    if kind == xlrd.XL_CELL_BOOLEAN:
        return value_text(bool(value))
    if kind == xlrd.XL_CELL_DATE:
        try:
            when = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value_text(value)
        return value_text(when.time() if value < 1 else when)
    if kind == xlrd.XL_CELL_NUMBER:
        return value_text(value, _number_format(book, cell.xf_index))
    return ""  # empty, blank, an error value (#N/A)


def _number_format(book: Any, xf_index: int | None) -> str:
    try:
        return str(book.format_map[book.xf_list[xf_index].format_key].format_str) or "General"
    except (IndexError, KeyError, TypeError, AttributeError):
        return "General"


# --- rich text ----------------------------------------------------------------------------------
# Characters of Unicode's private use area stand in, in the RTF handed to striprtf, for what it has
# no output for: a table cell's end, a paragraph break inside a cell, a manual line break, a footnote's
# place, a paragraph's heading level.
_CELL, _CELL_BREAK, _LINE, _NOTE = "\ue002", "\ue001", "\ue004", "\ue000"
_LEVEL_BASE = 0xE010  # + marks (1–6) of a heading style
_MARKERS = re.compile("[\ue000-\ue01f]")


def _rtf_marker(char: str) -> str:
    """An RTF group that striprtf turns into ``char`` (a \\u escape, signed 16 bit, one fallback)."""
    code = ord(char)
    return f"{{\\uc1\\u{code - 0x10000 if code > 0x7FFF else code}?}}"


_CODEPAGE = re.compile(r"\\ansicpg(\d+)")
_JAPANESE_FONT = re.compile(r"\\fcharset128\b")


def rtf_lines(data: bytes) -> list[tuple[int, str]]:
    """(paragraph number from 1, line) for a rich text file (module doc)."""
    from striprtf.striprtf import remove_pict_groups, rtf_to_text

    source = _rtf_source(data)
    if not source.lstrip().startswith("{\\rtf"):
        raise OfficeFileError("not rtf")
    codepage = _CODEPAGE.search(source[:2000])
    encoding = f"cp{codepage.group(1)}" if codepage else ("cp932" if _JAPANESE_FONT.search(source) else "cp1252")
    source = remove_pict_groups(source)
    marked, notes = _marked_source(source, japanese=encoding == "cp932")
    try:
        text = rtf_to_text(marked, encoding=encoding, errors="replace")
        note_texts = [rtf_to_text(_note_document(source, note), encoding=encoding, errors="replace") for note in notes]
    except (LookupError, ValueError) as exc:  # a code page Python does not know, a malformed escape
        raise OfficeFileError(type(exc).__name__) from exc
    return _lines(text, [_tidy(" ".join(t.split("\n"))) for t in note_texts])


def _rtf_source(data: bytes) -> str:
    """The file's characters: RTF is 7-bit, but some writers put Shift_JIS bytes in unescaped."""
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        return data.decode("cp932", errors="replace")


_TOKEN = re.compile(r"\\([a-z]{1,32})(-?\d{1,10})?[ ]?|\\'[0-9a-f]{2}|\\[^a-z]|[{}]|[\r\n]+|[^\\{}\r\n]+", re.IGNORECASE)


class _Group:
    """What an RTF group holds of the reading state (restored when it closes)."""

    __slots__ = ("deleted", "dest", "first", "in_dest", "in_table", "note", "notes_at", "start", "style", "ucskip")

    def __init__(self, start: int, notes_at: int, outer: _Group | None, in_table: bool, style: int) -> None:
        self.start, self.notes_at, self.in_table, self.style = start, notes_at, in_table, style
        self.deleted: bool = outer.deleted if outer else False  # inside tracked-deleted text (\deleted … \deleted0)
        self.ucskip: int = outer.ucskip if outer else 1  # fallback characters after a \u escape (\ucN)
        self.in_dest: bool = (outer.in_dest or outer.dest) if outer else False  # inside a destination striprtf skips
        self.first = True  # no control word read yet in this group
        self.note: bool = False
        self.dest: bool = False


def _dbcs_markers(hexes: list[str]) -> str:
    r"""A run of \'hh escapes: each Shift_JIS double-byte character as a \u escape (decoded whatever the
    run's font: Word switches to the Japanese font by \dbch, which striprtf does not follow); single
    bytes (「caf\'e9」, half-width kana) kept for striprtf to decode in the run's font."""
    data = bytes(int(h[2:], 16) for h in hexes)
    out: list[str] = []
    i = 0
    while i < len(data):
        lead = data[i]
        if (0x81 <= lead <= 0x9F or 0xE0 <= lead <= 0xFC) and i + 1 < len(data):
            try:
                char = data[i : i + 2].decode("cp932")
            except UnicodeDecodeError:
                char = ""
            if char:
                code = ord(char)
                out.append(f"{{\\uc0\\u{code - 0x10000 if code > 0x7FFF else code} }}")
                i += 2
                continue
        out.append(hexes[i])
        i += 1
    return "".join(out)


def _marked_source(source: str, japanese: bool = True) -> tuple[str, list[str]]:
    r"""The RTF with markers in place of cell ends, in-cell paragraph breaks, line breaks and heading
    styles; each footnote group replaced by a marker and returned apart (a footnote in deleted text or
    in a header is no footnote of the body); deleted text dropped; Shift_JIS characters as \u escapes."""
    from striprtf.striprtf import destinations

    headings = _heading_styles(source)
    out: list[str] = []
    notes: list[str] = []
    stack: list[_Group] = [_Group(0, 0, None, False, 0)]  # the state outside any group
    in_table, style = False, 0
    hexes: list[str] = []
    fallback = 0  # characters still to pass as a \u escape's fallback

    def flush() -> None:
        if hexes:
            out.append(_dbcs_markers(hexes) if japanese else "".join(hexes))
            hexes.clear()

    for m in _TOKEN.finditer(source):
        token, word = m.group(0), (m.group(1) or "").lower()
        group = stack[-1]
        if token.startswith("\\'"):
            if fallback > 0:
                fallback -= 1
                out.append(token)
            elif not group.deleted:
                if japanese and not (group.in_dest or group.dest):
                    hexes.append(token)
                else:
                    out.append(token)
            continue
        flush()
        if token == "{":
            stack.append(_Group(len(out), len(notes), group, in_table, style))
            out.append(token)
            fallback = 0
            continue
        if token == "}":
            out.append(token)
            fallback = 0
            if len(stack) == 1:
                continue
            stack.pop()
            in_table, style = group.in_table, group.style
            if group.note:
                text = "".join(out[group.start :])
                del out[group.start :]
                del notes[group.notes_at :]
                if not (group.deleted or group.in_dest):
                    notes.append(text)
                    out.append(_rtf_marker(_NOTE))
            elif group.dest:
                del notes[group.notes_at :]  # a footnote in a header or a comment is not the body's
            continue
        if not word and token[0] != "\\":  # text (and line ends)
            if fallback > 0 and token.strip("\r\n"):
                skip, fallback = min(fallback, len(token)), max(fallback - len(token), 0)
                out.append(token[:skip])
                token = token[skip:]
            if not group.deleted:
                out.append(token)
            continue
        first = group.first
        if word:
            group.first = False
        if word == "footnote" and first:
            group.note = True
        elif first and word in destinations:
            group.dest = True
        elif word == "deleted":
            group.deleted = m.group(2) in (None, "1")
        elif word == "uc" and m.group(2):
            group.ucskip = int(m.group(2))
        elif word == "u" and m.group(2):
            fallback = group.ucskip
        elif word == "pard":
            in_table, style = False, 0
        elif word == "intbl":
            in_table = True
        elif word == "s" and m.group(2):
            style = int(m.group(2))
            if style in headings:
                out.append(token + _rtf_marker(chr(_LEVEL_BASE + headings[style])))
                continue
        elif word in ("cell", "nestcell"):
            out.append(_rtf_marker(_CELL if word == "cell" else _CELL_BREAK))
            continue
        elif word == "par" and in_table:
            out.append(_rtf_marker(_CELL_BREAK))
            continue
        elif word == "line":
            out.append(_rtf_marker(_LINE))
            continue
        out.append(token)
    flush()
    return "".join(out), notes


_STYLE_ENTRY = re.compile(r"\{\s*(?:\\\*)?\s*\\s(\d+)\b([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_HEX = re.compile(r"\\'([0-9a-f]{2})", re.IGNORECASE)
_CONTROL = re.compile(r"\\[a-z]+-?\d* ?|[{}]", re.IGNORECASE)


def _heading_styles(source: str) -> dict[int, int]:
    """Paragraph style number → Markdown marks, for the heading styles of the stylesheet."""
    start = source.find("{\\stylesheet")
    if start < 0:
        return {}
    end = _group_end(source, start)
    styles: dict[int, int] = {}
    for m in _STYLE_ENTRY.finditer(source, start + 1, end):
        body = re.sub(r"\{\\\*[^{}]*\}", "", m.group(2))
        raw = _HEX.sub(lambda h: f"\x00{h.group(1)}", _CONTROL.sub("", body))
        name = _decode_hex_runs(raw).split(";")[0].strip()
        marks = heading_marks(name)
        if marks:
            styles[int(m.group(1))] = len(marks)
    return styles


def _decode_hex_runs(raw: str) -> str:
    def run(m: re.Match[str]) -> str:
        return bytes.fromhex(m.group(0).replace("\x00", "")).decode("cp932", errors="replace")

    return re.sub(r"(?:\x00[0-9a-fA-F]{2})+", run, raw)


def _group_end(source: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(source)


def _note_document(source: str, note: str) -> str:
    """A footnote's group as a document of its own, with the file's header (code page, fonts)."""
    body = re.sub(r"^\{\s*(?:\\\*\s*)?\\footnote\b", "{", note)
    header = source[: source.find("{", 1)] if source.find("{", 1) > 0 else "{\\rtf1"
    start = source.find("{\\fonttbl")
    fonts = source[start : _group_end(source, start) + 1] if start >= 0 else ""
    return header + fonts + body + "}"


def _tidy(text: str) -> str:
    text = text.replace("\xad", "").replace("\xa0", " ").replace("\u2011", "-").replace("\t", " ")
    return _MARKERS.sub("", re.sub(r"[ \u3000]{2,}", " ", text)).strip()


def _lines(text: str, notes: list[str]) -> list[tuple[int, str]]:
    """Lines numbered by paragraph: a table's rows through :func:`table_lines`, heading markers as
    Markdown marks, a footnote after the paragraph it belongs to."""
    out: list[tuple[int, str]] = []
    table: list[tuple[int, list[str]]] = []
    after: list[str] = []
    note_number = 0

    def footnotes(piece: str) -> None:
        nonlocal note_number
        for _ in range(piece.count(_NOTE)):
            if note_number < len(notes):
                note_number += 1
                after.append(f"（注{note_number}）{notes[note_number - 1]}" if notes[note_number - 1] else "")

    for number, paragraph in enumerate(text.split("\n"), start=1):
        if _CELL in paragraph:
            footnotes(paragraph)
            cells = paragraph.split(_CELL)
            pieces = [cell.replace(_LINE, _CELL_BREAK).split(_CELL_BREAK) for cell in cells[:-1]]
            table.append((number, ["\n".join(_tidy(p) for p in cell if _tidy(p)) for cell in pieces]))
            continue
        if table:
            out.extend(table_lines(table))
            out.extend((table[-1][0], note) for note in after if note)
            table, after = [], []
        footnotes(paragraph)
        level = next((ord(ch) - _LEVEL_BASE for ch in paragraph if _LEVEL_BASE < ord(ch) <= _LEVEL_BASE + 6), 0)
        parts = join_soft_breaks([_tidy(p) for p in paragraph.split(_LINE) if _tidy(p)])
        marks = "#" * level
        for part in parts:
            out.append((number, f"{marks} {part}" if marks else part))
        out.extend((number, note) for note in after if note)
        after = []
    if table:
        out.extend(table_lines(table))
    out.extend((len(text.split("\n")), note) for note in after if note)
    return out
