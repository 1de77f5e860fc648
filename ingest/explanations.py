"""Which article (第N条) a Q&A entry, a form or an appendix explains.

Japanese administrative documents state a rule in an article and explain it elsewhere: in a
Q&A (「別紙2 生成AIの利用に関するQ&A」), in the form the article prescribes (「第5条 … 別紙1の
生成AI利用申請書により」), in an appendix. An answer leads with the rule and cites the
explanation second; retrieval passes an explanation's rank to the article it explains
(:mod:`retriever.rules`). The links are found here, at ingest, from the text alone:

1. explicit references: an explanation that names 「第N条」 explains that article; an article
   that names 「別紙N」「別表N」「様式第N号」 is explained by that appendix;
2. otherwise shared wording: the article whose text shares the largest idf-weighted share of
   the explanation's content words (SudachiPy nouns), when that share is at least
   ``MIN_OVERLAP``, together with every article within ``NEAR_BEST`` of it (an entry may
   explain two neighbouring articles).

Links stay inside one document family: the same document, or documents whose title (or file
name) begins with the other's — the 「… 別紙」 of a guideline is named after it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from guideqa.models import Chunk, DocumentMeta
from guideqa.text import match_key, nfkc
from ingest.admin_structure import _NUM, APPENDIX_RE, ARTICLE_LABEL_RE
from ingest.tokenizer import content_nouns

EXPLAINING_KINDS = ("qa", "form", "appendix")
MIN_OVERLAP = 0.15
NEAR_BEST = 0.85
ARTICLE_MENTION_RE = re.compile(rf"第\s*({_NUM})\s*条(?:\s*の\s*({_NUM}))?")
APPENDIX_MENTION_RE = re.compile(rf"(別紙|別表|別記|様式)\s*(?:第\s*)?({_NUM})\s*号?")
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
SECTION_NUMBER_RE = re.compile(r"^(\d{1,2})(?:\s|[.．]\s*)\S")
# 「2（3）参照」「2(3)を参照」 (NFKC): part (3) of numbered section 2.
SECTION_MENTION_RE = re.compile(r"(\d{1,2})\s*\((\d{1,2})\)\s*(?:を)?参照")


def number(text: str | None) -> int:
    """「12」「十二」「百三」 -> 12, 12, 103 (0 for none)."""
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        elif ch in "十百":
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
    return total + digit


def article_key(label: str) -> tuple[int, int] | None:
    """(N, M) of an article heading 「第N条の M（…）」, or None."""
    m = ARTICLE_LABEL_RE.match(label)
    return (number(m.group(1)), number(m.group(2))) if m else None


def appendix_key(label: str) -> tuple[str, int] | None:
    """("別紙", 1) of an appendix heading 「別紙1 …」 (様式第1号 -> ("様式", 1)), or None."""
    m = APPENDIX_RE.match(label)
    return (m.group(1), number(m.group(2))) if m and m.group(2) else None


def families(metas: Sequence[DocumentMeta]) -> dict[str, set[str]]:
    """doc_id -> the doc_ids of its family (itself included)."""

    def keys(meta: DocumentMeta) -> list[str]:
        return [k for k in (match_key(meta.title), match_key(PurePath(meta.file).stem)) if k]

    out: dict[str, set[str]] = {m.doc_id: {m.doc_id} for m in metas}
    for a in metas:
        for b in metas:
            if a.doc_id != b.doc_id and any(kb.startswith(ka) for ka in keys(a) for kb in keys(b)):
                out[a.doc_id].add(b.doc_id)
                out[b.doc_id].add(a.doc_id)
    return out


def _words(chunk: Chunk) -> set[str]:
    heading = chunk.section_path[-1] if chunk.section_path else ""
    return set(content_nouns(heading + "\n" + chunk.text))


def section_number(chunk: Chunk) -> int:
    """N of a chunk under a numbered top-level heading (「2 適用範囲」「3. 業務ごとの可否」), else 0."""
    m = SECTION_NUMBER_RE.match(chunk.section_path[0]) if chunk.section_path else None
    return int(m.group(1)) if m else 0


def _explicit(expl: Chunk, articles: Iterable[Chunk]) -> list[str]:
    """Articles the explanation names, articles that name the explanation's appendix, and
    numbered sections it refers to (「（2（3）参照）」: section 2, the part holding its (3))."""
    named = {(number(a), number(b)) for a, b in ARTICLE_MENTION_RE.findall(expl.text)}
    sections = {(int(a), int(b)) for a, b in SECTION_MENTION_RE.findall(nfkc(expl.text))}
    top = appendix_key(expl.section_path[0]) if expl.section_path else None
    out = []
    for art in articles:
        key = next((k for k in map(article_key, art.section_path) if k), None)
        mentions = {(kind, number(n)) for kind, n in APPENDIX_MENTION_RE.findall(art.text)}
        referred = any(n == section_number(art) and f"({m})" in nfkc(art.text) for n, m in sections)
        if key in named or (top is not None and top in mentions) or referred:
            out.append(art.id)
    return out


def link_explanations(chunks: Sequence[Chunk], metas: Sequence[DocumentMeta]) -> int:
    """Set ``explains`` on every Q&A entry, form and appendix chunk; returns how many got links."""
    family = families(metas)
    articles: dict[str, list[Chunk]] = {}
    for c in chunks:
        if c.kind == "article":
            articles.setdefault(c.doc_id, []).append(c)
    # A family without articles states its rules in numbered sections (「2 適用範囲」): those.
    for doc_id in {c.doc_id for c in chunks if c.kind in EXPLAINING_KINDS}:
        if not any(articles.get(d) for d in family.get(doc_id, {doc_id})):
            for d in family.get(doc_id, {doc_id}):
                articles[d] = [c for c in chunks if c.doc_id == d and c.kind == "text" and section_number(c)]
    explaining = [c for c in chunks if c.kind in EXPLAINING_KINDS]
    if not articles or not explaining:
        return 0
    words = {c.id: _words(c) for c in [*explaining, *(a for arts in articles.values() for a in arts)]}
    df = Counter(w for ws in words.values() for w in ws)
    idf = {w: math.log(1 + len(words) / n) for w, n in df.items()}
    linked = 0
    for expl in explaining:
        candidates = [a for d in sorted(family.get(expl.doc_id, {expl.doc_id})) for a in articles.get(d, [])]
        if not candidates:
            continue
        ids = _explicit(expl, candidates)
        if not ids:
            mine = words[expl.id]
            # Summed in sorted order: a set's order changes with the hash seed, and so would
            # the last bits of the sums, and the order of two near-equal articles.
            total = sum(idf[w] for w in sorted(mine)) or 1.0
            shares = [(sum(idf[w] for w in sorted(mine & words[a.id])) / total, a.id) for a in candidates]
            best = max(s for s, _ in shares)
            if best >= MIN_OVERLAP:
                ids = [i for s, i in sorted(shares, key=lambda x: -x[0]) if s >= NEAR_BEST * best]
        expl.explains = list(dict.fromkeys(ids))
        linked += bool(ids)
    return linked
