"""Audiences of an organisation's document: sections addressed to one group of people.

A university's rules say one thing 「学生の皆さんへ」 and another 「教員の皆様へ」; a hospital's
「職種別の取扱い」 has 【医師】【看護職】【事務職員】. The same question (「AIに成績を入れていい？」)
has one answer per audience, and a person says which one they are (「教員ですけど」「事務の
仕事で」). This is the guideline's AI開発者 / AI提供者 / AI利用者 for any document: read from its
headings, not declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from guideqa.text import nfkc
from ingest.tokenizer import content_nouns, synonym_bridges

# 「2．学生の皆さんへ」「教職員の皆様へ」「保護者の方へ」: a heading addressed to a group.
_ADDRESSED = re.compile(r"^(?P<who>[^\s、。（）()「」]{1,12}?)の?(?:皆さん|皆様|みなさん|みなさま|方々|方)へ$")
# 【医師】【事務職員】: a bracketed heading naming a kind of person (a noun of a person's role or
# occupation ends in one of these: 者・員・師・職・生・士・医).
_BRACKETED = re.compile(r"^【(?P<who>[^】]{1,12})】$")
_PERSON = re.compile(r"(?:者|員|師|職|生|士|医)$")
# 【対象者】 says whom the whole document covers (its scope), not one group among others.
_SCOPE = {"対象者", "適用対象者"}
_NUMBERING = re.compile(r"^(?:[■□●◆◇▼▽]\s*)?(?:第?[0-9]+(?:[-.][0-9]+)*[章節条]?[.、)]?\s*)?")
# 「教員ですけど」「学生なんだけど」「事務職員として」: the asker says which one they are.
_SELF = r"(?:です|でして|だけど|だが|なんだ|なんです|なので|として|の立場|の者|をして)"


def heading_audience(heading: str) -> str | None:
    """The group of people a heading addresses (「2．学生の皆さんへ」→ 学生, 【医師】→ 医師), or None."""
    text = _NUMBERING.sub("", nfkc(heading).strip())
    if m := _ADDRESSED.match(text):
        return m["who"]
    if (m := _BRACKETED.match(text)) and _PERSON.search(m["who"]) and m["who"] not in _SCOPE:
        return m["who"]
    return None


def chunk_audiences(paths: Sequence[Sequence[str]], documents: Sequence[str]) -> list[str | None]:
    """Per chunk (its section path, its document), the audience its nearest addressed heading
    names; only in a document with at least two audiences (one addressed group alone is the
    document's whole readership, not a division of it)."""
    found = [next((a for h in reversed(path) if (a := heading_audience(h))), None) for path in paths]
    per_document: dict[str, set[str]] = {}
    for audience, doc in zip(found, documents, strict=True):
        if audience:
            per_document.setdefault(doc, set()).add(audience)
    return [a if a and len(per_document[d]) >= 2 else None for a, d in zip(found, documents, strict=True)]


def stated_audience(question: str, audiences: Iterable[str]) -> str | None:
    """The audience the asker belongs to: the one the question names, or of several named, the
    one it says the asker is (「教員ですけど、学生のレポートを…」→ 教員). A question word names an
    audience as itself, as its head (事務 for 事務職員) or as a synonym (先生 for 教員)."""
    text = nfkc(question)
    nouns = content_nouns(text)
    named: dict[str, list[str]] = {}
    for audience in set(audiences):
        forms = [audience] if audience in text else []
        forms += [n for n in nouns if len(n) >= 2 and n != audience and audience.startswith(n) and n in text]
        forms += [n for n, same in synonym_bridges(nouns, {audience}).items() if n in text]
        if forms:
            named[audience] = forms
    # Named as the object or the recipient of the act (「学生に使わせる」「教員を交えて」), a group is
    # not the asker.
    named = {a: forms for a, forms in named.items() if not all(re.search(re.escape(f) + "(?:を|に)", text) for f in forms)}
    if len(named) == 1:
        return next(iter(named))
    asker = [a for a, forms in named.items() if any(re.search(re.escape(f) + _SELF, text) for f in forms)]
    return asker[0] if len(asker) == 1 else None
