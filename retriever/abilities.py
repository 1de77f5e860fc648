"""What a named product is asked to be able to do.

「DeepLって中国語の手書きの書類も読み取れる？」「受付AIって英語の電話にも対応できる？」 ask what a
product can do: the topic (は／って) is the product, the predicate its ability (できる, a potential
verb, 「…してくれる」). A set of rules governs what staff may do with a product; it holds such an
ability only where it states it, so the things the ability is asked of (中国語, 手書き, 英語) are
what the question is about, like an asked focus, and a rare one no retrieved passage holds is not
in the corpus.

「Copilotって使える？」「ChatGPTって家から使える？」 ask leave to use the product (使える, 利用
できる: the asker's act), not the product's ability: no words are returned for them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guideqa.text import nfkc
from ingest.tokenizer import split_mode_a, thread_tokenizer
from retriever.answerability import _LATIN_NAME, _WH, _formal_nouns

# A Latin-script word (answerability's) names a product (「DeepL」「ChatGPT」「DentalVoice」) unless it
# is a short acronym of capitals naming a kind of thing (AI, IT, PC).
_ACRONYM = re.compile(r"[A-Z]{1,3}")
_TOPIC = ("は", "って")
# Verbs whose potential asks leave for the asker's act on the product (「使える？」), and the verbal
# nouns of the asker's acts on it that できる makes a question of leave (「社外秘の資料を入力できる？」).
_LEAVE_VERBS = {"使う"}
_LEAVE_NOUNS = {"利用", "使用", "入力", "送信", "アップロード", "共有", "導入", "登録"}


def _is_noun(m) -> bool:  # type: ignore[no-untyped-def]
    pos = m.part_of_speech()
    return bool(pos[0] == "名詞" and pos[1] != "数詞")


def _is_name(run: list, before) -> bool:  # type: ignore[no-untyped-def,type-arg]
    """A run of nouns names a product: it holds a proper noun or a Latin-script name, or it is
    the tail of a word the tokenizer broke (「はるかぜAIアシスタント」 read as はるか・ぜ・…: the
    run is glued to what precedes it, with no particle or mark between)."""
    for m in run:
        surface = m.surface()
        if m.part_of_speech()[1] == "固有名詞":
            return True
        if _LATIN_NAME.fullmatch(surface) and not _ACRONYM.fullmatch(surface):
            return True
    if before is None or len(run) < 2:
        return False
    # Glued to a fragment of a word (a noun, a prefix, a final particle the tokenizer read into a
    # name), not to an adjective or a verb describing an ordinary thing (「新しいAIツール」).
    pos = before.part_of_speech()
    return pos[0] in ("名詞", "接頭辞", "形状詞") or (pos[0] == "助詞" and pos[1] == "終助詞")


def _ability_at(toks: list, k: int) -> bool:  # type: ignore[type-arg]
    """``toks[k]`` is a verb of ability: できる (not 利用できる), a potential verb (書ける, 読み
    取れる; not 使える), or the benefactive くれる after a て-form (「…してくれる？」)."""
    m = toks[k]
    if m.part_of_speech()[0] != "動詞":
        return False
    form = m.normalized_form()
    if form == "出来る":
        return not (k > 0 and toks[k - 1].normalized_form() in _LEAVE_NOUNS)
    if form == "呉れる":
        return k > 0 and toks[k - 1].surface() in ("て", "で")
    dictionary = m.dictionary_form()
    potential = dictionary != form and len(dictionary) >= 2 and dictionary[:-2] == form[:-1] and dictionary.endswith("る")
    return potential and m.part_of_speech()[4].startswith("下一段") and form not in _LEAVE_VERBS


@lru_cache(maxsize=1024)
def asked_ability(question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The nouns a named product's asked ability is about, as (normalised form, its short-unit
    parts), in the form of :func:`retriever.answerability.asked_focus`; empty when the question
    asks no ability of a named product."""
    toks = list(thread_tokenizer().tokenize(nfkc(question)[:4000]))
    topic = -1
    for i, m in enumerate(toks):
        if m.surface() not in _TOPIC or m.part_of_speech()[0] != "助詞":
            continue
        j = i
        while j > 0 and _is_noun(toks[j - 1]):
            j -= 1
        if j < i and _is_name(toks[j:i], toks[j - 1] if j > 0 else None):
            topic = i
    if topic < 0:
        return ()
    verbs = [k for k in range(topic + 1, len(toks)) if toks[k].part_of_speech()[0] == "動詞" and toks[k].normalized_form() not in ("為る", "居る", "有る")]
    if not verbs or not _ability_at(toks, verbs[-1]):
        return ()
    formal = _formal_nouns()
    out: dict[str, tuple[str, ...]] = {}
    for m in toks[topic + 1 : verbs[-1]]:
        form = m.normalized_form()
        if not _is_noun(m) or form in formal or m.part_of_speech()[2] == "副詞可能" or m.surface().startswith(_WH):
            continue
        out.setdefault(form, tuple(p.normalized_form() for p in m.split(split_mode_a())))
    return tuple(out.items())
