"""The units a conversation refers to, read from the index's structure.

A *unit* is what an answer's citation belongs to in the guideline: a role item (``U-4) i.``),
a 行動目標 (``行動目標 3-2``) or one of the ten principles (``4) プライバシー保護``). For each
unit the index knows its 本編 text and its 別添 explanation, split by the labelled
sub-sections the document profile declares (:data:`guideqa.guideline.EXAMPLE_SECTIONS`,
:data:`~guideqa.guideline.EXPLANATION_SECTIONS`), and which principles a role item cites in
its own text (「（「4）プライバシー保護」）」): the guideline's own link between the items of
different roles when they are not numbered alike (there is no D-4); U-4) i. → D-2) i.).
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from guideqa.guideline import EXPLANATION_SECTIONS, PRINCIPLES, ROLE_LETTER
from guideqa.models import Chunk, Role
from ingest.text import nfkc
from retriever.search import Retriever

ITEM_HEAD = ""  # the 別添's restatement of a unit itself, before its [..] sections
POINTS = EXPLANATION_SECTIONS[0] if EXPLANATION_SECTIONS else "[ポイント]"
# The items of another role that stand for a principle they are not numbered after: those citing
# it at least this share as often as their most cited principle (a long item citing every
# principle in passing is not "the" item for any of them).
MIN_REFERENCE_SHARE = 0.5

ROLE_ITEM = re.compile(rf"^([{''.join(ROLE_LETTER.values())}])-(\d{{1,2}})\)")
_PRINCIPLE_HEAD = re.compile(r"^(\d{1,2})\) (.+)$")
_PRINCIPLE_REF = re.compile(r"「(\d{1,2})\)\s*([^」]{2,20})」")


def principle_of(part: str) -> int | None:
    """The principle number of a section heading 「4) プライバシー保護」, else None."""
    m = _PRINCIPLE_HEAD.match(part)
    if m and 1 <= int(m.group(1)) <= len(PRINCIPLES) and m.group(2) == PRINCIPLES[int(m.group(1)) - 1]:
        return int(m.group(1))
    return None


def principle_code(n: int) -> str:
    return f"{n}) {PRINCIPLES[n - 1]}"


def principles_in(section_path: Sequence[str]) -> list[int]:
    return [n for part in section_path if (n := principle_of(part)) is not None]


class Located(Protocol):
    """A chunk, passage or citation: where it sits in its document."""

    @property
    def doc_id(self) -> str: ...
    @property
    def item_codes(self) -> list[str]: ...
    @property
    def section_path(self) -> list[str]: ...


def unit_of(chunk: Located, docs: frozenset[str]) -> str | None:
    """The unit a guideline chunk belongs to: its item code, else the principle it sits under
    (``docs``: the documents read with the guideline's profile, :func:`role_documents`)."""
    if chunk.doc_id not in docs:
        return None
    if chunk.item_codes:
        return chunk.item_codes[0]
    found = principles_in(chunk.section_path)
    return principle_code(found[-1]) if found else None


def cited_principles(text: str) -> Counter[int]:
    """The principles an item's text refers to (「（「4）プライバシー保護」）」), with counts."""
    out: Counter[int] = Counter()
    for m in _PRINCIPLE_REF.finditer(nfkc(text)):
        n = int(m.group(1))
        if 1 <= n <= len(PRINCIPLES) and m.group(2).strip() == PRINCIPLES[n - 1]:
            out[n] += 1
    return out


@dataclass
class ItemIndex:
    """Where each unit (item, 行動目標, principle) sits in the guideline, by chunk index."""

    main: dict[str, list[int]] = field(default_factory=dict)
    annex: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    by_number: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    references: dict[str, Counter[int]] = field(default_factory=dict)  # item -> principles its 本編 text cites
    by_id: dict[str, int] = field(default_factory=dict)
    by_section: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # (doc_id, *path) -> chunks
    chunks: Sequence[Chunk] = ()
    docs: frozenset[str] = frozenset()  # the guideline's current edition(s); set by build()

    @classmethod
    def build(cls, chunks: Sequence[Chunk], docs: frozenset[str]) -> ItemIndex:
        idx = cls(chunks=chunks, docs=docs)
        for i, c in enumerate(chunks):
            idx.by_id[c.id] = i
            idx.by_section.setdefault((c.doc_id, *c.section_path), []).append(i)
            code = unit_of(c, docs)
            if code is None:
                continue
            heading = next((p for p in reversed(c.section_path) if p.startswith(code)), "")
            if heading and code not in idx.titles:
                idx.titles[code] = heading[len(code) :].strip()
            if c.segment == "main":
                idx.main.setdefault(code, []).append(i)
                if c.item_codes:
                    idx.references.setdefault(code, Counter()).update(cited_principles(c.text))
            elif c.segment == "annex":
                last = c.section_path[-1] if c.section_path else ""
                label = last if last.startswith("[") else ITEM_HEAD
                idx.annex.setdefault(code, {}).setdefault(label, []).append(i)
            m = ROLE_ITEM.match(code)
            if m:
                codes = idx.by_number.setdefault((m.group(1), int(m.group(2))), [])
                if code not in codes:
                    codes.append(code)
        return idx

    def same_section(self, passage_ids: Sequence[str]) -> list[int]:
        """The chunks of the sections the given passages belong to (their neighbours first)."""
        out: list[int] = []
        for pid in passage_ids:
            i = self.by_id.get(pid)
            if i is None:
                continue
            c = self.chunks[i]
            section = self.by_section.get((c.doc_id, *c.section_path), [])
            out.extend(j for j in sorted(section, key=lambda j: abs(j - i)) if j not in out)
        return out

    def sections(self, code: str, labels: Sequence[str], role: Role | None = None) -> list[int]:
        """The unit's 別添 chunks under these labels (a principle's: the role's 別添 first)."""
        by_label = self.annex.get(code, {})
        out = [i for label in labels for i in by_label.get(label, [])]
        if role is not None and not ROLE_ITEM.match(code):
            own = [i for i in out if role in self.chunks[i].roles]
            return own or out
        return out

    def own_text(self, code: str, role: Role | None = None) -> list[int]:
        """The unit's statement: its 本編 text, its 別添 restatement and its [ポイント]."""
        return self.main.get(code, []) + self.sections(code, (ITEM_HEAD, POINTS), role)

    def numbers(self, codes: Sequence[str]) -> list[int]:
        """The principle numbers of units: D-3) i. → 3, 「4) プライバシー保護」 → 4."""
        out = []
        for code in codes:
            m = ROLE_ITEM.match(code)
            n = int(m.group(2)) if m else principle_of(code)
            if n is not None and n not in out:
                out.append(n)
        return out

    def corresponding(self, codes: Sequence[str], principles: Sequence[int], role: Role) -> list[str]:
        """The units of ``role`` for the same principle as ``codes`` (or as the principles cited).

        The role's items with the same number (D-3) ↔ P-3) ↔ U-3)); when the role has none, its
        items whose text cites that principle (mostly); failing both, the principle itself.
        """
        letter = ROLE_LETTER.get(role)
        if letter is None:
            return []
        out: list[str] = []
        for n in self.numbers(codes) or list(dict.fromkeys(principles)):
            same = self.by_number.get((letter, n), [])
            if not same:
                same = [
                    code
                    for code, refs in self.references.items()
                    if code.startswith(f"{letter}-") and refs[n] and refs[n] >= MIN_REFERENCE_SHARE * max(refs.values())
                ]
            if not same and principle_code(n) in self.main:
                same = [principle_code(n)]
            out.extend(x for x in same if x not in out)
        return out


_INDEXES: weakref.WeakKeyDictionary[Retriever, ItemIndex] = weakref.WeakKeyDictionary()


def item_index(retriever: Retriever) -> ItemIndex:
    idx = _INDEXES.get(retriever)
    if idx is None:
        idx = _INDEXES[retriever] = ItemIndex.build(retriever.chunks, retriever.guideline_docs)
    return idx
