"""Laws and other bodies' rules a question asks about, and whether the corpus names them.

A question asking what another law requires (「…は金融商品取引法上問題ないですか」) is answered
by that law, not by a guideline that never names it: the guideline can only say what it says
itself. These helpers find law names in Japanese text by their form — a noun compound whose
last unit is 法 — and tell whether the corpus names the same law, allowing the abbreviations
Japanese forms by keeping characters of the full name in order (独禁法 ← 独占禁止法,
個情法 ← 個人情報保護法).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from guideqa.text import OWN_ORGANISATION, is_own, match_key, nfkc
from ingest.tokenizer import split_mode_a, thread_tokenizer

# The characters a Japanese noun compound is written in (kanji, katakana, Latin letters).
_WORD_CHARS = "[々〇\u4e00-\u9fff\u30a1-\u30f6ーA-Za-z・]"
# A run of them ending in 法 (cut back to a noun compound by the tokenizer). 法律 and 法人 are
# not law names' ends.
_CANDIDATE = re.compile(_WORD_CHARS + r"{2,30}?法(?![律人令案務則的])")
# A law named as the standard a thing is judged by (「…法上」「…法違反」「…法に触れ」「…法の帳簿」):
# required of a name that could be a method (a verbal noun before 法: 「リスク評価法」).
_AS_STANDARD = re.compile(
    r"^(?:上|違反|に(?:触れ|抵触|違反|基づ|従|引っかか)|的に|では|で(?:は)?(?:禁止|義務|規制|認め)"
    r"|の(?:規定|対象|義務|帳簿|届出|許可|要件|適用|規制))"
)
# Words the question's subject is named by when it is AI itself: a law named by AI (「AI法」
# 「AI推進法」「人工知能関連技術…法」) is about the corpus's own subject.
_AI_WORDS = ("AI", "人工知能", "生成AI", "ロボット")


def _noun_parts(text: str) -> list[tuple[str, str]] | None:
    """(surface, 品詞細分類) of the short units of ``text`` if it reads as nouns only, else None."""
    out: list[tuple[str, str]] = []
    morphemes = thread_tokenizer().tokenize(text)
    for m in morphemes:
        p = m.part_of_speech()
        if p[0] not in ("名詞", "接頭辞") and not (p[0] == "接尾辞" and p[1] == "名詞的"):
            return None
        out.extend((a.surface(), a.part_of_speech()[2]) for a in (list(m.split(split_mode_a())) or [m]))
    return out


@lru_cache(maxsize=4096)
def _law_name(candidate: str) -> tuple[str, bool] | None:
    """The law name ending ``candidate`` (a run of word characters ending in 法), if it is one.

    Its stem (what precedes 法) must be nouns: two or more units (「古物営業」「金融商品取引」),
    or one noun of two characters or more that is not a verbal noun (「著作権」「商標」). A
    verbal noun before 法 names a method (「対処法」「活用法」「学習法」), and one-character stems
    are common words (「方法」「手法」「違法」「文法」).
    """
    whole = _noun_parts(candidate)
    if not whole or (whole[-1][0] != "法" and len(whole) > 1):
        # 「学習手法」「利用方法」: the compound ends in 手法・方法, not in 法.
        return None
    stem = candidate[:-1]
    # Cut off leading characters until the stem reads as nouns (the run may start inside a word).
    for start in range(len(stem) - 1):
        parts = _noun_parts(stem[start:])
        if not parts:
            continue
        if len(parts) >= 2 or len(stem) - start >= 2:
            # (the name, whether it could name a method: a verbal noun ends a stem of at most two
            # units, 「リスク評価法」 as well as 「古物営業法」, or is the stem, 「放送法」 as well as
            # 「分析法」; 「個人情報保護法」 has three. Such a name counts only as a standard:
            # 「放送法では」「…法上」)
            return stem[start:] + "法", parts[-1][1] == "サ変可能" and len(parts) <= 2
        return None
    return None


def law_names(text: str) -> list[str]:
    """Law names in ``text`` (NFKC), in order, without repeats."""
    out: dict[str, None] = {}
    text = nfkc(text)
    for m in _CANDIDATE.finditer(text):
        found = _law_name(m.group(0))
        if found and (not found[1] or _AS_STANDARD.match(text[m.end() :])):
            out[found[0]] = None
    return list(out)


def _abbreviates(short: str, full: str) -> bool:
    """``short`` keeps characters of ``full`` in order, with the same first and last ones."""
    if len(short) >= len(full) or short[0] != full[0] or short[-1] != full[-1]:
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def names_ai(law: str) -> bool:
    return any(w in law for w in _AI_WORDS)


def laws_not_in_corpus(question: str, corpus_text: str, corpus_laws: Iterable[str]) -> list[str]:
    """Law names of the question that the corpus never names, neither in full nor as an
    abbreviation of one of its law names; laws named by AI are the corpus's subject and never
    listed. ``corpus_text`` is the corpus's text (:class:`CorpusNames`)."""
    laws = list(corpus_laws)
    return [
        name
        for name in law_names(question)
        if not names_ai(name)
        and name.lower() not in corpus_text
        # 「改正個人情報保護法」: a law the corpus names, qualified.
        and not any(name.endswith(full) or _abbreviates(name, full) for full in laws)
    ]




# Words for a body's rules (「メルカリの規約」「文部科学省の方針」「病院のルール」).
_RULE_WORDS = "方針|規約|利用規約|規則|規定|規程|規格|基準|ルール|指針|通知|通達|見解|要綱|要領|条例|ガイドライン|決まり"
# The rules as the standard a thing is judged by: 「…の規約違反」「…の方針で禁止」「…の基準では」
# 「…のルール上」 (not 「…のルールを作りたい」, where the asker is writing them).
_JUDGED_BY = re.compile(rf"({_WORD_CHARS}{{2,20}})の(?:{_RULE_WORDS})(?:違反|で|では|上|に照らし|によると|的に)")
# The asker's own organisation (「弊社の規程では」「本市のルールでは」): its rules are the asker's.
_OWN_BEFORE = re.compile(rf"(?:{OWN_ORGANISATION})の$")


def _is_own(name: str, before: str = "") -> bool:
    """The asker's own body (「弊社」「当院」「本市の」…, or one after 「うちの」), not another's."""
    return is_own(name) or bool(_OWN_BEFORE.search(before))


def known_word(word: str, corpus_text: str, vocabulary: Sequence[str]) -> bool:
    """The corpus uses ``word``: in its text, or as a word it abbreviates (経産省 ← 経済産業省).
    ``corpus_text`` and ``vocabulary`` are lower-cased (「chatgpt」 is ChatGPT)."""
    word = word.lower()
    return word in corpus_text or any(_abbreviates(word, w) for w in vocabulary if len(w) > len(word))


def other_bodies_rules(question: str, corpus_text: str, vocabulary: Sequence[str]) -> list[str]:
    """Owners of rules the question judges by (「メルカリの規約違反になりますか」「文部科学省の方針で
    禁止されていますか」) that the corpus never names: what their rules say is theirs to say."""
    out = []
    text = nfkc(question)
    for m in _JUDGED_BY.finditer(text):
        owner = m.group(1)
        if _is_own(owner, text[: m.start(1)]) or names_ai(owner) or not _noun_parts(owner):
            continue
        if _names_another_body(owner) and not known_word(owner, corpus_text, vocabulary):
            out.append(owner)
    return out


# A body the question asks to accept something (「…法務局は受け付けてくれますか」「監査法人はそのまま認めて
# くれるものですか」「JASRACに作品登録できる？」「簡易裁判所に出したら受理されますか」).
_ACCEPTS = r"(?:受け付け|受付け|受理|認めて(?:くれ|もら)|認められ|承認して|登録(?:でき|して(?:くれ|もら))|受け入れて(?:くれ|もら))"
_ACCEPTS_RE = re.compile(_ACCEPTS)
_PHRASE = re.compile(rf"({_WORD_CHARS}{{2,20}})(?:は|が|に|で|って|では|には|から)")
# What names a body: a Latin-script name (JASRAC), or the last unit of an office, a court, an
# association or a firm (general Japanese: 〜局・〜所・〜法人・〜協会…).
_BODY_END = re.compile(r"(?:局|裁判所|役場|法人|署|庁|省|協会|連盟|機構|組合|学会|財団|事務所|銀行|公庫)$")


def _names_a_body(word: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9&.\-]+", word) or _BODY_END.search(word))


def names_a_body(text: str) -> bool:
    """Does ``text`` name a body (a ministry, an agency, a court, an association…: :func:`_names_a_body`
    on its noun runs, the asker's own organisation aside)?"""
    return any(
        _names_a_body(m.group(1)) and not names_ai(m.group(1)) and not _is_own(m.group(1), text[: m.start(1)])
        for m in re.finditer(rf"({_WORD_CHARS}{{2,20}})", nfkc(text))
    )


def _names_another_body(word: str) -> bool:
    """A body (:func:`_names_a_body`) or a name written in katakana only (a platform, a firm:
    「メルカリ」), not a thing described in ordinary words (「顔認証システム」)."""
    return _names_a_body(word) or bool(re.fullmatch(r"[\u30a1-\u30f6ー・]{3,}", word))


# What follows a verb when the clause states a fact to build on, not the question (「…が」「…けど」).
_PREMISE_AFTER = re.compile(r"(?:か)?(?:が|けど|けれど|ので|から|場合|のに)")


def _unnamed_bodies_before(
    verbs: re.Pattern[str], phrases: re.Pattern[str], question: str, corpus_text: str, vocabulary: Sequence[str]
) -> list[str]:
    """Bodies the corpus never names, in a phrase (``phrases``) of the clause before one of
    ``verbs``."""
    out = []
    text = nfkc(question)
    for verb in verbs.finditer(text):
        if _PREMISE_AFTER.match(text, verb.end()):  # 「…を禁止していますが、見直すべき？」 states it
            continue
        clause = re.split(r"[。？?!！]", text[: verb.start()])[-1]
        for m in phrases.finditer(clause):
            body = m.group(1)
            if not _is_own(body, clause[: m.start()]) and _names_a_body(body) and not known_word(body, corpus_text, vocabulary):
                out.append(body)
    return out


def bodies_asked_to_accept(question: str, corpus_text: str, vocabulary: Sequence[str]) -> list[str]:
    """Bodies the question asks whether they accept, register or approve something, that the
    corpus never names: what they accept is theirs to say."""
    return _unnamed_bodies_before(_ACCEPTS_RE, _PHRASE, question, corpus_text, vocabulary)


# A body asked about its own stance (「日本看護協会は…方針を出していますか」「X社は学習への利用を禁止して
# いますか」): the act of issuing, permitting or forbidding, as a state (…ている).
_STANCE_RE = re.compile(r"(?:出し|示し|公表し|発表し|定め|認め|禁止し|推奨し|許可し|許し)て(?:い|お)?(?:ます|る|ません|ない)")
_TOPIC = re.compile(rf"({_WORD_CHARS}{{2,20}})(?:は|が|って|では|でも)")


def bodies_asked_for_their_stance(question: str, corpus_text: str, vocabulary: Sequence[str]) -> list[str]:
    """Bodies, the topic or subject of the question, asked whether they have issued, permit or
    forbid something, that the corpus never names: their stance is theirs to state."""
    return _unnamed_bodies_before(_STANCE_RE, _TOPIC, question, corpus_text, vocabulary)


# A body named as the setting of the question (「隣の県庁だと」「税務署では」「法務局の場合は」): a figure, a
# name or a procedure asked there is that body's (Answerer.features, for such questions only). Not
# 「県庁だと思う」「税務署ではなく」, and not a product in Latin script (「Teamsの場合」 is no body).
_SETTING = re.compile(rf"({_WORD_CHARS}{{2,20}})(?:だと(?!思|聞|考)|では(?!な)|の場合)")


def bodies_as_setting(question: str, corpus_text: str, vocabulary: Sequence[str]) -> list[str]:
    """Bodies the question is set in (「隣の県庁だと、審査に何日かかる？」) that the corpus never
    names; the asker's own (「うちの町役場だと」) aside."""
    text = nfkc(question)
    return [
        m.group(1)
        for m in _SETTING.finditer(text)
        if not _is_own(m.group(1), text[: m.start(1)])
        and _BODY_END.search(m.group(1))
        and not known_word(m.group(1), corpus_text, vocabulary)
    ]


class CorpusNames:
    """What the corpus names, read once from its passages: its text (lower-cased, line breaks
    removed: the corpus breaks lines mid-word), its law names, and its words of three
    characters or more (for abbreviations)."""

    def __init__(self, texts: Iterable[str], vocabulary: Iterable[str]) -> None:
        flat = [match_key(t) for t in texts]
        self.text = "\n".join(flat).lower()
        self.laws = list(dict.fromkeys(name for t in flat for name in law_names(t)))
        self.words = [w.lower() for w in vocabulary if len(w) >= 3]

    def unnamed(self, question: str) -> list[str]:
        """Laws, other bodies' rules, bodies asked to accept something and bodies asked for
        their stance that the question asks about and the corpus never names (empty when it
        names them all)."""
        return (
            laws_not_in_corpus(question, self.text, self.laws)
            or other_bodies_rules(question, self.text, self.words)
            or bodies_asked_to_accept(question, self.text, self.words)
            or bodies_asked_for_their_stance(question, self.text, self.words)
        )

    def settings_unnamed(self, question: str) -> list[str]:
        """Bodies the question is set in that the corpus never names (:func:`bodies_as_setting`)."""
        return bodies_as_setting(question, self.text, self.words)
