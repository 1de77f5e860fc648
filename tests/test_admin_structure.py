"""Golden tests of the generic reader (layout ``generic``) on documents written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideqa.models import Chunk, DocumentMeta, LoadedDocument, SourceLine
from ingest.admin_structure import NUMBERED_UNIT_RE, page_titles
from ingest.chunking import build_chunks
from ingest.corpus import auto_doc_id, load_manifest
from ingest.loaders import load_document
from ingest.structure import clean_line, parse_paragraphs
from ingest.text import match_key
from tests.municipal import PDF_NAME, QUESTIONS, TXT_NAME, write_municipal
from tests.pdfs import make_japanese_pdf


def text_doc(text: str, *, pages: list[list[str]] | None = None) -> LoadedDocument:
    meta = DocumentMeta(doc_id="t", title="t", file="t.txt")
    if pages is not None:
        lines = [SourceLine(text=t, line=i, page=p) for p, page in enumerate(pages, 1) for i, t in enumerate(page, 1)]
    else:
        lines = [SourceLine(text=t, line=i) for i, t in enumerate(text.split("\n"), 1)]
    return LoadedDocument(meta=meta, lines=lines, sha256="0")


@pytest.fixture(scope="module")
def municipal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Chunk]]:
    corpus = tmp_path_factory.mktemp("municipal")
    write_municipal(corpus)
    return {m.file: build_chunks(load_document(corpus / m.file, m)) for m in load_manifest(corpus)}


def test_articles_become_section_paths_with_their_captions_and_pages(municipal):
    chunks = municipal[PDF_NAME]
    by_section = {c.section: c for c in chunks}
    art4 = by_section["第2章 利用の手続と遵守事項 > 第4条（入力禁止情報）"]
    assert art4.page_start == art4.page_end == 2
    # The whole article, its items included, is one chunk; nothing of 第5条 is in it.
    assert "(1) 個人情報" in art4.text and "(4) パスワード" in art4.text and "統計処理等" in art4.text
    assert "利用の申請" not in art4.text
    # A caption on the line before the article (statute style) names the article too.
    assert "第1章 総則 > 第3条（対象とするサービス）" in by_section
    assert by_section["第3章 管理体制 > 第9条（事故時の対応）"].page_start == 3
    assert "附則" in by_section


def test_chunks_never_cross_an_article(municipal):
    for chunk in municipal[PDF_NAME]:
        articles = {line.split("（")[0] for line in chunk.text.split("\n") if line.startswith("第") and "条" in line[:5]}
        assert len(articles) <= 1, chunk.text
        assert chunk.page_start is not None and chunk.line_start is not None


def test_title_block_running_header_and_page_numbers_are_not_in_any_chunk(municipal):
    for chunk in municipal[PDF_NAME]:
        assert "デジタル推進課" not in chunk.text
        assert "- 2 -" not in chunk.text and "みどり市 生成AI利用ガイドライン" not in chunk.text
    assert not any("みどり市 生成AI利用ガイドライン 別紙" in c.text for c in municipal[TXT_NAME])


def test_sentences_broken_across_pdf_lines_are_joined(municipal):
    art5 = next(c for c in municipal[PDF_NAME] if "第5条" in c.section)
    assert "別紙1の生成AI利用申請書により、あらかじめ情報政策課長に申請しなければならない。" in art5.text


def test_besshi_sections_and_qa_pairs(municipal):
    chunks = municipal[TXT_NAME]
    sections = [c.section for c in chunks]
    assert "別紙1 生成AI利用申請書 > 2 利用するサービス" in sections
    qa = [c for c in chunks if c.section_path[0] == "別紙2 生成AIの利用に関するQ&A"]
    assert [c.section_path[1] for c in qa] == [
        "Q1. 会議の議事録を要約させてもよいですか。",
        "Q2. 生成AIで作った文章を広報紙に載せるときの注意は何ですか。",
        "Q3. 私用のアカウントで生成AIを業務に使ってもよいですか。",
    ]
    # Each question keeps its own answer, and only its own.
    assert "公開済みの会議録" in qa[0].text and "著作物" not in qa[0].text
    # The answer reads without its marker (the question is the heading).
    assert qa[2].text.splitlines()[-1].startswith("使えません。")


@pytest.mark.parametrize("marker", ["A. ", "A ", "Ａ　", "答 "])
def test_a_q_and_a_answer_loses_its_marker_but_not_a_word_starting_with_a(marker: str):
    lines = [
        "よくある質問",
        "Q1 自宅のパソコンで、仕事の文章を生成AIに作らせてもよいですか。",
        f"{marker}個人所有の端末からの業務利用は認めていません。",
        "Q2 A社の資料を入力してよいですか。",
        "A社の資料は、契約上の守秘義務があるため入力できません。",
    ]
    chunks = build_chunks(text_doc("\n".join(lines)))
    assert chunks[0].text == "個人所有の端末からの業務利用は認めていません。"
    assert chunks[0].section_path[-1] == "Q1. 自宅のパソコンで、仕事の文章を生成AIに作らせてもよいですか。"
    assert chunks[1].text.startswith("A社の資料は")


def test_every_question_has_its_article_in_the_corpus(municipal):
    sections = {c.section for chunks in municipal.values() for c in chunks}
    for _, article in QUESTIONS:
        assert any(article in s for s in sections), article


def test_statute_style_paragraph_numbers_and_kanji_article_numbers():
    doc = text_doc(
        "第一章 総則\n（趣旨）\n第一条 この要綱は、生成AIの利用に関し必要な事項を定めるものとする。\n"
        "第二条の二 職員は、次の事項を守らなければならない。\nア 入力前に情報の区分を確認すること。\n"
        "イ 出力を確認すること。\n2 前項の規定は委託先にも適用する。\n"
    )
    chunks = build_chunks(doc)
    assert [c.section for c in chunks] == ["第一章 総則 > 第一条（趣旨）", "第一章 総則 > 第二条の二"]
    # The article's heading is its section path, not repeated in the text.
    assert chunks[1].text.split("\n") == [
        "職員は、次の事項を守らなければならない。", "ア 入力前に情報の区分を確認すること。",
        "イ 出力を確認すること。", "2 前項の規定は委託先にも適用する。",
    ]  # fmt: skip


def test_numbered_headings_outside_articles_and_mondo():
    doc = text_doc(
        "生成AI活用の手引き\n\n1. はじめに\n本手引きは職員向けの解説である。\n2. 使い方\n(1) 文案の作成\n"
        "挨拶文の下書きに使える。\n① 注意点\n固有名詞は必ず確かめる。\n【よくある質問】\n問1 費用はかかりますか。\n"
        "答 承認サービスは所属の負担はありません。\n問2. 画像も作れますか。\n答. 作れますが公表前に確認が必要です。\n"
    )
    chunks = build_chunks(doc)
    paths = [c.section_path for c in chunks]
    assert paths[:3] == [["1. はじめに"], ["2. 使い方", "(1) 文案の作成"], ["2. 使い方", "(1) 文案の作成", "① 注意点"]]
    assert paths[3:] == [["【よくある質問】", "問1. 費用はかかりますか。"], ["【よくある質問】", "問2. 画像も作れますか。"]]
    assert "生成AI活用の手引き" not in "".join(c.text for c in chunks)


def test_table_of_contents_is_skipped():
    doc = text_doc(
        "社内AI利用規程\n目次\n第1章 総則 ........ 1\n第2章 利用 ........ 2\n第1章 総則\n"
        "第1条（目的） この規程は、社内でのAI利用の方法を定める。\n第2章 利用\n第2条（承認） 利用には部門長の承認を要する。\n"
    )
    chunks = build_chunks(doc)
    assert [c.section for c in chunks] == ["第1章 総則 > 第1条（目的）", "第2章 利用 > 第2条（承認）"]


def test_slide_pdf_pages_open_sections_at_their_heading(tmp_path: Path):
    pdf = make_japanese_pdf(
        tmp_path / "slides.pdf",
        [["生成AI研修資料", "総務課"], ["生成AIとは", "文章や画像を作るAIです。", "便利ですが誤りもあります。"],
         ["利用のルール", "個人情報は入力しません。", "出力は必ず確認します。"]],  # fmt: skip
    )
    meta = DocumentMeta(doc_id="s", title="s", file=pdf.name)
    chunks = build_chunks(load_document(pdf, meta))
    assert [(c.section, c.page_start) for c in chunks] == [("生成AIとは", 2), ("利用のルール", 3)]


def test_a_slide_after_bullet_phrases_or_an_agenda_opens_at_its_title(tmp_path: Path):
    # A slide's lines are phrases without 。; the previous slide's last bullet or agenda line does
    # not run on into the next slide's title, nor is a title set apart over bullets a sub-heading.
    pdf = make_japanese_pdf(
        tmp_path / "deck.pdf",
        [["職員研修 AIの使い方", "総務課"], ["本日の内容", "１．基本のルール", "２．困ったとき"],
         ["基本のルール", "・使えるのは庁内のパソコンだけ", "・個人情報は入力しない"],
         ["困ったとき", "・誤りに気づいたら所属長へ", "・当日中に情報政策課へ連絡"]],  # fmt: skip
    )
    chunks = build_chunks(load_document(pdf, DocumentMeta(doc_id="s", title="s", file=pdf.name)))
    assert [c.section for c in chunks if c.page_start >= 3] == ["基本のルール", "困ったとき"]


def test_a_bullet_running_to_the_width_goes_on_over_the_page(tmp_path: Path):
    # A notice in a large font has few lines a page, like a deck; its bullet cut at the width
    # ends on the next page, whose first line is no slide's title.
    full = [f"・生成AIに入力する内容は担当者が確認する（第{i}項の定め）" for i in range(1, 6)]
    last = "・生成AIに入力した内容は外部に残るため、個人情報や機密情"
    assert len({len(t) for t in [*full, last]}) == 1
    pdf = make_japanese_pdf(
        tmp_path / "notice.pdf",
        [["AI利用のお知らせ", "総務課"], ["利用のルール", *full, last], ["報は入力しないこと", *full[:2]]],  # fmt: skip
    )
    chunks = build_chunks(load_document(pdf, DocumentMeta(doc_id="s", title="s", file=pdf.name)))
    assert {c.section for c in chunks} == {"利用のルール"}


def test_municipal_doc_ids_are_unique_readable_and_stable(tmp_path: Path):
    write_municipal(tmp_path)
    ids = {m.file: m.doc_id for m in load_manifest(tmp_path)}
    assert len(set(ids.values())) == 2
    assert all(i.startswith("ai-") and i.isascii() for i in ids.values())
    assert ids == {m.file: m.doc_id for m in load_manifest(tmp_path)}  # stable
    assert ids[PDF_NAME] == auto_doc_id(PDF_NAME)


def test_auto_doc_id_disambiguates():
    assert auto_doc_id("report_2024.pdf") == "report_2024"
    assert auto_doc_id("ガイドライン.pdf").startswith("doc-")
    taken = {"report"}
    second = auto_doc_id("report.txt", taken)
    assert second != "report" and second.startswith("report-")
    assert auto_doc_id("report.txt", taken | {second}) == second + "-2"
    assert match_key(auto_doc_id("Ｑ＆Ａ集.txt")).startswith("q-a-")


def test_markdown_policy_title_is_not_a_section():
    doc = text_doc("# 株式会社サンプル 生成AI利用ポリシー\n\n## 1. 目的\n本ポリシーは社内の生成AI利用の原則を定める。\n"
                   "## 2. 禁止事項\n顧客データを入力してはならない。\n")  # fmt: skip
    chunks = build_chunks(doc)
    assert [c.section_path for c in chunks] == [["1. 目的"], ["2. 禁止事項"]]
    assert all("サンプル" not in c.text for c in chunks)


def test_numbered_lines_of_a_markdown_document_are_list_items():
    doc = text_doc("# 株式会社サンプル 生成AI利用マニュアル\n\n## 4. 入力してはいけない情報\n次の情報は入力しないでください。\n"
                   "1. 顧客から受け取った図面\n2. 秘密保持契約の対象となる情報\n\n## 5. 新しいツールの利用申請\n"
                   "所属長に相談してから申請します。\n")  # fmt: skip
    chunks = build_chunks(doc)
    assert [c.section_path for c in chunks] == [["4. 入力してはいけない情報"], ["5. 新しいツールの利用申請"]]
    assert "秘密保持契約" in chunks[0].text


def test_a_list_a_sentence_announces_stays_in_its_section_with_notes_between_its_items():
    # A mail's plain text: (1) and (2) each with a note of its own below; 「次の2つだけです。」 announces
    # them, so they are items of 「1．使ってよいAI」, not sections of their own.
    doc = text_doc(
        "1．使ってよいAI\n・業務で使ってよいのは、次の2つだけです。\n　(1) 会社が契約した「ひばりCopilot」\n"
        "　　（会社のアカウントでサインインしたもの）\n　(2) 社内チャット「ひばりAI」\n　　（社内ポータルから使えます）\n"
        "・上記以外の生成AIは業務で使用禁止です。\n\n2．入力してはいけない情報\n・お客様の氏名と住所\n"
    )
    chunks = build_chunks(doc, min_chars=10)
    assert [c.section_path for c in chunks] == [["1. 使ってよいAI"], ["2. 入力してはいけない情報"]]
    assert "(2) 社内チャット「ひばりAI」" in chunks[0].text
    # Sections a sentence announces (「次のとおり定めました。」) each have their text: headings still.
    doc = text_doc(
        "次のとおりルールを定めました。\n\n1．使ってよいAI\n会社が契約したAIだけを使います。\nそれ以外は使いません。\n"
        "ほかの端末では使いません。\n\n2．入力してはいけない情報\nお客様の氏名は入力しません。\n"
    )
    assert [c.section_path for c in build_chunks(doc, min_chars=10)][-2:] == [["1. 使ってよいAI"], ["2. 入力してはいけない情報"]]
    doc = text_doc(
        "本ガイドラインの内容は次のとおりです。\n\n1．目的\n本ガイドラインは、職員が生成AIを安全に使うために必要な事項を定める。\n\n"
        "2．対象者\n全職員を対象とする。\n\n3．利用できるAI\n町が契約したAIだけを使うことができる。\n"
    )
    assert [c.section_path for c in build_chunks(doc, min_chars=10)][-3:] == [["1. 目的"], ["2. 対象者"], ["3. 利用できるAI"]]


def test_a_short_marked_line_before_body_text_is_a_heading_but_a_marked_list_is_not():
    doc = text_doc(
        "【場面別の使い方】\n■ 介護記録\n・下書きにだけ使えます。\n■ 勤務表（シフト）\n・職員番号に置き換えて入力します。\n"
        "【使ってよいAI】\n■ 法人が契約しているサービスだけを使ってください。\n● 事務所のパソコンから使えます。\n"
        "【入力しない情報】\n■ 氏名\n■ 住所\n■ 病名\n"
    )
    paths = [c.section_path for c in build_chunks(doc)]
    assert paths[:2] == [["【場面別の使い方】", "介護記録"], ["【場面別の使い方】", "勤務表(シフト)"]]
    assert paths[2:] == [["【使ってよいAI】"], ["【入力しない情報】"]]  # a sentence, and a list of short items


def test_each_markdown_table_row_is_a_line_of_its_own():
    doc = text_doc("## 3. 業務ごとの可否\n| 業務 | 区分 | 承認者 |\n|---|:---:|---|\n| 議事録の要約 | 可 | ― |\n"
                   "| 見積書の文案作成 | 要承認 | 営業部長の承認 |\n\n表にない業務は所属長に確認してください。\n")  # fmt: skip
    (chunk,) = build_chunks(doc)
    assert chunk.text.split("\n") == [
        "| 業務 | 区分 | 承認者 |",
        "| 議事録の要約 | 可 | ― |",
        "| 見積書の文案作成 | 要承認 | 営業部長の承認 |",
        "表にない業務は所属長に確認してください。",
    ]


def test_the_frame_of_a_text_box_is_dropped_and_its_label_kept():
    doc = text_doc("【うっかり入力してしまったとき】\n2．気づいてから1時間以内に、リーダーに報告します。\n\n"
                   "┏━ ポイント ━━━━━━━━\n┃ 「まずい」と思ったら、1時間以内に口で伝える。\n┃ 書類はその後でかまいません。\n"
                   "┗━━━━━━━━━━━━\n")  # fmt: skip
    (chunk,) = build_chunks(doc)
    assert chunk.text.split("\n")[1:] == ["ポイント：「まずい」と思ったら、1時間以内に口で伝える。", "書類はその後でかまいません。"]


def test_a_statutes_numbered_items_are_lines_of_their_own():
    doc = text_doc("第8条 職員は、生成AIに次に掲げる情報を入力してはならない。ただし、別表\n第1に特別の定めがある場合は、"
                   "この限りでない。\n一 個人情報の保護に関する法律第2条第1項に規定する個人情報\n二 機密性3に該当する情報\n"
                   "三 公表前の入札予定価格その他の契約に関する非公開の情報\n2 職員は、第三者の著作物を入力しない。\n")  # fmt: skip
    (chunk,) = build_chunks(doc)
    lines = chunk.text.split("\n")
    assert lines[1:4] == ["一 個人情報の保護に関する法律第2条第1項に規定する個人情報", "二 機密性3に該当する情報",
                          "三 公表前の入札予定価格その他の契約に関する非公開の情報"]  # fmt: skip
    assert lines[0].endswith("この限りでない。")  # a sentence broken across lines is joined


# The town guideline of the unseen-documents probe (eval/documents), as its text file breaks it:
# every line ends at 38 characters, mid-sentence.
WRAPPED = """5 利用に当たっての遵守事項
（1）入力する情報について
ア　入力しようとする情報が、次の（2）の区分のいずれに当たるかを事前に確認す
ること。
イ　個人情報（住民の氏名、住所、電話番号、個人番号等）は、いずれのサービスに
も入力しないこと。氏名を削除した場合であっても、内容から個人が推測できるもの
は個人情報として扱うこと。
（4）著作権等への配慮について
ア　既存の著作物と類似した文章や画像が生成されていないかを確認すること。
イ　生成AIで作成した画像を広報等に使う際は「生成AIを利用して作成」と表示
すること。
ウ　他人の著作物をプロンプトに入力する場合は、引用の範囲を超えないよう注意す
ること。
（5）利用の記録について
外部に公開する文書の作成に生成AIを利用した場合は、生成AI利用記録票（様式第
2号）に、利用日、サービス名、利用目的及び確認者を記録すること。"""


def test_the_width_text_was_broken_at_is_found_and_markdown_has_none():
    from ingest.admin_structure import wrap_width

    assert wrap_width([line.strip() for line in WRAPPED.split("\n")]) == 38
    markdown = ["# 方針", "生成AIは承認されたツールだけを使う。", "顧客の情報は入力しない。", "| 業務 | 可否 |", "困ったときは情報システム課に相談する。"]
    assert wrap_width(markdown) is None


def test_a_numbered_line_that_runs_on_at_the_wrap_width_is_an_item_not_a_heading():
    chunks = build_chunks(text_doc(WRAPPED))
    paths = {tuple(c.section_path) for c in chunks}
    assert ("5 利用に当たっての遵守事項", "(4)著作権等への配慮について") in paths
    assert not any(len(p) > 2 for p in paths)  # 「イ 生成AIで作成した画像を…と表示」 opens no section
    copyright = next(c for c in chunks if c.section_path[-1] == "(4)著作権等への配慮について")
    assert "「生成AIを利用して作成」と表示すること。" in copyright.text


def test_a_third_decimal_number_heads_a_subsection_and_the_next_second_number_closes_it():
    doc = text_doc(
        "第5章 利活用\n5.1 入力の制限\n個人番号は入力しない。\n5.2 出力の確認\n5.2.1 確認の基本\n数値と日付を確かめる。\n"
        "5.2.2 公表する場合\n係長が内容を確認する。\n5.3 著作権\n既存の著作物に似せない。\n"
    )
    paths = [c.section_path for c in build_chunks(doc)]
    assert paths == [
        ["第5章 利活用", "5.1 入力の制限"],
        ["第5章 利活用", "5.2 出力の確認", "5.2.1 確認の基本"],
        ["第5章 利活用", "5.2 出力の確認", "5.2.2 公表する場合"],
        ["第5章 利活用", "5.3 著作権"],  # beside 5.2, not inside 5.2.2
    ]


def test_a_running_header_beside_the_page_numbers_of_a_text_file_is_dropped_and_the_sentence_joined():
    header = "みなと市 生成AI利用要領 第2版"
    pages = [
        "1 目的\nこの要領は職員が生成AIを使うときの決まりを定める。生成",
        "物を公表するときは課長の確認を受ける。\n2 入力\n個人番号は入力しない。",
        "3 研修\n毎年1回の研修を受ける。\n4 報告\n事故等は、発見した職員が直ちに所属長へ口頭で報告",
        "する。\n5 見直し\n毎年度見直す。",
    ]
    text = pages[0] + "".join(f"\n- {n} -\n{header}\n{page}" for n, page in enumerate(pages[1:], 1))
    chunks = build_chunks(text_doc(text))
    body = "".join(c.text for c in chunks)
    assert header.replace(" ", "") not in body.replace(" ", "")
    assert "生成物を公表するときは課長の確認を受ける。" in body
    assert "事故等は、発見した職員が直ちに所属長へ口頭で報告する。" in body


def test_a_sentence_that_begins_with_a_form_or_table_word_is_not_an_appendix_heading():
    doc = text_doc(
        "1 見直し\n毎年度見直す。軽微な変更（\n様式の修正、連絡先の変更等）は課長が決める。\n"
        "別表1 手続の一覧\n高 必須 委員会\n別表1に定める手続を経ること。\n"
    )
    paths = [c.section_path for c in build_chunks(doc)]
    assert ["様式"] not in [p[:1] for p in paths] and not any(p[0].startswith("様式") for p in paths)
    assert paths[0] == ["1 見直し"]
    assert all(p == ["別表1 手続の一覧"] for p in paths[1:])


def test_marked_headings_rank_above_labels_when_the_document_uses_them_first():
    doc = text_doc(
        "■1. 対象\n【対象施設】\n・本院と分院\n【対象者】\n・医師と看護師\n■2. 研修\n・90分の研修を受ける。\n"
    )
    paths = [c.section_path for c in build_chunks(doc)]
    assert paths == [["1. 対象", "【対象施設】"], ["1. 対象", "【対象者】"], ["2. 研修"]]


def test_short_lines_of_a_text_file_not_broken_at_a_width_stay_apart():
    doc = text_doc(
        "■1. 研修\n・利用前に90分の研修を受けます。\n・できること\n議事録の要約\n■2. お問い合わせ\n情報システム部 AI担当\n内線：4120\n"
        "メール：ai@example.jp\nポイント：\n迷ったら入力しない。\n"
    )
    texts = [p.text for p in parse_paragraphs(doc) if not p.is_heading]
    assert "情報システム部AI担当" in texts and "内線：4120" in texts and "メール：ai@example.jp" in texts
    assert "ポイント：迷ったら入力しない。" in texts  # a label that ends in ： runs on


def test_numbered_units_of_a_public_document_style_yoryo_are_sections():
    # A 要領 in the public-document style (公用文): 「第1　目的」 units without 条, paragraph
    # numbers and (1) items inside them, and a spaced-out 「附　則」 (written for this test).
    doc = text_doc(
        "〇〇市生成AI利用要領\n\n第1　目的\n　この要領は、生成AIの利用に関し必要な事項を定める。\n\n"
        "第2　利用の手続\n1　所属長は、利用申請書を情報政策課長に提出しなければならない。\n"
        "2　情報政策課長は、申請を審査する。\n　(1)　審査は、申請を受けた日から10日以内に行う。\n\n"
        "第3　入力の禁止\n　職員は、個人情報を生成AIに入力してはならない。\n\n"
        "附　則\nこの要領は、令和7年4月1日から施行する。\n"
    )
    chunks = build_chunks(doc)
    assert [c.section for c in chunks] == ["第1 目的", "第2 利用の手続", "第3 入力の禁止", "附則"]
    assert "10日以内" in chunks[1].text and chunks[1].text.startswith("1 所属長は")
    # 第1条, 第2章 and a sentence that begins with 第N are not such units.
    assert NUMBERED_UNIT_RE.match("第1 目的") and NUMBERED_UNIT_RE.match("第12 雑則")
    for line in ("第1条 目的", "第2章 総則", "第1 条", "第1 四半期の報告は、翌月末までに行う。"):
        assert not (NUMBERED_UNIT_RE.match(line) and "。" not in line), line


def test_page_labels_of_a_handbook_head_its_pages_and_check_marks_open_lines():
    # A handbook exported from slides (written for this test): 「P1　…」 page titles, ✔/× lines,
    # and a Q&A page whose questions are set apart by a space only.
    doc = text_doc(
        "社内AIハンドブック\n\nP1　はじめに\n・全員向けのガイドです\n\nP2　入れていい情報\n【顧客情報】\n"
        "✔ OK：公開済みの商品情報\n× NG：顧客の氏名と電話番号\n\nP3　よくある質問\nQ　家のパソコンで使える？\n"
        "A　会社のパソコンだけです\nQ　パートでも使える？\nA　研修を受ければ使えます\n"
    )
    chunks = build_chunks(doc)
    assert [c.section for c in chunks] == [
        "P1 はじめに",
        "P2 入れていい情報",  # a label inside a page is a line of it (see the next tests)
        "P3 よくある質問 > Q. 家のパソコンで使える?",
        "P3 よくある質問 > Q. パートでも使える?",
    ]
    assert chunks[1].text.split("\n") == ["【顧客情報】", "✔OK：公開済みの商品情報", "×NG：顧客の氏名と電話番号"]
    assert chunks[2].text == "会社のパソコンだけです"
    # Labels out of order, or too few of them, are not page titles.
    assert page_titles(["P3 まとめ", "P1 はじめに", "P2 使い方"]) == frozenset()
    assert page_titles(["P1 はじめに", "本文", "P2 使い方"]) == frozenset()


def test_slides_exported_to_text_with_ruled_titles_head_their_slides():
    # The opening of a city's training deck exported to text (eval/documents, written blind): each
    # slide's 「スライド n／18　title」 line is framed by rules drawn with 「=」.
    lines = (Path(__file__).parents[1] / "eval" / "documents" / "ことぶき市_職員向け生成AI研修資料.txt").read_text("utf-8").splitlines()
    end = next(i for i, x in enumerate(lines) if x.startswith("スライド 5"))
    chunks = build_chunks(text_doc("\n".join(lines[: end - 1]) + "\n"))
    sections = [c.section for c in chunks]
    assert sections[:3] == ["P1 表紙", "P2 本日の内容", "P3 生成AIとは・研修の背景"]
    assert "P4 研修の受講義務" in sections
    assert not any("=" in c.text for c in chunks)  # the rules are no text
    training = next(c for c in chunks if c.section == "P4 研修の受講義務")
    assert "令和7年6月30日" in training.text and "講師メモ" in training.text
    # The count after the number is optional; a rule of fewer than three characters is text.
    assert page_titles(["スライド 1/3 表紙", "スライド 2/3 内容", "スライド 3/3 まとめ"]) == frozenset({0, 1, 2})
    assert page_titles(["スライド 1 表紙", "スライド 2 内容", "スライド 3 まとめ"]) == frozenset({0, 1, 2})
    assert clean_line("――――") == "" and clean_line("–––") == "" and clean_line("==") == "=="


def test_a_slide_label_alone_on_its_line_heads_the_slide_with_the_next_line():
    # A shopping street's deck saved as text (eval/documents, written blind): 「スライド 21」 on a line
    # of its own, the slide's title on the next; the lines of a slide are about its title.
    path = Path(__file__).parents[1] / "eval" / "documents" / "あけぼの商店街振興組合_AI活用の手引き（スライド）.txt"
    chunks = build_chunks(text_doc(path.read_text("utf-8")))
    subsidy = next(c for c in chunks if c.section == "P21 組合のAIツール補助制度")
    assert "1店舗あたり月2,000円" in subsidy.text and "スライド" not in subsidy.text
    assert any(c.section == "P22 補助の申し込み方法" for c in chunks)
    assert page_titles(["スライド 1", "表紙", "スライド 2", "内容", "スライド 3", "まとめ"]) == frozenset({0, 2, 4})
    # A label whose next line is a sentence is no title.
    assert page_titles(["スライド 1", "これは本文の文です。続きがあります。", "スライド 2", "本文。", "スライド 3", "本文。"]) == frozenset()


def test_a_heading_inside_a_slide_is_a_line_of_the_slide():
    # A credit union's deck exported from PowerPoint (eval/documents, written blind): 「■対応」 and
    # 「受講期限」 head parts of one slide; the lines under them are about the slide's title, and a
    # passage cut at them (「・不審なメールは…転送」 under 「対応」 alone) would lose it. An FAQ slide's
    # questions stay entries of their own.
    path = Path(__file__).parents[1] / "eval" / "documents" / "しんわ信用金庫_生成AI研修資料（PowerPointから書き出し）.txt"
    chunks = build_chunks(text_doc(path.read_text("utf-8")))
    fraud = [c for c in chunks if c.section == "P14 不正利用・詐欺メールに注意"]
    assert any("システム部情報セキュリティ担当へ転送" in c.text and "■対応" in c.text for c in fraud)  # the line as written
    assert not any(c.section_path[-1] in ("対応", "受講期限", "報告の流れ") for c in chunks)
    assert any(c.section == "P19 研修の受講期限と確認テスト" and "受講期限" in c.text for c in chunks)
    assert any(c.section_path[-1].startswith("Q. 英文メールの翻訳") for c in chunks)


def test_a_slide_label_waits_for_its_title_only_one_line():
    # The line after a label is its title when it reads as one (a chapter heading too), else the
    # label is dropped; the sentence after it stays body text either way.
    doc = "スライド 1\n表紙\nスライド 2\n内容\nスライド 3\n\n\nまとめ\n本文です。\nスライド 4\n第2章 目的\n本文その二です。\n"
    chunks = build_chunks(text_doc(doc))
    assert any(c.section == "P3 まとめ" and "本文です。" in c.text for c in chunks)  # the title after blank lines
    assert any("本文その二です。" in c.text for c in chunks)
    # A slide titled as a chapter opens the chapter, and keeps its number beneath it.
    assert any(c.section == "第2章 目的 > P4 第2章目的" and "本文その二です。" in c.text for c in chunks)
    sentence = build_chunks(text_doc("スライド 1\n表紙\nスライド 2\n内容\nスライド 3\nこれは文です。ここも。\n本文。\n"))
    assert any("これは文です。" in c.text for c in sentence)  # no title: kept as text
    # A label with the slide count alone (「スライド 2 / 24」, as PowerPoint exports it) takes its title
    # from the next line: the count is no title.
    assert page_titles(["スライド 1 / 3", "表紙", "スライド 2 / 3", "内容", "スライド 3 / 3", "まとめ"]) == frozenset({0, 2, 4})
    # A page's footer alone (「p.1」「Page 3」) is no slide label.
    assert page_titles(["Page 1", "はじめに", "Page 2", "対象", "Page 3", "まとめ"]) == frozenset()


# A software company's policy as Notion exports it to Markdown (eval/documents, written blind).
NOTION_EXPORT = """# ひかりソフト AI利用ポリシー

> 💡 迷ったときは「入力しない」を選んでください。判断に困る場合は、Slackの #it-helpdesk で情報システム部に相談してください。

## 1. 目的と適用範囲

### 適用範囲

- 当社の役員、正社員、契約社員、アルバイト
- 当社の業務で扱うすべての情報（社内の情報、顧客から預かった情報）

このポリシーでいう「生成AIツール」には、チャット型のAI、コード補完AI、画像生成AI、自分のPCやサーバーで動かす大規模言語モデル（以下「ローカルLLM」）を含みます。

関連する規程として、[セキュリティ規程](セキュリティ規程%20a1b2c3d4e5f6.md)と[情報分類基準](情報分類基準%209f8e7d6c5b4a.md)もあわせて確認してください。

## 5. セキュリティ

- `.env` ファイルや設定ファイルの中身を、そのまま貼り付けないでください

```
以下の Python 関数のテストコードを pytest で書いてください。
外部APIの呼び出しはモックしてください。
```

## 8. 利用前チェックリスト

- [x] 会社のアカウント（SSO）でログインしている
- [ ] APIキー、パスワード、個人情報を消した

## 10. よくある質問

- エラーログをChatGPT Enterpriseに貼って原因を聞いてもいい？
""" + "    \n" + """    自社プロダクトのエラーログなら貼ってかまいません。
"""  # Notion indents the blank line inside a toggle too


def test_a_markdown_export_reads_its_blocks_as_the_writer_ended_them() -> None:
    by_section = {c.section: c.text.split("\n") for c in build_chunks(text_doc(NOTION_EXPORT))}
    scope = by_section["1. 目的と適用範囲 > 適用範囲"]
    # A blank line ends a list item: the paragraph after the list is a line of its own.
    assert scope[1] == "- 当社の業務で扱うすべての情報（社内の情報、顧客から預かった情報）"
    assert scope[2].startswith("このポリシーでいう「生成AIツール」には")
    # A link reads as its text; inline code as its code; a code block line by line, without fences.
    assert scope[3] == "関連する規程として、セキュリティ規程と情報分類基準もあわせて確認してください。"
    assert by_section["5. セキュリティ"] == [
        "- .envファイルや設定ファイルの中身を、そのまま貼り付けないでください",  # spaces tidied between scripts
        "以下の Python 関数のテストコードを pytest で書いてください。",
        "外部APIの呼び出しはモックしてください。",
    ]
    # A task list's boxes as check marks; a toggle's question and its answer apart; a callout without its marker.
    assert by_section["8. 利用前チェックリスト"] == ["☑会社のアカウント（SSO）でログインしている", "□APIキー、パスワード、個人情報を消した"]
    assert by_section["10. よくある質問"] == ["- エラーログをChatGPT Enterpriseに貼って原因を聞いてもいい？", "自社プロダクトのエラーログなら貼ってかまいません。"]
    assert any(line.startswith("💡") for lines in by_section.values() for line in lines)


def test_plain_text_brackets_are_no_markdown_link() -> None:
    assert clean_line("配列[0](注)の値") == "配列[0](注)の値"
    assert clean_line("ホーム > 市政情報 > 情報化") == "ホーム > 市政情報 > 情報化"
    assert clean_line(">10万円 部長決裁").startswith(">10万円") and clean_line("> 引用").startswith("引用")


def test_markdown_code_fences_follow_commonmark() -> None:
    # Inline code at the start of a line opens no block (the sections after it stay); a fence
    # indented inside a toggle is one; a quote's blank line (「>」 alone) ends its paragraph.
    text = (
        "# 手順書\n\n## 1. 準備\n\n```pip install guideqa``` を実行してください。\n\n## 2. 申請\n\n課長に申請する。\n\n"
        "## 3. 例\n\n- プロンプトの書き方の例は？\n\n    ~~~~\n    次の文章を要約してください。\n    ```\n    > 引用は除く\n    ~~~~\n\n"
        "> 第一段落の注意\n>\n> 第二段落の注意\n"
    )
    by_section = {c.section: c.text.split("\n") for c in build_chunks(text_doc(text))}
    assert set(by_section) == {"1. 準備", "2. 申請", "3. 例"}
    assert by_section["3. 例"] == ["- プロンプトの書き方の例は？", "次の文章を要約してください。", "```", "> 引用は除く", "第一段落の注意", "第二段落の注意"]


def test_a_label_between_a_pair_of_marks_reads_as_a_label():
    # 「★まず大事なこと★」 heads its lines as 【】 would, and the next label replaces it; a line that
    # only opens with the mark (「★お客さんのこと」, 「★…です。」) is not such a label.
    doc = (
        "店のルール\n\n★まず大事なこと★\n店のタブレットのAIだけ使ってね。\n自分のスマホはダメ！\n\n"
        "【入れちゃダメなもの】\n★お客さんのこと\n・名前\n・電話番号\n"
    )
    chunks = build_chunks(text_doc(doc))
    assert any(c.section == "まず大事なこと" and "自分のスマホはダメ" in c.text for c in chunks)
    assert any(c.section.startswith("【入れちゃダメなもの】") and "電話番号" in c.text for c in chunks)
    assert not any("まず大事なこと" in c.section and "電話番号" in c.text for c in chunks)
