"""Names the corpus itself calls instances of a kind: 「ChatGPT 等の生成 AI」.

People name the product they use (「ChatGPTで議事録を作るときの注意点は？」) where the documents
speak of its kind (生成AI). An embedder that does not know the product places such a question far
from every passage. When a document states ``<name>等の<kind>`` (or ``<name>などの<kind>``), a
question naming ``<name>`` is embedded with the kind beside it: 「ChatGPT（生成AI）で…」. Only the
dense query changes; the gate still reads the question as asked, so what is asked of the product
itself (its settings, its price) is judged as before. The table is read from the documents of
the index (an added city's rules 「ChatGPT、Copilot等の生成AI」 teach their own names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from guideqa.text import match_key
from ingest.tokenizer import morphemes

_NAME = r"[A-Za-z][A-Za-z0-9.+\-]*"
# One or more Latin names standing as words (「ChatGPT」「TensorFlowやPyTorch」; not the AI of
# 「フィジカルAI」), then 等の / などの and the kind: a run of kanji, katakana and Latin letters
# ending before the next kana (「生成AIの業務利用」 → 生成AI).
_STATED = re.compile(
    rf"(?<![A-Za-z0-9一-龥ァ-ヶー])({_NAME}(?:[、,・や]{_NAME})*)(?:等|など)の([一-龥ァ-ヶーA-Za-z]{{2,12}}?)(?=[ぁ-ゖ、。,]|$)"
)
_SPLIT = re.compile(r"[、,・や]")


def _names_a_kind(phrase: str) -> bool:
    """The phrase ends in a noun of things (機関, フレームワーク, AI), not of an act (開発, 活動)."""
    toks = morphemes(phrase)
    return bool(toks) and toks[-1][1][0] == "名詞" and toks[-1][1][2] != "サ変可能"


def stated_instances(texts: Iterable[str]) -> dict[str, str]:
    """``{name (lower-cased): kind}`` for every 「<name>等の<kind>」 the texts state. A name stated
    with two kinds keeps the first."""
    out: dict[str, str] = {}
    for text in texts:
        for m in _STATED.finditer(match_key(text)):
            kind = m.group(2)
            if not _names_a_kind(kind):
                continue
            for name in _SPLIT.split(m.group(1)):
                if len(name) >= 2 and name.lower() != kind.lower() and name.lower() not in kind.lower():
                    out.setdefault(name.lower(), kind)
    return out


def with_kinds(query: str, instances: Mapping[str, str]) -> str:
    """``query`` with the kind the corpus gives each name it mentions placed after the name
    (「ChatGPTで…」 → 「ChatGPT（生成AI）で…」); unchanged when it names none or says the kind."""
    if not instances:
        return query

    def kind_after(m: re.Match[str]) -> str:
        kind = instances.get(m.group(0).lower())
        return f"{m.group(0)}（{kind}）" if kind and kind.lower() not in query.lower() else m.group(0)

    # A name standing as a word (not the head of a compound: 「G7広島AIプロセス」).
    return re.sub(rf"(?<![A-Za-z0-9]){_NAME}(?![一-龥ァ-ヶー])", kind_after, query)
