"""Follow-up questions: answering 「具体例は？」「それは提供者にも当てはまる？」 from the earlier turns.

No LLM is involved. A question is a follow-up when it points back (それ・その項目・上記), asks for
more of the same (詳しく・具体例・他には), switches the role (「提供者の場合は？」) or has no
subject of its own; it is then resolved against what the previous turn left
(:class:`guideqa.models.TurnState`: its search text, role and the units — items, 行動目標,
principles (:mod:`retriever.units`) — its answer cited, then those of its best passages, kept
only when they cover its question), using the guideline's structure carried by the index:

* 具体例 / 具体的な手法 / 実践例 → that unit's [具体的な手法] / [実践例] in the 別添;
* 詳しく / 解説 / ポイント → the unit's 別添 explanation and its [ポイント] (searching the previous
  question: the cue words name nothing to search for);
* another role → the same-numbered item of that role (D-3) ↔ P-3) ↔ U-3): the numbers follow
  the ten principles of 第2部C in every part), else that role's item citing the principle;
* otherwise the previous question's text is added to the query.

A question with a subject of its own, or one that changes the subject (「ところで、…」), is
answered exactly as without history, unless it is refused on its own and leans on the last turn
(「じゃあ学校の場合は？」「うちみたいな小さな店でもやらないといけない？」): it is then read once more as
continuing it (:func:`may_continue`). Context only changes what is searched: refusal still
applies to the result. The cue words are general Japanese (demonstratives, request phrases),
not taken from any question set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from guideqa.errors import QueryError
from guideqa.guideline import (
    EXAMPLE_SECTIONS,
    EXPLANATION_SECTIONS,
    PRINCIPLES,
    ROLE_BY_STEM,
    ROLE_LABELS,
    role_documents,
)
from guideqa.models import Answer, ContextUse, FollowUpKind, Role, TurnState
from guideqa.records import MAX_HISTORY
from guideqa.text import OWN_ORGANISATION, opens_new_subject, split_sentences
from ingest.text import nfkc
from ingest.tokenizer import content_nouns, morphemes
from retriever.answer import Answerer, clean_question, search_text
from retriever.answerability import FRAMING, name_phrases
from retriever.names import QUOTED_RE, SENTENCE_LIKE_RE
from retriever.roles import described_roles, named_roles, search_role, with_role, without_parties, without_sides
from retriever.search import Hit
from retriever.units import (
    ITEM_HEAD,
    ItemIndex,
    Located,
    item_index,
    principle_code,
    principle_of,
    principles_in,
    unit_of,
)

__all__ = ["EXAMPLE_SECTIONS", "ItemIndex", "ask_in_context", "classify", "item_index", "replay", "resolve", "turn_state"]
# An item the previous answer cited is carried over only when it covers this share of the
# previous question's (idf-weighted) words: an answer that drifted off the question must not
# steer its follow-ups. Set on the eval dev split.
MIN_ITEM_COVERAGE = 0.2
MAX_CARRIED_ITEMS = 2  # items of the previous answer a follow-up refers to
TOP_PASSAGES = 5  # the previous turn's best passages whose units are remembered after its citations
MAX_STATE_ITEMS = 4
NOTE_QUESTION_CHARS = 30

# --- cue words (general Japanese) --------------------------------------------------------
# 「〜とは」「〜って何？」: a definition question names its own subject (colloquial って stands for
# とは before an interrogative: 「AIガバナンスってそもそも何ですか」).
DEFINITION = re.compile(
    r"(?<!こ)とは(?=[？?、,。\s]|何|なに|誰|だれ|どういう|どのよう|どんな|$)|って(?=(?:そもそも|一体|いったい)?(?:何|なに|誰|だれ|どういう|どんな))"
    r"|って[、,](?=(?:そもそも|一体|いったい)?(?:どういう(?:意味|こと)|どんな意味|何(?:ですか|なの|のこと)?[？?]))"
    # A word quoted and asked about alone (「さっきの『透明性』って？」): what it means.
    r"|(?<=[」』])って(?=\s*[？?]?\s*$)"
)
# Connectives that only continue a conversation (「では、」「じゃあ」); dropped before reading the cues.
# (The continuing ones, じゃあ…なら, also mark a question leaning on the last turn: :data:`_LEANS`.)
# それで (and its colloquial で、), そしたら and そうすると go on from what was just said.
_CONTINUING = r"それでは|それなら|それで|そしたら|そうしたら|そうすると|では|じゃあ|じゃ|なら"
LEAD = re.compile(rf"^(?:{_CONTINUING}|で|あと|また|さらに|ちなみに)[、,\s]+")
# The connectives of sequence (それで "and then", そしたら "in that case", colloquial で、) carry the
# matter on; じゃあ and では ("well then") also turn to a new question, and lean only by the other marks.
CONNECTIVE_LEAD = re.compile(r"^(?:(?:それで|そしたら|そうしたら|そうすると)(?=[、,\s]|[^ぁ-ゖ])|で[、,])")
# A demonstrative or an explicit back-reference at the start: the question points at the last answer.
ANAPHOR = re.compile(r"^(?:それ|その|そこ|そちら|これ|この|こちら|こういう|そういう|あれ|あの|上記|前記|先ほど|先程|さっき|今の|前の|同じ|同様|当該)")
EXAMPLES = re.compile(r"具体例|具体的|実践例|事例|実例|例えば|たとえば|例(?:を|は|が|として|示)|やり方")
# Asking the reason (「なぜ」「どうして」「理由は」; not 「どうしても」): of what the last turn said when the
# turn names no thing of its own, only an evaluation (「なぜダメなんですか？」「どうして必要なの？」).
# (なんで, not the copula of 「…なんです」「…なんでしょう」, nor 「なんでも」, nor the spoken "because" of
# 「小さい店なんで、」.)
_REASON = r"理由|なぜ|何故|どうして(?!も)|(?<![一-龥ァ-ヶー])なんで(?![もすしょ、,])"
REASON = re.compile(_REASON)
DETAIL = re.compile(
    r"詳しく|くわしく|詳細|解説|ポイント|要点|もう少し|もうちょっと|もっと|掘り下げ|補足|意味|説明して|" + _REASON +
    # Asking for the same in plainer words (「わかりやすく言うと？」「一言で言うと？」).
    r"|(?:わ|分)かりやすく|簡単に言|平たく|かみ砕|噛み砕|一言で|要するに"
)
# Asking what something means (「どういう意味？」「どういうこと？」「何のこと？」).
MEANING = re.compile(r"意味|どういうこと|何のこと|なんのこと")
MORE = re.compile(r"他には|ほかには|他に|ほかに|それ以外|以外に|他の|ほかの|残り")
# 「ほかに」「それ以外に」 as an adverb ask for more than what was said: their standard is the last
# turn, whatever words the turn adds (「ほかに気をつけることは？家族への説明とか」). 「他の」 names
# another thing of its own (「他の国では？」) and does not.
_MORE_THAN_SAID = re.compile(r"(?:他|ほか|それ以外)に(?:は|も)?(?![のな])|以外に(?:は|も)?")
# 「セキュリティ以外で注意することは？」「著作権以外で」: what the turn names before 以外で/以外に is what it
# sets aside, not what it asks about; it asks for more of the last turn beyond that. (「…以外の」 names
# another thing of its own, like 「他の」: 「自分以外の誰か」.)
_SET_ASIDE = re.compile(r"[\u4e00-\u9fff\u30a1-\u30faー・A-Za-z0-9々]{1,20}以外(?:で|に)(?:は|も)?")


def set_aside(question: str) -> list[str]:
    """What the question sets aside (「個人情報以外で」→ 個人情報), in order."""
    return [m.group(0).split("以外")[0] for m in _SET_ASIDE.finditer(nfkc(question))]


# A degree adverb on a request to explain (「もう少し詳しく」「もっと掘り下げて」) measures the
# explanation against the one just given: the request continues the last turn, whatever words it
# adds about what to include (「別添の解説も含めて、もう少し掘り下げて」).
_FURTHER = re.compile(r"(?:もう少し|もうちょっと|もっと|さらに)[、,\s]?(?:詳しく|くわしく|詳細に|掘り下げ|深く|教え|説明)")
# A sentence-initial adverb of specifying (「具体的には、」「詳しく言うと、」「例えば、」) makes what
# follows a precision of the last question, whatever words it brings: it continues it.
SPECIFYING = re.compile(
    r"^(?:具体的に(?:は|いうと|言うと)?|詳しく(?:は|いうと|言うと)|例えば|たとえば|もう少し具体的に(?:は)?)[、,\s]"
)
# Demonstratives and generic nouns that name no subject (「その項目」「この点」「その場合」).
_REFERENCE_WORDS = re.compile(
    r"それ|その|そこ|そちら|これ|この|こちら|こういう|そういう|あれ|あの|上記|前記|先ほど|先程|さっき|今の|前の|同じ|同様|当該|"
    r"項目|内容|部分|箇所|記載|回答|答え|質問|場合|手法|方法|ケース|"
    # (A one-character noun only as a word: not the 点 of 点検, the 件 of 条件, the 話 of 電話.)
    r"(?<![一-龥])(?:件|点|話)(?![一-龥])|"
    + OWN_ORGANISATION  # the asker's own organisation
)
# 「透明性についてもっと詳しく」: the subject a request for detail or examples names.
_ABOUT = re.compile(r"([^、。？?！!\s]+?)(?:について|に関して|に関する|についての)")

_ROLE_WORDS = re.compile(rf"(?:AI)?(?:{'|'.join(ROLE_BY_STEM)})(?:事業)?者(?:側)?|主体|立場")
# 「逆に」「反対に」 turn to the other side of what was said: no subject of their own.
_CONTRAST = re.compile(r"逆に|反対に")
# The noun an interrogative determiner governs names the kind of answer, not a subject
# (「例えばどんな対策が書いてある？」「どういう場面で？」), and 「いくつか」 is a quantity.
_ASKED_KIND = re.compile(r"(?:どんな|どういう|どういった|どのような|どの|何の|なんの)[^\s、。,？?をがはにでともへやの]{1,8}|いくつか?|幾つか?")


# --- detection -----------------------------------------------------------------------------
def own_terms(question: str, *, keep_asked_kind: bool = True) -> list[str]:
    """The content words of a question once cue words, role names and demonstratives are removed
    (unless ``keep_asked_kind``, the noun an interrogative determiner governs too)."""
    text = LEAD.sub("", nfkc(question).strip())
    cues = (_SET_ASIDE, EXAMPLES, DETAIL, MORE, _REFERENCE_WORDS, _ROLE_WORDS, _CONTRAST) + (() if keep_asked_kind else (_ASKED_KIND,))
    for pattern in cues:
        text = pattern.sub(" ", text)
    return [w for w in content_nouns(text) if w.lower() != "ai"]


def _evaluations(text: str) -> set[str]:
    """The adjectival nouns of ``text`` (形状詞, or a noun that can be one) used as a predicate,
    before a copula (「ダメなんですか」「必要なの」「大切ですか」): what it says of something, not a
    thing."""
    toks = morphemes(text)
    return {
        form
        for (_, pos, form), (_, after, copula) in zip(toks, toks[1:], strict=False)
        if (pos[0] == "形状詞" or pos[2] == "形状詞可能") and after[0] == "助動詞" and copula in ("だ", "です")
    }


def defines(question: str) -> bool:
    """A definition question whose subject is named, not pointed at (「AIガバナンスとは？」, not
    「それってどういう意味？」「その項目とは？」)."""
    defined = DEFINITION.split(question, maxsplit=1)
    return len(defined) > 1 and bool(content_nouns(_REFERENCE_WORDS.sub(" ", defined[0])))


def lacks_subject(question: str, *, clauses: bool = True) -> bool:
    """A follow-up cue (それ, 具体例, 詳しく, 他には …) with no content word of its own: the
    question cannot be answered without an earlier turn that had a subject. With ``clauses``,
    a case said by a clause of its own (「途中でやめた事例」) has a subject; without, only nouns count
    (after a refused turn, 「実際に使われた例は？」 still asks examples of that turn)."""
    body = LEAD.sub("", nfkc(question).strip())
    if defines(body):
        return False
    cue = ANAPHOR.match(body) or EXAMPLES.search(body) or DETAIL.search(body) or MORE.search(body)
    # Two roles named side by side are the subject: 「開発者と提供者では具体的に何が違う？」.
    return bool(cue) and not own_terms(body) and len(named_roles(body)) < 2 and not (clauses and _verb_clause(body))


_CASE_NOUNS = frozenset({"事例", "例", "実例", "具体例", "実践例", "ケース"})


def _verb_clause(text: str) -> bool:
    """A verb of content modifying the noun of a case (「途中でやめた事例」「断られた例」): the clause
    says what the cases are of, so the question has a subject of its own. (Sudachi tags the light
    verbs 有る・為る・行く・上げる as 非自立可能, not 一般.)"""
    toks = morphemes(text)
    for i, (_, pos, form) in enumerate(toks):
        if pos[0] != "動詞" or pos[1] != "一般" or form in FRAMING:  # asking and knowing frame the question
            continue
        j = i + 1
        while j < len(toks) and toks[j][1][0] == "助動詞":
            j += 1
        if j < len(toks) and toks[j][2] in _CASE_NOUNS:
            return True
    return False


# A noun phrase asked about without a predicate ends in a case, topic or adverbial particle
# (は, には, って, も…) or in a conditional copula (「…だと？」「…なら？」), then punctuation. A
# sentence-final particle (か, の, ね) or a verb means the question has a predicate of its own.
_PHRASE_PARTICLES = {"係助詞", "格助詞", "副助詞"}
_CONDITIONAL = {"と", "ば"}  # 「…だと？」「…であれば？」
MAX_ELLIPTICAL_WORDS = 2  # a longer noun phrase states a subject of its own (「学習データの偏りの対策は？」)


def elided_predicate(question: str) -> bool:
    """A short noun phrase asked about with no predicate of its own (「年配の職員向けには？」
    「小さい会社だと？」「人の写真っぽいやつは？」): Japanese leaves the predicate out when the
    conversation supplies it, so it asks the previous question about that phrase. A verb
    (「…守るべきことは？」) or an interrogative (「…って何？」) makes a predicate of its own."""
    toks = morphemes(LEAD.sub("", nfkc(question).strip()))
    if any(pos[0] == "動詞" for _, pos, _ in toks):
        return False
    end = len(toks)
    while end and toks[end - 1][1][0] in ("補助記号", "空白"):
        end -= 1
    tail = end

    def trailing(i: int) -> bool:  # a particle of the phrase, or the copula of 「…だと」「…なら」
        surface, pos, form = toks[i]
        if pos[0] == "助詞":
            return pos[1] in _PHRASE_PARTICLES or surface in _CONDITIONAL
        return pos[0] == "助動詞" and form == "だ" and (i + 1 < tail or "仮定形" in pos[5])

    while end and trailing(end - 1):
        end -= 1
    if not end or end == tail:
        return False
    pos = toks[end - 1][1]
    nominal = (pos[0] == "名詞" and pos[1] not in ("数詞",)) or (pos[0] == "接尾辞" and pos[1] == "名詞的")
    return nominal and len(own_terms(question)) <= MAX_ELLIPTICAL_WORDS


def conditional_only(question: str) -> bool:
    """A condition with no main clause (「間違った字幕が出てしまったら？」「子どもが使うなら？」「使わな
    ければ？」「うちみたいに小さいと？」): Japanese leaves out the main clause the last turn supplies
    (「…どうすればいい」「…注意することは」), so it asks the last question under that condition."""
    sentences = split_sentences(LEAD.sub("", nfkc(question).strip()))
    # A sentence before it that names its own subject (「偽情報対策について知りたい。選挙の時期だと？」)
    # makes the question self-contained.
    if not sentences or any(own_terms(s) for s in sentences[:-1]):
        return False
    toks = morphemes(sentences[-1])
    while toks and toks[-1][1][0] in ("補助記号", "空白"):
        toks.pop()
    if len(toks) < 2:
        return False
    surface, pos, _ = toks[-1]
    if pos[0] == "助動詞" and pos[5].startswith("仮定形"):  # たら, なら (だ), …
        return True
    _, before, form = toks[-2]
    # (「…っていうと？」「…というと」: a quotation asking what is meant, no condition.)
    return pos[0] == "助詞" and (surface == "ば" or (surface == "と" and before[0] in ("動詞", "形容詞", "助動詞") and form != "言う"))


MAX_ADDITIVE_WORDS = 3


def extends_with_mo(question: str) -> bool:
    """「うちの町の商店も対象？」「パートさんにも必要？」: the additive particle も after a noun (or
    after に/で/と) in a question with no verb presupposes what was just said of something else —
    it asks the previous question about the new noun phrase."""
    toks = morphemes(LEAD.sub("", nfkc(question).strip()))
    if any(pos[0] == "動詞" for _, pos, _ in toks):
        return False
    for i, (surface, pos, _) in enumerate(toks):
        if surface == "も" and pos[0] == "助詞" and pos[1] == "係助詞" and i > 0:
            prev = toks[i - 1][1]
            if prev[0] == "名詞" or (prev[0] == "助詞" and prev[1] == "格助詞"):
                return len(own_terms(question)) <= MAX_ADDITIVE_WORDS
    return False


def context_terms(state: TurnState) -> set[str]:
    return set(content_nouns(state.query)) | set(content_nouns(state.question))


def _own_predicate(text: str) -> bool:
    """Whether a verb of content predicates the question (not a light verb: 「として」's し)."""
    return any(pos[0] == "動詞" and pos[1] == "一般" for _, pos, _ in morphemes(text))


def _states_own_question(text: str) -> bool:
    """A content verb predicates the question (「パートさんにはどこまで教えておけばいい？」): it asks
    something of its own. Not a bare condition (「もし一回も受けなかったら？」「使わせるなら？」),
    whose main clause the last turn supplies."""
    toks = [t for t in morphemes(nfkc(text)) if t[1][0] not in ("補助記号", "空白")]
    if not any(pos[0] == "動詞" and pos[1] == "一般" for _, pos, _ in toks):  # :func:`_own_predicate`
        return False
    surface, pos, _ = toks[-1]
    condition = (pos[0] == "助詞" and pos[1] == "接続助詞" and surface in ("ば", "と", "ても", "でも")) or (
        pos[0] == "助動詞" and "仮定形" in pos[5]
    )
    return not condition


def other_roles(body: str, state: TurnState) -> list[Role]:
    """The roles a follow-up turns to, other than the last turn's: named (「提供者の場合は？」) or,
    when none is named, described by their act or as the asker's supplier (「作ってる側は？」
    「うちが売る場合は？」「ベンダーさん側は？」)."""
    named = [r for r in named_roles(body) if r != state.role]
    return named or [r for r in described_roles(body, state.role) if r != state.role]


def classify(
    question: str, state: TurnState | None, known: Callable[[str], bool] | None = None
) -> FollowUpKind | None:
    """The kind of follow-up ``question`` is after ``state``, or None when it stands alone.

    ``known`` tells whether a word occurs in the corpus: a short question whose one content
    word is unknown there (「明日の天気は？」) is about something else and stands alone.
    """
    if state is None:
        return None
    text = nfkc(question).strip()
    if opens_new_subject(text):  # 「…。ところで、」: the question stands on its own
        return None
    body = LEAD.sub("", text)
    if _SET_ASIDE.search(body):  # 「セキュリティ以外で注意することは？」: more of the last turn, beyond that
        return "more"
    if defines(body):  # 「AIとは？」 names its subject
        return None
    own = own_terms(body)
    # 「例えばどんな対策が書いてある？」 asks examples of the last subject: 対策 is the kind asked for.
    new = [w for w in own_terms(body, keep_asked_kind=False) if w not in context_terms(state)]
    if REASON.search(body):  # the evaluation a why-question restates is no subject of its own
        new = [w for w in new if w not in _evaluations(body)]
    others = other_roles(body, state)
    kind: FollowUpKind
    if others:
        kind = "role_switch"
    elif EXAMPLES.search(body):
        kind = "examples"
    elif DETAIL.search(body):
        kind = "detail"
    elif MORE.search(body):
        kind = "more"
    else:
        kind = "reference"
    if not own:
        return kind
    # A demonstrative opening points at the last answer, unless most of the several things the
    # turn names are not the corpus's (「この辺で昼ごはんのおすすめある？」: この辺 is "around here";
    # one word of its own, known or not, is said of what the last turn was about).
    if ANAPHOR.match(body) and (known is None or len(own) < 2 or _mostly_known(own, known)):
        return kind
    if kind != "reference" and not new:  # 「個人情報の具体例は？」 right after a question on 個人情報
        return kind
    if kind in ("detail", "examples") and _FURTHER.search(body):
        return kind
    if kind == "more" and _MORE_THAN_SAID.search(body):
        return "reference"  # its own words say what more it asks about, in the last turn's frame
    # 「じゃあ画像生成AIを作ってる側はどういう責任があるの？」「ベンダーさん側の責任は？」「うちが
    # それを売る場合は？」: the same question for another party, leaning on the last turn or with
    # no predicate but the act that describes the party.
    # (The question proper may follow a remark of the asker's: 「…説明はちゃんとしてるつもりなんだけどね。
    # じゃあ、作ってるメーカーの方は何をしなきゃいけないの？」.)
    if kind == "role_switch" and (
        leans_on_context(text) or leans_on_context(_question_sentence(text)) or not _own_predicate(without_parties(body))
    ):
        return kind
    # 「…に使うとなると、また話は別ですか？」「教育委員会だったら、何か違ってきますか」「それでも
    # そこまで必要？」: a comparison or an extent whose standard is not named is measured against
    # what the last turn said, when it names a thing or act the corpus speaks of (「消費税の扱いは
    # 変わりますか」 does not).
    if kind == "reference" and implicit_standard(body) and (known is None or _speaks_of_corpus(body, known)):
        return kind
    # 「間違った字幕が出てしまったら？」: the last question, under a condition of its own.
    if kind == "reference" and conditional_only(body) and (known is None or _speaks_of_corpus(body, known)):
        return kind
    # 「たとえば年齢で絞り込むのもダメってこと？」: an inference from the last answer, to be confirmed.
    if re.search(_CONFIRMS, body) and (known is None or _speaks_of_corpus(body, known)):
        return "reference"
    if SPECIFYING.match(body):  # 「具体的には、誰がどの段階で確認する？」: the last question, made precise
        return "reference"
    # 「それで業者さんから「使わせて」って言われたら、誰がOK出すの？」: a connective of sequence makes
    # what follows a step of the same matter.
    if kind == "reference" and CONNECTIVE_LEAD.match(text) and (known is None or _speaks_of_corpus(body, known)):
        return kind
    # Elliptical: one word in the frame of the previous question (「従業員向けには？」), or a
    # noun phrase without a predicate (「年配の職員向けには？」)
    # (a phrase of several words only when they can be checked to be the corpus's words).
    if kind != "reference":
        return None
    if len(own) == 1 and (known is None or all(known(w) for w in own)) and not _states_own_question(body):
        return kind
    # 「誰にOKもらえばいいの？」「どこに出せばいい？」: whom or where to turn to, with no verb of content,
    # for what the last turn was about (its one word, known to the corpus or not, is the act's object).
    asked = own_terms(body, keep_asked_kind=False)
    if (
        len(asked) <= 1
        and _ASKS_WHOM.search(body)
        and _turns_to_someone(body)
        # Its one word is the corpus's, or the object sought, not a topic of its own (「明日の天気は
        # 誰に聞けばいい？」).
        and all((known is None or known(w)) or w not in _topics(body) for w in asked)
    ):
        return kind
    if known is not None and elided_predicate(body) and all(known(w) for w in own):
        return kind
    # 「…も対象？」: some of its words must be the corpus's (「天気も晴れ？」 is not about it).
    if known is not None and extends_with_mo(body) and any(known(w) for w in own):
        return kind
    return None


# Asking whom or where to turn to (誰に, どなたに, どこに, どの部署へ …).
_ASKS_WHOM = re.compile(r"(?:誰|だれ|どなた|どこ|どちら|どの(?:部署|課|窓口|人))(?:に|へ|から)")
# Verbs of turning to someone for something (getting, asking, telling, handing in): light in a
# question of whom to turn to (「誰に許可を取れば」「どこに出せば」); not being somewhere (ある, いる).
_TURNING_TO = frozenset({"貰う", "頂く", "得る", "取る", "要る", "出す", "言う", "聞く", "伝える", "頼む", "尋ねる", "届ける"})


def _topics(text: str) -> set[str]:
    """The words of ``text`` a topic particle (は, って, も, なら) follows."""
    toks = morphemes(text)
    out: set[str] = set()
    for (surface, _, form), (after, pos, _) in zip(toks, toks[1:], strict=False):
        if pos[0] == "助詞" and after in ("は", "って", "も", "なら"):
            out |= {surface, form}
    return out


def _turns_to_someone(text: str) -> bool:
    """The question's verbs are all of turning to someone (:data:`_TURNING_TO`) or light, and one is."""
    verbs = [(pos, form) for _, pos, form in morphemes(text) if pos[0] == "動詞"]
    return any(form in _TURNING_TO for _, form in verbs) and all(
        form in _TURNING_TO or pos[1] != "一般" for pos, form in verbs
    )


def without_described_parties(question: str) -> str:
    """The question without the sides it describes by their act (「売る側」「使う側として」,
    :func:`retriever.roles.without_sides`), its named roles (「開発者の立場」) kept for
    :func:`with_role` to rename."""
    text = nfkc(question)
    out, at = [], 0
    # A described side that holds a role's name (「開発者の立場」) stays, to be renamed.
    for m in _ROLE_WORDS.finditer(text):
        out += [without_sides(text[at : m.start()]), m.group(0)]
        at = m.end()
    out.append(without_sides(text[at:]))
    return "".join(out)


def _question_sentence(text: str) -> str:
    """The sentence of a turn that asks (the last one ending in a question mark), not a remark
    before or after it; the last sentence when none is marked."""
    sentences = [t.strip() for t in split_sentences(text) if t.strip()]
    asking = [t for t in sentences if t.endswith(("？", "?"))]
    return asking[-1] if asking else (sentences[-1] if sentences else text)


# --- resolution ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Resolution:
    kind: FollowUpKind
    query: str
    role: Role | None
    focus: tuple[int, ...]
    item_codes: tuple[str, ...]
    note: str


def _short(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= NOTE_QUESTION_CHARS else text[: NOTE_QUESTION_CHARS - 1] + "…"


def _codes_text(codes: Sequence[str]) -> str:
    return "、".join(codes)


def _what(kind: FollowUpKind) -> tuple[tuple[str, ...], str]:
    """The 別添 sections a request for more points at, and how the note names them."""
    if kind == "examples":
        return EXAMPLE_SECTIONS, "具体的な手法・実践例"
    return (ITEM_HEAD, *EXPLANATION_SECTIONS), "ポイントと解説"


def resolve(
    question: str,
    role: Role | None,
    state: TurnState | None,
    items: ItemIndex,
    known: Callable[[str], bool] | None = None,
    kind: FollowUpKind | None = None,
) -> Resolution | None:
    """What to search for ``question`` given the previous turn; None when it stands alone.
    ``kind`` overrides the classification (:func:`ask_in_context`'s fallback)."""
    kind = kind or classify(question, state, known)
    if kind is None or state is None:
        return None
    body = search_text(LEAD.sub("", nfkc(question).strip()))
    carried = tuple(state.item_codes[:MAX_CARRIED_ITEMS])
    used_role = role or state.role
    head = f"前の質問（{_short(state.question)}）の続きとして"
    focus: list[int] = []
    codes: tuple[str, ...] = carried
    anchors = _anchors(state)
    if kind == "role_switch":
        other: Role = other_roles(body, state)[0]
        used_role = other
        codes = tuple(items.corresponding(carried, state.principles, other))
        # The corresponding items' 本編 text first (what that role must do), then their 別添 statements.
        focus += [i for code in codes for i in items.main.get(code, [])]
        for code in codes:
            focus += items.own_text(code, other)
        # What it asks of that party beyond the last question (「画像生成AIを作ってる側は」): the
        # question proper, not a remark of the asker's before it (「説明はちゃんとしてるつもりなんだ
        # けどね。じゃあ、作ってるメーカーの方は…」 says what the asker does).
        asked = [w for w in own_terms(without_parties(_question_sentence(body))) if w not in context_terms(state)]
        # The last question's parties described by their act are the asker's side (「売る側って何か
        # 責任あるの？」「使う側として」), not the one asked about; named ones are renamed (:func:`with_role`).
        query = " ".join([with_role(without_described_parties(state.query), other), *asked])
        target = f"{ROLE_LABELS[other]}の対応する項目（{_codes_text(codes)}）" if codes else ROLE_LABELS[other]
        note = f"{head}、{target}についてお答えします。"
    elif kind in ("examples", "detail"):
        labels, shown = _what(kind)
        # 「透明性についてもっと詳しく」「「透明性」って具体的には？」 name what they want explained among what was shown: the
        # carried units that name it, and its words in the search; a unit none of them names
        # (「AIエージェントについてもう少し詳しく」 after an overview) is searched for by its words.
        # 「さっきの「学習データの管理」って具体的には？」: a term quoted from what was said names it too.
        about = _ABOUT.search(body) or next((m for m in QUOTED_RE.finditer(body) if not SENTENCE_LIKE_RE.search(m.group(1))), None)
        asked = [w for w in own_terms(about.group(1)) if w not in context_terms(state)] if about else []
        if asked:
            carried = tuple(c for c in carried if any(w in c or w in items.titles.get(c, "") for w in asked))
            codes = carried
        if kind == "detail" and MEANING.search(body):
            # 「それってどういう意味？」 about an item asks what its principle means: the principle's
            # statement (本編 第2部C.) comes first (D-5) i. → 5) セキュリティ確保).
            for n in items.numbers(carried)[:1]:
                focus += items.main.get(principle_code(n), [])
        for code in carried:
            # A principle's explanation is its whole entry in 別添 B. (「共通の指針」の解説),
            # methods included: it has no [ポイント] of its own.
            whole = kind == "detail" and principle_of(code) is not None
            focus += items.sections(code, (*labels, *EXAMPLE_SECTIONS) if whole else labels, used_role)
        if not carried and not asked:
            # The sections the previous answer quoted on its question (none when it drifted off it).
            focus += items.same_section(anchors[:MAX_CARRIED_ITEMS])
        # The previous question, not this one's cue words (they name no subject), with what this
        # one names. Worked examples sit under their own labels, which the search matches; an
        # explanation has none.
        # The kind of thing asked for (「具体的にはどんな記録を残せば？」: 記録) names no new subject,
        # but narrows what is searched within it.
        kinds = [w for w in own_terms(body) if w not in own_terms(body, keep_asked_kind=False) and w not in asked]
        subject = " ".join([state.query, *asked, *kinds])
        query = f"{subject} {_label_words(shown)}" if kind == "examples" else subject
        where = f"{_codes_text(carried)}の{shown}" if carried else shown
        note = f"{head}、{where}からお答えします。"
    else:  # the previous question's words complete this one; its sections come first
        if kind == "reference":
            for code in carried:
                focus += items.main.get(code, []) + items.sections(code, (ITEM_HEAD, *EXPLANATION_SECTIONS), used_role)
        if not carried and kind != "more":
            focus += items.same_section(anchors[:1])
        # 「他には？」 names nothing new: the previous question again, with whatever words it adds.
        added = " ".join(own_terms(body)) if kind == "more" else body
        query = f"{substitute_names(state.query, body)} {added}".strip()
        for word in set_aside(body):  # 「著作権以外で」: the last question without it
            query = query.replace(word, " ")
        note = f"{head}お答えします。"
    return Resolution(kind, query, used_role, tuple(dict.fromkeys(focus)), codes, note)


def substitute_names(previous: str, question: str) -> str:
    """The previous question with its names replaced by the follow-up's (「Copilotに検査結果を
    入れていい？」, then 「じゃあChatGPTの方なら？」 → 「ChatGPTに検査結果を入れていい？」).

    A contrastive follow-up asks the same question of a parallel element: a name stands for a
    name (:func:`retriever.answerability.name_phrases`). Names both turns share, or a previous
    question without names, are left as they are.
    """
    text, asked = nfkc(previous), nfkc(question)
    new = list(dict.fromkeys(s for s, _ in name_phrases(asked) if s not in text))
    old = list(dict.fromkeys(s for s, _ in name_phrases(text) if s not in asked))
    if not new or not old:
        return previous
    text = text.replace(old[0], "・".join(new), 1)
    for name in old[1:]:
        text = text.replace(name, "")
    return text


def _label_words(shown: str) -> str:
    """The 別添 labels a request for examples adds to the search (「具体的な手法 実践例」)."""
    return shown.replace("・", " ")


def _subject_query(answer: Answer) -> str:
    """What the turn searched for its subject: a request for examples searched the previous
    question plus the 別添 labels, which belong to that request only — a later 「提供者には？」
    asks about the subject, not about worked examples."""
    if answer.context is None:
        return answer.question
    if answer.context.kind == "examples":
        _, shown = _what("examples")
        return answer.context.query.removesuffix(f" {_label_words(shown)}")
    return answer.context.query


def _anchors(state: TurnState) -> list[str]:
    """The passages the previous answer cited on its question (all it cited when unchecked)."""
    return state.passage_ids if state.anchor_ids is None else state.anchor_ids


# --- answering ------------------------------------------------------------------------------
def _shown(resolution: Resolution, state: TurnState) -> list[str]:
    """The passages the previous answer showed, to rank last: 「他には？」 asks for what it did not
    show; so does a request for the explanation of a unit (its 別添 sections are searched, not
    what was quoted) or of an answer that drifted off its question. 「もっと詳しく」 about an answer
    that stayed on its question and carried no unit searches that answer's own sections: the
    passage it quoted from may hold the rest, and stays."""
    if resolution.kind == "more":
        return state.passage_ids
    if resolution.kind == "detail" and (resolution.item_codes or not _anchors(state)):
        return state.passage_ids
    return []


def _covers(answerer: Answerer, query: str, ids: list[int]) -> bool:
    """Whether these chunks together cover the question (the follow-up coverage test)."""
    hits = [Hit(i, answerer.retriever.chunks[i], 0.0, 0.0, 0.0) for i in ids]
    return bool(hits) and answerer.coverage(query, hits) >= MIN_ITEM_COVERAGE


def _on_topic(answerer: Answerer, query: str, code: str, role: Role | None = None) -> bool:
    """Whether a unit's own text (本編, 別添 restatement, [ポイント]) covers the question."""
    return _covers(answerer, query, list(item_index(answerer.retriever).own_text(code, role)))


def turn_state(answer: Answer, answerer: Answerer | None = None) -> TurnState:
    """What an answered turn leaves for the next one: its question and search text, its role,
    and the units (items, 行動目標, principles) of what it cited, then of the passages it
    retrieved first. With ``answerer``, only units that cover the question are kept
    (:data:`MIN_ITEM_COVERAGE`): an answer that drifted off the question must not steer the next."""
    cited = [] if answer.refused else answer.citations
    retrieved = [] if answer.refused else answer.passages[:TOP_PASSAGES]
    query = _subject_query(answer)
    located: list[Located] = [*cited, *retrieved]
    docs = item_index(answerer.retriever).docs if answerer is not None else role_documents(None)
    codes = list(dict.fromkeys(code for p in located if (code := unit_of(p, docs))))
    if answerer is not None:
        codes = [code for code in codes if _on_topic(answerer, query, code, answer.role)]
        named = [code for code in codes if code in nfkc(query)]
        codes = named or codes  # a question naming its item (「U-4) i. …について」) is about that one
        if not named and answer.role is None:
            # A question naming a principle (「透明性ってどういうこと？」), asked for no role, is
            # about the principle before any role's item that cites it.
            by_name = [c for c in codes if (n := principle_of(c)) is not None and PRINCIPLES[n - 1] in nfkc(query)]
            codes = by_name + [c for c in codes if c not in by_name]
    anchors: list[str] | None = None
    if answerer is not None:  # an answer that drifted off its question must not anchor the next one
        by_id = item_index(answerer.retriever).by_id
        anchors = [
            c.id
            for c in cited
            if c.id in by_id and _covers(answerer, query, [by_id[c.id]])
        ]
    # A follow-up with no words of its own (「他には？」「具体的には？」) is named, in the next
    # answer's note, by the question it continued.
    subject = answer.context.previous_question if answer.context and not own_terms(answer.question) else answer.question
    return TurnState(
        question=subject,
        query=query,
        role=answer.role,
        item_codes=codes[:MAX_STATE_ITEMS],
        principles=list(dict.fromkeys(n for c in cited for n in principles_in(c.section_path))),
        passage_ids=[c.id for c in cited],
        anchor_ids=anchors,
        refused=answer.refused,
        # Refused with no passage near enough to quote: the question was off the corpus's topics.
        off_topic=answer.refused and not answer.citations,
        lead="" if answer.refused else next((s.text for s in answer.sentences if not s.statement), ""),
    )


def known_words(answerer: Answerer) -> Callable[[str], bool]:
    """Whether a word occurs in the corpus: itself, or every part the tokenizer splits it into
    (「生成AI」 is indexed as 生成 + AI)."""
    idf, tokenize = answerer.idf, answerer.retriever.tokenizer.tokenize

    def seen(token: str) -> bool:
        return token in idf or token.lower() in idf

    def known(word: str) -> bool:
        parts = [t for t in tokenize(word) if t != word]
        return seen(word) or (bool(parts) and all(seen(t) for t in parts))

    return known


# Marks of a question that leans on what was said before (general Japanese, not the corpus's):
# a connective that continues or contrasts (じゃあ, 逆に), a case or condition set against the
# last answer (「…の場合は？」「…したときは？」「…だと」「…なら？」), a choice among what was
# listed (どれ, どっち; not 「どれくらい」), whether something suffices (「…すれば済む？」), and the
# additive も after a noun or a case particle (「…でも」「…にも」), which presupposes the same was
# said of something else (not 「…ても」「何も」).
# Sufficiency, at the end of a question (「同意書を取っておけば済む話？」「名前を消すだけでいい？」); its
# 済む is no verb of content.
_SUFFICES = (
    r"(?:ば済む(?:話)?|だけで(?:いい|よい|大丈夫|足りる|OK|済む)|それで(?:問題(?:ない|なし)|大丈夫|OK|いい|よい|十分))"
    r"(?:って(?:こと)?|ということ)?(?:に(?:なり(?:ます)?|なる))?(?:の|ん)?(?:です|でしょう|だろう)?(?:か|かね|よね|ね)?[？?]*$"
)
# An inference from the last answer put up for confirmation (「…もダメってこと？」「…という意味？」).
_CONFIRMS = r"(?:って|という)(?:こと|意味)(?:です|でしょう|だ)?(?:か|かね|よね|ね)?[？?]*$"
_LEANS = re.compile(
    rf"^(?:{_CONTINUING}|だったら|逆に|反対に|一方で)(?=[、,\s]|[^ぁ-ゖ])|^で[、,]"
    r"|(?:の場合|(?<=[うくすつぬむるぐぶたいの])(?:とき|時))(?:は|って|だと|には|では)?[？?]*$|だと[、,\s？?]|なら[？?、,]"
    r"|どれ(?!くらい|ぐらい|だけ|ほど|程)|どっち|どちら|" + _SUFFICES
    + "|" + _CONFIRMS
)


# A comparison without its standard (「話は別」「何か違ってくる」「対応は変わる」「同じでいい」「それでも
# 変わらない」), an extent set by something said before (そこまで) or whether something suffices
# (「目を通せばそれで問題なし？」): the standard is the last turn.
# (Not when the question names what it compares: 「開発者と提供者で違う」「AとBは何が違う」「…と比べて」
# 「…より」; nor a change over time: 「改訂で何が変わった」.)
# 「そこまで必要？」, and 「…なんですけど、それでも変わらない？」 (whether what was said holds despite a
# new fact): a demonstrative points at the standard.
_DEMONSTRATIVE = r"そこまで|それでも[^。？?]{0,12}?(?:変わ|違|同じ)"
_DEMONSTRATIVE_STANDARD = re.compile(_DEMONSTRATIVE)
_IMPLICIT_STANDARD = re.compile(
    r"話(?:は|が|も)?(?:また)?別|(?:違|変わ|異な)って(?:く|き)|(?:何か|なにか|どこか)(?:違|変わ|異な)|(?:何が|なにが)(?:違|異な)"
    r"|(?:やること|対応|扱い|考え方|答え|結論|注意点|ルール)(?:は|も|って)?(?:変わ|違[いうっ]|異な|同じ)"
    r"|同じ(?:考え方|扱い|対応|ルール)?で(?:いい|よい|大丈夫|OK|構わ)|" + _DEMONSTRATIVE + "|" + _SUFFICES
)
_NAMED_STANDARD = re.compile(
    r"と[^、。,？?]{1,20}(?:で(?:は|[、,\s])|(?:は|って)[^、。,？?]{0,6}(?:違|異な))|と比べ|と比較|より|との違い|と同じ"
)


def _speaks_of_corpus(question: str, known: Callable[[str], bool]) -> bool:
    """Some noun or verb of content of the question, outside its comparison, is the corpus's
    (「住民向けのお知らせ文に使うとなると…」: 使う; not 「消費税の扱いは変わりますか」). A
    demonstrative standard (そこまで, それでも) points at the last turn whatever the words."""
    text = nfkc(question)
    if _DEMONSTRATIVE_STANDARD.search(text):
        return True
    rest = _IMPLICIT_STANDARD.sub(" ", text)
    verbs = [form for _, pos, form in morphemes(rest) if pos[0] == "動詞" and pos[1] == "一般"]
    return any(known(w) for w in [*own_terms(rest), *verbs])


def implicit_standard(question: str) -> bool:
    """Whether a question compares with, or measures against, a standard it does not name."""
    text = nfkc(question)
    return bool(_IMPLICIT_STANDARD.search(text)) and not _NAMED_STANDARD.search(text)


def leans_on_context(question: str) -> bool:
    """Whether a question bears a mark of leaning on the previous turn (:data:`_LEANS`, or the
    additive particle も after a noun or a case particle)."""
    text = nfkc(question).strip()
    if _LEANS.search(text):
        return True
    toks = morphemes(text)
    return any(
        surface == "も"
        and pos[0] == "助詞"
        and i > 0
        and (toks[i - 1][1][0] == "名詞" or toks[i - 1][1][1] == "格助詞")
        for i, (surface, pos, _) in enumerate(toks)
    )


def may_continue(question: str, known: Callable[[str], bool]) -> bool:
    """Whether a question classified as standing alone may still continue the conversation: one
    that neither opens by changing the subject nor is a definition naming its own subject, whose
    own verbs of content are the corpus's (「明日も雨が降りますか？」 predicates something the corpus
    never speaks of; light verbs such as やる, する, ある take their meaning from what the
    conversation left out), and which bears a mark of leaning on the last turn or whose own nouns
    are at least half the corpus's (「保護者にはどう説明したらいいでしょう？」 after a question on
    AI in a nursery's letters; not 「この辺で昼ごはんのおすすめある？」)."""
    text = nfkc(question).strip()
    if opens_new_subject(text) or defines(LEAD.sub("", text)):
        return False
    # The verbs of the question itself: a clause set before it with けど／が (「伝え方のイメージが湧かない
    # んだけど、例えばどう言えばいいの？」) tells how the asker stands, not what is asked.
    # (Only when the question proper is itself a request of a follow-up, 「例えばどう言えば」: in 「子供が
    # 泣き止まないんだけど、どうすればいい？」 the clause is what is asked about.)
    asked = re.sub(_SUFFICES, " ", text)
    main = _PREFACE.split(asked)[-1]
    if not (EXAMPLES.search(main) or DETAIL.search(main) or MORE.search(main)):
        main = asked
    verbs = [form for _, pos, form in morphemes(main) if pos[0] == "動詞" and pos[1] == "一般"]
    if not all(known(v) for v in verbs):
        return False
    # 「Xも教えて」 asks to be told X besides (another object of the request, not the last turn's
    # subject again): its additive も leans on nothing when X is not the corpus's (「ついでに確定申告
    # の書き方も教えて」); the other marks still lean.
    if _LEANS.search(text) or (leans_on_context(text) and not _ALSO_ASKS.search(text)):
        return True
    # 「相手が子どもでしたら、どうですか？」: a case set against the last answer, when the corpus speaks
    # of what it names (not 「週末が晴れだったら、どこ行く？」).
    if (m := _CASE_SET.search(text)) and (named := content_nouns(m.group(1))) and all(map(known, named)):
        return True
    return _mostly_known(own_terms(text), known)


# A case set by 「…だったら／でしたら」 in the middle of the question (at its start, だったら is a
# connective: see _LEANS).
_CASE_SET = re.compile(r"([^\s、,。？?]{1,12}?)(?:だったら|でしたら)(?=[、,\s？?]|どう)")


# A clause set before the question proper by a concessive or introductory けど／が (「…んだけど、」
# 「…んですが、」「…けれども、」).
_PREFACE = re.compile(r"(?:けど|けれど(?:も)?|ですが|ますが|(?:ん|の)だが)[、,]")


# The additive particle on the object of a request: 「…も教えて」「…も知りたい」「…もお願い」.
_ALSO_ASKS = re.compile(
    r"も[、,\s]*(?:ついでに|あわせて|併せて|一緒に)?[、,\s]*"
    r"(?:教えて(?:ください|下さい|ほしい|欲しい|もらえ[^。？?]{0,8}|くれ[^。？?]{0,6})?|知りたい(?:です)?|お願いします?)[。？?！!]*$"
)


def _mostly_known(words: Sequence[str], known: Callable[[str], bool]) -> bool:
    """At least half of ``words`` are the corpus's."""
    return 2 * sum(map(known, words)) >= len(words)


def _answer(answerer: Answerer, text: str, resolution: Resolution, state: TurnState, k: int) -> Answer:
    """Answer the resolved search of a follow-up, its own words checked by the gate."""
    shown = _shown(resolution, state)
    ordered = resolution.kind == "role_switch"
    if ordered:  # the party it turns to is not what it asks about (「ベンダーさん側の責任は？」)
        text = without_parties(text)
    # 「他には？」 asks for more like what was shown, elsewhere: the answer's lead sentence is
    # searched beside the previous question (relevance feedback), its passages ranked last.
    feedback = state.lead if resolution.kind == "more" else ""
    aside = set_aside(text)
    if aside:  # 「個人情報以外で」: passages on what it sets aside rank last, and are not fed back
        feedback = ""
        held = [i for word in aside for i in answerer.retriever.holding(word, min_chars=1)]
        shown = list(dict.fromkeys([*shown, *held]))
        text = _SET_ASIDE.sub(" ", nfkc(text))  # nor are they words the answer must hold
    if feedback:  # the same sentence restated elsewhere (本編 in 別添, another edition) was shown too
        shown = list(dict.fromkeys([*shown, *answerer.retriever.holding(feedback)]))
    focus = resolution.focus
    if resolution.kind == "reference" and (named := topic_only(text)):
        # 「写真は？」 after 「お客さんの名前は入れないほうがいいですよね？」 asks the same of what it
        # names: the passages naming it join the focus (the gate requires one), beside the sections
        # of the last answer.
        naming = answerer.retriever.indices(answerer.retriever.holding(named, min_chars=1))
        # (A word of every other passage, 「リスクは？」「データは？」, singles nothing out.)
        if len(naming) <= MAX_NAMING_SHARE * len(answerer.retriever.chunks):
            focus = tuple(dict.fromkeys([*focus, *naming]))
    with (
        answerer.retriever.focus(focus, ordered),
        answerer.retriever.shown(shown),
        answerer.retriever.feedback(feedback),
        answerer.retriever.about_documents(_about(answerer, state)),
        # The turn's own words, or its own predicate (「間に合わなかったら？」 asks its own thing).
        answerer.own_turn(text if own_terms(text) or not elided_predicate(text) else "", _led_with(answerer, state)),
    ):
        return answerer.ask(resolution.query, role=resolution.role, k=k)


# A topic named by at most this share of the passages singles some out (see _answer).
MAX_NAMING_SHARE = 0.05
# A turn that is only a topic (「写真は？」「動画の場合は？」「じゃあ音声なら？」): a noun phrase and a
# topic or conditional marker, nothing predicated of it.
_TOPIC_ONLY = re.compile(
    r"^(?:じゃあ|じゃ|では|それでは|なら|で)?[、,\s]*(?P<topic>[^、,。？?！!\s]{1,16}?)"
    r"(?:の場合|のとき|の時)?(?:は|って|なら|だと|だったら|では)[？?]+$"
)


def topic_only(question: str) -> str:
    """The noun phrase a follow-up consisting only of a topic names (「写真は？」 → 写真), when it is
    nouns only and not a cue (「他には？」「具体例は？」「提供者は？」); else ''."""
    m = _TOPIC_ONLY.match(nfkc(question).strip())
    if not m:
        return ""
    topic = m.group("topic")
    toks = morphemes(topic)
    # Nouns only, none that can be a predicate (「必要は？」「違反って？」 evaluate, they name nothing).
    if not own_terms(topic) or any(pos[0] not in ("名詞", "接頭辞", "接尾辞") or pos[2] == "形状詞可能" for _, pos, _ in toks):
        return ""
    return topic


def _about(answerer: Answerer, state: TurnState) -> set[str]:
    """The organisation's document the conversation is about (with its family: its 別紙): the one
    the previous answer led with, when that is an added document. (The bundled papers are one
    guideline's: a conversation moves among them, its follow-ups resolved by the guideline's items.)"""
    led = _led_with(answerer, state)
    return set(answerer.retriever.families.get(led, set())) if led is not None else set()


def _led_with(answerer: Answerer, state: TurnState) -> str | None:
    """The document of the first passage the previous answer cited."""
    chunk = answerer.retriever.get(state.passage_ids[0]) if state.passage_ids else None
    return chunk.doc_id if chunk is not None else None


def ask_in_context(
    answerer: Answerer, question: str, role: Role | None = None, k: int = 10, state: TurnState | None = None
) -> Answer:
    """``answerer.ask`` for a question asked after ``state``; unchanged when it stands alone and
    is answered on its own.

    A follow-up costs no extra embedding: only its resolved text is embedded. A question that
    stands alone, is refused and leans on the last turn costs one more: its in-context reading.
    """
    text = clean_question(question)
    idx, known = item_index(answerer.retriever), known_words(answerer)
    # After a turn refused as off the corpus's topics, a question with words of its own is asked
    # on its own: that turn has no topic to lend (「選挙のときは？」 after it). A turn refused for a
    # missing figure (「…はいつまでに？」) keeps its topic.
    lends = state is not None and not (state.off_topic and own_terms(text))
    resolution = resolve(text, role, state, idx, known) if lends else None
    if resolution is None:
        alone = answerer.ask(question, role=role, k=k)  # refuses a question without a subject
        if state is None or state.refused or not alone.refused:
            return alone
        # A noun the last turn used is the conversation's (lexical cohesion: 「作家さんにはどう説明
        # すれば…」 after a question on an author's manuscript), whether the corpus uses it or not.
        said = context_terms(state)
        if not may_continue(text, lambda w: known(w) or w in said):
            return alone
        # Refused on its own, inside a conversation: Japanese leaves out what the context supplies
        # (「うちみたいな小さな町役場でもやらないといけない？」 after a question on AIガバナンス), so
        # the question is read once more as continuing the last one. The gate still decides; when
        # it refuses that reading too, the refusal on its own stands.
        resolution = resolve(text, role, state, idx, kind="reference")
        if resolution is None:
            return alone
        answer = _answer(answerer, text, resolution, state, k)
        if answer.refused:
            return alone
    else:
        assert state is not None
        if state.refused and lacks_subject(text, clauses=False):
            answer = answerer.refuse(text, resolution.role)  # the earlier turn answered nothing to refer to
        else:
            answer = _answer(answerer, text, resolution, state, k)
    answer.question = text
    answer.context = ContextUse(
        kind=resolution.kind,
        previous_question=state.question,
        query=resolution.query,
        role=resolution.role,
        item_codes=list(resolution.item_codes),
        note=resolution.note,
    )
    answer.notes.insert(0, resolution.note)
    return answer


def replay(answerer: Answerer, history: Sequence[str], role: Role | None = None, k: int = 10) -> TurnState | None:
    """The state after the earlier questions of a conversation (oldest first).

    Only the most recent question is answered (one query embedding); the ones before it
    are resolved as text, which is all the most recent one needs from them.
    """
    recent = list(history)[-MAX_HISTORY:]
    state: TurnState | None = None
    idx = item_index(answerer.retriever)
    for n, raw in enumerate(recent):
        if not isinstance(raw, str):
            raise QueryError("会話の履歴（history）は質問文（文字列）のリストで指定してください。", code="invalid_history")
        question = clean_question(raw)
        if n == len(recent) - 1:
            return turn_state(ask_in_context(answerer, question, role, k, state), answerer)
        res = resolve(question, role, state, idx, known_words(answerer)) if state else None
        query = res.query if res else search_text(question)
        state = TurnState(
            question=state.question if res and state and not own_terms(question) else question,
            query=query,
            role=(res.role if res else search_role(query, role)),
            item_codes=list(res.item_codes) if res else [],
        )
    return state
