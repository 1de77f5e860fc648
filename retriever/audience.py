"""Audiences of an organisation's document: sections addressed to one group of people.

A university's rules say one thing 「学生の皆さんへ」 and another 「教員の皆様へ」; a hospital's
「職種別の取扱い」 has 【医師】【看護職】【事務職員】. The same question (「AIに成績を入れていい？」)
has one answer per audience, and a person says which one they are (「教員ですけど」「事務の
仕事で」); a company's handbook has 【営業部】【製造部】 (「営業部なんですが」). This is the
guideline's AI開発者 / AI提供者 / AI利用者 for any document: read from its headings, not declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from guideqa.text import nfkc
from ingest.admin_structure import _NUM, HEADING_MARKS, LABEL_RE
from ingest.tokenizer import content_nouns, morphemes, synonym_bridges
from retriever.roles import NOT_THE_ASKER

# 「2．学生の皆さんへ」「教職員の皆様へ」「保護者の方へ」: a heading addressed to a group.
_ADDRESSED = re.compile(r"^(?P<who>[^\s、。（）()「」]{1,12}?)の?(?:皆さん|皆様|みなさん|みなさま|方々|方)へ$")
# 【医師】【事務職員】 (:data:`ingest.admin_structure.LABEL_RE`) naming a kind of person: a noun of a
# person's role or occupation ends in one of these (者・員・師・職・生・士・医).
_PERSON = re.compile(r"(?:者|員|師|職|生|士|医)$")
# 【営業部】【品質保証課】【広報室】: a unit of an organisation, its staff; at least three characters
# (not 外部・一部・本部) and no numbering (not 第1部).
_UNIT = re.compile(r"^[^\d０-９]{2,}(?:部|課|室|係|班|局)$")
# Groups addressed together (「学生・教員の皆さんへ」) and a qualifier before the group (「本学の学生」).
_JOINT = re.compile(r"・|、|及び|および")
# 【対象者】 says whom the whole document covers (its scope), not one group among others.
_SCOPE = {"対象者", "適用対象者"}
_NUMBERING = re.compile(
    rf"^(?:[{HEADING_MARKS}●]\s*)?(?:第?{_NUM}(?:[-.][0-9]+)*[部章節条]?[.、)]?\s*|\({_NUM}\)\s*|[IVXⅠ-Ⅻ]+[.)]\s*|[A-Z][.)]\s*)?"
)
# A group as the topic (「教員には」「教員にとって」) or the asker's occupation (「教員をして」).
_TOPIC = re.compile(r"には|にとって|をして")
# 「教員ですけど」「学生なんだけど」「事務職員として」: the asker says which one they are.
_SELF = r"(?:です|でして|だけど|だが|なんだ|なんです|なので|として|の立場|の者|をして)"


def heading_audiences(heading: str) -> tuple[str, ...]:
    """The groups of people a heading addresses (「2．学生の皆さんへ」→ 学生, 「学生・教員の皆さんへ」→
    学生, 教員, 【医師】→ 医師), or none."""
    text = _NUMBERING.sub("", nfkc(heading).strip())
    if m := _ADDRESSED.match(text):
        who = m["who"].rsplit("の", 1)[-1]  # 「本学の学生」: the group is 学生
        return tuple(w for w in _JOINT.split(who) if w)
    if (m := LABEL_RE.match(text)) and _names_a_person(m[1]):
        return (m[1],)
    return ()


def _names_a_person(label: str) -> bool:
    """【医師】【事務職員】 name a kind of person and 【営業部】 a unit's staff; 【退職】【就職】 end in
    職 too but name an act (a サ変 noun), and 【対象者】 names the document's scope."""
    if _UNIT.match(label):
        return True
    if not _PERSON.search(label) or label in _SCOPE:
        return False
    last = morphemes(label)[-1:]
    return not (last and last[0][1][2] == "サ変可能")


@lru_cache(maxsize=4096)  # a document repeats its headings in every chunk's path
def heading_audience(heading: str) -> str | None:
    """The one group a heading addresses, or None (none, or several together)."""
    found = heading_audiences(heading)
    return found[0] if len(found) == 1 else None


def chunk_audiences(paths: Sequence[Sequence[str]], documents: Sequence[str]) -> list[str | None]:
    """Per chunk (its section path, its document), the audience its nearest addressed heading
    names; only in a document with at least two audiences (one addressed group alone is the
    document's whole readership, not a division of it). A section addressed to several groups
    together is no one group's."""
    found = [next((a for h in reversed(path) if (a := heading_audience(h))), None) for path in paths]
    per_document: dict[str, set[str]] = {}
    for audience, doc in zip(found, documents, strict=True):
        if audience:
            per_document.setdefault(doc, set()).add(audience)
    return [a if a and len(per_document[d]) >= 2 else None for a, d in zip(found, documents, strict=True)]


def stated_audience(question: str, audiences: Iterable[str]) -> str | None:
    """The audience the asker belongs to: the one the question names, or of several named, the
    one it says the asker is (「教員ですけど、学生のレポートを…」→ 教員). A question word names an
    audience as itself, as its first part (事務 for 事務職員) or as a synonym (先生 for 教員)."""
    return _stated(question, frozenset(audiences))


@lru_cache(maxsize=1024)  # one question is searched several times (gate, premise, follow-up)
def _stated(question: str, audiences: frozenset[str]) -> str | None:
    text = nfkc(question)
    nouns = content_nouns(text)
    named: dict[str, list[str]] = {}
    for audience in sorted(audiences):
        forms = [audience] if audience in text else []
        forms += [n for n in nouns if len(n) >= 2 and n != audience and audience.startswith(n) and n in text]
        forms += [n for n, same in synonym_bridges(nouns, {audience}).items() if n in text]
        if forms:
            named[audience] = forms
    # 「歯科医師です」 names 歯科医師, not also the 医師 inside it.
    named = {
        a: forms
        for a, forms in named.items()
        if not any(a != b and a in b and not any(f in text.replace(b, "") for f in forms) for b in named)
    }
    asker = [a for a, forms in named.items() if any(re.search(re.escape(f) + _SELF, text) for f in forms)]
    if len(asker) == 1:
        return asker[0]
    # Named as the object, the addressee or the source of the act (「学生に使わせる」「教員から聞く」),
    # a group is not the asker; as a topic (「教員には」「教員にとって」) it is.
    named = {a: forms for a, forms in named.items() if not all(_not_the_asker(f, text) for f in forms)}
    return next(iter(named)) if len(named) == 1 else None


def _not_the_asker(form: str, text: str) -> bool:
    return all(
        NOT_THE_ASKER.match(text, m.end()) and not _TOPIC.match(text, m.end()) for m in re.finditer(re.escape(form), text)
    )
