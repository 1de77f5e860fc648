"""Pure rendering helpers for the UI: escaping, highlighting, and exports. No Streamlit here.

Two safe paths for text that comes from the corpus or from a user:

* :func:`escape_markdown` for ``st.markdown`` / ``st.caption`` (and :func:`escape_label` for
  widget labels, which render inline Markdown): HTML, links, images, emphasis, LaTeX and
  Streamlit's ``:color[...]`` directives are neutralised by backslash escapes, and list/heading
  markers at a line start too.
* :func:`highlight_html` for ``st.html``: the text is HTML-escaped first and only our own
  ``<mark>`` / ``<br>`` markup is added around the escaped pieces.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from guideqa.guideline import ROLE_LABELS
from guideqa.models import Answer, Citation, DocumentMeta, Passage
from guideqa.records import Checklist, ChecklistItem, Topic, TopicMenu
from guideqa.text import split_sentences

NO_ROLE_LABEL = "指定しない"
STATUS_LABELS: dict[str, str] = {"current": "現行", "update": "更新内容", "draft": "案", "older": "旧資料"}
STATUS_COLORS: dict[str, str] = {"current": "green", "update": "blue", "draft": "orange", "older": "gray"}
KIND_LABELS: dict[str, str] = {"principle": "共通の指針", "sub_item": "共通の指針（細目）", "role_item": "主体別の項目"}
GROUP_LABELS: dict[str, str] = {
    "principle": "共通の指針",
    "governance": "AIガバナンス",
    "role_item": "主体別の項目",
    "advanced": "高度なAI",
    "theme": "新しいテーマ",
}

# --- escaping ------------------------------------------------------------------------
# Characters that start inline Markdown (or Streamlit directives/LaTeX/HTML) anywhere in a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]<|~$&{}])")
# Block markers at the start of a line: headings, quotes, lists, rules, setext underlines.
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d{1,9}[.)])")


def escape_markdown(text: str) -> str:
    """Text -> Markdown that renders as the same literal text (no markup, links, HTML or math)."""
    lines = []
    for raw in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_INLINE.sub(r"\\\1", raw.strip())
        line = _MD_LINE_START.sub(lambda m: m.group(1) + _escape_block_marker(m.group(2)), line)
        lines.append(line)
    return "\n".join(lines)


def _escape_block_marker(marker: str) -> str:
    if marker[-1] in ".)" and marker[:-1].isdigit():
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


def escape_label(text: str) -> str:
    """One line for a widget label (button, checkbox, expander): Streamlit already renders block
    markers there literally, so only inline Markdown is escaped and the label stays readable."""
    return _MD_INLINE.sub(r"\\\1", " ".join(str(text).split()))


def escape_html(text: str) -> str:
    return html.escape(str(text), quote=True)


def md_lines(text: str) -> str:
    """Escaped Markdown that keeps the text's line breaks (hard breaks)."""
    return "  \n".join(line for line in escape_markdown(text).split("\n") if line)


# --- highlighting the cited sentences --------------------------------------------------
def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC, whitespace removed; with the index in ``text`` of each normalised character."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace():
                chars.append(n)
                where.append(i)
    return "".join(chars), where


_BULLETS = re.compile(r"[⚫➢・●■◆\n]")  # a quote may join bulleted lines
_LABEL = re.compile(r"^\s*[^:：。]{1,12}[:：]\s*")  # 「前提について: 」 added before a quoted sentence
MIN_PIECE = 8


def _candidates(quote: str) -> list[str]:
    """The quote itself, then its sentence/bullet pieces (a quote may join lines or add a prefix)."""
    norm = _normalise(quote)[0]
    if not norm:
        return []
    pieces = [_normalise(_LABEL.sub("", p))[0] for s in split_sentences(quote) for p in _BULLETS.split(s)]
    return [norm] + [p for p in pieces if len(p) >= MIN_PIECE and p != norm]


def find_quote_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match the quotes (NFKC- and whitespace-insensitive), merged.

    A quote that is not found whole is looked for piece by piece (its sentences and bullets),
    since a cited sentence may join lines or carry a prefix the passage does not have.
    """
    norm, where = _normalise(text)
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        whole, *pieces = _candidates(quote) or [""]
        for cand in [whole] if whole in norm else pieces:
            start = norm.find(cand) if cand else -1
            while start >= 0:
                spans.append((where[start], where[start + len(cand) - 1] + 1))
                start = norm.find(cand, start + len(cand))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


MARK_STYLE = "background:#fde68a;color:inherit;padding:0 .1em;border-radius:2px"


def _html_lines(text: str) -> str:
    return "<br>".join(escape_html(line) for line in text.split("\n"))


def highlight_html(text: str, quotes: Iterable[str] = ()) -> str:
    """Escaped HTML of ``text`` with the quoted sentences wrapped in ``<mark>``; newlines -> ``<br>``."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    pos = 0
    for s, e in find_quote_spans(text, quotes):
        out.append(_html_lines(text[pos:s]))
        out.append(f'<mark class="gq-quote" style="{MARK_STYLE}">{_html_lines(text[s:e])}</mark>')
        pos = e
    out.append(_html_lines(text[pos:]))
    return "".join(out)


def passage_block_html(text: str, quotes: Iterable[str] = (), *, muted: bool = False, label: str = "") -> str:
    """A passage as a self-contained HTML block (for st.html); ``label`` is our own fixed text."""
    if muted:
        style = "color:#6b7280;font-size:.9em;line-height:1.7;margin:.25rem 0;overflow-wrap:anywhere"
    else:
        style = (
            "border-left:4px solid #2563eb;background:#f8fafc;padding:.6rem .8rem;line-height:1.8;"
            "margin:.25rem 0;overflow-wrap:anywhere"
        )
    head = f'<div style="font-size:.8em;color:#6b7280">{escape_html(label)}</div>' if label else ""
    cls = "gq-context" if muted else "gq-passage"
    return f'<div class="{cls}" style="{style}">{head}{highlight_html(text, quotes)}</div>'


def snippet(text: str, limit: int = 160) -> str:
    """The start of ``text`` on one line, cut at ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def snippet_tail(text: str, limit: int = 300) -> str:
    """The end of ``text`` (the context just before a passage), cut at ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else "…" + flat[-(limit - 1) :]


# --- labels ----------------------------------------------------------------------------
def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", NO_ROLE_LABEL)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def status_badge_md(status: str) -> str:
    """A Streamlit badge directive for a document status (fixed vocabulary, safe)."""
    color = STATUS_COLORS.get(status, "gray")
    return f":{color}-badge[{escape_markdown(status_label(status))}]"


def document_line_md(doc: DocumentMeta, chunks: int) -> str:
    """One document of the corpus for the "about" section: status badge, title, publisher,
    date/version and its number of passages (all escaped)."""
    meta = " / ".join(p for p in (doc.publisher, date_version(doc.version, doc.date), f"{chunks}件の文書片") if p)
    return f"{status_badge_md(doc.status)} {escape_markdown(doc.title)}  \n:small[{escape_markdown(meta)}]"


def date_version(version: str, date: str) -> str:
    return "・".join(x for x in (version, date) if x)


def where_label(c: Citation | Passage) -> str:
    """'U-4) i.・12728〜12736行' — item codes and location."""
    return "・".join(x for x in (" ".join(c.item_codes), c.location) if x)


def citation_heading(c: Citation | Passage) -> str:
    """The item heading a source sits under: 'U-4) i. 個人情報の… > [ポイント]' (plain text)."""
    path = c.section_path
    for i, part in enumerate(path):
        if any(part.startswith(code) for code in c.item_codes):
            return " > ".join(path[i:])
    return " > ".join(path[-2:]) if path else c.title


def citation_button_label(c: Citation) -> str:
    """Plain text for a button (escape it before Markdown-rendering widgets)."""
    return f"[{c.number}] {citation_heading(c)}"


def topic_label(topic: Topic) -> str:
    return f"【{GROUP_LABELS.get(topic.group, topic.group)}】{topic.label}"


def merge_topic_menu(menu: TopicMenu) -> list[Topic]:
    """All roles' topics in one list (for 指定しない): same id -> passages unioned in order."""
    merged: dict[str, Topic] = {}
    for role_topics in menu.roles:
        for topic in role_topics.topics:
            if topic.id not in merged:
                merged[topic.id] = topic.model_copy(deep=True)
                continue
            have = merged[topic.id]
            seen = {p.id for p in have.passages}
            have.passages.extend(p for p in topic.passages if p.id not in seen)
            have.item_codes.extend(c for c in topic.item_codes if c not in have.item_codes)
    order = {"principle": 0, "governance": 1, "role_item": 2, "advanced": 3, "theme": 4}
    return sorted(merged.values(), key=lambda t: order.get(t.group, 9))


# --- answer -> Markdown ---------------------------------------------------------------
_TRAILING_REFS = re.compile(r"((?:\s*\[\d+\])+)\s*$")


def split_refs(line: str) -> tuple[str, list[int]]:
    """'文 [1] [2]' -> ('文', [1, 2])."""
    m = _TRAILING_REFS.search(line)
    if not m:
        return line, []
    return line[: m.start()].rstrip(), [int(n) for n in re.findall(r"\d+", m.group(1))]


def answer_line_md(line: str) -> str:
    """One line of an answer for st.markdown: escaped text + its citation numbers as badges."""
    text, refs = split_refs(line)
    badges = " ".join(f":blue-badge[{n}]" for n in refs)
    return f"{escape_markdown(text)} {badges}".strip()


def citation_source_md(c: Citation) -> str:
    parts = [f"{c.title}（{status_label(c.status)}）", date_version(c.version, c.date), c.section, where_label(c)]
    return escape_markdown(" ／ ".join(p for p in parts if p))


def answer_markdown(answer: Answer, *, role: str | None = None) -> str:
    """The answer with its question and numbered sources, as a Markdown document (text escaped)."""
    out = ["# ガイドラインQA の回答", "", f"**質問**: {escape_markdown(answer.question)}  "]
    out.append(f"**主体**: {role_label(role or answer.role)}")
    out += ["", "## 回答", ""]
    for line in (x for x in answer.answer.split("\n") if x.strip()):
        text, refs = split_refs(line)
        suffix = "".join(f"\\[{n}\\]" for n in refs)
        out.append(f"{escape_markdown(text)} {suffix}".rstrip() + "  ")
    for note in answer.notes:
        out += ["", f"※ {escape_markdown(note)}"]
    sources: Sequence[Citation | Passage] = answer.citations if answer.citations else answer.passages[:5]
    if sources:
        out += ["", "## 出典" if answer.citations else "## 近い記載", ""]
        for i, src in enumerate(sources, 1):
            number = src.number if isinstance(src, Citation) else i
            parts = [f"{src.title}（{status_label(src.status)}）", date_version(src.version, src.date), src.section, where_label(src)]
            out.append(f"{number}. " + escape_markdown(" ／ ".join(p for p in parts if p)))
            indent = " " * (len(str(number)) + 2)
            for quote in src.quotes if isinstance(src, Citation) else []:
                out.append(f"{indent}> {escape_markdown(' '.join(quote.split()))}")
    out += ["", "---", "出典: AI事業者ガイドライン等（ガイドラインQA による抜粋。判断の際は原文をご確認ください）", ""]
    return "\n".join(out)


# --- checklist -> CSV / Markdown -----------------------------------------------------
CSV_HEADER = ["No.", "確認", "項目コード", "区分", "共通の指針", "見出し", "本文", "段階", "別添のポイント", "出典", "原文へのリンク", "メモ"]


def _principle_name(item: ChecklistItem, checklist: Checklist) -> str:
    for other in checklist.items:
        if other.kind == "principle" and other.principle == item.principle:
            return f"{other.code} {other.title}"
    return str(item.principle)


def _source(item: ChecklistItem, doc_title: str) -> str:
    place = "別添" if item.annex_passage_id else ""
    return "・".join(x for x in (doc_title, f"項目 {item.code}", f"{place}解説あり" if place else "") if x)


def _csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @ at the start) from corpus text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def checklist_csv(
    checklist: Checklist,
    *,
    link: Callable[[str], str],
    doc_title: str = "AI事業者ガイドライン",
    checked: Callable[[ChecklistItem], bool] | None = None,
) -> str:
    """CSV text (one row per item). Encode with 'utf-8-sig' so that Excel reads the Japanese."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for i, item in enumerate(checklist.items, 1):
        row = [
            str(i),
            "済" if checked and checked(item) else "",
            item.code,
            KIND_LABELS.get(item.kind, item.kind),
            _principle_name(item, checklist),
            item.title,
            item.text,
            "・".join(item.phases),
            "\n".join(f"・{p}" for p in item.points),
            _source(item, doc_title),
            link(item.source_passage_id),
            "",
        ]
        writer.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def checklist_markdown(
    checklist: Checklist,
    *,
    link: Callable[[str], str],
    doc_title: str = "AI事業者ガイドライン",
    checked: Callable[[ChecklistItem], bool] | None = None,
) -> str:
    """A Markdown task list grouped like the guideline (共通の指針, then the role's items)."""
    label = checklist.role_label or role_label(checklist.role)
    out = [f"# {escape_markdown(label)}向けチェックリスト", "", f"出典: {escape_markdown(doc_title)}（ガイドラインQA により作成）", ""]
    section = ""
    for item in checklist.items:
        heading = "## 共通の指針（第2部C）" if item.kind != "role_item" else f"## {escape_markdown(label)}に関する事項"
        if heading != section:
            out += [heading, ""]
            section = heading
        box = "[x]" if checked and checked(item) else "[ ]"
        indent = "  " if item.kind == "sub_item" else ""
        url = link(item.source_passage_id)
        code = escape_markdown(item.code)
        out.append(f"{indent}- {box} **{code} {escape_markdown(item.title)}**（[原文]({_md_url(url)})）")
        for line in (x for x in item.text.split("\n") if x.strip()):
            out.append(f"{indent}  {escape_markdown(line)}  ")
        if item.points:
            out.append(f"{indent}  - 別添のポイント:")
            for p in item.points:
                out.append(f"{indent}    - {escape_markdown(p)}")
    out.append("")
    return "\n".join(out)


def _md_url(url: str) -> str:
    """Only http(s) or relative query links; parentheses and spaces percent-encoded."""
    if not re.match(r"^(https?://|\?)", url):
        return "#"
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
