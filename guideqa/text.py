"""Generic text helpers shared by every layer (stdlib only, so the UI may import them).

One home each for: Unicode normalisation for matching, sentence splitting, circled numbers
(①②…) and character n-grams. Document-specific vocabulary lives in :mod:`guideqa.guideline`.
"""

from __future__ import annotations

import re
import unicodedata

_WS_RE = re.compile(r"\s+")
# Sentence ends: the Japanese full stop, and ！？ (full- and half-width); the terminator is kept.
SENTENCE_END = "。！？!?"
_SENT_END_RE = re.compile(rf"(?<=[{SENTENCE_END}])")
# The same, but a citation marker right after the terminator ("…する。[1]") stays with its sentence.
_SENT_END_KEEP_REFS_RE = re.compile(rf"(?<=[{SENTENCE_END}])(?!\s*\[)")
# Circled numbers ① (1) … ⑳ (20): sub-headings in the guideline and numbered items in reports.
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# Spoken contractions and their written forms (standard Japanese grammar, not any document's
# wording): 「守らなきゃ」 = 「守らなければ」, 「入れちゃった」 = 「入れてしまった」. Cue patterns are
# written once, in the written forms.
# The て-form a ちゃ/じゃ contraction comes from ends in っ, し, an i- or e-row kana or a kanji stem
# (言っちゃう, 見ちゃった, 入れちゃいました, 読んじゃう); おもちゃ, かぼちゃ, めちゃ are words.
_TE_STEM = r"(?<=[っしいきぎちにびみりえけげせぜてでねべめれ一-龥])"
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"なきゃ|なくちゃ"), "なければ"),
    (re.compile(_TE_STEM + r"ちゃ(?=(?:だめ|ダメ|いけ))"), "ては"),
    (re.compile(r"(?<=[んい])じゃ(?=(?:だめ|ダメ|いけ))"), "では"),
    (re.compile(_TE_STEM + r"ちゃ(?=う|っ[たてち]|いま|え[ばる]|お[うっ])"), "てしま"),
    (re.compile(r"(?<=[んい])じゃ(?=う|っ[たてち]|いま|え[ばる]|お[うっ])"), "でしま"),
)


def written_forms(text: str) -> str:
    """``text`` with spoken contractions in their written forms (なきゃ → なければ,
    ちゃう/ちゃった → てしまう/てしまった, ちゃダメ → てはダメ)."""
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


# Discourse openings (general Japanese): an acknowledgement of the last answer, and the
# conjunctions of topic change (転換の接続詞). They say nothing about what is asked: the
# conversation reads them as "a new subject" (retriever.conversation.TOPIC_CHANGE) and the
# search leaves them out (:func:`without_opening`).
ACKNOWLEDGEMENT = r"(?:ありがとう(?:ございます|ございました)?|なるほど|了解(?:です|しました)?|(?:わ|分)かりました|承知しました)[。、,!！\s]*"
TOPIC_CHANGE_WORDS = (
    r"ところで|話は変わ|話が変わ|話変わ|話を変え|別の(?:質問|話)|別件|それとは別に?|それはそうと|それはさておき|閑話休題|"
    r"(?:全然|全く|まったく)?関係ない(?=ん|けど|けれど|が|です)|さて[、,]"
)
# The asker's own organisation or group (「うちは」「弊社の規程」「私たち」), and the prefixes that
# make an office noun the speaker's own (当院・本市・弊所). One home for the question readers.
OWN_ORGANISATION = r"うち|当社|弊社|自社|我々|私たち|わたしたち"
OWN_PREFIXES = ("当", "本", "弊")
# The speaker themself (「私は」「自分は」).
SPEAKER = r"私|わたし|わたくし|僕|自分"
_OWN_START = re.compile(rf"(?:{OWN_ORGANISATION}|{SPEAKER})")


def is_own(word: str) -> bool:
    """A word naming the asker or the asker's own organisation (「うち」「弊社」「私たち」「私」), or
    an office noun the speaker's prefix makes theirs (「当院」「本市」「弊所」)."""
    return word.startswith(OWN_PREFIXES) or bool(_OWN_START.match(word))
# A connective that only adds a question (「あと、」「それと」) may stand before the conjunction
# (「あと全然別件なんですが」), and an intensifier before 別件 / 別の話 (「全然別の話ですが」).
_ADDING = r"(?:あと|それと|それから|で|また)[、,\s]*"
_TOPIC_CHANGE_AT = re.compile(rf"(?:{_ADDING})?(?:全然|全く|まったく)?(?:{TOPIC_CHANGE_WORDS})")
_ACKNOWLEDGED = re.compile(rf"^(?:{ACKNOWLEDGEMENT})")  # an opening acknowledgement, no change of subject
# The rest of a clause of topic change after a stem that needs one (「話は変わりますが、」「別件なん
# ですけど」「別件で、」); after a complete conjunction only its punctuation (「ところで、来週…」
# keeps 来週).
_NEEDS_TAIL = ("変わ", "変え", "件", "話", "ない", "別")
_CLAUSE_TAIL = re.compile(
    r"[^、,。!！?？\s]{0,8}?(?:が|けど|けれど|けれども|で|です|ね)[、,。!！]"  # to its punctuation
    r"|[^、,。!！?？\s]{0,4}(?:が|けど|けれど|けれども|で)\s*"  # unpunctuated (「話変わるけど著作権は？」)
)
_PUNCTUATION = re.compile(r"[、,。!！]?\s*")
_SENTENCE_START = re.compile(r"(?:^|[。!！?？\n])\s*")


def new_subject_at(text: str) -> int | None:
    """Where a new subject starts in ``text``: the end of a conjunction of topic change that opens
    the text or one of its sentences, after an acknowledgement if any (「わかりました、確認して
    みます。ところで来週…」「気をつけます。話は変わりますが、…」 → the offset of 「来週」 /
    the clause after 「…が、」); None when no sentence opens so. What precedes it only closes
    the last subject."""
    for start in _SENTENCE_START.finditer(text):
        at = start.end()
        ack = re.match(ACKNOWLEDGEMENT, text[at:])
        if ack:
            at += ack.end()
        conj = _TOPIC_CHANGE_AT.match(text, at)
        if conj:
            tail = _CLAUSE_TAIL if conj.group().endswith(_NEEDS_TAIL) else _PUNCTUATION
            end = tail.match(text, conj.end())
            return end.end() if end else conj.end()
    return None


def opens_new_subject(text: str) -> bool:
    """Whether the text, or one of its sentences, opens by changing the subject
    (:func:`new_subject_at`)."""
    return new_subject_at(text) is not None


def without_opening(text: str) -> str:
    """``text`` without a leading acknowledgement or topic-change conjunction
    (「ありがとう。ところで、…」 → 「…」), and without what closed the last subject before a
    sentence that changes it (「気をつけます。話は変わりますが、…」 → 「…」); unchanged when
    nothing would be left."""
    at = new_subject_at(text)
    rest = (text[at:] if at is not None else _ACKNOWLEDGED.sub("", text, count=1)).lstrip()
    return rest if rest else text


# Words that name a kind of document (Japanese administrative and corporate usage). The line of a
# title block that carries one is the title (ingest.corpus_edit.detect_title); a question that
# says 「この手引き」 names the one document whose title has that word (Retriever.named_documents).
DOCUMENT_KIND_RE = re.compile(
    r"ガイドライン|指針|手引き?|方針|ポリシー|規程|規則|規約|要綱|要領|基準|マニュアル|ハンドブック|計画|ルール|ガイド|取扱い"
    r"|留意事項|注意事項|心得"
)
# A document pointed at by its kind: 「この手引き」「本ポリシー」 (the kind is the group).
THIS_KIND_RE = re.compile(r"(?:この|本|当|同|その)(" + DOCUMENT_KIND_RE.pattern + ")")
# A question about the rules it is asked of: that, or 「このAIのルール」「うちの会社の規程」.
POINTS_AT_RULES_RE = re.compile(
    r"(?:この|うちの|当社の|弊社の|わが社の)[^、。？?\s]{0,8}?(?:" + DOCUMENT_KIND_RE.pattern + ")|" + THIS_KIND_RE.pattern
)


# A question's reference to the document it is asking (「ガイドラインには…書いてある？」「…について
# ガイドラインはどんなことを求めていますか」「ガイドライン的には」): it names where to look, not what
# is asked, and its words match the document's own statements about itself (its scope, its
# purpose) instead of the subject. The search leaves it out (:func:`without_document_reference`).
_DOC_WORD = r"(?:本|この|その|AI事業者)?ガイドライン"
_DOC_VIEWPOINT = re.compile(rf"{_DOC_WORD}(?:的には|的に|上は|上(?![のでに]))")
_DOC_SOURCE = re.compile(rf"{_DOC_WORD}(?:の中では|の中に|の中で|には|では|に|で|は|が)")
_SAYING = re.compile(r"書い|書か|記載|記述|求め|触れ|言って|述べ|定め|載っ|規定")


def without_document_reference(text: str) -> str:
    """``text`` without its reference to the document being asked, when it has one: the
    viewpoint 「ガイドライン的には」, or the source of a verb of saying (「ガイドラインには…書いて
    ある」); 「ガイドラインの対象は？」 asks about the document itself and is left whole."""
    out = _DOC_VIEWPOINT.sub(" ", text)
    match = _DOC_SOURCE.search(out)
    if match and _SAYING.search(out, match.end()):
        out = out[: match.start()] + " " + out[match.end() :]
    out = re.sub(r"\s+", " ", out).strip()
    return out if out.strip("、。？?！! ") else text


def match_key(text: str) -> str:
    """NFKC and remove all whitespace: the form used to match spans across line breaks."""
    return _WS_RE.sub("", nfkc(text))


def split_sentences(text: str, *, keep_refs: bool = False) -> list[str]:
    """Split Japanese text into sentences at 。！？!?; keeps the terminator, strips, drops empties.

    With ``keep_refs`` no split is made in front of a citation marker (``…する。[1]``), so the
    marker stays with the sentence it follows (used on model output, one line at a time).
    """
    pattern = _SENT_END_KEEP_REFS_RE if keep_refs else _SENT_END_RE
    parts = [p.strip() for p in pattern.split(text)]
    return [p for p in parts if p]


# Brackets, and a closing parenthesis that only numbers a list item (「3）公平性」「D-2) i.」).
BRACKET_OPEN = "（(「『【［["
BRACKET_CLOSE = "）)」』】］]"
LIST_NUMBERING = re.compile(r"(?<=[0-9０-９ivxⅰ-ⅹⅠ-Ⅹ])[)）]")


def bracket_depth(text: str) -> int:
    """Open brackets minus closed ones (list numbering such as 「3）」 not counted)."""
    text = LIST_NUMBERING.sub("", text)
    return sum(ch in BRACKET_OPEN for ch in text) - sum(ch in BRACKET_CLOSE for ch in text)


def bracket_sentences(text: str) -> list[str]:
    """Sentences at 。！？, but never split inside brackets: 「（議会を除く。）、独立行政法人等…」
    stays one sentence instead of leaving a fragment that starts with 「）、」."""
    out: list[str] = []
    buf = ""
    for piece in split_sentences(text):
        buf = piece if not buf else buf + piece
        if bracket_depth(buf) <= 0:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def circled_number(text: str) -> int:
    """1 for text starting with ①, 2 for ②, … 20 for ⑳; 0 otherwise (leading spaces ignored)."""
    s = text.lstrip()
    return CIRCLED.index(s[0]) + 1 if s and s[0] in CIRCLED else 0


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """The character n-grams of ``text`` in order, with repeats; [] when it is shorter than ``n``.

    Callers normalise first (:func:`match_key`); bigrams suit Japanese, which has no spaces.
    """
    return [text[i : i + n] for i in range(len(text) - n + 1)]
