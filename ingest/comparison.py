"""A 新旧対照表 (a revision's table of new and old text) flattened into lines.

A notice of a revision (「規程の改定について（お知らせ）」) shows what changed in a two-column table,
the new text beside the old. Saved from a word processor as text, or copied out of one, the table
comes out one cell per line: the header 「改定後」 then 「改定前」, then each row's two cells in turn
(「第11条（事故の報告）」「第8条（事故の報告）」「…12時間以内に…」「…24時間以内に…」). Read as it is, the
old text reads as a rule in force and the old column's 「第8条」 as an article of the document.

Here each row becomes one table row naming its columns, new first (「| 改定後：…12時間以内… | 改定前：…
24時間以内… |」, a unit of its own as a Markdown row is), under the table's title as a 【】 label, and the
header lines go. The rows are trusted only
when the table reads as one: an even number of cells, 「（新設）」 only in the old column, 「（削る）」
only in the new one, and an article's heading beside an article's heading or a 新設/削る mark. Any
other table is left as it is (a table extracted from a PDF with its cells side by side on one line
is a table row already: :mod:`ingest.pdf_layout`).
"""

from __future__ import annotations

import re

from guideqa.text import nfkc

TITLE_RE = re.compile(r"新旧対照表")
_NEW = r"改定後|改正後|改訂後|改定案|改正案|新|新規定"
_OLD = r"改定前|改正前|改訂前|現行|旧|旧規定"
NEW_HEADER_RE = re.compile(rf"^(?:{_NEW})$")
OLD_HEADER_RE = re.compile(rf"^(?:{_OLD})$")
_ADDED = re.compile(r"^[（(]?新設[）)]?$")
_REMOVED = re.compile(r"^[（(]?(?:削る|削除)[）)]?$")
# Where the table ends: the notice's closing 「以上」, an attachment (別添), or the heading of an
# appendix, a form or supplementary provisions (the structure reader's APPENDIX_RE).
_CLOSING = re.compile(r"^(?:以\s*上|別\s*添)")
MAX_TITLE = 40
HEADER_WITHIN = 4  # non-empty lines between the title and the column header (a note on what is shown)


def comparison_lines(texts: list[str]) -> dict[int, str | None]:
    """Line index -> its new text (None: the line goes) for each 新旧対照表 of ``texts`` (the
    document's lines, cleaned) that reads as one; {} when there is none."""
    out: dict[int, str | None] = {}
    i = 0
    while i < len(texts):
        title = nfkc(texts[i]).strip()
        if TITLE_RE.search(title) and len(title) <= MAX_TITLE:
            table = _table(texts, i)
            if table is not None:
                out.update(table)
                i = max(table) + 1
                continue
        i += 1
    return out


def _table(texts: list[str], title: int) -> dict[int, str | None] | None:
    from ingest.admin_structure import APPENDIX_RE  # (admin_structure imports this module)

    filled = [k for k in range(title + 1, len(texts)) if texts[k].strip()]
    header = next(
        (n for n, k in enumerate(filled[: HEADER_WITHIN + 1]) if n + 1 < len(filled) and _header_pair(texts[k], texts[filled[n + 1]])),
        None,
    )
    if header is None:
        return None
    first_new = bool(NEW_HEADER_RE.match(nfkc(texts[filled[header]]).strip()))
    labels = (nfkc(texts[filled[header]]).strip(), nfkc(texts[filled[header + 1]]).strip())
    cells: list[int] = []
    for k in filled[header + 2 :]:
        line = nfkc(texts[k]).strip()
        if _CLOSING.match(line) or APPENDIX_RE.match(line) or TITLE_RE.search(texts[k]):
            break
        cells.append(k)
    if not cells or len(cells) % 2:
        return None
    pairs = [(cells[n], cells[n + 1]) for n in range(0, len(cells), 2)]
    rows: list[tuple[int, int, str, str]] = []
    for a, b in pairs:
        new, old = (a, b) if first_new else (b, a)
        if not _reads_as_row(nfkc(texts[new]).strip(), nfkc(texts[old]).strip()):
            return None
        rows.append((a, b, texts[new].strip(), texts[old].strip()))
    new_label, old_label = labels if first_new else labels[::-1]
    out: dict[int, str | None] = {title: f"【{texts[title].strip()}】" if len(texts[title].strip()) <= 20 else texts[title]}
    out[filled[header]] = None
    out[filled[header + 1]] = None
    for a, b, new_text, old_text in rows:
        out[a] = f"| {new_label}：{new_text} | {old_label}：{old_text} |"
        out[b] = None
    return out


def _header_pair(first: str, second: str) -> bool:
    a, b = nfkc(first).strip(), nfkc(second).strip()
    return bool((NEW_HEADER_RE.match(a) and OLD_HEADER_RE.match(b)) or (OLD_HEADER_RE.match(a) and NEW_HEADER_RE.match(b)))


def _reads_as_row(new: str, old: str) -> bool:
    """A row of a 新旧対照表: 新設 marks the old column, 削る the new one, and an article's heading
    stands beside an article's heading or such a mark."""
    from ingest.admin_structure import ARTICLE_RE
    if _ADDED.match(new) or _REMOVED.match(old):
        return False
    if ARTICLE_RE.match(new) and not (ARTICLE_RE.match(old) or _ADDED.match(old)):
        return False
    return not (ARTICLE_RE.match(old) and not (ARTICLE_RE.match(new) or _REMOVED.match(new)))
