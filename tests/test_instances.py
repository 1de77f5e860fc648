"""Names the documents call instances of a kind (retriever.instances): read from real corpus
text, and placed beside the name in the dense query."""

from __future__ import annotations

from pathlib import Path

from retriever.instances import stated_instances, with_kinds

REPO = Path(__file__).resolve().parent.parent


def test_the_corpus_states_chatgpt_is_a_generative_ai():
    # 中間とりまとめ: 「ChatGPT 等の生成 AI の業務利用に関する申合せ」 (line breaks and spaces as in the file).
    text = (REPO / "corpus" / "ai_seido_kenkyukai_chukan_torimatome.txt").read_text(encoding="utf-8")
    assert stated_instances([text])["chatgpt"] == "生成AI"


def test_every_name_of_a_list_and_only_kinds_of_things():
    found = stated_instances(
        [
            "本市では、ChatGPT、Copilot、Gemini等の生成AIを業務で利用する場合は",  # an organisation's rules
            "G7・G20やOECD等の国際機関での議論をリードし",  # 本編
            "マルチモーダルな生成AI、フィジカルAI等の複雑で多様な情報を扱う",  # AI inside a word: no name
            "また、CBRN等の開発やサイバー攻撃等へのAIの悪用",  # 開発 is an act, not a kind
        ]
    )
    assert found == {"chatgpt": "生成AI", "copilot": "生成AI", "gemini": "生成AI", "g7": "国際機関", "g20": "国際機関", "oecd": "国際機関"}


def test_the_kind_is_placed_after_the_name_once():
    table = {"chatgpt": "生成AI"}
    assert with_kinds("ChatGPTで議事録を作るときは？", table) == "ChatGPT（生成AI）で議事録を作るときは？"
    assert with_kinds("chatgptに入れていい？", table) == "chatgpt（生成AI）に入れていい？"
    # Already said, or only part of a longer name: unchanged.
    assert with_kinds("ChatGPT等の生成AIで", table) == "ChatGPT等の生成AIで"
    assert with_kinds("MyChatGPTProで", table) == "MyChatGPTProで"
    assert with_kinds("G7広島AIプロセスとは？", {"g7": "国際機関"}) == "G7広島AIプロセスとは？"  # head of a compound
    assert with_kinds("ChatGPTで", {}) == "ChatGPTで"
