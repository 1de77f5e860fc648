"""Guided lookup over the guideline's structure: per-role checklists and the topic menu.

Pure functions of the index's chunks (no retrieval, no I/O). The chunks carry the section
path detected at ingest (``本編 > 第2部 … > C. 共通の指針 > 2) 安全性 > ②適正利用``) and the
item codes (``U-4) i.``), so the guideline's own order and hierarchy can be rebuilt here.

The PDF extraction leaves two kinds of noise this module copes with:

* 表1 (the table after principle 10) is flattened into chunks filed under ``10) イノベーション``
  whose circled numbers restart (``②AIによる意思決定・感情の操``). A principle's sub-items
  must count up, so the first number that does not closes that principle.
* A sub-heading containing 「、」 is not detected as a heading and shares a line with its
  body (``①人間の生命・身体・財産、精神及び環境への配慮AIの出力の…``); its title is recovered
  from the other places the same circled heading appears on a line of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guideqa.guideline import (
    ACTOR_ROLES,
    ANNEX_OF_ROLE,
    GUIDELINE_DOC,
    PRINCIPLES,
    PROFILE,
    ROLE_LABELS,
    ROLE_LETTER,
    role_documents,
)
from guideqa.models import Chunk, Passage, Role
from guideqa.profiles import NO_ROLE_DOCUMENTS
from guideqa.records import Checklist, ChecklistItem, ItemKind, RoleTopics, Topic, TopicMenu
from guideqa.text import circled_number

_PRINCIPLE_HEAD = re.compile(r"^(\d{1,2})\) ")
_ROLE_ITEM = re.compile(r"^([DPU])-(\d{1,2})\) [ivx]+\.$")
_TRAILING_FOOTNOTE = re.compile(r"(?<=\D)\d{1,2}$")
# A footnote printed inside the body: "10人間の判断…", "12 AI開発者…" (not "2023年", not "2) …").
_FOOTNOTE_LINE = re.compile(r"^\d{1,2}(?:\s|(?=[^\d\s)）.．、,年月]))")
_FOOTNOTE_END = re.compile(r"（以降同様）")  # a term-defining footnote; the body resumes after it
_URL_LINE = re.compile(r"^https?://")
# 第2部C ends with the introduction of 表1, printed on the same line as the last sub-item.
_SECTION_TAIL = "以上の事項に加え、"
THEMES: tuple[tuple[str, str, str, re.Pattern[str]], ...] = tuple(
    (t.id, t.label, t.description, re.compile(t.pattern)) for t in PROFILE.topics.themes
)
SECTIONS, TOPICS = PROFILE.sections, PROFILE.topics
# The documents the role features read: those whose manifest entry names the guideline's
# profile (guideqa.guideline.role_documents).
DocIds = frozenset[str]

# --- internal accumulators -----------------------------------------------------------
@dataclass
class _Block:
    code: str
    kind: ItemKind
    principle: int
    title: str
    lines: list[str] = field(default_factory=list)
    passage_ids: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)

    def add(self, chunk: Chunk, lines: Iterable[str]) -> None:
        self.lines.extend(lines)
        if chunk.id not in self.passage_ids:
            self.passage_ids.append(chunk.id)


def _main(chunks: Sequence[Chunk], docs: DocIds) -> list[Chunk]:
    return [c for c in chunks if c.doc_id in docs and c.segment == "main"]


def _is_common_section(c: Chunk) -> bool:
    return len(c.section_path) >= 4 and c.section_path[2] == SECTIONS.common and bool(_PRINCIPLE_HEAD.match(c.section_path[3]))


def _strip_footnote(title: str) -> str:
    return _TRAILING_FOOTNOTE.sub("", title).strip()


def _clean_lines(lines: Iterable[str]) -> list[str]:
    """Drop footnotes printed inside the body; keep text that follows a footnote's end."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if _SECTION_TAIL in line:
            out.append(line.split(_SECTION_TAIL)[0])
            break
        if _URL_LINE.match(line):
            continue
        if line and _FOOTNOTE_LINE.match(line):
            ends = list(_FOOTNOTE_END.finditer(line))
            line = line[ends[-1].end() :].strip() if ends else ""
        if line:
            out.append(line)
    return out


def _block_text(block: _Block) -> str:
    return "\n".join(_clean_lines(block.lines) or [x.strip() for x in block.lines if x.strip()])


def _circled_titles(chunks: Sequence[Chunk]) -> list[str]:
    """Every line of the 共通の指針 section that is a circled heading standing alone."""
    titles = {
        _strip_footnote(line.strip())
        for c in chunks
        if _is_common_section(c)
        for line in c.text.split("\n")
        if circled_number(line) and "。" not in line and len(line.strip()) <= 40
    }
    return sorted(titles, key=len, reverse=True)


def _split_heading(line: str, titles: Sequence[str]) -> tuple[str, str]:
    """'①見出し本文…' -> ('見出し', '本文…') using known headings; else the line up to 。"""
    line = line.strip()
    for t in titles:
        if line.startswith(t) and len(t) < len(line):
            return t[1:], line[len(t) :].strip()
    head = line.split("。")[0][:40]
    return head[1:], line[len(head) :].strip()


# --- the ten principles of 第2部C -----------------------------------------------------
def common_items(chunks: Sequence[Chunk], docs: DocIds) -> list[_Block]:
    """Principles 1)–10) and their sub-items ①②… in the guideline's order."""
    titles = _circled_titles(chunks)
    blocks: list[_Block] = []
    principle, last_sub, sub_path = 0, 0, ""
    closed: set[int] = set()
    current: _Block | None = None
    for c in _main(chunks, docs):
        if not _is_common_section(c):
            continue
        head = _PRINCIPLE_HEAD.match(c.section_path[3])
        n = int(head.group(1)) if head else 0
        if n in closed or n < principle or not 1 <= n <= len(PRINCIPLES):
            continue
        if n != principle:
            principle, last_sub, sub_path = n, 0, ""
            current = _Block(f"{n})", "principle", n, PRINCIPLES[n - 1])
            blocks.append(current)
        lines = c.text.split("\n")
        sub = c.section_path[4] if len(c.section_path) > 4 else ""
        if k := circled_number(sub):
            if k < last_sub or (k == last_sub and sub != sub_path):
                closed.add(n)  # numbering restarts: the flattened 表1, not the principle
                continue
            if k > last_sub:
                last_sub, sub_path = k, sub
                current = _Block(f"{n}) {sub[0]}", "sub_item", n, _strip_footnote(sub[1:]))
                blocks.append(current)
            if lines and _strip_footnote(lines[0].strip()) == _strip_footnote(sub):
                lines = lines[1:]
        elif lines and lines[0].strip() == c.section_path[3]:
            lines = lines[1:]
        assert current is not None
        for line in lines:
            if circled_number(line) == last_sub + 1:
                mark = line.strip()[0]
                title, rest = _split_heading(line, titles)
                last_sub, sub_path = last_sub + 1, ""
                current = _Block(f"{n}) {mark}", "sub_item", n, title)
                blocks.append(current)
                current.add(c, [rest] if rest else [])
            else:
                current.add(c, [line])
        if not lines:
            current.add(c, [])
    return blocks


# --- role items of 第3–5部 and their 別添 explanations ---------------------------------
def role_items(chunks: Sequence[Chunk], role: Role, docs: DocIds) -> list[_Block]:
    letter = ROLE_LETTER[role]
    blocks: dict[str, _Block] = {}
    for c in _main(chunks, docs):
        code = next((x for x in c.item_codes if x.startswith(f"{letter}-")), None)
        if code is None or len(c.section_path) < 4:
            continue
        heading = c.section_path[-1]
        is_head = heading.startswith(code) and c.text.split("\n")[0].strip() == heading
        m = _ROLE_ITEM.match(code)
        block = blocks.get(code)
        if block is None:
            block = blocks[code] = _Block(code, "role_item", int(m.group(2)) if m else 0, heading[len(code) :].strip())
        phase = c.section_path[2]
        if phase not in block.phases and is_head:
            block.phases.append(phase)
        block.add(c, c.text.split("\n")[1:] if is_head else [])
    return list(blocks.values())


def annex_by_item(chunks: Sequence[Chunk], docs: DocIds) -> dict[str, list[Chunk]]:
    """別添3–5 A. chunks per D-/P-/U- code; uncoded chunks belong to the item before them."""
    out: dict[str, list[Chunk]] = {}
    current: str | None = None
    section: tuple[str, ...] = ()
    for c in chunks:
        if c.doc_id not in docs or c.segment != "annex" or len(c.section_path) < 3:
            current = None
            continue
        if tuple(c.section_path[1:3]) != section:
            section, current = tuple(c.section_path[1:3]), None
        code = next((x for x in c.item_codes if _ROLE_ITEM.match(x)), None)
        if code:
            current = code
        if current and c.section_path[2].startswith("A."):
            out.setdefault(current, []).append(c)
    return out


def _annex_principle(chunks: Sequence[Chunk], role: Role, n: int, docs: DocIds) -> list[Chunk]:
    """別添3–5 B.: the role's explanation of principle n)."""
    prefix, name = f"別添{ANNEX_OF_ROLE[role]}", f"{n}) {PRINCIPLES[n - 1]}"
    return [
        c
        for c in chunks
        if c.doc_id in docs
        and c.segment == "annex"
        and len(c.section_path) >= 4
        and c.section_path[1].startswith(prefix)
        and c.section_path[2].startswith("B.")
        and c.section_path[3] == name
    ]


def _points(annex: Sequence[Chunk]) -> list[str]:
    return [
        line.strip()
        for c in annex
        if c.section_path and c.section_path[-1] == "[ポイント]"
        for line in c.text.split("\n")
        if line.strip()
    ]


def checklist(
    chunks: Sequence[Chunk], role: Role, documents: Mapping[str, Mapping[str, Any]] | None = None
) -> Checklist:
    """Every item that applies to ``role``: the ten principles with ①②…, then its own items.

    Only documents that define roles (the guideline's profile) contribute; ``documents`` are the
    index manifest's entries by doc_id (None: the bundled guideline's doc_id)."""
    if role not in ROLE_LETTER:
        raise ValueError(f"no checklist for role {role!r}")
    docs = role_documents(documents)
    items: list[ChecklistItem] = []
    for b in common_items(chunks, docs):
        annex = _annex_principle(chunks, role, b.principle, docs) if b.kind == "principle" else []
        items.append(_item(b, annex))
    by_item = annex_by_item(chunks, docs)
    for b in role_items(chunks, role, docs):
        items.append(_item(b, by_item.get(b.code, [])))
    # The document the items come from (the 本編 of a new edition published in parts).
    doc_of = {c.id: c.doc_id for c in chunks}
    doc_id = doc_of.get(items[0].source_passage_id, GUIDELINE_DOC) if items else (min(docs) if docs else GUIDELINE_DOC)
    return Checklist(role=role, role_label=ROLE_LABELS[role], doc_id=doc_id, items=items, note=NO_ROLE_DOCUMENTS)


def _item(b: _Block, annex: Sequence[Chunk]) -> ChecklistItem:
    return ChecklistItem(
        code=b.code,
        kind=b.kind,
        principle=b.principle,
        title=b.title,
        text=_block_text(b),
        phases=b.phases,
        source_passage_id=b.passage_ids[0],
        passage_ids=b.passage_ids,
        annex_passage_id=annex[0].id if annex else None,
        annex_passage_ids=[c.id for c in annex],
        points=_points(annex),
    )


# --- the topic menu --------------------------------------------------------------------
def _unique(chunks: Iterable[Chunk], passage: Callable[[Chunk], Passage]) -> list[Passage]:
    seen: set[str] = set()
    out = []
    for c in chunks:
        if c.id not in seen:
            seen.add(c.id)
            out.append(passage(c))
    return out


def _slug(code: str) -> str:
    return "item-" + re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")


def topic_menu(
    chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]], roles: Sequence[Role] = ACTOR_ROLES
) -> TopicMenu:
    """Per role: the ten principles, AIガバナンス, the role's items, 高度なAI and the new themes,
    each with its passages (text included; ``documents``: the manifest entries by doc_id)."""

    def _refs(cs: Iterable[Chunk]) -> list[Passage]:
        return _unique(cs, lambda c: Passage.from_chunk(c, documents.get(c.doc_id, {})))

    docs = role_documents(documents)
    by_id = {c.id: c for c in chunks}
    common = common_items(chunks, docs)
    main = _main(chunks, docs)
    annex = [c for c in chunks if c.doc_id in docs and c.segment == "annex"]
    governance = [c for c in main if len(c.section_path) >= 3 and c.section_path[2].startswith(SECTIONS.governance)] + [
        c
        for c in annex
        if any(code.startswith("行動目標") for code in c.item_codes)
        and (c.section_path[-1].startswith("行動目標") or c.section_path[-1] == "[実践のポイント]")
    ]
    advanced = [c for c in main if len(c.section_path) >= 3 and c.section_path[2].startswith(SECTIONS.advanced)]
    themes = [
        Topic(id=tid, label=label, group="theme", description=desc, passages=_refs(c for c in chunks if pattern.search(c.text)))
        for tid, label, desc, pattern in THEMES
    ]
    by_item = annex_by_item(chunks, docs)
    menu = []
    for role in roles:
        own = role_items(chunks, role, docs)
        topics = []
        for n, name in enumerate(PRINCIPLES, start=1):
            ids = [pid for b in common if b.principle == n for pid in b.passage_ids]
            ids += [pid for b in own if b.principle == n for pid in b.passage_ids]
            passages = [by_id[i] for i in ids] + _annex_principle(chunks, role, n, docs)
            topics.append(
                Topic(
                    id=f"principle-{n}",
                    label=f"{n}) {name}",
                    group="principle",
                    description=TOPICS.common_description,
                    item_codes=[b.code for b in own if b.principle == n],
                    passages=_refs(passages),
                )
            )
        topics.append(
            Topic(
                id="governance",
                label=TOPICS.governance_label,
                group="governance",
                description=TOPICS.governance_description,
                item_codes=sorted({x for c in governance for x in c.item_codes}, key=_goal_order),
                passages=_refs(governance),
            )
        )
        for b in own:
            topics.append(
                Topic(
                    id=_slug(b.code),
                    label=f"{b.code} {b.title}",
                    group="role_item",
                    description="・".join(b.phases),
                    item_codes=[b.code],
                    passages=_refs([by_id[i] for i in b.passage_ids] + by_item.get(b.code, [])),
                )
            )
        own_advanced = [c for c in main if c.section_path[-1:] == [SECTIONS.advanced_item] and role in c.roles]
        topics.append(
            Topic(
                id="advanced-ai",
                label=TOPICS.advanced_label,
                group="advanced",
                description=TOPICS.advanced_description,
                passages=_refs(advanced + own_advanced),
            )
        )
        topics.extend(themes)
        menu.append(RoleTopics(role=role, role_label=ROLE_LABELS[role], topics=topics))
    return TopicMenu(roles=menu, note=NO_ROLE_DOCUMENTS)


def _goal_order(code: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", code))
