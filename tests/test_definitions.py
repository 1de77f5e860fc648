"""Definition questions and the passages that define the asked term (retriever/definitions.py),
on real lines of the bundled corpus."""

from __future__ import annotations

from guideqa.text import match_key
from retriever.definitions import definition_candidates, definition_term

# The 令和7年度 update's footnote 38, as extracted, and a line of the guideline that only uses the term.
DEFINING = "³⁸ リスクベースアプローチとは、AIの利用目的・利害関係者、発生し得るリスクの影響の大きさ/発生可能性などを踏まえて、対策の優先順位を決定する手法である。"
USING = "本ガイドラインでは、この「リスクベースアプローチ」にもとづいて、企業における対策の方向を記載している。"


def test_the_asked_term_is_read_from_the_ways_people_ask_a_meaning():
    assert definition_term("AIガバナンスとは？") == "AIガバナンス"
    assert definition_term("『透明性』の意味は？") == "透明性"
    assert definition_term("ハルシネーションって、どういう意味ですか？") == "ハルシネーション"
    assert definition_term("前に出てきた「ソフトロー」って、どういう意味？") == "ソフトロー"
    # A quoted word asked about alone, or as a matter: what it means.
    assert definition_term("さっきの「説明責任」って？") == "説明責任"
    assert definition_term("『ガードレール』ってどういうこと？") == "ガードレール"
    assert definition_term("「生成AI」のことで相談があります") is None
    # What points at the last answer names no term.
    assert definition_term("それってどういう意味？") is None
    assert definition_term("この項目ってどういう意味ですか") is None
    assert definition_term("個人情報を入れてもいいですか？") is None


def test_a_shortened_term_finds_the_longer_term_it_heads_when_nothing_defines_it_as_asked():
    texts = [match_key(USING), match_key(DEFINING)]
    assert definition_candidates(texts, "リスクベースアプローチ") == [1]
    assert definition_candidates(texts, "リスクベース") == [1]
    # A short word is not looked for inside longer terms (「AIとは」 is no definition of AIシステム).
    assert definition_candidates([match_key("AIシステムとは、様々なレベルの自律性をもって動作する")], "AI") == []
    # Nor a term most of whose uses stand alone (セキュリティ is no shortening of セキュリティ要件).
    texts = [match_key("セキュリティ要件とは、システム要件のうち安全に関わるもの"), match_key("セキュリティ対策を講ずる"), match_key("セキュリティの確保")]
    assert definition_candidates(texts, "セキュリティ") == []
