"""Word forms the retriever relies on (SudachiPy with the bundled core dictionary)."""

from __future__ import annotations

from ingest.tokenizer import SudachiTokenizer, class_nouns, verb_of


def test_a_noun_made_from_a_verb_gives_the_verb():
    # 転成名詞: the 連用形 of a verb used as a noun, in captions (「第21条（見直し）」「申込み」).
    assert verb_of("見直し") == "見直す"
    assert verb_of("申込み") == "申し込む"
    assert verb_of("取扱い") == "取り扱う"
    assert verb_of("受付け") == "受け付ける"
    assert verb_of("問い合わせ") == "問い合わせる"


def test_other_nouns_give_no_verb():
    # 便り and 文字起こし are read as spellings of other verbs (頼る, 起こす): not theirs.
    for noun in ("研修", "規程", "利用", "報告", "書類", "手続き", "便り", "文字起こし", "周り"):
        assert verb_of(noun) is None, noun


def test_the_verb_is_the_form_the_tokenizer_gives_for_it_in_a_question():
    assert verb_of("見直し") in SudachiTokenizer().tokenize("このルールはいつ見直すの？")


def test_synonym_groups_come_from_the_core_dictionary():
    from ingest.tokenizer import synonym_groups

    # sudachidict_core tags a word with the groups of Sudachi's synonym dictionary.
    assert synonym_groups("間違える") & synonym_groups("誤り")
    assert synonym_groups("ダメ") & synonym_groups("禁止")
    assert synonym_groups("先生") & synonym_groups("教員")
    assert synonym_groups("使う") & synonym_groups("利用")
    # Other notions share none; a word read as several morphemes has none.
    assert not synonym_groups("学生") & synonym_groups("教員")
    assert not synonym_groups("報告") & synonym_groups("削除")
    assert synonym_groups("生成AI利用") == frozenset()


def test_synonym_bridges_map_a_word_to_the_held_words_of_its_groups():
    from ingest.tokenizer import synonym_bridges

    # Words of a real guideline sentence (「AIの出力の誤り等について、ステークホルダーからの指摘を受け付ける」).
    held = {"AI", "出力", "誤り", "ステークホルダー", "指摘", "受け付ける"}
    assert synonym_bridges(["間違い", "AI", "天気"], held) == {"間違い": {"誤り"}}
    assert synonym_bridges(["間違い"], set()) == {}


def test_a_noun_headed_as_a_document_is_a_shorui() -> None:
    # 申請書・報告書・調査票 are 書類, the word a person asks with (「申し込みの書類ってどこに出す？」).
    assert class_nouns("別記様式による生成AI利用申請書を管理者に提出しなければならない。") == ["書類"]
    assert class_nouns("調査票に記入する") == ["書類"]
    assert class_nouns("辞書で調べる") == [] and class_nouns("研修を受ける") == []


def test_component_bridges_match_a_plain_kanji_word_by_the_compounds_built_on_it():
    from ingest.tokenizer import component_bridges

    # A town's festival notice says 雨天 and 夜間 where a resident asks 「雨だったら」「夜は」.
    held = {"雨天", "夜間", "順延", "自動車", "天気", "花火大会", "米国"}
    assert component_bridges(["雨", "夜", "車"], held) == {"雨": {"雨天"}, "夜": {"夜間"}, "車": {"自動車"}}
    # Only short kanji words, only at the start or end of kanji compounds of at most four
    # characters (火 is inside 花火大会, not at either end), never kana.
    assert component_bridges(["天", "火", "まつり", "花火大会議"], held) == {"天": {"雨天", "天気"}}
    assert component_bridges(["雨"], set()) == {}
    # Not a name built on the character (米国 is the United States, not a kind of rice).
    assert component_bridges(["米"], held) == {}
