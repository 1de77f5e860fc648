"""Names that only one organisation's document uses: its services, forms and systems.

Staff name their own tools and forms (「みどりAIのログって」「Minato-GPTって」「ヒヤリ・ハット報告書
は」) without naming the document. When several organisations' documents are loaded, such a
name says which one the question is about. The names are read off the documents themselves:
what they put in 「」 and Latin-script names (「Minato-GPT」「CSIRT」), kept when a single
family of added documents uses them and no other document does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from guideqa.models import Chunk
from guideqa.text import match_key

QUOTED_RE = re.compile(r"「([^「」]{2,24})」")
LATIN_NAME_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*(?![A-Za-z0-9])")
SENTENCE_LIKE_RE = re.compile(r"[、。？?！!]|^\s*\d+\s*[.．]|(?:です|ます|ください|ますか|ですか)$")
MIN_NAME_CHARS = 4


def _key(text: str) -> str:
    return match_key(text).lower()  # 「minato-gpt」 as typed names 「Minato-GPT」


def _names(text: str) -> set[str]:
    # A quote that is a sentence (a prompt example, a remark) or a numbered heading is not a name.
    quoted = {_key(m) for m in QUOTED_RE.findall(text) if not SENTENCE_LIKE_RE.search(m)}
    out = quoted | {_key(m) for m in LATIN_NAME_RE.findall(text)}
    return {n for n in out if len(n) >= MIN_NAME_CHARS}


def distinctive_names(chunks: Sequence[Chunk], families: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """name -> the documents of the one family that uses it, for the added documents
    (``families``: doc_id -> its family); a name any other document uses is left out."""
    texts: dict[str, list[str]] = {}
    for chunk in chunks:
        texts.setdefault(chunk.doc_id, []).append(chunk.text)
    keyed = {doc_id: _key("\n".join(parts)) for doc_id, parts in texts.items()}
    out: dict[str, frozenset[str]] = {}
    for doc_id, family in families.items():
        own = frozenset(family)
        for name in _names("\n".join(texts.get(doc_id, []))):
            if name in out:
                continue
            if all(name not in text for other, text in keyed.items() if other not in own):
                out[name] = frozenset(d for d in own if name in keyed.get(d, ""))
    return out


def documents_named(question: str, names: Mapping[str, frozenset[str]]) -> set[str]:
    """The documents whose distinctive names the question uses (a Latin name as a whole word:
    「excel」 is not in 「excellent」)."""
    text = _key(question)
    return {doc_id for name, docs in names.items() if _uses(text, name) for doc_id in docs}


def _uses(text: str, name: str) -> bool:
    if not name[:1].isascii() or not name[-1:].isascii():
        return name in text
    return re.search(r"(?<![a-z0-9])" + re.escape(name) + r"(?![a-z0-9])", text) is not None
