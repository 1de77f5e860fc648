"""A web page saved from a browser (.html / .htm): a city's page on its AI policy, an intranet page.

The page's text is what a reader sees of its content, in the order shown: headings (h1–h6) as
Markdown headings, paragraphs and list items as lines (an ordered list's numbers drawn by the
browser put back in front of its items, 「1. 」; an unordered list's items marked 「・」), a table's
rows read as a sheet's (:func:`ingest.sheets.table_lines`), a definition list's terms and
descriptions as lines. What the site puts around every page is left out: scripts and styles, the
site header and footer, navigation menus, breadcrumbs, side menus, 「このページの先頭へ」 links and
feedback forms — by their HTML5 elements and ARIA roles, and by the id and class names content
management systems give them (``header``, ``pankuzu``; ``gnavi``, ``side`` … when mostly links: a
definition list of class 「ai_navi」 describes a product), unless the element
holds the page's h1 or half its text (a layout wrapper named after the menu beside the content).
When the page marks its main content (``<main>``, ``role="main"``), only that is read.

The page is parsed as a browser parses it (html5lib: end tags left out are implied). Whitespace is
collapsed as a browser collapses it; a line break in the source between two Japanese characters
joins them without a space, as CSS renders East Asian text; a <br> inside a clause does not end the
line (:func:`ingest.text.join_soft_breaks`). Old municipal sites are
saved in Shift_JIS: the declared encoding is read in its Windows superset (cp932, with ①, ㈱ and
the NEC specials); a page that declares none is tried as UTF-8, cp932 and EUC-JP. Lines are numbered by the HTML source line their element starts on.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from ingest.encoding import decode_japanese
from ingest.sheets import table_lines
from ingest.text import join_soft_breaks, nfkc

logger = logging.getLogger(__name__)

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "select", "textarea", "nav",
              "head", "object", "embed")  # fmt: skip
# The site's frame, unless inside the content (an article's <header> holds its title, an <aside> its note).
_FRAME_TAGS = ("header", "footer", "aside")
# Elements no id or class makes furniture: a table's parts (「<tr class="header">」 is its header row).
_TABLE_PARTS = frozenset({"tr", "td", "th", "thead", "tbody", "tfoot", "caption", "col", "colgroup"})
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
# id / class words of the site furniture content management systems put around a page's content: the
# frame of every page (removed), and menus (removed when mostly links: 「ai_navi」 may name a product).
_FRAME = frozenset({"header", "footer", "pankuzu", "breadcrumb", "breadcrumbs", "topicpath", "pagetop", "skip", "skiplink"})
_MENUS = frozenset({
    "nav", "navi", "gnavi", "gnav", "globalnav", "globalnavi", "lnavi", "rnavi", "lnav", "rnav", "localnavi", "sidenavi", "menu",
    "side", "sidebar", "sitemap", "banner", "sns", "share", "related",
})
# A menu is mostly link text; content is mostly not.
MIN_MENU_LINK_SHARE = 0.5
_WORD_SPLIT = re.compile(r"[-_\s]+")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "blockquote", "figure", "figcaption", "address",
    "caption", "center", "ul", "ol", "dl", "hr", "pre", "form", "fieldset", "legend", "details", "summary",
    # A layout table's parts (a data table is read as rows: _Reader.table).
    "tbody", "thead", "tfoot", "tr", "td", "th", "header", "footer", "aside",
})
# An item that carries its own number (「（1）個人情報」「①」「ア.」): the list draws none (list-style: none).
_OWN_NUMBER = re.compile(r"\s*(?:[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[)）]|[0-9０-９]+\s*[.．、)）]|[①-⑳]|[ア-ンA-Za-z]\s*[.．)）])")
_SJIS = frozenset({"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932"})
_CJK = "\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_SEGMENT_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def decode_html(data: bytes) -> str:
    """The page's text in its declared encoding (a Shift_JIS page in cp932); undeclared, UTF-8, else
    the encodings Japanese pages are saved in (:mod:`ingest.encoding`), else as the bytes tell."""
    from bs4.dammit import EncodingDetector, UnicodeDammit

    declared = EncodingDetector.find_declared_encoding(data, is_html=True, search_entire_document=False)
    if declared:
        codec = "cp932" if declared.lower() in _SJIS else declared
        try:
            return data.decode(codec, errors="replace")
        except LookupError:  # an encoding name Python does not know
            pass
    text = decode_japanese(data)
    if text is not None:
        return text
    return UnicodeDammit(data, is_html=True).unicode_markup or data.decode("utf-8", errors="replace")


def html_lines(data: bytes) -> list[tuple[int, str]]:
    """(source line, line) of a saved web page's content (module doc)."""
    from bs4 import BeautifulSoup

    # html5lib parses as a browser does: end tags a page leaves out (</li>, </p>, </td>) are implied.
    soup = BeautifulSoup(decode_html(data), "html5lib")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_FRAME_TAGS):
        if not tag.decomposed and tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    body = soup.body or soup
    # The page's title: its first h1 with words of its own (a logo's h1 is a linked image).
    title = next((h for h in body.find_all("h1") if _prose(h) > 0), None)
    half = _prose(body) / 2
    for tag in soup.find_all(True):
        if tag.decomposed or not _is_furniture(tag):
            continue
        # A layout's class may name what stands beside the content (「column_lnavi」: a column with a
        # local menu): what holds the page's title or most of its prose is the content's wrapper.
        if (title is not None and title in tag.descendants) or _prose(tag) >= half:
            continue
        tag.decompose()
    main: Any = soup.find("main") or soup.find(True, attrs={"role": "main"}) or soup.body or soup
    reader = _Reader()
    reader.block(main)
    reader.flush()
    return reader.out


def _prose(tag: Any) -> int:
    """Characters of text outside links (a sitemap in a footer is links)."""
    return len(tag.get_text(strip=True)) - sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))


def _is_furniture(tag: Any) -> bool:
    if tag.name in ("body", "html", "main") or tag.get("role") == "main" or tag.name in _TABLE_PARTS:
        return False
    if (tag.get("role") or "").lower() in _DROP_ROLES:
        return True
    if tag.name == "form" and _asks_input(tag):
        # A feedback or search form, its own heading included (「アンケートにご協力ください」); a page
        # wrapped in one form keeps its content (html_lines: it holds the title or most of the prose).
        return True
    names = [tag.get("id") or "", *(tag.get("class") or [])]
    words = {w.lower() for name in names for w in _WORD_SPLIT.split(str(name)) if w}
    if words & _FRAME:
        return True
    if not words & _MENUS:
        return False
    text = len(tag.get_text(strip=True))
    return text == 0 or text - _prose(tag) >= MIN_MENU_LINK_SHARE * text  # mostly link text


def _asks_input(form: Any) -> bool:
    """A form a reader fills in (a box, a choice, a button); a contact block wrapped in a form of
    hidden fields only is content."""
    return form.find("textarea") is not None or any(
        (i.get("type") or "text").lower() != "hidden" for i in form.find_all("input")
    )


class _Reader:
    """Walks the content, collecting inline text into lines at block boundaries."""

    def __init__(self) -> None:
        self.out: list[tuple[int, str]] = []
        self.buf: list[str] = []
        self.line = 1
        self.prefix = ""

    def emit(self, line: int, text: str) -> None:
        text = text.strip()
        if text:
            self.out.append((line, text))

    def flush(self) -> None:
        text = _collapse("".join(self.buf))
        self.buf = []
        for i, part in enumerate(text.split("\n") if text else []):
            self.emit(self.line, self.prefix + part if i == 0 else part)
        self.prefix = ""

    def start(self, tag: Any, prefix: str = "") -> None:
        self.flush()
        self.line = getattr(tag, "sourceline", None) or self.line
        self.prefix = prefix

    def block(self, node: Any) -> None:
        from bs4 import Comment, NavigableString, Tag

        for child in node.children:
            if isinstance(child, Comment) or (isinstance(child, NavigableString) and type(child) is not NavigableString):
                continue  # comments, doctype, CDATA, processing instructions
            if isinstance(child, NavigableString):
                self.buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.buf.append("\n\x00")  # a forced line break
            elif name in _HEADINGS or _is_title_block(child):
                self.start(child, "#" * _HEADINGS.get(name, _TITLE_BLOCK_LEVEL) + " ")
                self.buf.append(child.get_text())
                self.flush()
            elif name == "table":
                self.start(child)
                self.table(child)
            elif name == "dl":
                self.start(child)
                self.definitions(child)
            elif name in ("ul", "ol"):
                self.start(child)
                self.list(child)
            elif name in ("li", "dt", "dd") or name in _BLOCKS:
                self.start(child)
                self.block(child)
                self.flush()
            elif name == "img" and child.get("alt") and child.find_parent("a") is None:
                self.buf.append(str(child["alt"]))
            else:
                self.block(child)

    def list(self, tag: Any) -> None:
        ordered = tag.name == "ol"
        try:
            number = int(tag.get("start", "1"))
        except ValueError:
            number = 1
        for item in tag.find_all("li", recursive=False):
            with contextlib.suppress(ValueError):
                number = int(item.get("value", number))
            own = bool(_OWN_NUMBER.match(item.get_text()))
            self.start(item, f"{_ol_label(number, tag.get('type', '1'))} " if ordered and not own else "" if own else "・")
            self.block(item)
            self.flush()
            number += 1

    def definitions(self, tag: Any) -> None:
        """A definition list: a term and its one-line description on one line (「保存期間：90日間」),
        a longer description on the lines under its term; an FAQ's question and answer (「Q　…」「A　…」)
        as 「Q. …」 and 「A. …」 lines, as a sheet's FAQ reads (:func:`ingest.sheets.table_lines`)."""
        term: tuple[int, str] | None = None
        # (HTML5 lets each term and its description stand in a <div> of their own.)
        items = [c for child in tag.find_all(["dt", "dd", "div"], recursive=False)
                 for c in ([child] if child.name != "div" else child.find_all(["dt", "dd"], recursive=False))]  # fmt: skip
        for item in items:
            line = getattr(item, "sourceline", None) or self.line
            texts = _cell_lines(item)
            if item.name == "dt":
                if term is not None:
                    self.emit(*term)
                term = (line, " ".join(texts))
                continue
            if term is not None and texts and (q := _FAQ_Q.match(term[1])) and (a := _FAQ_A.match(texts[0])):
                self.emit(term[0], f"Q{nfkc(q.group(1))}. {term[1][q.end():]}")
                self.emit(line, f"A. {texts[0][a.end():]}")
                for text in texts[1:]:
                    self.emit(line, text)
            elif term is not None and len(texts) == 1 and term[1]:
                self.emit(term[0], f"{term[1]}：{texts[0]}")
            else:
                if term is not None:
                    self.emit(*term)
                for text in texts:
                    self.emit(line, text)
            term = None
        if term is not None:
            self.emit(*term)

    def table(self, tag: Any) -> None:
        rows = _table_grid(tag)
        if tag.find("table") is not None or all(len(row) <= 1 for _, row in rows):
            self.block(tag)  # a layout table: its cells are blocks of text
            self.flush()
            return
        caption = tag.find("caption")
        if caption is not None:
            self.emit(getattr(caption, "sourceline", None) or self.line, _collapse(caption.get_text()))
        self.out.extend(table_lines(rows))


# An FAQ's question and answer marks in a definition list (「Q　…」「Q1．…」「Ａ：…」).
# (A mark stands apart from what follows: 「QRコード」「AI」 are no marks.)
_FAQ_Q = re.compile(r"[QＱ]([0-9０-９]{0,3})(?:\s*[.．:：、]\s*|\s+)(?=\S)")
_FAQ_A = re.compile(r"[AＡ][0-9０-９]{0,3}(?:\s*[.．:：、]\s*|\s+)(?=\S)")
# A content management system's title block (「<div id="tmp_inquiry_ttl"><p>このページに関するお問い合わせ
# </p></div>」): a short text in a block named a title, read as a heading of a section.
_TITLE_WORDS = frozenset({"ttl", "title", "heading", "midashi"})
MAX_TITLE_BLOCK_CHARS = 40
_TITLE_BLOCK_LEVEL = 2


def _is_title_block(tag: Any) -> bool:
    if tag.name not in ("div", "p") or tag.find_parent(["td", "th", "li", "dt", "dd", "table"]) is not None:
        return False
    names = [tag.get("id") or "", *(tag.get("class") or [])]
    words = {w.lower() for name in names for w in _WORD_SPLIT.split(str(name)) if w}
    if not words & _TITLE_WORDS:
        return False
    if tag.find(["ul", "ol", "dl", "table", "img", *_HEADINGS]) is not None or len(tag.find_all(["p", "div"])) > 1:
        return False
    text = _collapse(tag.get_text()).strip()
    return 0 < len(text) <= MAX_TITLE_BLOCK_CHARS and "\n" not in text and not text.endswith(("。", "．"))


def _ol_label(n: int, kind: str) -> str:
    if kind in ("a", "A") and 1 <= n <= 26:
        letter = chr(ord("a") + n - 1)
        return (letter.upper() if kind == "A" else letter) + "."
    return f"{n}."


def _table_grid(table: Any) -> list[tuple[int, list[str]]]:
    """(source line, cell texts) per row; a cell spanning rows holds its value on each of them, a
    cell spanning columns is read once."""
    rows: list[tuple[int, list[str]]] = []
    pending: dict[int, tuple[int, str | None]] = {}  # column -> (rows left, text) of a rowspan (None: its colspan)
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells: list[str] = []
        column = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            column = _carry(pending, column, cells)
            text = "\n".join(_collapse(part) for part in _cell_lines(cell))
            cells.append(text)
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            if rowspan > 1:
                for k in range(colspan):
                    pending[column + k] = (rowspan - 1, text if k == 0 else None)
            column += colspan
        _carry(pending, column, cells)
        rows.append((getattr(tr, "sourceline", None) or 1, cells))
    return rows


def _carry(pending: dict[int, tuple[int, str | None]], column: int, cells: list[str]) -> int:
    """Cells spanning down into this row from above, from ``column`` on: their value in the first
    column they cover; returns the column after them."""
    while column in pending:
        left, held = pending[column]
        if held is not None:
            cells.append(held)
        pending[column] = (left - 1, held)
        if left - 1 <= 0:
            del pending[column]
        column += 1
    return column


def _span(cell: Any, name: str) -> int:
    try:
        return max(int(cell.get(name, "1")), 1)
    except ValueError:
        return 1


def _cell_lines(cell: Any) -> list[str]:
    """A cell's text, its own lines (paragraphs, list items, <br>) kept apart."""
    reader = _Reader()
    reader.block(cell)
    reader.flush()
    return [text for _, text in reader.out]


def _collapse(text: str) -> str:
    """Whitespace as a browser renders it: a source line break between Japanese characters is no
    space, any other run of whitespace one space; forced line breaks (<br>) end a line."""
    parts = []
    for part in text.split("\n\x00"):
        part = _SEGMENT_BREAK.sub("", part)
        parts.append(_SPACES.sub(" ", part).strip())
    return "\n".join(join_soft_breaks([p for p in parts if p]))


def mhtml_lines(data: bytes) -> list[tuple[int, str]]:
    """(source line, line) of a web page saved as one file (.mhtml / .mht: Edge's and Chrome's
    「Webページ、1つのファイル」, Word's 「単一ファイル Webページ」): a MIME message whose root part is the
    page's HTML and whose other parts are its style sheets and images. The root part (the one
    ``start`` names, else the first HTML part) is read as a saved page is; the rest is left out."""
    import email
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.keys():
        raise ValueError("no MIME headers")
    parts = [part for part in message.walk() if not part.is_multipart()]
    start = (message.get_param("start") or "") if message.is_multipart() else ""
    root = next((p for p in parts if start and str(p.get("Content-ID", "")).strip() == str(start).strip()), None)
    root = root or next((p for p in parts if p.get_content_type() in ("text/html", "application/xhtml+xml")), None)
    if root is None:
        raise ValueError("no HTML part")
    payload = root.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise ValueError("empty HTML part")
    charset = root.get_content_charset()
    if charset and not _META_CHARSET.search(payload[:4096]):
        # The part's header names the encoding the page itself may not declare.
        with contextlib.suppress(LookupError):
            codec = "cp932" if charset.lower() in _SJIS else charset
            payload = payload.decode(codec, errors="replace").encode("utf-8")
    return html_lines(payload)


_META_CHARSET = re.compile(rb"<meta[^>]+charset", re.IGNORECASE)
