"""Broad role questions (「AI提供者として何をすべき？」) get the role's items as a list.

Every line is a verbatim sentence of the 本編: the part's opening sentence and the heading
of each of the role's items (D-/P-/U-), in the guideline's order.
"""

from __future__ import annotations

import re

from guideqa.guideline import PART_OF_ROLE
from guideqa.models import Chunk, Role
from guideqa.text import OWN_ORGANISATION, nfkc, split_sentences
from ingest.tokenizer import content_nouns

_FILLER = re.compile(
    r"AI?(?:開発|提供|利用)(?:者|事業者)|(?:開発|提供|利用)(?:者|する側|側)|" + OWN_ORGANISATION + "|"
    r"として|の立場で|では|には|は|が|も|を|に|で|と|って|"
    r"何|なに|どんな|どのような|こと|事項|もの|"
    r"(?:取り組む|取組|対応|注意|気をつけ|気を付け|守|す|や|行|実施)(?:べき|れば|る|ら|ない|なければ|ないと)?|"
    r"べき|必要|義務|求められ(?:る|て)?|いい|よい|良い|いけない|ならない|"
    r"ですか|でしょうか|ますか|ある|あります|いる|います|でしょう|か|ね|よ|教えて(?:ください)?|一覧|全部|すべて|全て|"
    r"ガイドライン|上|の|[、。？?！!\s・「」]"
)
_BROAD_CUE = re.compile(r"何を|何に|なにを|どんなこと|どのようなこと|すべきこと|やるべき|義務|求められ|一覧|全部|すべて|全て|気をつけ|注意")


def is_broad_role_question(question: str) -> bool:
    """True when the question asks what a role must do in general, naming no topic."""
    text = nfkc(question)
    if not _BROAD_CUE.search(text):
        return False
    rest = _FILLER.sub("", text)
    # What is left names no topic: a word of its own (「記録を残すべきこと」「研修ですべきこと」) is one.
    return len(rest) <= 3 and not any(len(w) >= 2 for w in content_nouns(rest))


def role_overview(chunks: list[Chunk], role: Role, docs: frozenset[str]) -> list[tuple[int, str]]:
    """(chunk index, verbatim sentence) pairs: the part's first sentence, then item headings
    (``docs``: the guideline's current edition, :func:`guideqa.guideline.role_documents`)."""
    part = PART_OF_ROLE.get(role)
    if part is None:
        return []
    prefix = f"第{part}部"
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, c in enumerate(chunks):
        if c.doc_id not in docs or c.segment != "main" or len(c.section_path) < 2 or not c.section_path[1].startswith(prefix):
            continue
        if not c.item_codes and not out:
            lines = [ln for ln in c.text.split("\n") if ln.strip() and not ln.startswith(prefix)]
            sentences = split_sentences(lines[0]) if lines else []
            if sentences:
                out.append((i, sentences[0]))
        elif c.item_codes and role in c.roles and c.item_codes[0] not in seen:
            seen.add(c.item_codes[0])
            first = c.text.split("\n", 1)[0].strip()
            if first.startswith(c.item_codes[0]):
                out.append((i, first))
    return out
