"""Follow-up questions (retriever.conversation): detection, resolution on the real index, and
answering through the batch contract with ``history``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guideqa.cli import app as cli_app
from guideqa.config import Settings
from guideqa.models import TurnState
from guideqa.service import ask_line, build_answerer
from retriever.answer import Answerer
from retriever.answerability import asked_focus
from retriever.conversation import (
    EXAMPLE_SECTIONS,
    REASON,
    Resolution,
    _shown,
    ask_in_context,
    classify,
    conditional_only,
    defines,
    elided_predicate,
    implicit_standard,
    item_index,
    known_words,
    lacks_subject,
    leans_on_context,
    may_continue,
    own_terms,
    replay,
    resolve,
    set_aside,
    substitute_names,
    topic_only,
    turn_state,
)
from retriever.roles import described_roles, without_parties

PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"
PRIVACY = TurnState(question=PRIVACY_Q, query=PRIVACY_Q, role="user", item_codes=["U-4) i."])


@pytest.fixture(scope="module")
def answerer(real_settings: Settings) -> Answerer:
    return build_answerer(real_settings)


# --- detection (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("具体例は？", "examples"),
        ("具体的な手法を教えてください", "examples"),
        ("実践例はありますか", "examples"),
        ("もっと詳しく", "detail"),
        ("その項目の解説は？", "detail"),
        ("ポイントは？", "detail"),
        ("それはなぜですか？", "detail"),
        ("それは提供者にも当てはまりますか？", "role_switch"),
        ("AI開発者の場合は？", "role_switch"),
        ("では、提供者として個人情報の扱いで注意することは？", "role_switch"),
        ("他には？", "more"),
        ("それについて教えて", "reference"),
        ("上記について補足はある？", "detail"),
        ("個人情報の具体例は？", "examples"),  # the subject is the one just discussed
        ("それとはどう違うの？", "reference"),
        ("一言で言うと？", "detail"),  # the same in plainer words: the explanation
        ("かみ砕いて説明してもらえますか", "detail"),
        # The noun after an interrogative determiner is the kind asked for, not a new subject.
        ("たとえば、どういう取組が載っていますか", "examples"),
        ("実際の事例をいくつか教えて", "examples"),
        # A sentence-initial 「具体的には、」 makes its new words a precision of the last question.
        ("具体的には、どの部署が何を確認すればいいですか", "reference"),
        ("例えば、委託先との契約ではどうする？", "reference"),
        # 「ほかに」 as an adverb asks for more than the last turn said, whatever words it adds:
        # they say what more, in the last question's frame.
        ("ほかに気をつけることはありますか？取引先への説明とか。", "reference"),
        ("名前は入れないようにしています。それ以外には？", "reference"),
        # What 「…以外で」 names is set aside: more of the last turn beyond it.
        ("セキュリティ以外で注意することはありますか？", "more"),
        ("他にある？著作権以外で", "more"),
    ],
)
def test_follow_ups_are_detected(question: str, kind: str):
    assert classify(question, PRIVACY) == kind


@pytest.mark.parametrize(
    "question",
    [
        "ところで、明日の天気は？",  # changes the subject
        "AIガバナンスの具体例は？",  # a subject of its own
        "AI開発者は学習データについて何に注意すべき？",
        "透明性の確保とは何ですか？",
        "明日の東京の天気は？",
        "AIとは？",
        "AIガバナンスとは何ですか",
        "他の国ではどんな規制がありますか？",  # 「他の」 names another thing of its own
    ],
)
def test_self_contained_questions_stand_alone(question: str):
    assert classify(question, PRIVACY) is None


@pytest.mark.parametrize(
    ("question", "asker", "roles"),
    [
        # A party described by the act that defines a role (the profile's acts).
        ("じゃあ学習モデルを作ってる会社は何を求められるの？", "user", ["developer"]),
        ("そのアプリを仕入れて売る側だと？", "user", ["provider"]),
        ("うちがそれを組み込んで販売するなら？", "developer", ["provider"]),
        ("逆に、それを使う側の職員は？", "provider", ["user"]),
        # The asker's supplier is the role before it in the value chain.
        ("業者さん側の義務は？", "user", ["provider"]),
        ("メーカー側は？", "provider", ["developer"]),
        ("ベンダーの責任は？", "developer", []),
        # A party addressed is not the one asked about.
        ("逆に、使う側の職員さんに伝えておくべきことは？", "provider", []),
        # Not a party: an act without one, or a one-kanji stem without its okurigana.
        ("学習データに個人情報を使う場合は？", "developer", []),
        ("資料を作成する側は？", "user", []),
        ("小さい会社だと？", "user", []),
        # Review: 事業者 holds 業者; a supplier is a party only as one (「…業者との契約」 is not); making
        # is the developer's act only when what is made is AI.
        ("AI事業者ガイドラインの概要を教えて", "user", []),
        ("外部業者との契約で気をつけることは？", "user", []),
        ("議事録を作る側の職員は何に注意すべき？", "user", []),
        # Putting out (出す) is the provider's act when what is put out is AI; a vendor is a party;
        # 「Xには／にも…責任・決まり」 names the party bearing them, not one addressed.
        ("そのアプリを出している会社には、どんな決まりがあるの？", "user", ["provider"]),
        ("書類を出す会社は？", "user", []),
        ("モデルを作っているベンダーは？", "user", ["developer"]),
        ("それを作ってる会社の側にも責任はある？", "user", ["developer"]),
        ("サービスを作った会社はどういう役割？", "user", []),
    ],
)
def test_parties_described_by_their_act(question: str, asker: str, roles: list[str]):
    assert described_roles(question, asker) == roles  # type: ignore[arg-type]


def test_a_request_to_explain_further_continues_the_last_turn():
    # A degree adverb on a request to explain measures it against the answer just given,
    # whatever the turn adds about what to include; other uses of もっと do not.
    assert classify("別添の解説も含めて、もう少し掘り下げて教えてください", PRIVACY) == "detail"
    assert classify("社内研修で使うので、実践のやり方をもっと詳しく説明してもらえますか", PRIVACY) == "examples"
    assert classify("生成AIをもっと活用するにはどうすればいいですか", PRIVACY) is None


def test_a_party_described_by_its_act_switches_the_role():
    assert classify("じゃあ、それを組み込んだアプリを売る側なら？", PRIVACY) == "role_switch"
    assert classify("業者さん側の義務は？", PRIVACY) == "role_switch"
    # A question with a predicate of its own about another party stands alone unless it leans on
    # the last turn (じゃあ); the party's own act is not that predicate.
    assert classify("AIを作る会社が学習データの偏りを防ぐ方法を知りたい", PRIVACY) is None
    assert classify("じゃあAIを作る会社は何をすればいい？", PRIVACY) == "role_switch"
    assert without_parties("業者さん側の義務は？").strip() == "の義務は?"
    # The question proper may follow a remark of the asker's: it leans on the last turn by its own じゃあ.
    assert classify("説明はうちでちゃんとやってるつもりです。じゃあ、作ってるメーカーの方は何をすればいいの？", PRIVACY) == "role_switch"
    assert classify("うちは説明はきちんとしてるつもりです。AIを作る会社が学習データの偏りを防ぐ方法を知りたい", PRIVACY) is None


def test_nothing_is_a_follow_up_without_a_previous_turn():
    assert classify("具体例は？", None) is None


def test_own_terms_drop_cues_roles_and_demonstratives():
    assert own_terms("それは提供者にも当てはまりますか？") == []
    assert own_terms("その項目の具体例をもっと詳しく") == []
    assert own_terms("ところで、明日の天気は？") == ["天気"]
    assert "個人情報" in own_terms(PRIVACY_Q)


# --- the index's structure --------------------------------------------------------------------
def test_corresponding_items_follow_the_principle_numbers(answerer: Answerer):
    items = item_index(answerer.retriever)
    assert items.corresponding(["U-4) i."], [], "provider") == ["P-4) i.", "P-4) ii."]
    assert items.corresponding(["D-3) i."], [], "user") == ["U-3) i."]
    assert items.corresponding(["P-3) i."], [], "developer") == ["D-3) i.", "D-3) ii."]
    # the principles an answer cited stand in when it cited no role item
    assert items.corresponding([], [5], "user") == ["U-5) i."]
    assert items.titles["U-4) i."] == "個人情報の不適切入力とプライバシー侵害への対策"


def test_examples_resolve_to_the_items_worked_examples(answerer: Answerer):
    chunks = answerer.retriever.chunks
    res = resolve("具体例は？", "user", PRIVACY, item_index(answerer.retriever))
    assert res is not None and res.kind == "examples" and res.role == "user"
    assert res.focus and all(
        chunks[i].item_codes[0] == "U-4) i." and chunks[i].section_path[-1] in EXAMPLE_SECTIONS for i in res.focus
    )
    assert "個人情報" in res.query and res.note.startswith("前の質問（AI利用者として個人情報の扱いで注意することは？）の続きとして")


# An answer that carried two principles (the overview of the common guidelines).
OVERVIEW = TurnState(
    question="共通の指針にはどんなものがありますか？",
    query="共通の指針にはどんなものがありますか？",
    item_codes=["3) 公平性", "4) プライバシー保護"],
)


def test_a_request_for_detail_that_names_its_subject_keeps_the_units_that_name_it(answerer: Answerer):
    """「Xについてもっと詳しく」 after an answer that carried several units: the unit X names, and
    X in the search; a subject none of them names is searched for by its words, no unit carried."""
    items = item_index(answerer.retriever)
    overview = OVERVIEW
    res = resolve("プライバシー保護についてもっと詳しく", None, overview, items)
    assert res is not None and res.kind == "detail" and res.item_codes == ("4) プライバシー保護",)
    assert "プライバシー" in res.query
    paths = [answerer.retriever.chunks[i].section_path for i in res.focus]
    assert paths and all(any(h.startswith("4) プライバシー保護") for h in path) for path in paths)
    other = resolve("偽情報について、もう少し詳しく", None, overview, items)
    assert other is not None and other.kind == "detail" and other.item_codes == () and not other.focus
    assert "偽情報" in other.query
    # Without a subject of its own the request keeps every carried unit, as before.
    plain = resolve("もっと詳しく", None, overview, items)
    assert plain is not None and plain.item_codes == ("3) 公平性", "4) プライバシー保護")


def test_a_term_quoted_from_the_last_answer_names_the_subject_of_a_request_for_examples(answerer: Answerer):
    """「「X」って具体的には？」 quotes what it wants examples of: the units that name it, and its words
    in the search, like 「Xについて」."""
    items = item_index(answerer.retriever)
    overview = OVERVIEW
    res = resolve("さっき出てきた「プライバシー保護」って具体的には？", None, overview, items)
    assert res is not None and res.kind == "examples" and res.item_codes == ("4) プライバシー保護",)
    other = resolve("その「偽情報の拡散」って、例えばどういうもの？", None, overview, items)
    assert other is not None and other.kind == "examples" and other.item_codes == ()
    assert "偽情報" in other.query and "拡散" in other.query


def test_the_kind_of_thing_asked_for_narrows_a_request_for_examples(answerer: Answerer):
    # 「具体的にはどんな記録を…？」 names no new subject (examples of the last one), but what kind
    # of example it wants is searched for too.
    res = resolve("具体的にはどんな記録を残しておけばいいですか", "user", PRIVACY, item_index(answerer.retriever))
    assert res is not None and res.kind == "examples" and "記録" in res.query and "個人情報" in res.query


@pytest.mark.parametrize("why", ["どうしてダメなの？", "なぜ必要なんですか？", "それってどうして大事なんですか", "なんで？", "なんでダメなの？"])
def test_a_why_question_that_only_restates_an_evaluation_continues_the_last_turn(why: str):
    """「なぜダメなんですか？」 asks the reason of what the last turn said: ダメ (an adjectival noun before
    a copula) is no subject of its own. One naming a thing (「なぜ偽情報が問題なの？」) stands alone."""
    state = TurnState(question="生成AIの答えをそのまま使ってもいいですか", query="生成AIの答えをそのまま使ってもいいですか")
    assert classify(why, state) == "detail"
    assert classify("なぜ偽情報が問題になるんですか？", state) is None


def test_role_switch_resolves_to_the_other_roles_item(answerer: Answerer):
    chunks = answerer.retriever.chunks
    res = resolve("それは提供者にも当てはまりますか？", "user", PRIVACY, item_index(answerer.retriever))
    assert res is not None and res.kind == "role_switch" and res.role == "provider"
    assert res.item_codes == ("P-4) i.", "P-4) ii.")
    assert {chunks[i].item_codes[0] for i in res.focus} == {"P-4) i.", "P-4) ii."}
    assert res.query.startswith("AI提供者として個人情報")


def test_an_off_topic_turn_lends_no_topic_to_a_question_with_words_of_its_own(answerer: Answerer):
    refused = turn_state(answerer.ask("明日の東京の天気は？"), answerer)
    assert refused.refused and refused.off_topic
    question = "偽情報の対策のときは？"
    answer = ask_in_context(answerer, question, None, 10, refused)
    alone = answerer.ask(question)
    assert answer.context is None and [p.id for p in answer.passages] == [p.id for p in alone.passages]
    # A cue with nothing of its own is still refused: there is nothing to continue.
    assert ask_in_context(answerer, "具体例は？", None, 10, refused).refused


def test_asking_what_an_item_means_searches_its_principle_first(answerer: Answerer):
    state = TurnState(question="セキュリティ対策は？", query="セキュリティ対策は？", role=None, item_codes=["P-5) i."])
    res = resolve("それってどういう意味ですか？", None, state, item_index(answerer.retriever))
    assert res is not None and res.kind == "detail"
    principle = answerer.retriever.chunks[res.focus[0]]
    assert principle.segment == "main" and principle.section_path[-1].startswith("5) セキュリティ確保")


def test_a_role_switch_to_a_described_party_searches_its_items_with_the_words_it_adds(answerer: Answerer):
    res = resolve("じゃあ、それを組み込んだアプリを売る側なら、利用規約には？", "user", PRIVACY, item_index(answerer.retriever))
    assert res is not None and res.kind == "role_switch" and res.role == "provider"
    assert res.item_codes == ("P-4) i.", "P-4) ii.")
    assert res.query.startswith("AI提供者として個人情報") and res.query.endswith("利用 規約")


def test_a_role_switch_after_a_remark_asks_for_the_other_party_not_for_the_askers_side(answerer: Answerer):
    # The last turn described the asker's side by its act (「売る側」), and this one opens with a
    # remark about what the asker does: neither is what is asked of the maker.
    state = turn_state(answerer.ask("うちはAIのついた防犯カメラを売ってるんだけど、売る側ってどんな責任があるの？", role="provider"))
    res = resolve(
        "お客さんへの説明は毎回してるんだけどね。じゃあ、作ってるメーカーの方は何をしなきゃいけないの？",
        "provider",
        state,
        item_index(answerer.retriever),
    )
    assert res is not None and res.kind == "role_switch" and res.role == "developer"
    assert "売る側" not in res.query and "説明" not in res.query.split("？")[-1]
    assert res.query.startswith("AI開発者として") and "防犯カメラ" in res.query


def test_a_role_switch_keeps_what_the_last_question_was_about_and_reads_the_asking_sentence():
    from guideqa.text import nfkc
    from retriever.conversation import _question_sentence, without_described_parties
    from retriever.roles import named_roles

    # The asker's side (「使う側として」「売る側」) goes; what was sold or used stays; a role's name stays to be renamed.
    assert "防犯カメラ" in without_described_parties("防犯カメラを売る側として何に気をつければいい？")
    assert "売る側" not in without_described_parties("防犯カメラを売る側として何に気をつければいい？")
    assert "顔認証カメラ" in without_described_parties("うちが顔認証カメラを売る場合、どんな責任があるの？")
    assert "開発者" in without_described_parties("うちは開発者の立場になるんですか？")
    # A remark after the question is not what is asked.
    turn = nfkc("じゃあ、作ってるメーカーの方は、データの偏りについて何をしなきゃいけないの？うちも説明はしてるけどね。")
    assert "偏り" in _question_sentence(turn)
    # 「利用者さん」 are a care service's clients, not the guideline's AI利用者.
    assert named_roles("利用者さんに合う車いすをAIで選んでいます") == []
    assert named_roles("AI利用者として気をつけることは？") == ["user"]


# --- answering -------------------------------------------------------------------------------
def _codes(answer: Any, n: int = 5) -> list[str]:
    return [p.item_codes[0] if p.item_codes else "" for p in answer.passages[:n]]


def test_examples_follow_up_finds_the_worked_examples(answerer: Answerer):
    alone = answerer.ask("具体例は？", role="user")
    answer = ask_in_context(answerer, "具体例は？", "user", 10, PRIVACY)
    assert alone.refused  # on its own the question has no subject
    assert not answer.refused and answer.question == "具体例は？"
    assert answer.context is not None and answer.context.kind == "examples"
    assert answer.context.item_codes == ["U-4) i."] and answer.notes[0] == answer.context.note
    assert any(
        p.item_codes[:1] == ["U-4) i."] and p.section_path[-1] in EXAMPLE_SECTIONS for p in answer.passages[:5]
    )


def test_role_switch_follow_up_answers_with_the_provider_items(answerer: Answerer):
    question = "それは提供者にも当てはまりますか？"
    alone = answerer.ask(question, role="user")
    answer = ask_in_context(answerer, question, "user", 10, PRIVACY)
    assert not {"P-4) i.", "P-4) ii."} & set(_codes(alone))
    assert answer.role == "provider" and {"P-4) i.", "P-4) ii."} & set(_codes(answer))
    assert any(code.startswith("P-4)") for c in answer.citations for code in c.item_codes)


@pytest.mark.parametrize("question", ["ところで、明日の天気は？", "AI開発者は学習データについて何に注意すべき？"])
def test_self_contained_questions_get_the_same_answer_as_without_history(answerer: Answerer, question: str):
    with_history = ask_in_context(answerer, question, "user", 10, PRIVACY)
    alone = answerer.ask(question, role="user")
    assert with_history.model_dump() == alone.model_dump()
    assert with_history.context is None


def test_context_never_forces_an_answer(answerer: Answerer):
    refused = turn_state(answerer.ask("明日の東京の天気は？"))
    assert refused.refused and refused.item_codes == []
    answer = ask_in_context(answerer, "もっと詳しく", None, 10, refused)
    assert answer.refused and answer.context is not None


def test_turn_state_keeps_the_cited_items_and_role(answerer: Answerer):
    state = turn_state(answerer.ask(PRIVACY_Q, role="user"))
    assert state.role == "user" and state.item_codes[0] == "U-4) i." and state.query == PRIVACY_Q


def test_the_copula_nande_is_no_why():
    # 「…なんですけど」「…なんでしょうか」 are a copula, not 「なんで」 (why).
    state = TurnState(question="生成AIの答えをそのまま使ってもいいですか", query="生成AIの答えをそのまま使ってもいいですか")
    assert not REASON.search("うちは小さい会社なんですけど")
    assert not REASON.search("どういうことなんでしょうか") and not REASON.search("なんでも使っていいの？")
    assert classify("なんでやめたの？", state) == "detail"
    assert not REASON.search("小さい店なんで、どうすれば？")  # the spoken "because"


def test_an_inference_put_up_for_confirmation_continues_the_last_turn():
    """「…もダメってこと？」 asks whether the last answer implies something: the last turn is its
    frame, whatever example words it adds."""
    state = TurnState(question="AIで採用の書類選考をするとき、公平性で気をつけることは？", query="AIで採用の書類選考をするとき、公平性で気をつけることは？")
    assert classify("たとえば年齢で絞り込むのもダメってこと？", state, lambda w: True) == "reference"
    assert classify("学歴で選ぶのは差別という意味ですか", state, lambda w: True) == "reference"
    # Its predicate before って is no thing asked about (no focus to find in the corpus).
    assert asked_focus("たとえば年齢とか年収で絞り込むのもダメってこと？") == ()


def test_after_a_refused_turn_a_request_for_examples_still_lacks_a_subject(answerer: Answerer):
    state = turn_state(answerer.ask("確定申告の書き方を教えて"), answerer)
    assert state.refused
    assert ask_in_context(answerer, "実際に使われた例は？", None, 10, state).refused


def test_a_case_said_by_its_own_clause_has_a_subject():
    # 「途中でやめた事例」: the verb says what the cases are of; 「具体例は？」 alone has nothing.
    assert not lacks_subject("途中でやめた事例ってありますか？")
    assert not lacks_subject("断られた例はある？")
    assert lacks_subject("具体例は？") and lacks_subject("実際にどんなやり方があるのか例を挙げてもらえる？")


def test_replay_reads_an_earlier_turn_that_leans_on_the_one_before(answerer: Answerer):
    # The middle turn confirms an inference: the third turn asks more about the whole matter.
    q1 = "AIで採用の書類選考をするとき、公平性で気をつけることは？"
    state = replay(answerer, [q1, "たとえば年齢で絞り込むのもダメってこと？"])
    assert state is not None and "公平" in state.query and "年齢" in state.query


def test_replay_of_a_three_turn_conversation(answerer: Answerer):
    state = replay(answerer, [PRIVACY_Q, "具体例は？"], "user")
    # 「具体例は？」 has no words of its own: the next note names the question it continued
    assert state is not None and state.question == PRIVACY_Q and "個人情報" in state.query
    answer = ask_in_context(answerer, "AI提供者の場合は？", "user", 10, state)
    assert answer.context is not None and answer.context.kind == "role_switch" and answer.role == "provider"
    assert any(code.startswith("P-") for code in _codes(answer))


def test_a_role_switch_after_examples_leads_with_the_corresponding_item(answerer: Answerer):
    """After 「具体例は？」 the labels it searched are not the subject: 「提供者の場合は？」 asks about
    the bias question, and the corresponding item's 本編 text leads the answer."""
    state = replay(answerer, ["学習データのバイアスにはどう対処すればいい？", "具体例は？"], "developer")
    assert state is not None and "具体的な手法" not in state.query
    answer = ask_in_context(answerer, "提供者の場合は？", "developer", 10, state)
    assert answer.context is not None and answer.context.kind == "role_switch"
    first = answer.passages[0]
    assert first.item_codes == ["P-3) i."] and first.section_path[0] == "本編"


class CountingEmbedder:
    """The real embedder, counting query embeddings."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.queries = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_query_np(self, text: str) -> Any:
        self.queries += 1
        return self.inner.embed_query_np(text)


def test_a_follow_up_costs_at_most_one_extra_query_embedding(answerer: Answerer, monkeypatch: pytest.MonkeyPatch):
    counter = CountingEmbedder(answerer.retriever.embedder)
    monkeypatch.setattr(answerer.retriever, "embedder", counter)
    # The cost of a question asked on its own (one with a subject: 「具体例は？」 alone is refused unsearched).
    ask_line(answerer, {"id": "a", "question": "個人情報の扱いの具体例は？", "role": "user"}, 10)
    alone = counter.queries
    assert alone >= 1
    counter.queries = 0
    ask_line(answerer, {"id": "b", "question": "具体例は？", "role": "user", "history": [PRIVACY_Q]}, 10)
    assert counter.queries <= alone + 1
    counter.queries = 0
    three = {"id": "c", "question": "AI提供者の場合は？", "role": "user", "history": [PRIVACY_Q, "具体例は？"]}
    ask_line(answerer, three, 10)
    assert counter.queries <= alone + 1


# --- batch and CLI ---------------------------------------------------------------------------
def test_batch_lines_carry_history(real_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GUIDEQA_INDEX_DIR", str(real_settings.index_dir))
    from guideqa.config import get_settings

    get_settings.cache_clear()
    lines = [
        {"id": "f1", "question": "具体例は？", "role": "user", "history": [PRIVACY_Q]},
        {"id": "f2", "question": "具体例は？", "role": "user"},
        {"id": "bad", "question": "具体例は？", "history": "AI利用者として"},
        {"id": "bad2", "question": "具体例は？", "history": [PRIVACY_Q, 3]},
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    try:
        result = CliRunner().invoke(cli_app, ["batch", "--in", str(src), "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert records["f1"]["context"]["kind"] == "examples" and not records["f1"]["refused"]
    assert records["f1"]["context"]["previous_question"] == PRIVACY_Q
    assert records["f2"]["context"] is None and records["f2"]["refused"]
    assert records["bad"]["error"]["code"] == "invalid_history"
    assert records["bad2"]["error"]["code"] == "invalid_history"


def test_cli_ask_with_history(real_settings: Settings):
    args = ["ask", "それは提供者にも当てはまりますか？", "--role", "U", "--history", PRIVACY_Q,
            "--index-dir", str(real_settings.index_dir)]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("（前の質問（AI利用者として個人情報の扱いで注意することは？）の続きとして")
    assert "P-4)" in result.output


def test_one_word_questions_follow_on_only_with_a_corpus_word(answerer: Answerer):
    known = lambda w: w.lower() in answerer.idf  # noqa: E731
    assert classify("従業員向けには何をすれば？", PRIVACY, known) == "reference"
    assert classify("明日の天気は？", PRIVACY, known) is None  # 天気 is not in the corpus
    assert classify("透明性とは？", PRIVACY, known) is None  # a definition names its own subject


def test_the_additive_mo_asks_the_previous_question_about_something_else(answerer: Answerer):
    known = lambda w: w.lower() in answerer.idf  # noqa: E731
    assert classify("パートの職員にも必要？", PRIVACY, known) == "reference"
    assert classify("明日の天気も晴れ？", PRIVACY, known) is None  # none of its words are the corpus's
    # A question with a verb, or one that states its whole subject, stands alone.
    assert classify("生成AIで作った画像も著作権の対象になりますか？", PRIVACY, known) is None


def test_only_items_that_cover_the_question_are_carried(answerer: Answerer):
    from retriever.conversation import _on_topic

    assert _on_topic(answerer, PRIVACY_Q, "U-4) i.")
    assert not _on_topic(answerer, "AIに頼りすぎないようにするには？", "U-4) i.")


def test_more_detail_without_items_searches_the_cited_section(answerer: Answerer):
    items = item_index(answerer.retriever)
    chunks = answerer.retriever.chunks
    cited = next(c for c in chunks if c.doc_id == "interim2025" and c.section_path)
    state = TurnState(question="政府調達は？", query="政府調達は？", passage_ids=[cited.id])
    res = resolve("もっと詳しく", None, state, items)
    assert res is not None and res.kind == "detail" and res.item_codes == ()
    assert res.focus[0] == items.by_id[cited.id]
    assert all(chunks[i].section_path == cited.section_path for i in res.focus)


# --- units: items, principles, and the principles an item cites --------------------------------
def test_items_cite_principles_in_their_own_text(answerer: Answerer):
    from retriever.units import cited_principles

    d2 = next(c for c in answerer.retriever.chunks if c.segment == "main" and c.item_codes[:1] == ["D-2) i."])
    # 「…プライバシー・バイ・デザイン等を通じて…（「2）安全性」「4）プライバシー保護」…）」
    assert cited_principles(d2.text)[4] >= 1
    assert cited_principles("（「4）プライバシー保護」）") == {4: 1}
    assert cited_principles("（「4）公平性」）") == {}  # number and name must agree


def test_role_switch_without_a_same_numbered_item_follows_the_cited_principle(answerer: Answerer):
    items = item_index(answerer.retriever)
    # The developer part has no D-4): its item on personal data in training cites 4) プライバシー保護.
    assert ("D", 4) not in items.by_number
    assert items.corresponding(["U-4) i."], [], "developer") == ["D-2) i."]
    # An item citing every principle in passing (D-6) ii. 情報提供) is not the developer's privacy item.
    assert "D-6) ii." not in items.corresponding(["U-4) i."], [], "developer")
    answer = ask_in_context(answerer, "それは開発者にも当てはまりますか？", "user", 10, PRIVACY)
    assert answer.role == "developer" and "D-2) i." in _codes(answer, 3)


def test_a_principle_is_a_unit_with_its_roles_explanations(answerer: Answerer):
    items = item_index(answerer.retriever)
    chunks = answerer.retriever.chunks
    code = "8) 教育・リテラシー"
    assert items.main[code] and all(chunks[i].segment == "main" for i in items.main[code])
    examples = items.sections(code, EXAMPLE_SECTIONS, "provider")
    assert examples and all(
        chunks[i].section_path[1].startswith("別添4") and chunks[i].section_path[-1] == "[具体的な手法]" for i in examples
    )
    literacy = TurnState(question="教育・リテラシーについて", query="教育・リテラシーについて", item_codes=[code])
    answer = ask_in_context(answerer, "具体例は？", "provider", 10, literacy)
    assert answer.context is not None and answer.context.item_codes == [code]
    assert any(p.section_path[-2:] == [code, "[具体的な手法]"] for p in answer.passages[:5])


def test_turn_state_remembers_principles_and_retrieved_units(answerer: Answerer):
    state = turn_state(answerer.ask("教育・リテラシーについて教えてください"), answerer)
    assert "8) 教育・リテラシー" in state.item_codes and 8 in state.principles


def test_an_explanation_request_after_an_answer_is_not_refused_for_its_cue_words(answerer: Answerer):
    question = "AI開発者は学習データについて何に注意すべき？"
    first = answerer.ask(question, role="developer")
    state = turn_state(first, answerer)
    answer = ask_in_context(answerer, "その項目の解説は？", "developer", 10, state)
    assert not first.refused and not answer.refused
    assert answer.context is not None and answer.context.query == question  # 「項目」「解説」 are not searched
    assert any(p.segment == "annex" for p in answer.passages[:3])


def test_compound_words_are_known_by_their_parts(answerer: Answerer):
    known = known_words(answerer)
    assert known("生成AI") and not known("天気")
    assert classify("生成AIの場合は？", PRIVACY, known) == "reference"
    assert classify("開発者側は？", PRIVACY, known) == "role_switch"


def test_a_question_naming_its_item_carries_that_item_only(answerer: Answerer):
    question = "「U-4) i. 個人情報の不適切入力とプライバシー侵害への対策」について教えてください"
    state = turn_state(answerer.ask(question, role="user"), answerer)
    assert state.item_codes == ["U-4) i."]


def test_more_ranks_what_the_previous_answer_showed_last(answerer: Answerer):
    first = answerer.ask(PRIVACY_Q, role="user")
    assert not first.refused and first.citations
    state = turn_state(first, answerer)
    more = ask_in_context(answerer, "他には？", "user", state=state)
    assert more.context is not None and more.context.kind == "more"
    shown = set(state.passage_ids)
    assert more.passages and more.passages[0].id not in shown
    assert not shown & {c.id for c in more.citations}
    # demoted, not dropped: a passage shown before comes after all the others (unless a near
    # duplicate of it now ranks earlier and the duplicate filter keeps that one instead)
    n = len(answerer.retriever.chunks)
    with answerer.retriever.shown(list(shown)):
        demoted = [h.chunk.id for h in answerer.retriever.hits(state.query, "user", n)]
    at = [n for n, i in enumerate(demoted) if i in shown]
    assert at == list(range(len(demoted) - len(at), len(demoted)))


def test_more_searches_what_the_previous_answer_led_with_beside_its_question(answerer: Answerer):
    first = answerer.ask(PRIVACY_Q, role="user")
    state = turn_state(first, answerer)
    lead = next(s.text for s in first.sentences if not s.statement)
    assert state.lead == lead
    assert turn_state(answerer.refuse("明日の天気は？", None), answerer).lead == ""
    retriever = answerer.retriever
    with retriever.one_question():
        plain = [h.chunk.id for h in retriever.hits(state.query, "user")]
        with retriever.feedback(lead):
            fed = [h.chunk.id for h in retriever.hits(state.query, "user")]
        joined = [h.chunk.id for h in retriever.hits(f"{state.query} {lead}", "user")]
    assert fed == joined and fed != plain
    # The lead restated elsewhere (本編 in 別添) was shown too: not quoted again.
    restated = retriever.holding(lead)
    assert set(state.passage_ids) & set(restated)
    more = ask_in_context(answerer, "他には？", "user", state=state)
    assert more.context is not None and more.context.kind == "more"
    assert not (set(state.passage_ids) | set(restated)) & {c.id for c in more.citations}


def test_anchors_are_the_cited_passages_that_cover_the_question(answerer: Answerer):
    # An answer in everyday words may cite passages off its question; only those on it anchor a follow-up.
    from retriever.conversation import _covers

    question = "AIに頼りすぎないようにするには？"
    answer = answerer.ask(question, role="user")
    state = turn_state(answer, answerer)
    assert state.anchor_ids is not None and set(state.anchor_ids) <= set(state.passage_ids)
    for c in answer.citations:
        hit = next(h for h in answerer.retriever.hits(question, "user", 50) if h.chunk.id == c.id)
        assert (c.id in state.anchor_ids) == _covers(answerer, question, [hit.index])
    # U-4) i.'s worked examples (personal data) do not cover a question on over-reliance.
    u4 = next(c for c in answerer.retriever.chunks if c.item_codes[:1] == ["U-4) i."] and "プライバシー侵害時" in c.text)
    hit = next(h for h in answerer.retriever.hits("プライバシー侵害時の措置", "user", 50) if h.chunk.id == u4.id)
    assert not _covers(answerer, question, [hit.index])


def test_a_follow_up_does_not_search_sections_cited_off_the_question(answerer: Answerer):
    items = item_index(answerer.retriever)
    cited = next(c for c in answerer.retriever.chunks if c.doc_id == "interim2025" and c.section_path)
    q = "AIに頼りすぎないようにするには？"
    unchecked = TurnState(question=q, query=q, passage_ids=[cited.id])
    drifted = unchecked.model_copy(update={"anchor_ids": []})
    assert resolve("もっと詳しく", None, unchecked, items).focus  # not checked: what was cited
    assert resolve("もっと詳しく", None, drifted, items).focus == ()
    assert resolve("それについて教えて", None, drifted, items).focus == ()


def test_more_searches_the_previous_question_without_its_cue_words(answerer: Answerer):
    items = item_index(answerer.retriever)
    res = resolve("他には？", "user", PRIVACY, items)
    assert res is not None and res.kind == "more" and res.query == PRIVACY_Q
    res = resolve("他に個人情報で注意することは？", "user", PRIVACY, items)
    assert res is not None and res.kind == "more" and res.query.startswith(PRIVACY_Q) and "他に" not in res.query


def test_a_name_in_a_contrastive_follow_up_stands_for_the_previous_name():
    # 「じゃあChatGPTの方なら？」 asks the previous question of another product: the name is
    # replaced, not added (a query holding both finds the first product's passages again).
    assert substitute_names("Copilotに検査結果を入れて要約させてもいい？", "じゃあChatGPTの方ならいける？") == (
        "ChatGPTに検査結果を入れて要約させてもいい?"
    )
    assert substitute_names("Copilotで議事録を作っていい？", "GeminiとかClaudeは？").startswith("Gemini・Claudeで議事録")
    # Nothing to replace: no name in the previous question, or the same name asked again.
    assert substitute_names("個人情報を入れていい？", "ChatGPTなら？") == "個人情報を入れていい？"
    assert substitute_names("ChatGPTに入れていい？", "ChatGPTの有料版は？") == "ChatGPTに入れていい？"


def test_a_contrastive_follow_up_searches_the_previous_question_with_the_new_name(answerer: Answerer):
    items = item_index(answerer.retriever)
    state = TurnState(question="ChatGPTに個人情報を入れてもいい？", query="ChatGPTに個人情報を入れてもいい？", role="user")
    res = resolve("じゃあCopilotの方なら？", "user", state, items, lambda w: True)
    assert res is not None and res.kind == "reference"
    assert "ChatGPT" not in res.query and res.query.startswith("Copilotに個人情報を入れてもいい")


# --- elliptical phrases, definitions, topic changes (session 5) -------------------------------
@pytest.mark.parametrize(
    ("question", "elided"),
    [
        ("中小企業なら？", True),  # a conditional copula, no predicate
        ("海外の子会社には？", True),
        ("新入社員向けだと？", True),
        ("学習データの集め方で守るべきことは？", False),  # a verb: a predicate of its own
        ("リスクベースアプローチって何？", False),  # an interrogative predicate
        ("EUのAI法はどんな仕組みの規制ですか？", False),  # a copula question
        ("学習データの偏りと個人情報の扱いの対策は？", False),  # a long phrase states its own subject
    ],
)
def test_a_short_noun_phrase_without_a_predicate_is_elided(question: str, elided: bool):
    assert elided_predicate(question) is elided


@pytest.mark.parametrize(
    ("question", "conditional"),
    [
        ("誤った翻訳が出てしまったら？", True),  # …たら: the main clause left out
        ("高校生が使うなら？", True),
        ("同意を取らなければ？", True),
        ("個人でやってる小さい店だと？", True),  # a copula's condition too
        ("うちみたいに人数が少ないと？", True),
        ("断られたらどうする？", False),  # a main clause of its own
        ("翻訳に使ったら問題になりますか？", False),
        ("偽情報対策について知りたい。選挙の時期だと？", False),  # a sentence before it names its subject
        ("リスクベースアプローチっていうと？", False),  # a quotation asking what is meant
        ("そうですか。じゃあ間違ったら？", True),
    ],
)
def test_a_condition_without_its_main_clause_asks_the_last_question_under_it(question: str, conditional: bool):
    assert conditional_only(question) is conditional


def test_a_condition_of_corpus_words_continues_the_conversation(answerer: Answerer):
    known = known_words(answerer)
    assert classify("学習データに個人情報が混ざってしまったら？", PRIVACY, known) == "reference"
    assert classify("週末に雪が降ったら？", PRIVACY, known) is None  # nothing the corpus speaks of


def test_an_elided_phrase_of_corpus_words_continues_the_conversation(answerer: Answerer):
    known = known_words(answerer)
    assert classify("海外の子会社には？", PRIVACY, known) == "reference"  # two words, both the corpus's
    assert classify("明日の東京の天気は？", PRIVACY, known) is None  # 天気 is not a corpus word
    assert classify("海外の子会社には？", PRIVACY) is None  # several words, no vocabulary to check them
    res = resolve("海外の子会社には？", "user", PRIVACY, item_index(answerer.retriever), known)
    assert res is not None and res.query.startswith(PRIVACY_Q) and "子会社" in res.query


def test_colloquial_yatsu_is_a_formal_noun_not_a_subject():

    assert own_terms("手書きっぽいやつは？") == ["手書き"]
    assert asked_focus("AIで描いた絵は？ 手書きっぽいやつは?") == ()


@pytest.mark.parametrize(
    ("question", "defined"),
    [
        ("リスクベースアプローチって何？", True),
        ("「AI利用者」とは誰のことですか？", True),
        ("アジャイル・ガバナンスってそもそも何ですか", True),
        ("それってどういう意味？", False),  # points back: a follow-up
        ("さっきの「説明責任」って？", True),  # a quoted word asked about alone
        ("写真って？", False),  # unquoted: a topic carried on (「写真は？」)
        ("その項目とは？", False),
    ],
)
def test_a_definition_names_its_subject(question: str, defined: bool):
    assert defines(question) is defined
    assert (classify(question, PRIVACY) is None) is defined


@pytest.mark.parametrize(
    "question",
    [
        "それはそうと、透明性の確保とは？",
        "ありがとう。話変わるけど、具体例は？",
        "なるほど。ところで、他には？",
        # after a closing sentence of the asker's own words, or an adding connective
        "参考にします。話は変わりますが、その場合は？",
        "あと全然別件なんですが、具体例は？",
        "それとは別件で、他には？",
    ],
)
def test_topic_change_conjunctions_stand_alone(question: str):
    assert classify(question, PRIVACY) is None


def test_follow_up_coverage_ignores_the_interrogative_frame(answerer: Answerer):
    from retriever.conversation import MIN_ITEM_COVERAGE
    from retriever.search import Hit

    items = item_index(answerer.retriever)
    own = [Hit(i, answerer.retriever.chunks[i], 0.0, 0.0, 0.0) for i in items.own_text("P-3) i.", "provider")]
    subject = "AIが差別的な出力をしないようにするには"
    # P-3) i. (bias) says 「不当に差別されない」: it covers the subject, whatever the frame asks
    assert answerer.coverage(subject + "、どうすればいいですか", own) == answerer.coverage(subject, own)
    assert answerer.coverage(subject + "、どうすればいいですか", own) >= MIN_ITEM_COVERAGE


def test_a_principle_named_without_a_role_is_the_carried_unit(answerer: Answerer):
    state = turn_state(answerer.ask("ガイドラインでいう「安全性」ってどういうこと？"), answerer)
    assert state.item_codes[0] == "2) 安全性"


def test_a_principles_explanation_is_its_whole_annex_b_entry(answerer: Answerer):
    chunks = answerer.retriever.chunks
    code = "6) 透明性"
    q = "透明性とは？"
    state = TurnState(question=q, query=q, item_codes=[code])
    res = resolve("その項目の解説は？", None, state, item_index(answerer.retriever))
    assert res is not None and res.kind == "detail" and res.item_codes == (code,)
    labels = {chunks[i].section_path[-1] for i in res.focus}
    assert {"[具体的な手法]", "[関連する記載内容(本編の記載内容の再掲)]"} <= labels
    assert all(code in chunks[i].section_path for i in res.focus)
    assert "[参考文献]" not in labels


def test_what_the_previous_answer_showed_ranks_last_for_an_explanation():
    state = TurnState(question="q", query="q", passage_ids=["a", "b"], anchor_ids=["a"])

    def res(kind: str, codes: tuple[str, ...] = ()) -> Resolution:
        return Resolution(kind, "q", None, (), codes, "")  # type: ignore[arg-type]

    assert _shown(res("more"), state) == ["a", "b"]
    assert _shown(res("detail", ("U-4) i.",)), state) == ["a", "b"]  # its 別添 sections are searched
    assert _shown(res("detail"), state) == []  # the cited section again: the passage may hold the rest
    drifted = state.model_copy(update={"anchor_ids": []})
    assert _shown(res("detail"), drifted) == ["a", "b"]
    assert _shown(res("examples"), state) == []


def test_a_cue_word_question_naming_two_roles_has_a_subject():
    from retriever.conversation import lacks_subject

    assert lacks_subject("具体的には？")
    assert lacks_subject("提供者の場合の具体例は？")  # one role: which subject, is the last turn's
    # The roles compared are the subject (「具体的に」 is not a follow-up cue here).
    assert not lacks_subject("AI開発者とAI利用者では、具体的に何が違いますか")


def test_a_question_refused_alone_is_read_again_as_continuing(answerer: Answerer):
    """「…でもやらないといけない？」 leaves out what it asks about; refused on its own, it is read
    once more as continuing the last question, and the gate answers that reading."""
    state = turn_state(answerer.ask("AIガバナンスの構築では何をすればいい？"), answerer)
    question = "うちみたいな小さな商店でもやらないといけない？"
    assert answerer.ask(question).refused
    answer = ask_in_context(answerer, question, None, 10, state)
    assert not answer.refused and answer.context is not None and answer.context.kind == "reference"
    assert answer.notes[0].startswith("前の質問（AIガバナンスの構築")
    assert any("AIガバナンス" in p.section for p in answer.passages[:3])


def test_a_complete_question_refused_alone_is_not_read_in_context(answerer: Answerer):
    state = turn_state(answerer.ask(PRIVACY_Q, role="user"), answerer)
    answer = ask_in_context(answerer, "明日は雨が降りますか？", "user", 10, state)
    assert answer.refused and answer.context is None


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("じゃあ保育園の場合は？", True),
        ("うちの店でも必要？", True),
        ("小さい会社だと、どれから始める？", True),
        ("逆に、お客さんに頼んでおくことは？", True),
        ("明日は雨が降りますか？", False),
        ("AI開発者が守るべきことは？", False),
        ("猫を飼っても大丈夫？", False),  # 「…ても」 concedes; it adds nothing to what was said
        ("何もしなくていい？", False),
        ("明日の気温はどれくらい？", False),
        ("地震が起きた場合の対応は？", False),
        ("じゃがいもの保存方法は？", False),
    ],
)
def test_marks_of_leaning_on_the_previous_turn(question: str, leans: bool):
    assert leans_on_context(question) is leans


@pytest.mark.parametrize(
    ("question", "implicit"),
    [
        ("外部に出す文書に使うとなると、また話は別ですか？", True),
        ("相手が学校だったら、何か違ってきますか", True),
        ("従業員が3人でも同じ考え方でいい？", True),
        ("小さな店でもそこまでやる必要ある？", True),
        ("外注先が作っているんですが、それでも変わりませんか", True),
        ("開発者と提供者で、やることは違ってきますか", False),  # the standard is named
        ("生成AIは従来のAIと比べてリスクが変わりますか", False),
        ("AIを使うと仕事のやり方は変わりますか", False),  # a change over time, not a comparison
        ("AIガバナンスとは何ですか", False),
        ("学習データと入力データは何が違う？", False),  # 「AとBは何が違う」 names both
        ("ガイドラインの改訂で何が変わりましたか", False),  # a change over time
        ("そんなに難しくないAIの使い方を教えて", False),
        # Whether something suffices: for what the last turn was about.
        ("担当者が最後に読み直すなら、それで問題ないですか", True),
        ("規約に同意しておけば済む話？", True),
        ("問題ないかどうか、どう確かめればいいですか", False),
    ],
)
def test_a_comparison_or_degree_without_its_standard(question: str, implicit: bool):
    assert implicit_standard(question) is implicit


def test_a_comparison_without_its_standard_continues_the_last_turn(answerer: Answerer):
    """「…となると話は別？」 asks whether the last answer still holds in a new case: it is read with
    the last question, and 話 (the matter discussed) is no subject the corpus must hold."""
    known = known_words(answerer)
    assert classify("外部に出す文書に使うとなると、また話は別ですか？", PRIVACY, known) == "reference"
    assert classify("相手が学校だったら、何か違ってきますか", PRIVACY, known) == "reference"
    # A content verb of its own predicates the question; a bare condition leaves its main clause
    # to the last turn.
    assert classify("パートさんにはどこまで教えておけばいい？", PRIVACY, known) is None
    assert classify("もし一回も受けなかったら？", PRIVACY, known) == "reference"
    # Off the corpus's subjects, the comparison is no continuation (review).
    assert classify("消費税の扱いは変わりますか", PRIVACY, known) is None
    assert classify("来年の税制で何か変わる？", PRIVACY, known) is None
    state = turn_state(answerer.ask("生成AIで社内の議事録の要約を作ってもいいですか？", role="user"), answerer)
    answer = ask_in_context(answerer, "お客さん向けのメールに使うとなると話は別ですか？", "user", 10, state)
    assert answer.context is not None and answer.context.kind == "reference"
    assert not answer.refused and answer.citations


def test_a_question_predicating_what_the_corpus_never_speaks_of_is_not_read_in_context(answerer: Answerer):
    known = known_words(answerer)
    assert leans_on_context("明日も雨が降りますか？") and not may_continue("明日も雨が降りますか？", known)
    assert may_continue("うちみたいな小さな商店でもやらないといけない？", known)  # light verbs only
    # A case set against the last answer by 「…だったら」, when the corpus speaks of what it names.
    assert may_continue("相手が子どもでしたら、どうですか？", known)
    assert not may_continue("週末が晴れだったら、どこ行く？", known)
    assert not may_continue("私が総理大臣だったらどうする？", known)
    assert not may_continue("ところで、小さな商店でも必要？", known)  # a topic change stands alone
    # A clause set before the question with けど／が tells how the asker stands: its verbs (湧く) need
    # not be the corpus's; the question's own must.
    assert may_continue("伝え方のイメージが湧かないんだけど、例えばどう言えばいいの？", known)
    assert not may_continue("よくわからないんだけど、明日も雨が降りますか？", known)
    # Only before a request of a follow-up: otherwise the clause is what is asked about.
    assert not may_continue("子供が泣き止まないんだけど、どうすればいい？", known)


def test_asking_to_be_told_something_else_too_does_not_lean_on_the_last_turn(answerer: Answerer):
    # 「Xも教えて」 adds X to what is asked: the last turn lends nothing to an X the corpus never
    # speaks of; other marks (a case set against the last answer, whether something suffices) lean.
    known = known_words(answerer)
    assert leans_on_context("ついでに、ぬか床の手入れの仕方も教えて")
    assert not may_continue("ついでに、ぬか床の手入れの仕方も教えて", known)
    assert not may_continue("それと、庭の芝刈りの時期もあわせて教えてください", known)
    assert leans_on_context("システムが止まってしまったときは？") and leans_on_context("利用規約を確認しておけば済む？")
    assert leans_on_context("名前を伏せるだけでいい？") and not leans_on_context("ガイドラインの目的は何ですか")
    # Not a case (何時, どんな時) nor sufficiency inside a request (「一言だけでいいので教えて」).
    assert not leans_on_context("説明会は何時？") and not leans_on_context("AIガバナンスを一言だけでいいので教えて")
    # The additive も of a request whose words are the corpus's still continues (「…の事例も教えて」).
    assert may_continue("個人情報の扱いの事例も教えて", known)
    state = turn_state(answerer.ask("社内の問い合わせ対応に生成AIを使うとき、気をつけることは？", role="user"), answerer)
    off = ask_in_context(answerer, "あと、ぬか床の手入れの仕方もついでに教えて", "user", 10, state)
    assert off.refused and off.context is None


def test_a_turn_repeating_the_last_turns_nouns_is_read_in_the_conversation(answerer: Answerer):
    # Lexical cohesion: 「大家さん」 is no word of the corpus, but the last turn's; the turn refused on its
    # own is read again as continuing it (and stays refused when that reading answers nothing).
    state = turn_state(answerer.ask("大家さんから預かった入居者の名簿を生成AIで整理してもいいですか？", role="user"), answerer)
    answer = ask_in_context(answerer, "大家さんにはどう説明すれば角が立たないですかね", "user", 10, state)
    assert answer.context is not None and answer.context.kind == "reference"
    assert not answer.refused and answer.citations


def test_a_turn_of_the_corpus_words_without_a_mark_may_continue_the_conversation(answerer: Answerer):
    known = known_words(answerer)
    assert may_continue("利用者にはどう説明したらいいでしょう？", known)  # its nouns are the corpus's
    assert not may_continue("この辺で昼ごはんのおすすめある？", known)  # most of its nouns are not
    state = turn_state(answerer.ask("社内の文書作成に生成AIを使うとき、何に気をつければいいですか？", role="user"), answerer)
    answer = ask_in_context(answerer, "利用者にはどう説明したらいいでしょう？", "user", 10, state)
    assert not answer.refused and answer.citations
    off = ask_in_context(answerer, "この辺で昼ごはんのおすすめある？", "user", 10, state)
    assert off.refused


def test_a_follow_up_with_its_own_predicate_is_not_gated_on_the_last_turns_figure(answerer: Answerer):
    """After 「…はいつまでに？」, 「具体的にはどうやって評価すればいい？」 asks a way of doing it, not
    a deadline: its own predicate states what it asks. A turn of nouns only borrows the last
    turn's predicate, and the figure it asked for, with it."""
    state = turn_state(answerer.ask("AIのリスク評価はいつまでにやればいい？"), answerer)
    answer = ask_in_context(answerer, "具体的にはどうやって評価すればいい？", None, 10, state)
    assert answer.context is not None and not answer.refused
    with answerer.own_turn("派遣社員も？"):
        assert answerer._typed_question("AIのリスク評価はいつまでにやればいい？ 派遣社員も？").endswith("派遣社員も？")
        assert answerer.features("AIのリスク評価はいつまでにやればいい？ 派遣社員も？", [], []).expected == "duration"
    with answerer.own_turn("具体的にはどうやって評価すればいい？"):
        assert answerer.features("AIのリスク評価はいつまでにやればいい？ 具体的にはどうやって評価すればいい？", [], []).expected is None


def test_a_follow_up_of_its_own_predicate_only_is_not_gated_on_the_last_turns_figure(
    answerer: Answerer, caplog: pytest.LogCaptureFixture
):
    """「間に合わなかったら？」 names nothing (no words of its own) but asks its own thing: the
    deadline the last turn asked for is not what a sentence must state to answer it."""
    state = turn_state(answerer.ask("AIのリスク評価はいつまでにやればいい？"), answerer)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="retriever.answer"):
        ask_in_context(answerer, "間に合わなかったら？", None, 10, state)
    assert not any("refused: type" in r.getMessage() for r in caplog.records)


def test_a_turn_with_its_own_predicate_asks_its_own_thing_and_a_noun_phrase_borrows_the_last_one(answerer: Answerer):
    """A follow-up with its own verb or adjective asks its own thing; one of nouns only
    (「派遣の人も？」) leaves the predicate, and with it the asked kind of content, to the last turn
    (:func:`retriever.conversation.elided_predicate`). A turn stating its own type keeps it."""
    searched = "AIのリスク評価はいつまでにやればいい？"
    for own in ("間に合わなかったら？", "どのくらいで返事もらえる？", "それって利用者にも当てはまる？", "提供者はどうすればいい？", "報告書はいつまで？"):
        with answerer.own_turn(own):
            assert answerer._typed_question(f"{searched} {own}") == own, own
    for borrowed in ("派遣社員も？", "小さい会社だと？", "提供者は？", "他には？"):
        with answerer.own_turn(borrowed):
            assert answerer._typed_question(f"{searched} {borrowed}") == f"{searched} {borrowed}", borrowed


def test_what_a_turn_sets_aside_is_not_searched_and_ranks_last(answerer: Answerer):
    # 「個人情報以外で」 after a question on personal data: the answer turns to the user's other
    # duties (safe use, checking outputs), not to personal data again.
    assert set_aside("個人情報以外で注意しておくことはありますか") == ["個人情報"]
    assert set_aside("自分以外の誰かに見てもらう必要はある？") == []  # 「以外の」 names another thing
    answer = ask_in_context(answerer, "個人情報以外で注意しておくことはありますか", "user", 10, PRIVACY)
    assert answer.context is not None and answer.context.kind == "more" and "個人情報" not in answer.context.query
    assert not answer.refused
    assert all("個人情報" not in p.text for p in answer.passages[:3])


def test_a_connective_of_sequence_carries_the_matter_on() -> None:
    # 「それで」「そしたら」「で、」 go on from what was just said, whatever words follow; 「じゃあ」 and
    # 「では」 ("well then") also turn to a new question and lean only by the other marks.
    outsourcing = TurnState(question="業務委託先がAIを使うかもしれないとき、契約で何か決めとく必要ある？", query="業務委託先がAIを使うかもしれないとき、契約で何か決めとく必要ある？")
    assert classify("それで業者さんから「AI使わせて」って言われたら、誰がOK出すの？", outsourcing) == "reference"
    assert classify("そしたら委託先の社員が使う端末は誰が用意するの？", outsourcing) == "reference"
    assert classify("で、OKもらったらいつまで使えるの？", outsourcing) == "reference"
    assert classify("そうすると、委託先から報告をもらう必要もある？", outsourcing) == "reference"
    assert classify("じゃあ、社内で何を決めておけばいいですか？", outsourcing) is None
    assert classify("それでいいと思います。ところで、明日の天気は？", outsourcing) is None  # a new subject opened


def test_a_turn_that_is_only_a_topic_names_what_the_passages_must_name():
    assert topic_only("音声は？") == "音声" and topic_only("じゃあ動画の場合は？") == "動画"
    # A cue, a party, a demonstrative or a predicate is no topic of its own.
    for q in ("他には？", "具体例は？", "提供者は？", "それは？", "音声を入れたら？", "職員の音声は？", "必要は？", "動画？"):
        assert topic_only(q) == "", q


def test_a_topic_only_follow_up_is_answered_from_a_passage_that_names_it(answerer: Answerer):
    state = turn_state(answerer.ask("生成AIに職員の名前を入力してもいいですか？", role="user"), answerer)
    answer = ask_in_context(answerer, "音声は？", "user", 10, state)
    assert answer.context is not None and answer.context.kind == "reference"
    assert not answer.refused
    assert any("音声" in p.text for p in answer.passages[:5])


def test_a_meaning_asked_of_a_term_named_in_quotes_stands_alone(answerer: Answerer):
    known = known_words(answerer)
    assert defines("さっき出てきた『ソフトロー』って、どういう意味ですか？")
    assert classify("さっき出てきた『ソフトロー』って、どういう意味ですか？", PRIVACY, known) is None
    # Pointing at the last answer is a follow-up; so is a topic set before a comma.
    assert classify("それって、どういう意味ですか？", PRIVACY, known) is not None
    assert not defines("開発者って、何をすればいい？") and not defines("うちみたいな小さい会社って、何から始めればいい？")


def test_asking_whom_to_turn_to_with_no_verb_of_content_continues_the_last_turn(answerer: Answerer):
    known = known_words(answerer)
    assert classify("だれにOKをもらえばいいですか？", PRIVACY, known) == "reference"
    assert classify("どの部署にOKもらえば？", PRIVACY, known) == "reference"
    assert classify("どなたに許可を取ればいいですか？", PRIVACY, known) == "reference"
    # Words of its own, and a verb of content, make a question of its own; so does asking where
    # something is, or whose it is.
    assert classify("明日の天気は誰に聞けばいい？", PRIVACY, known) is None
    for q in ("トイレはどこにある？", "誰のせい？", "どこのラーメンがおいしい？"):
        assert classify(q, PRIVACY, known) is None, q


def test_a_one_character_reference_word_is_not_cut_out_of_a_longer_word():
    # 点・件・話 point at what was said (「その点は？」「その件は？」) only as words of their own.
    assert own_terms("その点はどうですか？") == [] and own_terms("その件は？") == []
    assert own_terms("入れたあとの点検は誰がするの？") == ["点検"]
    assert "条件" in own_terms("利用の条件は？") and "電話" in own_terms("電話での相談でもいい？")
