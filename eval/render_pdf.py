"""Render a text or Markdown document to a PDF the way an office PDF looks (for the PDF probe).

Users add their documents as PDFs printed from a word processor, so the probe of unseen
documents (``python -m eval.documents --as-pdf``) feeds the same documents that way. The layout
is a plain A4 office page:

* the Japanese CID font HeiseiKakuGo-W5 (pypdf extracts it back verbatim), body 10.5 pt;
* every source line is a paragraph, wrapped at the page width (so a PDF line ends mid-sentence),
  with the usual Japanese line-breaking rules (kinsoku: 「、。」）」 never start a line, 「（「」 never
  end one) and Latin words kept whole;
* Markdown marks shown the way a word processor shows them: 「# 見出し」 as a larger bold heading
  line without the 「#」, 「- 」 bullets as 「・」 with a hanging indent, 「**強調**」 as plain
  words, 「> 注意」 indented, code fences dropped (their lines indented); a table is drawn as
  cells in columns in a ruled grid, its font shrunk (9 pt down to 7 pt, as one fits a table to
  the page) until every row fits on one line; only a table still too wide wraps a cell inside
  its column;
* a running header (the document title, right-aligned, small) on every page and a footer page
  number 「- 3 -」;
* a page break wherever the page is full (no keep-with-next: a heading can end a page, a
  paragraph or list item continues on the next one).

``render_pdf`` is a pure function of its arguments: the same text gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiKakuGo-W5"
BODY_SIZE = 10.5
TABLE_SIZE = 9.0
MIN_TABLE_SIZE = 7.0
HEADER_SIZE = 8.0
HEADING_SIZES = {1: 15.0, 2: 12.5, 3: 11.0}
LEADING = 1.65  # line height as a multiple of the font size
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 72.0  # about 25 mm
MARGIN_TOP = 85.0  # about 30 mm
MARGIN_BOTTOM = 72.0
HEADER_Y = PAGE_HEIGHT - 42.0
FOOTER_Y = 36.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CELL_PAD = 4.0

# Japanese line breaking (JIS X 4051, the subset word processors apply by default).
NO_LINE_START = set("、。，．,.）)」』】〕〉》］]｝}・ー：；:;！？!?ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ々〜～")
HANGING = set("、。，．,.")
NO_LINE_END = set("（(「『【〔〈《［[｛{")
LATIN_WORD = re.compile(r"[A-Za-z0-9@._\-/:%+]")

MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+)$")
MD_BULLET_RE = re.compile(r"^(\s*)[-*+]\s+(.*)$")
MD_QUOTE_RE = re.compile(r"^>\s?(.*)$")
MD_TABLE_RE = re.compile(r"^\|.*\|\s*$")
MD_TABLE_RULE_RE = re.compile(r"^\|[\s|:\-]+\|\s*$")
MD_BOLD_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


@dataclass(frozen=True)
class Block:
    """One paragraph of the document as a word processor holds it."""

    text: str = ""
    size: float = BODY_SIZE
    bold: bool = False
    indent: float = 0.0  # left indent of every line (points)
    marker: str = ""  # a bullet drawn before the first line; later lines hang after it
    cells: tuple[str, ...] = ()  # a table row
    space_before: float = 0.0


@dataclass(frozen=True)
class Drawn:
    """One drawn piece of text on a page."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _leading_spaces(line: str) -> tuple[int, str]:
    """Full-width (1 em) and half-width (½ em) spaces before the text, as an indent in ems."""
    ems = 0.0
    i = 0
    while i < len(line) and line[i] in " \u3000":
        ems += 1.0 if line[i] == "\u3000" else 0.5
        i += 1
    return int(ems), line[i:]


def plain_blocks(text: str) -> list[Block]:
    """A text file: every line is a paragraph; a leading indent stays an indent."""
    blocks = []
    for line in text.splitlines():
        ems, body = _leading_spaces(line.rstrip())
        blocks.append(Block(text=body, indent=ems * BODY_SIZE))
    return blocks


def _inline(text: str) -> str:
    """Markdown emphasis shown as the words themselves."""
    return MD_BOLD_RE.sub(lambda m: m.group(1) or m.group(2), text)


def markdown_blocks(text: str) -> list[Block]:
    """A Markdown file as a word processor shows it (see the module docstring)."""
    blocks: list[Block] = []
    in_code = False
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            blocks.append(Block(text=line, indent=2 * BODY_SIZE))
            continue
        if m := MD_HEADING_RE.match(line):
            level = min(len(m.group(1)), 3)
            blocks.append(Block(text=_inline(m.group(2).strip()), size=HEADING_SIZES[level], bold=True, space_before=6.0))
            continue
        if MD_TABLE_RE.match(line):
            if MD_TABLE_RULE_RE.match(line):
                continue
            cells = tuple(_inline(c.strip()) for c in line.strip().strip("|").split("|"))
            blocks.append(Block(cells=cells, size=TABLE_SIZE))
            continue
        if m := MD_BULLET_RE.match(line):
            depth = len(m.group(1).expandtabs(4)) // 2
            blocks.append(Block(text=_inline(m.group(2)), indent=(1 + depth) * BODY_SIZE, marker="・"))
            continue
        if m := MD_QUOTE_RE.match(line):
            blocks.append(Block(text=_inline(m.group(1)), indent=2 * BODY_SIZE))
            continue
        ems, body = _leading_spaces(line)
        blocks.append(Block(text=_inline(body), indent=ems * BODY_SIZE))
    return blocks


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (kinsoku rules, Latin words kept whole)."""
    if not text:
        return [""]
    lines: list[str] = []
    start = 0
    n = len(text)
    while start < n:
        end = start
        while end < n and _width(text[start : end + 1], size) <= width + 0.01:
            end += 1
        if end >= n:
            lines.append(text[start:])
            break
        end = max(end, start + 1)
        brk = end
        # Keep a Latin word whole when it started on this line and fits on one.
        if LATIN_WORD.match(text[brk]) and LATIN_WORD.match(text[brk - 1]):
            back = brk
            while back > start and LATIN_WORD.match(text[back - 1]):
                back -= 1
            if back > start:
                brk = back
        # A comma or full stop hangs past the margin (ぶら下げ); other closing marks carry the
        # character before them down; an opening mark moves to the next line.
        if brk < n and text[brk] in NO_LINE_START:
            if text[brk] in HANGING and (brk + 1 >= n or text[brk + 1] not in NO_LINE_START):
                brk += 1
            else:
                while brk - 1 > start and text[brk] in NO_LINE_START:
                    brk -= 1
        while brk - 1 > start and text[brk - 1] in NO_LINE_END:
            brk -= 1
        lines.append(text[start:brk])
        start = brk
    return lines


def _natural_widths(rows: list[tuple[str, ...]], size: float) -> list[float]:
    count = max(len(r) for r in rows)
    return [max((_width(r[c], size) if c < len(r) else 0.0) for r in rows) + 2 * CELL_PAD for c in range(count)]


def _column_widths(rows: list[tuple[str, ...]], size: float) -> list[float]:
    count = max(len(r) for r in rows)
    natural = _natural_widths(rows, size)
    total = sum(natural)
    if total <= TEXT_WIDTH:
        return natural
    # Narrow columns keep their width; the wide ones share what is left.
    fair = TEXT_WIDTH / count
    fixed = sum(w for w in natural if w <= fair)
    wide = sum(w for w in natural if w > fair)
    scale = (TEXT_WIDTH - fixed) / wide
    return [w if w <= fair else w * scale for w in natural]


class _Layout:
    """Places blocks on pages, top to bottom, breaking pages where they are full."""

    def __init__(self) -> None:
        self.pages: list[list[Drawn]] = [[]]
        self.rules: list[list[tuple[float, float, float, float]]] = [[]]
        self.y = PAGE_HEIGHT - MARGIN_TOP

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN_BOTTOM:
            self.pages.append([])
            self.rules.append([])
            self.y = PAGE_HEIGHT - MARGIN_TOP

    def line(self, x: float, text: str, size: float, bold: bool = False) -> None:
        height = size * LEADING
        self._room(height)
        self.y -= height
        if text:
            self.pages[-1].append(Drawn(x, self.y, text, size, bold))

    def paragraph(self, block: Block) -> None:
        if block.space_before and self.y < PAGE_HEIGHT - MARGIN_TOP:
            self.y -= block.space_before
        x = MARGIN_X + block.indent
        text_x = x + (_width(block.marker, block.size) if block.marker else 0.0)
        pieces = wrap(block.text, MARGIN_X + TEXT_WIDTH - text_x, block.size)
        for i, piece in enumerate(pieces):
            if i == 0 and block.marker:
                self.line(x, block.marker + piece, block.size, block.bold)
            else:
                self.line(text_x, piece, block.size, block.bold)

    def table(self, rows: list[Block]) -> None:
        size = rows[0].size
        while size > MIN_TABLE_SIZE and sum(_natural_widths([r.cells for r in rows], size)) > TEXT_WIDTH:
            size -= 0.5
        widths = _column_widths([r.cells for r in rows], size)
        height = size * LEADING
        for row in rows:
            wrapped = [wrap(cell, w - 2 * CELL_PAD, size) for cell, w in zip(row.cells, widths, strict=False)]
            lines = max(len(w) for w in wrapped)
            self._room(lines * height + 4)  # a row is not split across pages
            top = self.y
            x = MARGIN_X
            for cell_lines, w in zip(wrapped, widths, strict=False):
                for k, piece in enumerate(cell_lines):  # cell by cell, as word processors draw
                    if piece:
                        self.pages[-1].append(Drawn(x + CELL_PAD, top - (k + 1) * height + 2, piece, size))
                x += w
            self.y = top - lines * height - 4
            right = MARGIN_X + sum(widths)
            self.rules[-1].append((MARGIN_X, top, right, top))
            self.rules[-1].append((MARGIN_X, self.y, right, self.y))
            edge = MARGIN_X
            for w in [0.0, *widths]:
                edge += w
                self.rules[-1].append((edge, top, edge, self.y))


def layout(blocks: list[Block]) -> tuple[list[list[Drawn]], list[list[tuple[float, float, float, float]]]]:
    """The drawn text and the table rules of each page."""
    out = _Layout()
    i = 0
    while i < len(blocks):
        if blocks[i].cells:
            j = i
            while j < len(blocks) and blocks[j].cells:
                j += 1
            out.table(blocks[i:j])
            i = j
            continue
        out.paragraph(blocks[i])
        i += 1
    pages = [p for p in out.pages]
    while len(pages) > 1 and not pages[-1]:
        pages.pop()
    return pages, out.rules[: len(pages)]


def document_title(text: str, fallback: str) -> str:
    """The running header: a Markdown document's first 「# 」 heading, else ``fallback``."""
    for line in text.splitlines():
        if m := MD_HEADING_RE.match(line.strip()):
            return _inline(m.group(2).strip())
    return fallback


def render_pdf(text: str, path: Path, *, title: str, markdown: bool = False) -> Path:
    """Write ``text`` (Markdown when ``markdown``) to ``path`` as an A4 office PDF whose
    running header is ``title``. Deterministic: the same arguments give the same bytes."""
    _register_font()
    blocks = markdown_blocks(text) if markdown else plain_blocks(text)
    pages, rules = layout(blocks)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(title)
    for number, (drawn, lines) in enumerate(zip(pages, rules, strict=True), start=1):
        c.setFont(FONT, HEADER_SIZE)
        c.drawRightString(PAGE_WIDTH - MARGIN_X, HEADER_Y, title)
        for item in drawn:
            t = c.beginText(item.x, item.y)
            t.setFont(FONT, item.size)
            if item.bold:  # the CID font has no bold face: fill and stroke, as office PDFs do
                t.setTextRenderMode(2)
                c.setLineWidth(item.size / 30)
            t.textOut(item.text)
            c.drawText(t)
        c.setLineWidth(0.5)
        for x1, y1, x2, y2 in lines:
            c.line(x1, y1, x2, y2)
        c.setFont(FONT, BODY_SIZE - 1)
        c.drawCentredString(PAGE_WIDTH / 2, FOOTER_Y, f"- {number} -")
        c.showPage()
    c.save()
    return Path(path)
