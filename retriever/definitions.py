"""Definition questions (「AI提供者」の定義は？ / AIエージェントとは？): find where a term is defined.

The guideline defines terms in a few fixed shapes: 「X（English）」 followed by the definition,
「XとはYである」, 「以下、「X」という」. Chunks holding such a shape for the asked term form an
extra ranked list in the fusion.
"""

from __future__ import annotations

import re
from collections import Counter

from guideqa.text import match_key

_TERM_PATTERNS = (
    re.compile(r"^([^\s、。？?「」]{2,20}?)(?:って|は|が)(?:ガイドライン(?:上|で)|本ガイドラインで)?(?:どう|どのように)定義"),
    re.compile(r"[「『\"]([^」』\"]{2,20})[」』\"]\s*(?:の|って|という言葉の|とは)?[、,]?\s*(?:どういう|どんな)?(?:定義|意味|とは|って何|は何|とは何)"),
    # A quoted word asked about alone (「さっきの『透明性』って？」) or as a matter (「『透明性』ってどういうこと？」).
    re.compile(r"[「『\"]([^」』\"]{2,20})[」』\"]\s*(?:って\s*[？?]?\s*$|(?:って|とは)[、,]?\s*どういうこと)"),
    re.compile(
        r"^(?:ガイドライン(?:上|で|における|でいう)の?)?\s*([^\s、。？?「」]{2,20}?)\s*"
        r"(?:の定義|の意味|とは|って何|ってなに|とはなに|は何を指す|はどう定義|(?:って|とは)[、,]?(?:どういう|どんな)意味)"
    ),
)
# A term this long or longer is also looked for as the head of a longer defined term, one that
# makes up at least this share of its uses.
MIN_HEAD_CHARS = 4
SHORTENED_SHARE = 0.5
# What points at something said before (「それってどういう意味？」) names no term.
_POINTING = re.compile(r"^(?:これ|それ|あれ|この|その|あの|上記|前記)")
_LEADING = re.compile(r"^(?:そもそも|ところで|ガイドライン(?:上|で|における|でいう)の?|本ガイドラインにおける)")


def definition_term(question: str) -> str | None:
    """The term a definition question asks about, or None."""
    text = match_key(question)
    text = _LEADING.sub("", text)
    for pattern in _TERM_PATTERNS:
        if m := pattern.search(text):
            term = m.group(1).strip("「」『』\"")
            term = _LEADING.sub("", term)
            if 2 <= len(term) <= 20 and not _POINTING.match(term):
                return term
    return None


def defining_shapes(term: str) -> tuple[str, ...]:
    t = match_key(term)
    return (f"{t}とは", f"{t}(", f"「{t}」という", f"「{t}」とは", f"{t}:", f"における{t}とは")


def definition_candidates(
    normalised_texts: list[str], term: str, line_heads: list[set[str]] | None = None, shortened: bool = True
) -> list[int]:
    """Indices of chunks (texts in match_key form) that define ``term``.

    ``line_heads`` (per chunk, the match_key form of each line) also catches the glossary
    shape where the term stands alone on a line followed by its definition. With ``shortened``,
    a term nothing defines is read as a shortening of the longer term it mostly heads (once).
    """
    shapes = defining_shapes(term)
    key = match_key(term)
    out = []
    for i, text in enumerate(normalised_texts):
        if any(s in text for s in shapes) or (line_heads is not None and key in line_heads[i]):
            out.append(i)
    if out or not shortened or len(key) < MIN_HEAD_CHARS:
        return out
    # None defines the term as asked: people shorten a term they heard (「リスクベース」 for
    # 「リスクベースアプローチ」). When one longer term it heads, from a word boundary, makes up most
    # of its uses in the corpus, the question asks that term's definition.
    heads = re.compile(r"(?<![ァ-ヴー一-龥A-Za-z])" + re.escape(key) + r"([ァ-ヴー一-龥]{1,8})")
    tails = Counter(m.group(1) for text in normalised_texts for m in heads.finditer(text))
    uses = sum(text.count(key) for text in normalised_texts)
    if not tails:
        return []
    tail, n = tails.most_common(1)[0]
    if n < SHORTENED_SHARE * uses:
        return []
    return definition_candidates(normalised_texts, term + tail, line_heads, shortened=False)
