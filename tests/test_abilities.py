"""What a named product is asked to be able to do (retriever.abilities), and the gate's test
that the passages hold it: an organisation's rules say what staff may do with a product, and
hold its abilities only where they state them."""

from __future__ import annotations

from retriever.abilities import asked_ability
from retriever.answer import _passage_words
from retriever.answerability import missing_focus

# Passages of a judicial scrivener office's policy (written for this test).
POLICY = [
    "当法人で業務利用を認めるのは、ChatGPT Enterprise（文章の下書き、要約）、DeepL Pro（外国語文書の翻訳）、Notta（議事録作成のみ）の3つに限ります。",
    "海外在住の相続人から届く書類の内容理解のためにDeepL Proを使うことは可とします。氏名・住所は黒塗りしてから入力してください。",
    "登記識別情報は、画像・番号ともに一切入力しないでください。",
]


def forms(question: str) -> set[str]:
    return {form for form, _ in asked_ability(question)}


def test_an_ability_asked_of_a_named_product_is_about_what_it_is_asked_to_do() -> None:
    assert {"中国語", "手書き", "書類"} <= forms("DeepLって中国語の手書きの書類も読み取れる？")
    assert "英語" in forms("DentalVoice受付って、英語で電話してきた患者さんにも対応できる？")
    assert "音声" in forms("ChatGPTって無線の音声聞かせたら文字起こししてくれる？")  # 「…してくれる」
    # A name the tokenizer broke (はるか・ぜ・AI・アシスタント) is still a name: glued to what precedes it.
    assert "音声" in forms("はるかぜAIアシスタントって音声入力もできますか？")


def test_leave_to_use_a_product_is_not_its_ability() -> None:
    assert forms("Copilotって使える？") == set()
    assert forms("ChatGPTって家から使えますか") == set()
    assert forms("ChatGPTって家から利用できますか") == set()
    # Nor is an ability of AI in general, or of a thing that is not named.
    assert forms("生成AIって画像も作れる？") == set()
    assert forms("個人情報って入力できる？") == set()
    # Nor the asker's act on it (入力できる: may I enter), nor an ordinary thing an adjective describes.
    assert forms("ChatGPTって社外秘の資料を入力できる？") == set()
    assert forms("新しいAIツールって画像も作れる？") == set()


def test_an_ability_the_rules_never_state_is_missing_from_the_passages() -> None:
    held: set[str] = set()
    for text in POLICY:
        held |= _passage_words(text)
    idf = {w: 1.0 for w in held}  # every word of the rules used once: rare
    n_docs = 100
    asked = asked_ability("DeepLって中国語の手書きの書類も読み取れる？")
    assert {"中国語", "手書き"} <= set(missing_focus(asked, held, idf, n_docs))
    # What the rules do say of it (翻訳 of 外国語文書) is held.
    assert missing_focus(asked_ability("DeepLって外国語の文書も翻訳できる？"), held, idf, n_docs) == []
