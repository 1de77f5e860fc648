"""Law names in questions and in the corpus (retriever.statutes), on real corpus lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from retriever.answerability import Features, Thresholds, decide
from retriever.statutes import (
    CorpusNames,
    bodies_as_setting,
    bodies_asked_for_their_stance,
    bodies_asked_to_accept,
    law_names,
    laws_not_in_corpus,
    other_bodies_rules,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
GUIDELINE = "ai_jigyosha_guideline_2024.txt"


def corpus_line(file: str, number: int) -> str:
    return (CORPUS / file).read_text(encoding="utf-8").splitlines()[number - 1]


@pytest.fixture(scope="module")
def corpus() -> tuple[str, list[str]]:
    names = CorpusNames((p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))), [])
    return names.text, names.laws


def test_law_names_in_a_guideline_line() -> None:
    # 「憲法や知的財産関連法令、個人情報保護法をはじめとする関連法令…」: 法令 is not a law's name,
    # 憲法 (one character before 法) is left to the common words.
    assert law_names(corpus_line(GUIDELINE, 719)) == ["個人情報保護法"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("金融商品取引法上問題ないですか", ["金融商品取引法"]),  # a proper noun in the dictionary
        ("古物営業法の帳簿に書いてもいいですか", ["古物営業法"]),  # nouns ending in the unit 法
        ("著作権法上は問題ないですか", ["著作権法"]),  # 法上 read as one word by the tokenizer
        ("景表法の表示に当たりますか", ["景表法"]),  # an abbreviation
        # Methods, not laws: a verbal noun before 法, or a compound ending in 方法・手法.
        ("誤回答の対処法を教えて", []),
        ("AIの活用法は？", []),
        ("学習手法や利用方法について", []),
        ("違法ですか", []),
        # A verbal noun before 法 may name a method: a law only where it is the standard.
        ("AIのリスク評価法を教えてください", []),
        ("古物営業法の帳簿に書いてもいいですか", ["古物営業法"]),
    ],
)
def test_law_names(text: str, names: list[str]) -> None:
    assert law_names(text) == names


def test_laws_not_in_corpus(corpus: tuple[str, list[str]]) -> None:
    text, names = corpus
    assert "個人情報保護法" in names and "不正競争防止法" in names
    assert laws_not_in_corpus("食品表示法に触れますか", text, names) == ["食品表示法"]
    assert laws_not_in_corpus("不正競争防止法の営業秘密に当たりますか", text, names) == []
    # An abbreviation keeps characters of the full name in order: 個情法 ← 個人情報保護法.
    assert laws_not_in_corpus("個情法上どうなりますか", text, names) == []
    # A law the corpus names, qualified (「改正個人情報保護法」).
    assert laws_not_in_corpus("改正個人情報保護法で何が変わりましたか", text, names) == []
    # A law named by AI is the corpus's own subject (the update names the AI law in full).
    assert laws_not_in_corpus("AI推進法ができて何が変わりましたか", text, names) == []


def test_decide_refuses_a_law_the_corpus_never_names() -> None:
    cal = Thresholds(min_coverage=0.3, min_dense=0.8, strong_dense=0.9)
    verdict = decide(Features(0.9, 0.9, None, True, rules_missing=True), cal)
    assert not verdict.answered and verdict.reason == "rules" and verdict.near_domain
    assert decide(Features(0.9, 0.9, None, True), cal).answered


def test_other_bodies_rules_the_corpus_never_names(corpus: tuple[str, list[str]]) -> None:
    text, _ = corpus
    vocabulary = ["経済産業省", "総務省"]
    assert other_bodies_rules("AIで作ったサムネイルはYouTubeの規約違反になりますか", text, vocabulary) == ["YouTube"]
    assert other_bodies_rules("国土交通省の基準では認められますか", text, vocabulary) == ["国土交通省"]
    # The corpus names the body (総務省), or a word the question abbreviates (経産省 ← 経済産業省).
    assert other_bodies_rules("総務省の指針ではどうなっていますか", text, vocabulary) == []
    assert other_bodies_rules("経産省のガイドラインではどうなっていますか", text, vocabulary) == []
    # The asker's own rules, and things described in ordinary words, are not another body's.
    assert other_bodies_rules("弊社の規程では承認が必要ですが、どう考えればいいですか", text, vocabulary) == []
    assert other_bodies_rules("顔認証システムの基準では精度が問題になりますか", text, vocabulary) == []
    assert other_bodies_rules("メルカリの規約違反になりますか", text, vocabulary) == ["メルカリ"]
    # Rules the asker is writing are not a standard the question is judged by.
    assert other_bodies_rules("国土交通省のルールを参考に社内規程を作りたい", text, vocabulary) == []


def test_bodies_asked_to_accept_what_the_corpus_never_names(corpus: tuple[str, list[str]]) -> None:
    text, _ = corpus
    vocabulary = ["総務省"]
    # An office, a court, an association or a firm, or a Latin-script name, asked to accept something.
    assert bodies_asked_to_accept("AIで作った申告書を、税務署はそのまま受理してくれますか", text, vocabulary) == ["税務署"]
    assert bodies_asked_to_accept("AIで描いた絵をNHKに出したら受け付けてもらえますか", text, vocabulary) == ["NHK"]
    # A name the corpus uses, whatever its case (ChatGPT).
    assert bodies_asked_to_accept("chatgptに登録してもらえますか", text, vocabulary) == []
    # People are not bodies; a body the corpus names (総務省, 個人情報保護委員会) is the corpus's to speak of.
    assert bodies_asked_to_accept("住民はAIの回答を受け入れてくれますか", text, vocabulary) == []
    assert bodies_asked_to_accept("個人情報保護委員会は報告を受け付けてくれますか", text, vocabulary) == []


def test_bodies_asked_for_their_stance_that_the_corpus_never_names(corpus: tuple[str, list[str]]) -> None:
    text, _ = corpus
    vocabulary = ["総務省"]
    # A body, the topic of the question, asked whether it has issued, permits or forbids something.
    assert bodies_asked_for_their_stance("全日本司法書士協会は生成AIの使い方について指針を出していますか", text, vocabulary) == [
        "全日本司法書士協会"
    ]
    assert bodies_asked_for_their_stance("NASAはAIでの画像生成を禁止しているの？", text, vocabulary) == ["NASA"]
    # A body the corpus names; the asker's own body (うちの協会); advice to a body, not its stance.
    assert bodies_asked_for_their_stance("個人情報保護委員会は注意喚起を出していますか", text, vocabulary) == []
    assert bodies_asked_for_their_stance("うちの協会は方針を出していませんが大丈夫？", text, vocabulary) == []
    assert bodies_asked_for_their_stance("NPO法人はAIを使うとき何に気をつければいい？", text, vocabulary) == []
    # The asker's own body (当協会, うちの協同組合), and a stance stated to build on (「…していますが」).
    assert bodies_asked_for_their_stance("当協会は生成AIの利用方針を定めていませんが問題ありますか", text, vocabulary) == []
    assert bodies_asked_for_their_stance("うちの協同組合ではAIの使用を認めていますか", text, vocabulary) == []
    assert bodies_asked_for_their_stance("日本看護協会は禁止していますが、病院ではどうすべき？", text, vocabulary) == []


def test_a_law_named_by_one_verbal_noun_counts_only_as_a_standard():
    # 電波 and 放送 are verbal nouns: 「電波法」 could name a method, so it is a law only as the
    # standard something is judged by.
    assert law_names("電波法上、この機器に免許は必要？") == ["電波法"]
    assert law_names("分析法を教えて") == []


def test_a_body_the_question_is_set_in_is_found_when_the_corpus_never_names_it():
    # 「…だと」「…では」「…の場合」 set the question in a body: a figure asked there is that body's.
    corpus, words = "経済産業省は…。デジタル推進課の審査は5営業日以内。", ["経済産業省", "デジタル推進課"]
    assert bodies_as_setting("となりの県庁だと、申請の審査は何日くらい？", corpus, words) == ["県庁"]
    assert bodies_as_setting("税務署の場合は何日以内に届け出る？", corpus, words) == ["税務署"]
    # The asker's own body, a body the corpus names, and a kind of organisation are not.
    assert bodies_as_setting("うちの町役場だと審査は何日？", corpus, words) == []
    assert bodies_as_setting("経済産業省では何日で回答がありますか", corpus, words) == []
    assert bodies_as_setting("小さい会社だと審査は何日？", corpus, words) == []
