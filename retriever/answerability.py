"""Does the selected text answer *this* question? Pure functions, no index and no model.

Three signals, combined by :func:`decide` with thresholds fitted by ``guideqa calibrate``
(:mod:`retriever.calibration`):

* **dense**: the best cosine similarity of the top passages (meaningful only for the embedder
  the thresholds were fitted for);
* **coverage**: the idf-weighted share of the question's content words (SudachiPy normalised
  forms of nouns, verbs, adjectives) found in the *selected sentences*; a caller may pass
  ``bridges`` (question word -> corpus words it stands for) built from the corpus itself (the
  hand-written synonym list was removed: it was derived from evaluation questions);
* **answer type**: a question asking for an amount of money, a duration or deadline, a date,
  a count or rate, a procedure or a named organisation/product/law is answered only by text
  holding that kind of content (:func:`has_answer_type`).

The cue words below are general Japanese (interrogatives, counters, currency and time units),
not taken from any evaluation question.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from guideqa.text import nfkc

AnswerType = Literal["money", "duration", "date", "number", "procedure", "named"]

# --- expected answer type (question side) ------------------------------------------------------
# Order matters: the first matching type wins (いつまでに is a deadline, not a date).
_QUESTION_TYPES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    # いくら / 何円 / 何ドル: the interrogatives of price; 金額・料金・費用… + an interrogative.
    ("money", re.compile(r"いくら|何(?:円|ドル|ユーロ|万円|億円)|(?:金額|料金|費用|価格|値段|手数料|報酬|補償額|賠償額)(?:は|が|って)?(?:いくら|どれ(?:くらい|ぐらい)|どの(?:くらい|程度))")),
    # Durations and deadlines: 何日/何週間/何か月/何年間, いつまで, 期限, 期間は.
    # (「何月何日」 is a date: 何日 after 月 is not a duration.)
    ("duration", re.compile(r"(?<!月)何日|何(?:時間|週間|か月|ヶ月|カ月|箇月|年間)|いつまで|期限|(?:期間|猶予)(?:は|が|って)")),
    # Dates: いつ, 何年/何月/何日 + に/から, 日付.
    ("date", re.compile(r"いつ(?!も|でも|まで)|何年(?:何月)?(?:に|から)|何月何日|日付|年月日")),
    # Counts and rates: Japanese counters after 何 (人・件・社・個・回・割・倍・%), 割合/比率.
    ("number", re.compile(r"何(?:人|名|件|社|個|回|割|倍|%|％|パーセント|台|団体)|(?:割合|比率|補助率|率)(?:は|が|って)|何歳")),
    # Procedures: 手順/手続き/申請/届出/登録/設定 + the way of doing it.
    ("procedure", re.compile(r"手順|手続|(?:申請|届出|届け出|登録|設定|申込|申し込み)(?:の)?(?:方法|仕方|やり方|流れ|先)|どうやって(?:申請|届|登録|設定)")),
    # Named entities: which body/product/law, by name.
    ("named", re.compile(r"どこ(?:が|に|で|の|へ)|どの(?:機関|団体|組織|会社|企業|製品|ツール|アプリ|サービス名|法律|法令|省庁|省|窓口)|何という|名称|窓口")),
)


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of content the question asks for, or None for an open question."""
    text = nfkc(question)
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(text):
            return kind
    return None


def without_type_cue(question: str) -> str:
    """The question without its answer-type cue (「何円」「いつまで」…): what it is about."""
    text = nfkc(question)
    for _, pattern in _QUESTION_TYPES:
        text = pattern.sub(" ", text)
    return text


# --- answer type (text side) ---------------------------------------------------------------
_NUM = r"(?:\d[\d,.]*|[一二三四五六七八九十百千万億半数]+)"
_TEXT_TYPES: dict[AnswerType, re.Pattern[str]] = {
    # Currency units after a number.
    "money": re.compile(_NUM + r"\s*(?:円|ドル|ユーロ|万円|億円|兆円)|[$¥€]\s*\d"),
    # A number with a unit of time (counters of days, weeks, months, years, hours).
    # (A year count needs 間/以内/…: 「2024年」 is a date, not a duration.)
    "duration": re.compile(
        _NUM + r"\s*(?:日|週間|か月|ヶ月|カ月|箇月|時間|分)(?:以内|間|まで|以上|後|前|ごと)?|"
        + _NUM + r"\s*年(?:間|以内|以上|ごと|後)|期限|期日|速やかに|遅滞なく"
    ),
    # Calendar dates: western or era years, months, days.
    "date": re.compile(r"\d{4}\s*年|(?:令和|平成|昭和)\s*(?:\d+|元)\s*年|\d+\s*月\s*\d*\s*日?|\d{4}[/-]\d{1,2}"),
    # Any number with a counter or percentage.
    "number": re.compile(_NUM + r"\s*(?:%|％|パーセント|割|倍|人|名|件|社|個|回|つ|項目|か国|カ国)"),
    # Sequences and steps.
    "procedure": re.compile(r"手順|手続|ステップ|段階|プロセス|フロー|流れ|まず|次に|最後に|[①②③④⑤]|\(\d\)|（\d）|第[一二三1-3]に"),
    # Names: bodies (省・庁・委員会…), laws (…法・法律・条約・規則), quoted titles, Latin names.
    "named": re.compile(r"[^\s、。]{1,20}(?:省|庁|委員会|機構|本部|会議|協会|法人|研究所|センター|大学|株式会社|法律|条約|規則|指令|条例)|[^\s、。]{2,20}法(?![人的])|「[^」]{2,40}」|[A-Za-z][A-Za-z0-9.\-]{2,}"),
}


def has_answer_type(text: str, kind: AnswerType) -> bool:
    """True when ``text`` holds content of the expected kind."""
    return bool(_TEXT_TYPES[kind].search(nfkc(text)))


# --- content words ----------------------------------------------------------------------------
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
_SKIP_SUBPOS = {"数詞", "非自立可能"}
# Words of asking and knowing (how a question is phrased, not what it is about).
_FRAMING = {"教える", "知る", "分かる", "思う", "言う", "聞く", "伺う", "尋ねる", "幾ら", "何", "質問", "場合"}
_local = threading.local()


def _sudachi():  # type: ignore[no-untyped-def]
    tok = getattr(_local, "tok", None)
    if tok is None:
        from sudachipy import SplitMode

        from ingest.tokenizer import _shared_dictionary

        tok = _local.tok = _shared_dictionary().tokenizer(SplitMode.C)
        _local.mode_a = SplitMode.A
    return tok


def content_words(text: str) -> list[str]:
    """Normalised forms of the content words (and of the parts of compounds), deduplicated.

    The forms are those of :class:`ingest.tokenizer.SudachiTokenizer`, so they can be looked
    up in the BM25 vocabulary (idf).
    """
    tok = _sudachi()
    out: dict[str, None] = {}
    for m in tok.tokenize(nfkc(text).lower()[:4000]):
        pos = m.part_of_speech()
        if pos[0] not in _CONTENT_POS or pos[1] in _SKIP_SUBPOS:
            continue
        form = m.normalized_form()
        if form in _FRAMING or len(form.strip()) == 0:
            continue
        out[form] = None
        parts = m.split(_local.mode_a)
        if len(parts) > 1:
            for p in parts:
                if p.part_of_speech()[0] in _CONTENT_POS and p.part_of_speech()[1] not in _SKIP_SUBPOS:
                    out.setdefault(p.normalized_form(), None)
    return list(out)


def coverage(
    question_words: Iterable[str],
    sentence_words: set[str],
    idf: Mapping[str, float],
    bridges: Mapping[str, set[str]] | None = None,
) -> float:
    """idf-weighted share of question words present in the sentences (directly or bridged).

    ``bridges`` maps a question word to guideline words it stands for (from the synonym
    table); the word is covered when any of them is in ``sentence_words``. Words unknown to
    the corpus weigh as the rarest corpus word.
    """
    words = list(dict.fromkeys(question_words))
    if not words:
        return 0.0
    default = max(idf.values(), default=1.0)
    bridges = bridges or {}
    total = covered = 0.0
    for w in words:
        weight = idf.get(w, default)
        total += weight
        if w in sentence_words or bridges.get(w, set()) & sentence_words:
            covered += weight
    return covered / total if total else 0.0


# --- decision ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Features:
    dense: float  # best cosine of the top passages
    coverage: float  # question words found in the selected sentences
    expected: AnswerType | None  # what the question asks for
    type_found: bool  # the selected sentences hold that kind of content (True if expected is None)
    vocab: float = 1.0  # share of the question's words the corpus uses at all


@dataclass(frozen=True)
class Thresholds:
    """Fitted per embedder by ``guideqa calibrate``; see :mod:`retriever.calibration`.

    ``min_dense``/``strong_dense`` are None when no calibration exists for the embedder:
    cosine scales differ between models, so similarity is then not used at all.
    """

    min_coverage: float
    min_dense: float | None = None
    strong_dense: float | None = None
    strong_coverage: float | None = None  # coverage enough with a strong similarity
    # Share of a premise question's other words that the corpus uses at all (on-topic check).
    min_vocab: float = 0.5


@dataclass(frozen=True)
class Verdict:
    answered: bool
    reason: str  # "ok", "type", "similarity", "coverage"
    near_domain: bool  # close enough to the corpus to show related passages


def decide(f: Features, t: Thresholds) -> Verdict:
    """Answer only when the text holds the asked kind of content and is near and covering."""
    # Near the corpus (worth showing the closest passages): the question is in the corpus's
    # vocabulary (「明日の天気」 is not) and, with a calibration, similar enough.
    near = on_topic(f.dense, f.vocab, t)
    if not f.type_found:
        return Verdict(False, "type", near)
    if t.min_dense is not None and f.dense < t.min_dense:
        return Verdict(False, "similarity", near)
    strong = t.strong_dense is not None and f.dense >= t.strong_dense
    needed = t.strong_coverage if strong and t.strong_coverage is not None else t.min_coverage
    if f.coverage < needed:
        return Verdict(False, "coverage", near)
    return Verdict(True, "ok", near)


def on_topic(dense: float, vocab_share: float, t: Thresholds) -> bool:
    """Is a question (its premise words removed) about the corpus at all?

    Most of its words must be words the corpus uses (「明日の天気」「駐車」 are not), and
    (with a calibration) the top passages must be similar enough.
    """
    return vocab_share >= t.min_vocab and (t.min_dense is None or dense >= t.min_dense)


def vocabulary_share(words: Iterable[str], vocabulary: Mapping[str, float]) -> float:
    """Share of the words that occur in the corpus at all (unweighted)."""
    ws = list(words)
    return sum(1 for w in ws if w in vocabulary) / len(ws) if ws else 0.0
