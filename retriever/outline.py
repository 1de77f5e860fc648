"""List questions about the guideline's own structure (「共通の指針は何項目？」
「イノベーションの指針にはどんな項目がある？」) are answered with the section's headings.

Each line is a heading exactly as it stands in the 本編, cited to the passage it opens.
"""

from __future__ import annotations

import re

from guideqa.guideline import PRINCIPLES, PROFILE
from guideqa.models import Chunk
from guideqa.text import match_key, nfkc

_LIST_CUE = re.compile(
    r"何項目|いくつ|幾つ|どんな項目|どのような項目|何がある|なにがある|どんなものがある|一覧|全部|すべて|全て|列挙|構成|中身|内訳|項目は"
)
COMMON = PROFILE.sections.common  # C. 共通の指針
PHILOSOPHY = PROFILE.sections.philosophy  # A. 基本理念


def outline_target(question: str) -> str | None:
    """The section whose parts the question asks to list, or None."""
    text = nfkc(question)
    if not _LIST_CUE.search(text):
        return None
    key = match_key(text)
    for n, name in enumerate(PRINCIPLES, start=1):
        if match_key(name) in key and ("指針" in key or "原則" in key):
            return f"{n}) {name}"
    if "共通の指針" in key or re.search(r"(10|十)の(原則|指針)", key):
        return COMMON
    if "基本理念" in key:
        return PHILOSOPHY
    return None


def outline(chunks: list[Chunk], target: str, docs: frozenset[str]) -> list[tuple[int, str]]:
    """(chunk index, heading line) for each direct part of ``target`` in the 本編, in order
    (``docs``: the guideline's current edition, :func:`guideqa.guideline.role_documents`)."""
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, c in enumerate(chunks):
        if c.doc_id not in docs or c.segment != "main" or target not in c.section_path:
            continue
        pos = c.section_path.index(target)
        if pos + 1 >= len(c.section_path):
            continue
        child = c.section_path[pos + 1]
        if child in seen or child.startswith("表"):
            continue
        first = c.text.split("\n", 1)[0].strip()
        if match_key(first) == match_key(child):
            seen.add(child)
            out.append((i, first))
    return out
