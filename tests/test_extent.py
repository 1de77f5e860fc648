"""Questions of extent (「全部やらないとだめ？」「小さい会社だと？」) and the guideline's statements of
proportionality: the cue words, the statements found in the real corpus, and the answer."""

from __future__ import annotations

import pytest

from guideqa.config import Settings
from retriever.answer import Answerer
from retriever.conversation import ask_in_context, turn_state
from retriever.extent import asks_extent, says_proportionate
from retriever.search import Retriever


@pytest.mark.parametrize(
    "question",
    [
        "それ全部やらないとだめですか？",
        "すべて対応する必要がありますか",
        "どこまでやればいいですか",
        "そこまで必要？",
        "うちみたいな小さな商店でもやらないといけない？",
        "従業員5人の会社です。何から始めれば？",
        "事務員が2人しかいない事務所でも？",
        "小規模な事業者はどう対応すればよいですか",
        "夫婦ふたりでやってる喫茶店ですが、そこまでは無理です",
        "4人で回してる工房なんですけど",
        "三人でやってる美容院です",
    ],
)
def test_questions_of_extent(question: str):
    assert asks_extent(question)


@pytest.mark.parametrize(
    "question",
    [
        "全部のデータを消す必要がありますか",  # 全部の + noun: all of the data
        "どこまでテストすれば安全と言えますか",  # the extent of an act it names
        "どれくらいの精度が必要？",  # a figure
        "小さい子どもが使う場合は？",  # small, but not an organisation
        "利用者が1000人のサービスです",
        "AIガバナンスとは？",
        "AIの結果を一人だけで判断しないようにしたい",  # one person deciding, not a small organisation
        "3人で確認する手順にしています",
        "1000人でやってる会社でも同じ？",  # not a small organisation
    ],
)
def test_questions_not_of_extent(question: str):
    assert not asks_extent(question)


def test_statements_of_proportionality_in_the_guideline():
    # Sentences of the 本編 and the 別添 (verbatim, whitespace as extracted).
    assert says_proportionate("実践のポイントや実践例の採否は、各主体に委ねられる。")
    assert says_proportionate(
        "なお、具体的な検討にあたっては開発・提供・利用予定の AIのもたらすリスクの程度及び蓋然性や、各主体の資源制約に配慮することが重要である。"
    )
    assert not says_proportionate("AI利用者は、AIの出力結果について疑義がある場合には、必要に応じて問い合わせを行う。")
    assert not says_proportionate("リスクベースアプローチ")  # a heading, not a statement


@pytest.fixture(scope="module")
def answerer(real_settings: Settings) -> Answerer:
    return Answerer(Retriever.open(real_settings))


def test_a_small_organisation_asking_whether_all_of_it_applies_is_told_what_the_guideline_says(answerer: Answerer):
    state = turn_state(answerer.ask("生成AIを業務で使うとき、何に気をつければいいですか？", role="user"), answerer)
    answer = ask_in_context(answerer, "うちは職員5人の小さな事務所なんですが、それ全部やらないとだめですか？", "user", 10, state)
    assert not answer.refused
    assert any(says_proportionate(q) for c in answer.citations for q in c.quotes)
    assert answer.sentences and all(s.citations for s in answer.sentences)


def test_whether_everything_must_be_done_is_answered_by_the_statement_that_not_everything_is(answerer: Answerer):
    from retriever.extent import asks_everything, denies_everything

    assert asks_everything("それ全部やらないとだめ？") and not asks_everything("どこまでやればいい？")
    state = turn_state(answerer.ask("AIを使ったサービスを始めるとき、何に気をつければいいですか？", role="provider"), answerer)
    answer = ask_in_context(answerer, "社員3人の会社なんですが、それ全部やらないといけませんか？", "provider", 10, state)
    assert not answer.refused
    # 別添.はじめに: 「…この付属資料を全て記載とおりに実施することが求められているものではない。」
    assert denies_everything(answer.sentences[0].text)
