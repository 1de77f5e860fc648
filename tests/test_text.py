"""guideqa/text.py and guideqa/guideline.py: the shared helpers and the guideline's vocabulary,
on real corpus excerpts and the real index."""

from __future__ import annotations

from collections import Counter

import pytest

from guideqa.config import Settings
from guideqa.guideline import (
    ACTOR_ROLES,
    PRINCIPLES,
    ROLE_BY_LETTER,
    ROLE_BY_PART,
    ROLE_LABELS,
    ROLE_TABLE,
)
from guideqa.models import Chunk
from guideqa.text import (
    CIRCLED,
    char_ngrams,
    circled_number,
    match_key,
    split_sentences,
    without_document_reference,
    written_forms,
)
from ingest.index_store import load_index

# 本編 第5部 (AI利用者), U-4) i. as extracted from the PDF (line breaks inside sentences).
U4 = (
    "AIシステム・サービスへ個人情報を不適切に入力することがないよう注意を払う（「4）プライ\n"
    "バシー保護」）。AIシステム・サービスの利用に際しての個人情報の取扱いに関しては、個人情報保護委員会の"
    "「生成AIサービスの利用に関する注意喚起等」等も参照の上、個人情報保護法の規律に従って、個人情報を適正に取り扱うべきである。"
)


def test_split_sentences_on_a_real_item():
    first, second = split_sentences(U4)
    assert first.endswith("保護」）。") and first.startswith("AIシステム・サービスへ")
    assert second.startswith("AIシステム・サービスの利用に際して") and second.endswith("取り扱うべきである。")
    assert split_sentences("  。\n") == ["。"] and split_sentences(" \n ") == []
    assert split_sentences("AI Safety Instituteとは? 英国の機関！") == ["AI Safety Instituteとは?", "英国の機関！"]


def test_split_sentences_can_keep_citation_markers():
    text = "個人情報を適正に取り扱う。 [1][2]"
    assert split_sentences(text) == ["個人情報を適正に取り扱う。", "[1][2]"]
    assert split_sentences(text, keep_refs=True) == [text]  # no split in front of a marker
    assert split_sentences("入力に注意する。[1]", keep_refs=True) == ["入力に注意する。[1]"]
    assert split_sentences("入力に注意する。出力を確認する。", keep_refs=True) == [
        "入力に注意する。",
        "出力を確認する。",
    ]


def test_circled_numbers():
    assert len(CIRCLED) == 20 and circled_number("①人間の生命・身体・財産、精神及び環境への配慮") == 1
    assert circled_number("  ⑩ 高度なAI") == 10 and circled_number("⑳") == 20
    assert circled_number("1) 人間中心") == 0 and circled_number("") == 0


def test_char_ngrams():
    assert char_ngrams(match_key("個人 情報")) == ["個人", "人情", "情報"]
    assert char_ngrams("情報情報") == ["情報", "報情", "情報"]  # in order, with repeats
    assert char_ngrams("情", 2) == [] and char_ngrams("AI", 3) == []
    assert char_ngrams("個人情報", 3) == ["個人情", "人情報"]


def test_role_table_derivations():
    assert ACTOR_ROLES == ("developer", "provider", "user")
    assert ROLE_BY_LETTER == {"D": "developer", "P": "provider", "U": "user"}
    assert ROLE_BY_PART == {3: "developer", 4: "provider", 5: "user"}
    assert ROLE_LABELS == {"developer": "AI開発者", "provider": "AI提供者", "user": "AI利用者", "common": "共通"}
    assert len(PRINCIPLES) == 10


@pytest.fixture(scope="module")
def chunks(real_settings: Settings) -> list[Chunk]:
    return load_index(real_settings.index_dir).chunks


def test_role_table_matches_the_guideline(chunks: list[Chunk]):
    """Each actor's part, annex and item-code letter are where ROLE_TABLE says (real index)."""
    guideline = [c for c in chunks if c.doc_id == "guideline"]
    for e in ROLE_TABLE:
        part = [c for c in guideline if c.segment == "main" and c.section_path[1:2] and c.section_path[1].startswith(f"第{e.part}部")]
        assert part and f"第{e.part}部 {e.label}に関する事項" in {c.section_path[1] for c in part}
        assert Counter(r for c in part for r in c.roles).most_common(1)[0][0] == e.role
        annex = [c for c in guideline if c.segment == "annex" and c.section_path[1:2] and c.section_path[1].startswith(f"別添{e.annex}.")]
        assert annex and f"別添{e.annex}. {e.label}向け" in {c.section_path[1] for c in annex}
        assert Counter(r for c in annex for r in c.roles).most_common(1)[0][0] == e.role
        coded = [c for c in guideline if any(code.startswith(f"{e.letter}-") for code in c.item_codes)]
        assert coded and all(e.role in c.roles for c in coded)


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("守らなきゃいけないの？", "守らなければいけないの？"),
        ("やらなくちゃだめ？", "やらなければだめ？"),
        ("入れちゃった", "入れてしまった"),
        ("読んじゃいました", "読んでしまいました"),
        ("使っちゃダメ？", "使ってはダメ？"),
        ("休んじゃいけない", "休んではいけない"),
    ],
)
def test_spoken_contractions_are_written_out(spoken: str, written: str):
    assert written_forms(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        "お茶じゃない",
        "ちゃんと確認する",
        "めちゃくちゃ",
        "じゃあ名前を伏せれば",
        "ガイドラインじゃおかしい",
        "おもちゃならどう？",
        "めちゃいい",
        "かぼちゃおいしい",
        "おもちゃいっぱい",
    ],
)
def test_words_that_only_look_like_contractions_are_kept(text: str):
    assert written_forms(text) == text


def test_a_reference_to_the_document_asked_is_not_searched() -> None:
    """「ガイドラインには…書いてある？」 names where to look, not what is asked; a question about the
    document itself keeps it."""
    assert without_document_reference("ガイドラインには在宅勤務でのAI利用について何か書いてある？") == (
        "在宅勤務でのAI利用について何か書いてある？"
    )
    assert without_document_reference("窓口対応についてガイドラインはどんなことを求めていますか") == (
        "窓口対応について どんなことを求めていますか"
    )
    assert without_document_reference("AIの判定をそのまま使うのはガイドライン的にはどうなの？") == (
        "AIの判定をそのまま使うのは どうなの？"
    )
    for whole in (
        "ガイドラインの対象者は？",
        "このガイドラインに違反したら罰金はある？",
        "ガイドライン上の義務はある？",
    ):
        assert without_document_reference(whole) == whole


def test_is_own_names_the_asker_or_their_organisation():
    from guideqa.text import is_own

    for word in ("うち", "弊社", "私たち", "私", "当院", "本市", "弊所"):
        assert is_own(word), word
    for word in ("株式会社ABC", "市役所", "ベンダー", "観光DMO"):
        assert not is_own(word), word


def test_ocr_misreadings_of_japanese_print_are_fixed_only_where_the_read_form_cannot_be_meant() -> None:
    # Lines of a town's 要綱 as OCR gave a scanned PDF (eval/documents, written blind).
    from ingest.text import ocr_repaired

    assert ocr_repaired("利用者の指示（以下「プ口ンプト」という。）") == "利用者の指示（以下「プロンプト」という。）"
    assert ocr_repaired("掲げる情報を入カしてはならない。") == "掲げる情報を入力してはならない。"
    assert ocr_repaired("本町の職員が業務において生成Alを利用する") == "本町の職員が業務において生成AIを利用する"
    assert ocr_repaired("みずなみ町生成A I利用要綱") == "みずなみ町生成AI利用要綱"
    assert ocr_repaired("第1O条（研修）") == "第10条（研修）"
    # What is meant as read stays: a counter after a digit, a katakana word, an entrance, English.
    kept_forms = ("3カ所", "三カ月以内", "数カ所", "何カ国語", "五カ年計画", "新カードの発行", "庁舎の入口", "人口の推移", "ネット口コミ",
                  "AI Safety Institute", "Alt キー", "BLOG", "区分A の場合", "ランクA 以上", "型番10O号")  # fmt: skip
    for kept in kept_forms:
        assert ocr_repaired(kept) == kept


def test_a_line_broken_by_hand_inside_a_clause_goes_on() -> None:
    from ingest.text import join_soft_breaks

    assert join_soft_breaks(["職員は、個人情報を生成AIに", "入力してはならない。"]) == ["職員は、個人情報を生成AIに入力してはならない。"]
    assert join_soft_breaks(["目的のため、", "次のとおり定める。"]) == ["目的のため、次のとおり定める。"]
    # A name, a number or a sentence ends its line (a contact block, an address).
    assert join_soft_breaks(["デジタル推進課", "電話：0123-45-6789", "受付は平日です。", "以上"]) == [
        "デジタル推進課", "電話：0123-45-6789", "受付は平日です。", "以上"]
