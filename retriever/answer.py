"""Answering: validate the question, retrieve, decide whether the corpus answers, and build
an answer whose every sentence carries a citation to a passage."""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from guideqa.errors import QueryError
from guideqa.guideline import EXAMPLE_SECTIONS
from guideqa.models import Answer, AnswerSentence, Citation, Role
from guideqa.records import MAX_QUESTION_CHARS, trimmed
from guideqa.text import POINTS_AT_RULES_RE, match_key, nfkc, without_document_reference, without_opening, written_forms
from ingest.admin_structure import ARTICLE_LABEL_RE, ITEM_START_RE, QUESTION_LABEL_RE, numbered
from ingest.chunking import sentence_rows
from ingest.text import normalize_line
from ingest.tokenizer import class_nouns, compound_heads, content_nouns, synonym_bridges
from retriever.abilities import asked_ability
from retriever.answerability import (
    ADVICE_NOUNS,
    AnswerType,
    Features,
    Verdict,
    asked_counter,
    asked_focus,
    asks_a_choice,
    asks_advice,
    asks_future,
    content_words,
    counted_noun,
    coverage,
    decide,
    expected_answer_type,
    has_answer_type,
    in_type_cue,
    is_rare,
    last_verb,
    missing_focus,
    named_things,
    on_topic,
    states_future,
    type_cue,
    verb_stem_bridges,
    vocabulary_share,
    without_introduction,
    without_type_cue,
)
from retriever.calibration import SAFE_MIN_COVERAGE, Policy, Sample, load_policy
from retriever.designations import designations
from retriever.extent import asks_everything, asks_extent, denies_everything, says_proportionate
from retriever.extractive import MAX_SENTENCES, ExtractiveGenerator, sentences_of
from retriever.outline import outline, outline_target
from retriever.overview import is_broad_role_question, role_overview
from retriever.premise import (
    PREMISE_LEAD,
    about_guideline,
    about_national_law,
    asks_about_sanction,
    guideline_words,
    internal_procedure,
    premise_cue,
    says_not_binding,
    says_soft_law,
    without_premise,
)
from retriever.roles import mentioned_role, search_role
from retriever.search import Hit, Retriever, asked_entry, entry_label
from retriever.statutes import CorpusNames, names_a_body, names_ai

log = logging.getLogger(__name__)

ROLE_OVERVIEW_NOTE = "各項目の詳しい内容は、役割別チェックリストや項目名で質問して確認できます。"
REFUSAL_TEXT = "ガイドラインには該当する記載が見当たりません。"
RELATED_HEADING = "関連する記載:"
RELATED_PASSAGES = 2
# Statements quoted after the soft-law one for a legal-force premise, nearest the question first.
PREMISE_EXTRA_STATEMENTS = 2
# Statements of proportionality put first for a question of extent (「全部やらないとだめ？」).
EXTENT_STATEMENTS = 1
EXTENT_AFTER = 1  # ... after the first passage: the question may name a subject of its own
# Specific facts a sentence must state about the question's subject (:meth:`Answerer._type_found`):
# figures (an amount, a term, a date, a count, a rate) and contact details. A premise question
# asking one about a sanction under another rule is refused.
CONTACTS = ("phone", "contact")
FIGURES = ("money", "duration", "date", "number", "rate", *CONTACTS)
# A name asked for (「どこの課に」) must also stand in a sentence about the question's subject.
SUBJECT_TYPES = (*FIGURES, "named", "procedure")
# Kinds whose passage names its subject once for all its lines (a contact block, a rule naming the
# unit a form goes to): the whole passage is read for the subject test.
WHOLE_PASSAGE_TYPES = (*CONTACTS, "named")
# Share of the question's (idf-weighted) content words a sentence quoting the asked figure must
# hold: half, the same share the uncalibrated gate asks of the whole quote (SAFE_MIN_COVERAGE).
TYPED_SENTENCE_COVERAGE = SAFE_MIN_COVERAGE
# The nouns of a term: a sentence naming one states the term itself (「保存期間は1年間」).
_NAMES_A_TERM = re.compile(r"期間|期限|年限|日数|年数")
# A deadline asked (「いつまでに申請」): a term's length (「試用期間は最長60日」) does not state it,
# unless the sentence sets a time by it (「有効期間が満了する日の30日前までに」「…以内に」).
_ASKS_DEADLINE = re.compile(r"いつまで|期限(?:は|って)?\s*いつ|締め?切り?|〆切")
_SETS_A_TIME = re.compile(r"までに|以内に|前まで")
# Any end of a time (「7月31日まで」「30日以内」): what a sentence answering 「いつまで」 first states.
_ENDS_BY = re.compile(r"まで|以内|期限")
# Kinds a passage stating them about the question's subject is ranked first for (Answerer._typed_first).
TYPED_FIRST = (*FIGURES, "named", "payment")
# The first passages, among which the entry a question asks by its number is looked for (Answerer._entry_first).
TOP_ENTRY_HITS = 3
# Candidates searched for a passage stating the asked figure (Answerer._typed_first).
TYPED_POOL = 30
# Passages searched for a sentence stating the asked figure when the selection holds none
# (Answerer.assess): the first ones, where the question's subject is.
TYPED_SENTENCE_PASSAGES = 2
# Figures a question standing alone may find anywhere in its first passage (:meth:`Answerer._typed_sentence`).
STANDALONE_TYPED = ("duration", "money", "rate", "payment")
# A line labelled as a date (「日時 8月1日」「期日：5月末」「開催日 6月3日」): the date of what it stands under.
DATE_LABEL_RE = re.compile(r"^[■□◆◇●・\s]*(?:日時|日程|期日|開催日|実施日|開催期間|期間|日にち)\s*[:：]?\s*\S")
_TAGS = re.compile(r"<[^>]{0,200}>")
# Script and style elements hold code, never words of a question: removed whole.
_CODE_ELEMENTS = re.compile(r"<(script|style)\b[^>]{0,200}>.{0,2000}?</\1\s*>", re.IGNORECASE | re.DOTALL)


# The words a follow-up turn asked in its own text (「報告書は出すの？期限は？」), when the search
# text also carries the previous question's: a figure must be stated about these.
_OWN_TURN: ContextVar[str | None] = ContextVar("guideqa_own_turn", default=None)
# Whether that turn asks its own thing (its own answer type or predicate; see Answerer.own_turn).
_OWN_ASKS: ContextVar[bool] = ContextVar("guideqa_own_asks", default=False)
# The document the previous answer of the conversation led with (see Answerer.own_turn).
_LED_WITH: ContextVar[str | None] = ContextVar("guideqa_led_with", default=None)


class Generator(Protocol):
    name: str

    def generate(self, question: str, hits: list[Hit]) -> list[tuple[int, AnswerSentence]]: ...


def clean_question(question: str) -> str:
    """Trim, normalise and strip markup/control characters; raise QueryError if unusable."""
    if not isinstance(question, str):
        raise QueryError("質問は文字列で指定してください。")
    # Checked on the text as sent (what the API schema states: records.QUESTION_PATTERN), then
    # normalised: NFC may lengthen a few characters (U+0958 …).
    text = trimmed(question)
    if not text:
        raise QueryError("質問が空です。知りたいことを入力してください。", code="empty_question")
    if len(text) > MAX_QUESTION_CHARS:
        raise QueryError(
            f"質問が長すぎます（{len(text)}文字）。{MAX_QUESTION_CHARS}文字以内で入力してください。",
            code="question_too_long",
        )
    return unicodedata.normalize("NFC", text)


# Attempts to re-instruct the assistant. They are removed from what is searched; the rest
# of the question (if any) is answered as usual.
INJECTION = re.compile(
    r"[^。！？\n]*(?:(?:以前|前|上記|これまで)の(?:指示|命令|ルール|規則)[^。！？\n]*(?:無視|忘れ)"
    r"|システムプロンプト|あなたは今から|\{\{\s*system\s*\}\}|ignore (?:all )?(?:previous|prior|above) instructions"
    r"|jailbreak|developer mode)[^。！？\n]*[。！？]?",
    re.IGNORECASE,
)


def search_text(question: str) -> str:
    """What is searched: script/style elements removed, other tags removed (their text kept),
    injected instructions removed, spoken contractions in their written forms, whitespace
    collapsed, a leading acknowledgement or topic-change conjunction (「ありがとう。ところで、」)
    left out: it says nothing about what is asked."""
    text = INJECTION.sub(" ", _TAGS.sub(" ", _CODE_ELEMENTS.sub(" ", question)))
    return without_opening(re.sub(r"\s+", " ", written_forms(text)).strip())


# Asking where or whom to ask (「分からないことはどこに聞けばいい？」「誰に質問すれば」): what a document
# calls its 問い合わせ先, in its own word. (Not whom to consult, 「誰に相談すれば」: that is often a
# superior the rules name, not the contact point.)
# (Asked as what to do: …ば / …たら / …いい; not 「誰に聞いても分からない」「どこに聞いたらいいか分からない
# ので、ここで…」, a remark before the question.)
_ASKS_WHOM_TO_ASK = re.compile(
    r"(?:どこ|誰|だれ|どなた)(?:に|へ)お?(?:聞|訊|き|尋ね|たずね|質問|問い?合わ?せ)[ぁ-ゖ]{0,4}?(?:ば|たら|だら|いい|よい)(?![^。？?]{0,6}分から|[^。？?]{0,6}わから)"
)
_INQUIRY = "問い合わせ先"


def retrieval_text(query: str) -> str:
    """What the retriever is given for a searched question: without its reference to the document
    asked (:func:`guideqa.text.without_document_reference`), when something with a noun is left
    (「ガイドラインは誰が書いたの？」 asks about the document itself and is searched whole); a
    question asking where to ask, with the word for that (:data:`_ASKS_WHOM_TO_ASK`). The gate and
    the premise test still read the whole question."""
    shorter = without_document_reference(query)
    text = shorter if shorter != query and content_nouns(shorter) else query
    if _ASKS_WHOM_TO_ASK.search(nfkc(text)) and "問い合わせ" not in text and "問合せ" not in text:
        return f"{text} {_INQUIRY}"
    return text


@dataclass
class Assessment:
    """What the gate saw: the extractive selection, its features and the verdict."""

    selection: list[tuple[int, str]]
    features: Features
    verdict: Verdict


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        generator: Generator | None = None,
        policy: Policy | None = None,
        calibration_file: Path | None = None,
    ) -> None:
        self.retriever = retriever
        self.idf = _idf_table(retriever)
        self.extractive = ExtractiveGenerator(retriever.tokenizer, self.idf)
        # Added documents: one organisation's rules are not quoted as another's.
        self.extractive.families = retriever.families
        self.generator = generator or self.extractive
        if policy is None:
            embedder_id = str(getattr(retriever.embedder, "embedder_id", ""))
            policy = load_policy(embedder_id, calibration_file) if calibration_file else load_policy(embedder_id)
        self.policy = policy
        self._soft_law: tuple[list[tuple[int, str]], list[tuple[int, str, int]]] | None = None
        self._soft_law_docs: set[str] | None = None
        self._proportionate: tuple[list[tuple[int, str]], np.ndarray] | None = None
        self.names = CorpusNames((c.text for c in retriever.chunks), self.idf)
        # Organisations' rules (documents the generic reader read) define their offices and terms;
        # the bundled papers' few abbreviations (「戦略」 for a 基本計画) are not posts people name.
        generic = {d for d, doc in retriever.documents.items() if doc.get("layout") == "generic"}
        by_doc: dict[str, list[str]] = {}
        for c in retriever.chunks:
            if c.doc_id in generic:
                by_doc.setdefault(c.doc_id, []).append(c.text)
        self.designations = designations(by_doc)

    # -- evidence ------------------------------------------------------------------------
    def coverage(self, question: str, hits: list[Hit]) -> float:
        """Share of the question's (idf-weighted) search tokens found in the top passages
        (used by the conversation resolver to tell whether a follow-up stays on an item).

        Only the question's content words count: its interrogative frame (「どうすればいい」)
        says what kind of answer is wanted, not what it is about."""
        tokens = set(self.retriever.tokenizer.tokenize(" ".join(content_words(question))))
        seen: set[str] = set()
        for hit in hits[:3]:
            seen |= set(self.retriever.tokenizer.tokenize(hit.chunk.text))
        return coverage(tokens, seen, self.idf)

    @contextlib.contextmanager
    def own_turn(self, text: str, led_with: str | None = None) -> Iterator[None]:
        """Within the block (this thread), a question searched with an earlier turn's words
        (a follow-up) is gated on the figure it asks about with its own words, when it has any:
        a sentence stating the asked figure must be about what this turn asks. ``led_with`` is
        the document the previous answer led with: a figure the follow-up asks (「報告書はいつまで
        に出すの？」 after a question answered from a city's rules) is that document's."""
        from retriever.conversation import elided_predicate  # deferred: conversation builds on this module

        # Its own type (「書類も出す？いつまで？」) or its own predicate (「間に合わなかったら？」
        # 「どのくらいで返事もらえる？」): the turn asks its own thing, not the previous turn's 「締切は
        # いつ？」. A noun phrase whose predicate is left out (「派遣の人も？」「小さい会社だと？」)
        # borrows the previous one, and with it the kind of content asked for.
        asks = bool(text) and (expected_answer_type(text) is not None or not elided_predicate(text))
        token, asks_token, led_token = _OWN_TURN.set(text), _OWN_ASKS.set(asks), _LED_WITH.set(led_with)
        try:
            yield
        finally:
            _OWN_TURN.reset(token)
            _OWN_ASKS.reset(asks_token)
            _LED_WITH.reset(led_token)

    @staticmethod
    def _typed_words(question: str) -> list[str]:
        """The words a sentence stating the asked figure must cover: the turn's own (see
        :meth:`own_turn`) when it has any, else the question's."""
        own = _OWN_TURN.get()
        return (content_words(without_type_cue(own)) if own else []) or content_words(without_type_cue(question))

    @staticmethod
    def _typed_question(question: str) -> str:
        """The text whose answer type the gate asks for: a follow-up's own turn when it asks its
        own thing (see :meth:`own_turn`), else the search text ``question``."""
        own = _OWN_TURN.get()
        return own if own and _OWN_ASKS.get() else question

    def features(self, question: str, hits: list[Hit], selection: list[tuple[int, str]]) -> Features:
        """Similarity of the top passages, coverage and answer type of the selected sentences."""
        words = content_words(without_type_cue(question))
        typed_words = self._typed_words(question)
        # The quoted sentences as a reader sees them: each under its heading, shown with its citation
        # (「2．気づいてから1時間以内に…」 under 【うっかり入力してしまったとき】 is about うっかり入力).
        shown = " ".join(_with_heading(hits, i, text) for i, text in selection)
        typed_question = self._typed_question(question)
        expected = expected_answer_type(typed_question)
        counter = asked_counter(typed_question) if expected in ("number", "duration") else None
        focus = asked_focus(question)
        # What the question asks about: its focus and the names it mentions (a product, a
        # place, a scheme); a rare one that no retrieved passage holds is not in the corpus.
        # A focus that only names the kind of answer (「アドレスを教えて」) is the type, not a subject.
        cue = type_cue(typed_question) if expected is not None else ""
        # A focus naming advice (「注意点は」) names the kind of answer, like a type cue, not a subject.
        about = [(form, parts) for form, parts in focus if not in_type_cue(form, cue) and form not in ADVICE_NOUNS] + named_things(
            question,
            asks_a_thing=(bool(focus) and not asks_advice(focus)) or asks_a_choice(question),
            rare=lambda w: is_rare(w, self.idf, len(self.retriever.chunks)),
        )
        # What a named product is asked to be able to do (「DeepLって手書きの書類も読み取れる？」).
        about += list(asked_ability(typed_question))
        held: set[str] = set()
        if about:
            for hit in hits:
                held |= _passage_words(hit.chunk.text)
        return Features(
            dense=max((h.dense for h in hits[:3]), default=0.0),
            coverage=_covered(words, set(content_words(shown)), self.idf),
            expected=expected,
            type_found=expected is None
            or self._type_found(typed_question, selection, expected, counter, focus, typed_words, hits)
            or self._found_in_conversation(question, selection, expected, counter, hits),
            # Whether what is asked is the corpus's topic: the words of the asker's own job (「動物病院で
            # 受付をしています。」) do not make it less so; those of an introduction on the topic
            # (「市役所でチャットボットの導入担当をしています。」) count.
            vocab=self._vocabulary(question, words),
            focus_missing=bool(missing_focus(about, held, self.idf, len(self.retriever.chunks))),
            # A specific asked of a body the corpus never names (「隣の県庁だと何日？」) is that body's.
            rules_missing=self._other_rules(question)
            or (expected in SUBJECT_TYPES and not about_guideline(question) and bool(self.names.settings_unnamed(typed_question))),
        )

    def _vocabulary(self, question: str, words: list[str]) -> float:
        """The share of the question's words the corpus uses, the better of with and without the
        opening sentences that introduce the asker (tokenised a second time only when there are any)."""
        share = vocabulary_share(words, self.idf)
        asked = without_introduction(question)
        if asked == nfkc(question):
            return share
        return max(share, vocabulary_share(content_words(without_type_cue(asked)), self.idf))

    def _other_rules(self, question: str) -> bool:
        """The question asks what a law or another body's rules say, or whether another body
        accepts something, and the corpus never names them (:mod:`retriever.statutes`). A
        question about the guideline itself (「弊社の規程では…ですが、ガイドライン上は？」) is not."""
        return not about_guideline(question) and bool(self.names.unnamed(question))

    def _found_in_conversation(
        self,
        question: str,
        selection: list[tuple[int, str]],
        expected: AnswerType,
        counter: str | None,
        hits: list[Hit],
    ) -> bool:
        """A follow-up asking a figure with few words of its own (「書類も出すの？いつまで？」 after
        「うっかり入力してしまったら誰に言えばいい？」): its own words name no subject a sentence could
        hold, and Japanese leaves the conversation's subject out. The figure stands in a quoted
        sentence whose whole passage is about the conversation: it holds at least
        :data:`TYPED_SENTENCE_COVERAGE` of the words of ``question`` (the search text: the last
        question with this turn's words)."""
        if _OWN_TURN.get() is None or expected not in SUBJECT_TYPES:
            return False
        asked = content_words(without_type_cue(question))
        return any(
            has_answer_type(text, expected, counter, question)
            and _covered(asked, self._held(question, hits, i, _with_antecedent(hits, i, text, whole=True)), self.idf)
            >= TYPED_SENTENCE_COVERAGE
            for i, text in selection
        )

    def _held(self, question: str, hits: list[Hit] | None, i: int, text: str) -> set[str]:
        """The words a sentence (``text``, with its antecedent) of hit ``i`` holds for the subject
        test: its own, its heading's, and what the document's defined terms it uses stand for
        (「所属長」: 課の課長; 「管理責任者」: 事務局長, :mod:`retriever.designations`)."""
        held = set(_passage_words(text)) | self._title_words(question, hits, i) | _caption_words(hits, i)
        terms = self.designations.get(hits[i].chunk.doc_id) if hits is not None and 0 <= i < len(hits) else None
        for term, meaning in (terms or {}).items():
            if term in text:
                held |= _passage_words(meaning)
        return held

    def _type_found(
        self,
        question: str,
        selection: list[tuple[int, str]],
        expected: AnswerType,
        counter: str | None,
        focus: Sequence[tuple[str, tuple[str, ...]]],
        words: list[str] | None = None,
        hits: list[Hit] | None = None,
    ) -> bool:
        """The asked kind of content is quoted; when the question names what it asks about
        (「補助率は」「精度は何パーセント」) or what it counts (「従業員が何人」), in a sentence that
        mentions it: a percentage about something else does not answer. A figure (an amount, a
        term, a date, a count, a rate) of a question that names neither must stand in a sentence
        about the question's subject: one holding at least :data:`TYPED_SENTENCE_COVERAGE` of its
        (idf-weighted) words. (A question that names its subject, 「記録票は何年」, is answered by
        the sentence naming it, whatever situation the question describes around it.) A sentence
        that leaves its subject to the sentence before it (「新しいツールを使いたい場合は…申請書を
        提出してください。審査し、10営業日以内に結果を回答します」: Japanese drops a subject the
        reader already has) is read with that sentence of its passage for this test."""
        cue = type_cue(question)
        # The focus without the words that only state the type (「個人の割合は」: 割合).
        forms = {w for form, parts in focus for w in (form, *parts) if not in_type_cue(w, cue)}
        counted = counted_noun(question) if counter else []
        typed = [(i, text) for i, text in selection if has_answer_type(text, expected, counter, question)]
        if expected == "date" and asks_future(question):  # a past date does not say when it will be
            typed = [(i, text) for i, text in typed if states_future(text)]
        if not forms and not counted and expected not in SUBJECT_TYPES:
            return has_answer_type(" ".join(text for _, text in selection), expected, counter, question)
        if forms:
            typed = [(i, t) for i, t in typed if _names_focus(forms, _passage_words(_under_heading(hits, i, t)) | self._title_words(question, hits, i))]
        for form, parts in counted:  # the counted noun itself (a compound: all its parts)
            typed = [(i, t) for i, t in typed if form in _passage_words(t) or (len(parts) > 1 and set(parts) <= _passage_words(t))]
        if expected in SUBJECT_TYPES and not forms and not counted:
            asked = words if words is not None else self._typed_words(question)
            # The event whose length is asked is stated in the term's own words (残る → 保存する,
            # 待つ → 回答する): the subject is what the question says it of, unless the sentence names
            # the event as the question does (「何時間以内に報告」 under 「事故の報告」).
            measured = last_verb(question) if expected == "duration" else None
            deadline = bool(_ASKS_DEADLINE.search(type_cue(question)))

            def holds_subject(i: int, t: str) -> bool:
                held = self._held(question, hits, i, _with_antecedent(hits, i, t, whole=expected in WHOLE_PASSAGE_TYPES))
                said = asked if measured in held else ([w for w in asked if w != measured] or asked)
                # (Leaving the measured verb out only relaxes the test: a sentence stating the event in
                # a word of the same stem, 受ける → 受講, covers it with the verb counted.)
                return max(_covered(said, held, self.idf), _covered(asked, held, self.idf)) >= TYPED_SENTENCE_COVERAGE

            typed = [
                (i, t)
                for i, t in typed
                # The statement of a term (「利用ログの保存期間は1年間です」: it names a 期間 and its
                # length) in the passage ranked first for the whole question: 「どれくらいの期間残るの？」
                # asks it of what that passage is about, in everyday words (打ち込む・残る for 入力・保存)
                # the sentence need not share.
                if (expected == "duration" and hits is not None and i == 0 and _NAMES_A_TERM.search(t) and not (deadline and not _SETS_A_TIME.search(t)))
                # The article ranked first whose caption names what is asked about (「…記録が残るの？」:
                # 第11条（記録）) states its figure in the rule's own words (保存する).
                or (i == 0 and bool(self._named_caption(asked, hits, i)) and not (deadline and not _SETS_A_TIME.search(t)))
                or holds_subject(i, t)
            ]
        return bool(typed)

    def assess(self, question: str, hits: list[Hit]) -> Assessment:
        selection = self.extractive.select(question, hits) if hits else []
        f = self.features(question, hits, selection)
        if selection and f.expected in (*FIGURES, "payment") and not f.type_found:
            # The sentences nearest a follow-up's words need not be the one stating the figure it
            # asks (「書類も出すの？いつまで？」: 「書類はその後でかまいません」 is nearer than 「翌日の
            # 勤務終了までに…報告書を提出します」): the first passages' sentence stating it, when the
            # subject test accepts it, leads the selection.
            typed = self._typed_sentence(question, hits, f.expected)
            if typed is not None:
                selection = [typed, *(x for x in selection if x != typed)][: max(len(selection), 1)]
                f = self.features(question, hits, selection)
        verdict = decide(f, self.policy.thresholds) if selection else Verdict(False, "empty", False)
        return Assessment(selection, f, verdict)

    def _typed_sentence(self, question: str, hits: list[Hit], expected: AnswerType) -> tuple[int, str] | None:
        """In a follow-up (:meth:`own_turn`), the first sentence of the first
        :data:`TYPED_SENTENCE_PASSAGES` passages of the first passage's document (another
        document's figure is not this one's, as in :meth:`_typed_first`) that states the asked
        kind of content and passes the gate's subject test. (A question standing alone names its
        subject in its own words, and the sentences nearest them are where its figure is: a figure
        elsewhere in the passage is about something else, 「ヘルプデスクの電話番号」 answered with
        another desk's, a count 「何時まで」 with another row's hours. A length of time, an amount or
        a rate are the exception: one stated in the first passage answers 「どれくらいの期間残るの？」
        in that passage's words, 「利用ログの保存期間は1年間です」, and 「補助って毎月いくらまで？」 by the
        line 「上限：1店舗あたり月2,000円」 of the list under 「組合のAIツール補助制度」.)"""
        own_turn = _OWN_TURN.get() is not None
        # A date too, from a line labelled as the date of what its heading names (「■日時 8月1日（土）
        # 午後4時～」 under 「第38回あじさい夏まつり」): not any date of the passage, which in the
        # guideline's prose is that of another event (「2023年12月には広島AIプロセス…」).
        dated = not own_turn and expected == "date"
        if not own_turn and expected not in STANDALONE_TYPED and not dated:
            return None
        typed_question = self._typed_question(question)
        counter = asked_counter(typed_question) if expected in ("number", "duration") else None
        focus = asked_focus(question)
        words = self._typed_words(question)
        for i, hit in enumerate(hits[: TYPED_SENTENCE_PASSAGES if own_turn else 1]):
            if hit.chunk.doc_id != hits[0].chunk.doc_id:
                continue
            for sentence in sentences_of(hit.chunk.text, tuple(hit.chunk.section_path)):
                if not has_answer_type(sentence, expected, counter, typed_question):
                    continue
                if dated and not DATE_LABEL_RE.match(nfkc(sentence)):
                    continue
                one = [(i, sentence)]
                if self._type_found(typed_question, one, expected, counter, focus, words, hits) or self._found_in_conversation(
                    question, one, expected, counter, hits
                ):
                    return (i, sentence)
        return None

    def premise_on_topic(self, question: str, role: Role | None) -> tuple[bool, float, float]:
        """(on topic, similarity, corpus vocabulary share) of the question without its premise
        words: a penalty attached to an unrelated subject is not corrected."""
        rest = without_premise(without_type_cue(question))
        words = content_words(rest)
        if not words:  # nothing but the premise: on topic when it is about the guideline itself
            return about_guideline(question), 0.0, 0.0
        hits = self.retriever.hits(rest, role, 3) if len(rest) >= 2 else []
        dense = max((h.dense for h in hits), default=0.0)
        # A premise about the use of AI in general (「AIで物件査定を出すには国の免許が要るって本当？」) is
        # about the corpus's own subject whatever setting it names (物件・査定 are not the corpus's
        # words): its vocabulary counts as the corpus's. One naming the body whose permit it assumes
        # (「国交省の飛行許可」) asks about that body's rules, and is judged by its words as before.
        general = any(names_ai(w) for w in words) and not names_a_body(rest)
        share = 1.0 if general else vocabulary_share(words, self.idf)
        return bool(words) and on_topic(dense, share, self.policy.thresholds), dense, share

    def answerable(self, question: str, hits: list[Hit]) -> bool:
        return self.assess(question, hits).verdict.answered

    def sample(self, question: str, should_answer: bool, role: Role | None = None, k: int = 10) -> Sample | None:
        """The gate's inputs for one question, for ``guideqa calibrate`` (None: not gated,
        e.g. a role overview or a structure list)."""
        query = search_text(clean_question(question))
        role = search_role(query, role)
        hits = self._typed_first(query, role, self.retriever.hits(retrieval_text(query), role, k))
        hits = self._proportionate_first(query, hits)
        hits, query = self._entry_first(query, hits)
        if self._is_premise(query, hits):
            if about_guideline(query):  # corrected whatever else it names: not gated (as in _premise_answer)
                return None
            _, dense, share = self.premise_on_topic(query, role)
            return Sample(Features(dense, 0.0, None, True), should_answer, premise=True, vocab=share)
        about = role or mentioned_role(query)
        if (about is not None and is_broad_role_question(query)) or outline_target(query) is not None:
            return None
        return Sample(self.assess(query, hits).features, should_answer)

    # -- answering -----------------------------------------------------------------------
    def ask(self, question: str, role: Role | None = None, k: int = 10) -> Answer:
        with self.retriever.one_question():
            return self._ask(question, role, k)

    def _ask(self, question: str, role: Role | None, k: int) -> Answer:
        text = clean_question(question)
        query = search_text(text)
        answer = Answer(question=text, role=role, refused=False, answer="", generator=self.generator.name)
        if len(query) < 2:  # nothing left once markup and injected instructions are removed
            return self._refuse(answer, [])
        # Deferred import: the follow-up cue words live with the conversation logic, which builds on this module.
        from retriever.conversation import lacks_subject

        if lacks_subject(query):  # 「具体例は？」 on its own: nothing to answer about
            return self._refuse(answer, [])
        role = search_role(query, role)
        answer.role = role
        hits = self._typed_first(query, role, self.retriever.hits(retrieval_text(query), role, k))
        hits = self._proportionate_first(query, hits)
        hits, query = self._entry_first(query, hits)
        if self._is_premise(query, hits):
            return self._premise_answer(answer, query, role, k, hits)
        answer.passages = [self.retriever.passage(h.chunk, h.score) for h in hits]
        about = role or mentioned_role(query)
        if about is not None and is_broad_role_question(query):
            overview = role_overview(self.retriever.chunks, about, self.retriever.guideline_docs)
            if overview:
                answer.role = about
                return self._overview_answer(answer, overview)
        target = outline_target(query)
        if target is not None:
            parts = outline(self.retriever.chunks, target, self.retriever.guideline_docs)
            if len(parts) >= 2:
                return self._overview_answer(answer, parts, note=None)
        return self._gated_answer(answer, query, hits)

    @staticmethod
    def _entry_first(query: str, hits: list[Hit]) -> tuple[list[Hit], str]:
        """「Q&Aの15番って何？」 asks what the entry labelled 15 says: among the first passages, the one
        labelled with it leads, and its label (「Q15. AIで作った文章や画像に著作権の問題はありますか。」)
        is the question the answer's sentences are chosen for and checked against."""
        number = asked_entry(query)
        if number is None:
            return hits, query
        for j, hit in enumerate(hits[:TOP_ENTRY_HITS]):
            label = entry_label(hit.chunk, number)
            if label is not None:
                return [hit, *(h for i, h in enumerate(hits) if i != j)], label
        return hits, query

    def refuse(self, question: str, role: Role | None = None) -> Answer:
        """The fixed refusal for a question that cannot be answered as asked."""
        text = clean_question(question)
        return self._refuse(Answer(question=text, role=role, refused=False, answer="", generator=self.generator.name), [])

    def _gated_answer(self, answer: Answer, query: str, hits: list[Hit]) -> Answer:
        """Answer only what the passages answer; the generator is called only after the gate."""
        assessment = self.assess(query, hits)
        if not assessment.verdict.answered:
            log.info("refused: %s (%s)", assessment.verdict.reason, assessment.features)
            return self._refuse(answer, hits if assessment.verdict.near_domain else [])
        picked = self._generate(query, hits, answer, assessment)
        if not picked:
            return self._refuse(answer, hits)
        self._with_statements(query, hits, picked)
        self._attach(answer, hits, picked)
        return answer

    def _overview_answer(
        self, answer: Answer, overview: list[tuple[int, str]], note: str | None = ROLE_OVERVIEW_NOTE
    ) -> Answer:
        hits = []
        picked: list[tuple[int, AnswerSentence]] = []
        for rank, (index, sentence) in enumerate(overview):
            hits.append(Hit(index, self.retriever.chunks[index], 0.0, 0.0, 0.0))
            picked.append((rank, AnswerSentence(text=sentence, citations=[])))
        answer.generator = self.extractive.name
        self._attach(answer, hits, picked)
        if note:
            answer.notes.append(note)
        return answer

    def quotes(self, query: str, hits: list[Hit], assessment: Assessment) -> list[tuple[int, str]]:
        """The extractive answer: by default the selection the gate weighed. With the closer-
        citation rule on (``ExtractiveGenerator.closest_passages``), the few passages that match
        the question most closely (:meth:`ExtractiveGenerator.quote`), unless the question asks
        for a kind of content (a date, an amount…) that the gate found but the quote lacks."""
        picked = assessment.selection
        if self.extractive.closest_passages:
            quoted = self.extractive.quote(query, hits)
            expected = assessment.features.expected
            picked = quoted
            if expected is not None and assessment.features.type_found:
                typed_query = self._typed_question(query)
                counter = asked_counter(typed_query) if expected in ("number", "duration") else None
                if not self._type_found(typed_query, quoted, expected, counter, asked_focus(query), hits=hits):
                    picked = assessment.selection
        return self._figure_first(query, hits, picked, assessment.features)

    def _figure_first(self, query: str, hits: list[Hit], quoted: list[tuple[int, str]], f: Features) -> list[tuple[int, str]]:
        """A question asking for a figure (a term, a deadline, an amount, a count, a contact) is
        answered first by the quoted sentence that states it about the question's subject (the
        gate's own test, :meth:`_type_found`), the sentences around it after: 「何日くらいかかる？」
        leads with 「申請から5開庁日以内」, not with the step before it."""
        expected = f.expected
        # (Not who pays: the payment test reads no subject, and 「負担」 of anything would pass.)
        if len(quoted) < 2 or expected not in FIGURES or not f.type_found:
            return quoted
        typed_query = self._typed_question(query)
        counter = asked_counter(typed_query) if expected in ("number", "duration") else None
        if has_answer_type(quoted[0][1], expected, counter, typed_query):
            return quoted
        focus, words = asked_focus(query), self._typed_words(query)
        deadline = bool(_ASKS_DEADLINE.search(type_cue(typed_query)))  # 「いつまでに」: an end set, not a length
        for x in quoted[1:]:
            if deadline and not _ENDS_BY.search(x[1]):
                continue
            if has_answer_type(x[1], expected, counter, typed_query) and (
                self._type_found(typed_query, [x], expected, counter, focus, words, hits)
                or self._found_in_conversation(query, [x], expected, counter, hits)
            ):
                return [x, *(y for y in quoted if y != x)]
        return quoted

    def _generate(
        self, query: str, hits: list[Hit], answer: Answer, assessment: Assessment
    ) -> list[tuple[int, AnswerSentence]]:
        if self.generator is self.extractive:
            return _sentences(self.quotes(query, hits, assessment))
        picked = self.generator.generate(query, hits)
        if not picked:
            # Too little of the LLM's answer was supported by the passages it cited.
            picked = _sentences(self.quotes(query, hits, assessment))
            answer.generator = self.extractive.name
            answer.notes.append("生成AIの回答を出典で確認できなかったため、原文からの抜粋で回答しています。")
        return picked

    def _refuse(self, answer: Answer, related: list[Hit]) -> Answer:
        """The fixed refusal; near-domain questions also get the closest passages, cited."""
        answer.refused = True
        answer.answer = REFUSAL_TEXT
        picked = self._related(related)
        if picked:
            self._attach(answer, related, picked)
            answer.answer = REFUSAL_TEXT + "\n" + RELATED_HEADING + "\n" + answer.answer
        return answer

    def _related(self, hits: list[Hit]) -> list[tuple[int, AnswerSentence]]:
        """The first readable sentence of each of the closest passages."""
        picked: list[tuple[int, AnswerSentence]] = []
        for rank, hit in enumerate(hits[:RELATED_PASSAGES]):
            sentences = sentences_of(hit.chunk.text, tuple(hit.chunk.section_path))
            if sentences:
                picked.append((rank, AnswerSentence(text=sentences[0], citations=[])))
        return picked

    # -- false premises ------------------------------------------------------------------
    def _typed_first(self, query: str, role: Role | None, hits: list[Hit]) -> list[Hit]:
        """For a question asking a figure, a contact or a name (「何日以内」「内線番号」「どこの課に」), a passage that
        states one about the question's subject (the gate's own test, :meth:`_type_found`) comes
        first, drawn from the first :data:`TYPED_POOL` candidates of the document the first
        passage is from: a passage without the asked kind of content cannot answer it (answer-
        type-aware retrieval), and another document's figure is not this one's. Other questions:
        unchanged."""
        typed_query = self._typed_question(query)
        expected = expected_answer_type(typed_query)
        if expected not in TYPED_FIRST or not hits:
            return hits
        counter = asked_counter(typed_query) if expected in ("number", "duration") else None
        focus = asked_focus(query)
        words = self._typed_words(query)  # a follow-up's own words, as the gate reads them
        # The document the question points at (a follow-up's: the one the conversation's last
        # answer led with), not another one's figures.
        led_with = _LED_WITH.get() if not self.retriever.named_documents(query) else None
        doc_id = led_with or hits[0].chunk.doc_id

        def states_figure(h: Hit) -> bool:
            return (
                h.chunk.doc_id == doc_id
                and has_answer_type(h.chunk.text, expected, counter)  # cheap: most candidates hold no such figure
                and self._states_subject(query, words, h, whole=expected in WHOLE_PASSAGE_TYPES)
                and self._type_found(
                    typed_query,
                    [(0, sent) for sent in sentences_of(h.chunk.text, tuple(h.chunk.section_path))],
                    expected,
                    counter,
                    focus,
                    words,
                    [h],
                )
            )

        if states_figure(hits[0]):  # already first: no wider search
            return hits
        pool = self.retriever.hits(retrieval_text(query), role, max(TYPED_POOL, len(hits)))
        first = next((h for h in pool if states_figure(h)), None)
        if first is None:
            return hits
        return ([first] + [h for h in hits if h.index != first.index])[: len(hits)]  # the rest of the ranking stands

    def _proportionate_first(self, query: str, hits: list[Hit]) -> list[Hit]:
        """For a question of extent (「全部やらないとだめ？」「小さい会社だと？」, :func:`asks_extent`),
        the passage of the guideline's statement of proportionality nearest the question
        (:meth:`_proportionate_statements`) comes after the first passage; the rest of the
        ranking stands. Other questions: unchanged."""
        lead = {i: cos for i, _, cos in self._proportionate_statements(query)} if hits else {}
        if not lead:
            return hits
        have = {h.index: h for h in hits}
        # Quoted whatever the first passage says: it answers the extent asked (``focused``).
        first = [
            replace(have[i], focused=True) if i in have else Hit(i, self.retriever.chunks[i], 0.0, cos, 0.0, cos, True)
            for i, cos in lead.items()
        ]
        rest = [h for h in hits if h.index not in lead]
        return (rest[:EXTENT_AFTER] + first + rest[EXTENT_AFTER:])[: len(hits)]

    def _proportionate_statements(self, query: str) -> list[tuple[int, str, float]]:
        """(chunk index, sentence, cosine) of the :data:`EXTENT_STATEMENTS` statements of
        proportionality nearest a question of extent, by their sentence vectors; [] for
        other questions."""
        if not asks_extent(query):
            return []
        statements, vectors = self._proportionate_pool()
        if not statements:
            return []
        cosines = vectors @ self.retriever.query_vector(retrieval_text(query))  # the few statements only
        # 「全部やらないとだめ？」 is answered first by the statement that not everything is required.
        everything = asks_everything(query)
        order = sorted(range(len(statements)), key=lambda n: (not (everything and denies_everything(statements[n][1])), -cosines[n]))
        out: dict[int, tuple[str, float]] = {}
        for n in order:
            i, sent = statements[n]
            out.setdefault(i, (sent, float(cosines[n])))
            if len(out) >= EXTENT_STATEMENTS:
                break
        return [(i, sent, cos) for i, (sent, cos) in out.items()]

    def _with_statements(self, query: str, hits: list[Hit], picked: list[tuple[int, AnswerSentence]]) -> None:
        """A question of extent is answered first by the statement of proportionality its
        passages hold (in place, at most :data:`MAX_SENTENCES` sentences kept)."""
        rank_of = {h.index: r for r, h in enumerate(hits)}
        quoted = {s.text for _, s in picked}
        for i, sent, _ in self._proportionate_statements(query):
            if i in rank_of and sent not in quoted:
                picked.insert(0, (rank_of[i], AnswerSentence(text=sent, citations=[])))
                if len(picked) > MAX_SENTENCES:
                    picked.pop()

    def _proportionate_pool(self) -> tuple[list[tuple[int, str]], np.ndarray]:
        """Cached: (chunk index, sentence) of every statement of proportionality in the current
        guideline and its update, and their sentence vectors; not in worked examples (a small
        firm's 実践例 shows what one did, the statements say what is asked)."""
        if self._proportionate is None:
            rows = _sentence_rows(self.retriever)
            statements: list[tuple[int, str]] = []
            picked: list[int] = []
            for i, c in enumerate(self.retriever.chunks):
                if self.retriever.documents.get(c.doc_id, {}).get("status", "current") not in ("current", "update"):
                    continue
                if c.section_path and c.section_path[-1] in EXAMPLE_SECTIONS:
                    continue
                for sent in sentences_of(c.text):
                    row = _row_of(rows.get(i, []), match_key(sent)) if says_proportionate(sent) else None
                    if row is not None:
                        statements.append((i, sent))
                        picked.append(row)
            self._proportionate = (statements, np.ascontiguousarray(self.retriever.sentence_vectors[picked]))
        return self._proportionate

    def _states_subject(self, question: str, words: list[str], hit: Hit, whole: bool = False) -> bool:
        """Some sentence of the passage, read with its heading and the sentence before it (with
        ``whole``, the passage with its heading: a contact block), holds :data:`TYPED_SENTENCE_COVERAGE` of the question's words."""
        if whole:
            text = _with_antecedent([hit], 0, "", whole=True)
            return _covered(words, self._held(question, [hit], 0, text), self.idf) >= TYPED_SENTENCE_COVERAGE
        # Each sentence with what states its subject (its heading, the sentence before it), as
        # the gate reads it: 「・利用ログの保存期間は5年間」 under 「・入力内容・出力内容はすべて記録される」.
        return any(
            _covered(words, self._held(question, [hit], 0, _with_antecedent([hit], 0, sent)), self.idf)
            >= TYPED_SENTENCE_COVERAGE
            for sent in sentences_of(hit.chunk.text, tuple(hit.chunk.section_path))
        )

    def _named_caption(self, asked: list[str], hits: list[Hit] | None, index: int) -> set[str]:
        """The words of hit ``index``'s article caption the question names, but for the words of its
        document's title (「生成AI」「利用」 are in every article's subject)."""
        if hits is None or not 0 <= index < len(hits):
            return set()
        doc = self.retriever.documents.get(hits[index].chunk.doc_id) or {}
        return (set(_caption_words(hits, index)) & set(asked)) - _passage_words(str(doc.get("title") or ""))

    def _title_words(self, question: str, hits: list[Hit] | None, index: int) -> frozenset[str]:
        """The words of the title of an organisation's document that hit ``index`` is from: every
        sentence of 「こだま設計 AI利用ルール」 is about that company's AI rules, so a question's
        「このAIのルールって、いつ見直す？」 is about the subject of 「毎年3月に本規程…を見直し」.
        Only when the question points at the rules themselves (「このAIのルール」「本規程」): the
        title's words (生成AI, 利用) are in most questions, and must not stand in for the words
        of one that names another subject. Only for added documents, read by the generic reader."""
        if hits is None or not 0 <= index < len(hits) or not POINTS_AT_RULES_RE.search(nfkc(question)):
            return frozenset()
        doc = self.retriever.documents.get(hits[index].chunk.doc_id) or {}
        if doc.get("layout") != "generic":
            return frozenset()
        return _passage_words(str(doc.get("title") or ""))

    def _is_premise(self, query: str, hits: list[Hit]) -> bool:
        """A legal-force premise to correct: a premise cue, unless the question is about an
        organisation's own rules and not about the guideline or the law of the land."""
        if not premise_cue(query):
            return False
        if self._other_rules(query):
            # 「メルカリの規約違反になりますか」「…は金融商品取引法違反？」: a premise about rules the
            # corpus never names, which the guideline's legal force does not answer; gated.
            return False
        if about_national_law(query):
            return True
        if internal_procedure(query) and not about_guideline(query):
            # 「院内の倫理委員会に何日前までに申請が必要？」: the organisation's own procedure; gated.
            return False
        if about_guideline(query):
            return not self._own_rules_called(query)
        return not self._own_rules(hits)

    def _own_rules_called(self, query: str) -> bool:
        """Does an added organisation's rules document call itself what the question calls the
        guideline (「ガイドラインを破ったら」 beside 「○○市生成AI利用ガイドライン」)? Then the question
        may be about those rules, which bind their staff: answered from them, not corrected."""
        words = guideline_words(query)
        if not words:
            return False
        soft = self._soft_law_documents()
        titles = [
            str(self.retriever.documents.get(d, {}).get("title") or d) for d in self.extractive.families if d not in soft
        ]
        return any(w in t for w in words for t in titles)

    def _own_rules(self, hits: list[Hit]) -> bool:
        """Does the question point at an organisation's own rules (an added document that does
        not call itself soft law)? Their duties, approvals and sanctions bind their staff
        (「承認が必要」「懲戒」), so a question about them is answered from them, not corrected."""
        if not hits:
            return False
        doc_id = hits[0].chunk.doc_id
        return doc_id in self.extractive.families and doc_id not in self._soft_law_documents()

    def _soft_law_documents(self) -> set[str]:
        """Added documents that state they are non-binding soft law (another guideline's edition)."""
        if self._soft_law_docs is None:
            added = self.extractive.families
            self._soft_law_docs = {
                c.doc_id for c in self.retriever.chunks if c.doc_id in added and any(map(says_soft_law, sentences_of(c.text)))
            }
        return self._soft_law_docs

    def _premise_answer(self, answer: Answer, query: str, role: Role | None, k: int, hits: list[Hit]) -> Answer:
        """A legal-force premise: off-topic -> refused; otherwise the lead and the evidence."""
        answer.passages = [self.retriever.passage(h.chunk, h.score) for h in hits]
        # A premise about the guideline itself is what the correction answers, whatever else it names.
        on = about_guideline(query) or self.premise_on_topic(query, role)[0]
        rest = without_premise(without_type_cue(query))
        # Ranked by what the question is about; by the whole question when only the premise is left.
        evidence = self.soft_law_sentences(rest if content_words(rest) else query)
        if not on or not evidence:
            return self._refuse(answer, [])
        if expected_answer_type(query) in FIGURES and not about_guideline(query) and asks_about_sanction(query):
            # A figure (an amount, a term) of a sanction under another rule: near the corpus, not in it.
            return self._refuse(answer, hits)
        ev_hits = [Hit(i, self.retriever.chunks[i], 0.0, 0.0, 0.0) for i in dict.fromkeys(i for i, _ in evidence)]
        rank_of = {h.index: r for r, h in enumerate(ev_hits)}
        picked = [(0, AnswerSentence(text=PREMISE_LEAD, citations=[], statement=True))]
        picked += [(rank_of[i], AnswerSentence(text=text, citations=[])) for i, text in evidence]
        seen = set(rank_of)
        all_hits = ev_hits + [h for h in hits if h.index not in seen]
        answer.passages = [self.retriever.passage(h.chunk, h.score) for h in all_hits[:k]]
        self._attach(answer, all_hits, picked)
        return answer

    def soft_law_sentences(self, question: str = "") -> list[tuple[int, str]]:
        """(chunk index, sentence) answering a legal-force premise: the statement that the
        current guideline is non-binding soft law, then the corpus statements of what is
        voluntary or left to the reader (:func:`says_not_binding`) nearest the question."""
        canonical, pool = self._non_binding_pool()
        out = canonical[:1]
        if question and pool:
            qvec = self.retriever.query_vector(question)
            vectors = self.retriever.sentence_vectors
            ranked = sorted(pool, key=lambda p: -float(vectors[p[2]] @ qvec))
            used = {i for i, _ in out}
            for i, sent, _ in ranked:
                if i not in used:
                    out.append((i, sent))
                    used.add(i)
                if len(out) >= 1 + PREMISE_EXTRA_STATEMENTS:
                    break
        elif len(canonical) > 1:
            out.append(canonical[1])
        return out

    def _non_binding_pool(self) -> tuple[list[tuple[int, str]], list[tuple[int, str, int]]]:
        """Cached: the canonical soft-law statements (best of the current guideline, then of
        another document) and every non-binding statement with its sentence-vector row."""
        if self._soft_law is None:
            found: list[tuple[int, int, str]] = []
            pool: list[tuple[int, str, int]] = []
            rows = _sentence_rows(self.retriever)
            for i, c in enumerate(self.retriever.chunks):
                status = self.retriever.documents.get(c.doc_id, {}).get("status", "current")
                for sent in sentences_of(c.text):
                    if says_soft_law(sent):
                        found.append((0 if status == "current" else 1, i, sent))
                    # Other documents' statements only where they speak of soft law itself.
                    other_ok = status in ("current", "update") or says_soft_law(sent)
                    if says_not_binding(sent) and other_ok:
                        row = _row_of(rows.get(i, []), match_key(sent))
                        if row is not None:
                            pool.append((i, sent, row))
            ranked = sorted(found, key=lambda x: (x[0], "非拘束" not in x[2], "ガイドライン" not in x[2], len(x[2])))
            canonical: list[tuple[int, str]] = []
            for group in (0, 1):
                canonical += [(i, s) for g, i, s in ranked if g == group][:1]
            self._soft_law = (canonical, pool)
        return self._soft_law

    def _attach(self, answer: Answer, hits: list[Hit], picked: list[tuple[int, AnswerSentence]]) -> None:
        numbers: dict[int, int] = {}
        quotes: dict[int, list[str]] = {}
        for rank, sent in picked:
            if rank not in numbers:
                numbers[rank] = len(numbers) + 1
            sent.citations = [numbers[rank]]
            if not sent.statement:
                quotes.setdefault(rank, []).append(sent.text)
        answer.sentences = [s for _, s in picked]
        lines: list[str] = []
        last_code: str | None = None
        for rank, sent in picked:
            code = _unit_label(hits[rank])
            new_item = code and code != last_code and not sent.text.startswith(code)
            prefix = f"【{_item_label(hits[rank])}】" if new_item else ""
            last_code = code
            lines.append(f"{prefix}{sent.text} [{numbers[rank]}]")
        answer.answer = "\n".join(lines)
        for rank, number in sorted(numbers.items(), key=lambda kv: kv[1]):
            p = self.retriever.passage(hits[rank].chunk, hits[rank].score)
            answer.citations.append(
                Citation(number=number, quotes=quotes.get(rank, []), **p.model_dump(exclude={"score"}))
            )
        answer.notes = [*answer.notes, *self._notes(answer, hits)]

    def _notes(self, answer: Answer, hits: list[Hit]) -> list[str]:
        """One note per draft/older document cited, naming the citation numbers."""
        newer = any(c.status in ("current", "update") for c in answer.citations) or any(
            self.retriever.documents.get(h.chunk.doc_id, {}).get("status") in ("current", "update") for h in hits[:5]
        )
        by_doc: dict[str, list[Citation]] = {}
        for c in answer.citations:
            if c.status in ("draft", "older"):
                by_doc.setdefault(c.doc_id, []).append(c)
        notes = []
        for cites in by_doc.values():
            c = cites[0]
            numbers = "".join(f"[{x.number}]" for x in cites)
            kind = "案" if c.status == "draft" else "旧資料"
            msg = f"{numbers}は{kind}（{c.title}、{c.version or c.date}）の記載です。"
            if newer:
                msg += "最新の内容は現行のAI事業者ガイドラインや令和7年度更新内容で確認してください。"
            notes.append(msg)
        return notes


def _sentences(quotes: list[tuple[int, str]]) -> list[tuple[int, AnswerSentence]]:
    return [(rank, AnswerSentence(text=text, citations=[])) for rank, text in quotes]


def _unit_label(hit: Hit) -> str | None:
    """What names the unit a passage belongs to, for the reader: the item code (D-2) i.), or in
    an added document the Q&A entry's question (「Q1. …」: an answer such as 「使えません。」 means
    nothing without it) or the article (「第4条（入力禁止情報）」)."""
    chunk = hit.chunk
    if chunk.item_codes:
        return chunk.item_codes[0]
    if chunk.kind == "qa":
        return next((p for p in reversed(chunk.section_path) if QUESTION_LABEL_RE.match(p)), None)
    if chunk.kind == "article":
        return next((p for p in reversed(chunk.section_path) if ARTICLE_LABEL_RE.match(p)), None)
    return None


def _item_label(hit: Hit) -> str:
    code = _unit_label(hit) or ""
    last = hit.chunk.section_path[-1] if hit.chunk.section_path else ""
    return last if last.startswith(code) else code


def _with_antecedent(hits: list[Hit] | None, index: int, sentence: str, whole: bool = False) -> str:
    """``sentence`` with what states its subject in its passage (hit ``index``): the heading it
    stands under and the sentence before it; with ``whole``, the whole passage (a contact block,
    「ヘルプデスク / 内線：300 / メール：…」, names its subject once for all its lines)."""
    if hits is None or not 0 <= index < len(hits):
        return sentence
    chunk = hits[index].chunk
    heading = chunk.section_path[-1] if chunk.section_path else ""
    if whole:
        return heading + "\n" + chunk.text
    units = sentences_of(chunk.text, tuple(chunk.section_path))
    pos = next((k for k, unit in enumerate(units) if unit == sentence), None)
    text = sentence if not pos else units[pos - 1] + sentence
    if pos is not None and _FORWARD_RE.search(sentence):
        text += "".join(_list_after(units, pos))
    return heading + "\n" + text


# A sentence that names its subject by the list below it (「次のいずれかに該当する事態」「次に掲げる
# 情報」「以下のとおり」: the drafting convention for 各号 lists).
_FORWARD_RE = re.compile(r"次の(?:いずれか|各号|とおり)|次に掲げる|以下の(?:いずれか|とおり|各号)")
# A 項's number (「２　前項の…」): the next paragraph of an article, not an item of its list.
_PARAGRAPH_NUMBER = re.compile(r"\d{1,2}\s")


def _marker_level(line: str) -> int | None:
    """The numbering level of a list item's marker (:func:`ingest.admin_structure.numbered`:
    （１） and ① and ア are different lists); None for a marker of no numbered level (一, A.)."""
    level = numbered(line)
    return level[0] if level else None


def _list_after(units: Sequence[str], pos: int) -> list[str]:
    """The items of the list right after unit ``pos``: units marked as list items of one kind
    (（１）（２）…, ①②…, ア イ…), up to the first unit that is not (the next 項 「２ …」)."""
    items: list[str] = []
    for unit in units[pos + 1 :]:
        line = normalize_line(unit.lstrip())
        if not ITEM_START_RE.match(line) or _PARAGRAPH_NUMBER.match(line):
            break
        if items and _marker_level(line) != _marker_level(normalize_line(items[0].lstrip())):
            break
        items.append(unit)
    return items


def _with_heading(hits: list[Hit], index: int, sentence: str) -> str:
    """``sentence`` after the heading of the passage it is quoted from (hit ``index``)."""
    path = hits[index].chunk.section_path if 0 <= index < len(hits) else []
    return (path[-1] + "\n" + sentence) if path else sentence


def _under_heading(hits: list[Hit] | None, index: int, sentence: str) -> str:
    """A line that ends without 。 (a list line, a table row, a label: 「上限：1店舗あたり月2,000円」
    under 「P21 組合のAIツール補助制度」, 「| 10〜12月分 | → | 1月末まで |」 under 「補助の申し込み方法」)
    with the heading it stands under, which names what such a fragment is about; so is an item of
    the heading's numbered list (「（１）新しくアカウントを受ける職員は、ｅラーニング…（約３０分）を
    受講してください。」 under 「１１．研修」). Any other sentence ended by 。 is about what it says itself."""
    if hits is None or not 0 <= index < len(hits) or not hits[index].chunk.section_path:
        return sentence
    if sentence.rstrip().endswith(("。", "．")) and not ITEM_START_RE.match(normalize_line(sentence.lstrip())):
        return sentence
    return hits[index].chunk.section_path[-1] + "\n" + sentence


def _caption_words(hits: list[Hit] | None, index: int) -> frozenset[str]:
    """The words of the caption of the article hit ``index`` is from (「第11条（記録）」: 記録): an
    article's caption names what each of its sentences rules on (「…利用ログを1年間保存する。」 is
    the rule on 記録), as a statute's 見出し does."""
    if hits is None or not 0 <= index < len(hits):
        return frozenset()
    for part in reversed(hits[index].chunk.section_path):
        if (m := _ARTICLE_CAPTION.match(part)) is not None:
            return _passage_words(m.group("caption"))
    return frozenset()


_ARTICLE_CAPTION = re.compile(ARTICLE_LABEL_RE.pattern + r"\s*[（(](?P<caption>[^()（）]{1,30})[)）]")


def _names_focus(forms: set[str], held: frozenset[str]) -> bool:
    """The sentence (with its heading) names the asked focus, itself or by a synonym (Sudachi's
    thesaurus: 申請 by 申し込み)."""
    return bool(forms & held) or bool(synonym_bridges(forms, held))


def _covered(words: list[str], held: set[str], idf: dict[str, float]) -> float:
    """:func:`coverage` of the question's ``words`` by ``held`` (the selected sentences for the gate;
    a sentence stating the asked figure for its subject test), an everyday verb counted by the noun
    of the same act (「入れる」 by 入力, :func:`verb_stem_bridges`) and a word by its synonyms
    (Sudachi's thesaurus: 「ダメ」 by 禁止, 「先生」 by 教員: :func:`ingest.tokenizer.synonym_bridges`)."""
    bridges = verb_stem_bridges(words, held)
    for w, same in synonym_bridges(words, held).items():
        bridges.setdefault(w, set()).update(same)
    return coverage(words, held, idf, bridges)


@lru_cache(maxsize=4096)
def _passage_words(text: str) -> frozenset[str]:
    """Content words of a passage, what its split compounds name (営業所長: a question's 所長,
    :func:`ingest.tokenizer.compound_heads`) and the class its documents belong to (申請書: a
    書類, :func:`ingest.tokenizer.class_nouns`); cached: the same passages come back for many
    questions."""
    return frozenset(content_words(text)) | frozenset(compound_heads(text)) | frozenset(class_nouns(text))


def _sentence_rows(retriever: Retriever) -> dict[int, list[tuple[str, int]]]:
    """Chunk index -> (normalised sentence unit, row of its vector in the sentence matrix).

    The rows follow :func:`ingest.chunking.chunk_sentences` over the chunks in order; an index
    whose sentence count differs (none stored) gives no rows, and no ranking by similarity.
    """
    units = [(i, match_key(u)) for i, u in sentence_rows(c.text for c in retriever.chunks)]
    owners = retriever.sentence_owners
    if len(units) != len(owners) or any(int(owners[row]) != i for row, (i, _) in enumerate(units)):
        return {}
    rows: dict[int, list[tuple[str, int]]] = {}
    for row, (i, key) in enumerate(units):
        rows.setdefault(i, []).append((key, row))
    return rows


def _row_of(units: list[tuple[str, int]], key: str) -> int | None:
    """The vector row of the unit holding the sentence (or held by it: splits may differ)."""
    for unit, row in units:
        if key and (key in unit or unit in key):
            return row
    return None


def _idf_table(retriever: Retriever) -> dict[str, float]:
    return retriever.idf
