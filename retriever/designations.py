"""What a document's own defined terms stand for.

Rules, 要綱 and 規程 name their offices and things once and then use a short name: Japanese
legal drafting has fixed shapes for it (法令用語):

* 「本会に生成AI管理責任者（以下「管理責任者」という。）を置き、事務局長をもって充てる。」 — an
  abbreviation (以下「Y」という) and the post that holds the office (…をもって充てる);
* 「（６）所属長　職員が所属する課の課長又は事業所の管理者をいう。」 — an item of the article of
  definitions (次の各号に掲げる用語の意義は…): the term, then what it means, ending in をいう;
* 「この規程において「所属長」とは、部長をいう。」.

A question speaks of the holder (「課長なんだけど、…事務局長に出せばいい？」) where the rule speaks of
the office (「所属長は…管理責任者に提出する」). :func:`designations` reads the shapes from a
document's passages; the answerer counts a defined term's meaning among the words of a sentence
that uses it (:meth:`retriever.answer.Answerer._held`, read by the answer-type subject tests). Each document's terms are its own:
another organisation's 管理責任者 is someone else. (:mod:`retriever.definitions` is the other side: it
finds the passages that define a term a question asks about, for retrieval.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ingest.tokenizer import morphemes

# 「X（以下「Y」という。）」: Y abbreviates X (X: the clause before the bracket).
_ABBREVIATION = re.compile(r"([^。「」（）()\n]{2,60})[（(]以下[、,]?「([^」]{1,20})」という。?[）)]")
# The clause before the abbreviation starts after a topic or subject (「この規程は、役員、正社員…」).
_CLAUSE_START = re.compile(r".*(?:は|が)[、,]")
# A number that opens an article, paragraph or item (「第5条　」「２　」「（１）」), not part of a term.
_LABEL = re.compile(r"^(?:第[0-9０-９一二三四五六七八九十]+条(?:の[0-9０-９]+)?|[0-9０-９]+|[（(][0-9０-９]+[）)])[\s\u3000]*")
# 「…（以下「Y」という。）を置き、Zをもって充てる」 / 「Yは、Zをもって充てる」: Z holds the office Y.
_HELD_AFTER_ABBREVIATION = re.compile(r"「([^」]{1,20})」という。?[）)]を置き[、,]([^、。]{1,30}?)をもって充て")
_HELD = re.compile(r"(?:^|[。\n])\s*([^、。「」（）\n]{2,20}?)(?:は|には)[、,]?([^、。\n]{1,30}?)をもって充て")
# 「この規程において「Y」とは、Xをいう。」 (the commonest shape of a definition).
_DEFINED = re.compile(r"「([^」]{1,20})」とは[、,]?([^。]{2,160}?)をいう")
# An item of an article of definitions: 「（６）所属長職員が所属する…をいう。」 (the space between the
# term and its meaning is often lost when the text is joined), also 「(1)」 and 「一」.
_LISTED = re.compile(r"(?:^|\n)\s*(?:[（(][0-9０-９]{1,2}[）)]|[一二三四五六七八九十]{1,3}\s)\s*([^\n]{3,200}?)をいう。")
MAX_TERM_CHARS = 16
MAX_TERM_SHARE = 0.5


def designations(doc_texts: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """doc_id -> {term: the text it stands for}, from the shapes above in the document's passages."""
    out: dict[str, dict[str, str]] = {}
    for doc_id, texts in doc_texts.items():
        passages = list(texts)
        whole = "\n".join(passages)
        found: dict[str, str] = {}
        for text in passages:
            if "以下" in text:
                for m in _ABBREVIATION.finditer(text):
                    _add(found, m.group(2), _CLAUSE_START.sub("", m.group(1)))
            if "充て" in text:
                for m in _HELD_AFTER_ABBREVIATION.finditer(text):
                    _add(found, m.group(1), m.group(2))
                for m in _HELD.finditer(text):
                    _add(found, _LABEL.sub("", m.group(1).strip()), m.group(2))
            if "いう" in text:
                for m in _DEFINED.finditer(text):
                    _add(found, m.group(1), m.group(2))
                for m in _LISTED.finditer(text):
                    split = _term_of(m.group(1), whole)
                    if split:
                        _add(found, *split)
        # A term nearly every passage uses (生成AI, 職員) names no particular subject.
        found = {t: m for t, m in found.items() if sum(t in p for p in passages) <= MAX_TERM_SHARE * len(passages)}
        if found:
            out[doc_id] = found
    return out


def _add(found: dict[str, str], term: str, meaning: str) -> None:
    term = term.strip()
    if 2 <= len(term) <= MAX_TERM_CHARS and meaning.strip():
        found[term] = (found[term] + " " + meaning) if term in found else meaning


def _term_of(item: str, whole: str) -> tuple[str, str] | None:
    """(term, meaning) of a definition item whose term and meaning run together: the term is the
    longest run of its first words that the document uses elsewhere (所属長 of 「所属長職員が…」: the
    document says 所属長 again, never 所属長職員). With a space kept between them, that split."""
    head, sep, rest = item.partition("\u3000")
    if not sep:
        head, sep, rest = item.partition(" ")
    if sep and 2 <= len(head) <= MAX_TERM_CHARS and rest:
        return head, rest
    ends, at = [], 0
    for surface, _, _ in morphemes(item[: MAX_TERM_CHARS + 8]):
        at += len(surface)
        if at > MAX_TERM_CHARS:
            break
        ends.append(at)
    best = None
    for end in ends:
        term = item[:end]
        if len(term) >= 2 and whole.count(term) > item.count(term):  # used beyond its own definition
            best = end
        elif best is not None:
            break
    if best is None or best >= len(item):
        return None
    return item[:best], item[best:]
