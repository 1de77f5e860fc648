"""Spreadsheets saved as text (ingest.sheets): Excel's tab-separated export read as rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from guideqa.models import DocumentMeta
from ingest.chunking import build_chunks
from ingest.loaders import load_document
from ingest.sheets import is_tab_separated, row_title, sheet_lines

# A checklist as Excel writes it (written for this test): a title row, a header, a cell with line
# breaks in quotes, a 区分 merged over two rows (empty below), an empty 担当.
SHEET = (
    "AI導入チェックシート\t\t\t\t\t\n"
    "No.\t区分\tチェック項目\t判断基準・補足\t担当\t期限\n"
    '1\t導入前\t利用申請の提出\t"導入予定日の30日前までに、所属部長の承認を得て申請書を提出する。\n'
    '無料トライアルの場合も申請が必要。"\t申請部署\t導入予定日の30日前\n'
    "2\t\t既存ツールとの重複確認\t同種のツールが社内で導入済みでないか、導入済みサービス一覧で確認する。\t\t申請時\n"
    "3\t事故時\t事故の報告\t情報漏えいが判明したら、発見者は直ちに上長と情報システム課に連絡する。\t発見者\t1時間以内\n"
    "4\t\t再発防止\t原因と再発防止策を委員会に報告し、必要に応じてこのチェックシートを改訂する。\t情報システム課\t30日以内\n"
)


def test_a_tab_separated_export_is_told_from_text_with_a_few_tabs() -> None:
    assert is_tab_separated(SHEET)
    assert not is_tab_separated("第1条\t目的\n本文です。\n本文です。\n本文です。\n本文です。\n本文です。\n")


def test_each_record_is_one_line_and_a_quoted_cell_keeps_its_row() -> None:
    lines = sheet_lines(SHEET)
    texts = [t for _, t in lines]
    assert texts[0] == "AI導入チェックシート"  # a row of one cell: its text
    row = next(t for t in texts if t.startswith("| 1 |"))
    assert "所属部長の承認を得て申請書を提出する。 無料トライアルの場合も申請が必要。" in row and row.endswith("導入予定日の30日前 |")
    # The line a record starts on is kept (the quoted cell spans two physical lines).
    numbers = dict((t, n) for n, t in lines)
    assert numbers[row] == 3 and numbers[next(t for t in texts if t.startswith("| 2 |"))] == 5


def test_a_merged_grouping_cell_is_filled_from_above_and_other_empty_cells_stay_empty() -> None:
    texts = [t for _, t in sheet_lines(SHEET)]
    assert next(t for t in texts if t.startswith("| 2 |")).startswith("| 2 | 導入前 | 既存ツールとの重複確認 |")
    assert "|  | 申請時 |" in next(t for t in texts if t.startswith("| 2 |"))  # no 担当 for this row
    assert next(t for t in texts if t.startswith("| 4 |")).startswith("| 4 | 事故時 | 再発防止 |")


def test_a_row_is_named_by_its_short_cells_before_its_content() -> None:
    assert row_title(["3", "事故時", "事故の報告", "情報漏えいが判明したら、発見者は直ちに上長と情報システム課に連絡する。", "発見者"]) == "3／事故時／事故の報告"
    assert row_title(["No.", "区分", "チェック項目", "判断基準・補足"]) == ""  # the header: no content cell
    assert row_title(["会社名", "株式会社たかね物流"]) == ""


def test_each_row_of_a_sheet_is_a_passage_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "チェックシート.txt"
    path.write_text(SHEET, encoding="utf-8")
    chunks = build_chunks(load_document(path, DocumentMeta(doc_id="sheet", title="チェックシート", file=path.name)))
    report = next(c for c in chunks if "1時間以内" in c.text)
    assert report.section == "【3/事故時/事故の報告】"  # the label, width-normalised
    assert "再発防止" not in report.text  # the next record is another passage


def test_what_does_not_read_as_an_excel_sheet_is_read_line_by_line(tmp_path: Path) -> None:
    # Tabs that only indent lines make no rows.
    indented = "第1条\t目的\n\tこの規程は目的を定める。\n\t本文です。\n\t本文です。\n\t本文です。\n\t本文です。\n"
    assert not is_tab_separated(indented)
    # A quote left open in a hand-made file would swallow the rows after it.
    stray = "No.\t項目\t内容\n7\t\"未閉じ\tx\n8\ta\tb\n9\tc\td\n10\te\tf\n11\tg\th\n"
    assert is_tab_separated(stray) and sheet_lines(stray) is None
    path = tmp_path / "手作り.txt"
    path.write_text(stray, encoding="utf-8")
    doc = load_document(path, DocumentMeta(doc_id="t", title="t", file=path.name))
    assert len(doc.lines) == 6  # one per physical line


def test_old_mac_line_ends_and_a_huge_cell_are_read() -> None:
    cr = SHEET.replace("\n", "\r")
    assert [t for _, t in sheet_lines(cr) or []] == [t for _, t in sheet_lines(SHEET) or []]
    huge = "No.\t項目\t内容\n" + "1\t大きなセル\t" + "あ" * 200_000 + "\n" + "2\tx\ty\n3\tx\ty\n4\tx\ty\n5\tx\ty\n"
    rows = sheet_lines(huge)
    assert rows is not None and any(len(t) > 200_000 for _, t in rows)


def test_the_header_row_fills_no_merged_cell() -> None:
    sheet = "No.\t区分\t項目\t内容\n1\t\t申請\t導入予定日の30日前までに、所属部長の承認を得て申請書を提出する。\n2\t\t確認\t同種のツールが社内で導入済みでないか、導入済みサービス一覧で確認する。\n3\tx\ty\tz\n4\tx\ty\tz\n"
    first = next(t for _, t in sheet_lines(sheet) or [] if t.startswith("| 1 |"))
    assert first.startswith("| 1 |  | 申請 |")  # not 「区分」 from the header


# An FAQ kept in Excel and saved as CSV (written for this test): a header naming 質問 and 回答, an answer
# over two lines in quotes with a comma and doubled quotes inside, an empty 担当 cell.
FAQ_CSV = (
    "No,カテゴリ,質問,回答,担当部署,更新日\r\n"
    '1,利用申請,アカウントはどうやって申し込みますか？,"社内ポータルの申請フォームから申請してください。\n'
    '・承認後、3営業日以内にIDが発行されます","薬事・DX推進室",2025/4/1\r\n'
    '2,入力禁止,処方箋の画像を読み込ませてもよいですか？,"いいえ。処方箋、薬歴、保険証番号は""あおぞらAI""にも入力できません。",,2025/4/1\r\n'
)


def test_an_faq_saved_as_csv_reads_as_questions_over_their_answers(tmp_path: Path) -> None:
    from ingest.sheets import faq_columns

    assert faq_columns(["No", "カテゴリ", "質問", "回答", "担当部署"]) == (2, 3)
    assert faq_columns(["No.", "区分", "チェック項目", "判断基準・補足"]) is None
    lines = [t for _, t in sheet_lines(FAQ_CSV.replace("\r\n", "\n"), "excel") or []]
    assert lines[:4] == [
        "Q1. アカウントはどうやって申し込みますか？",
        "カテゴリ：利用申請／担当部署：薬事・DX推進室／更新日：2025/4/1",
        "A. 社内ポータルの申請フォームから申請してください。",
        "・承認後、3営業日以内にIDが発行されます",
    ]
    assert 'いいえ。処方箋、薬歴、保険証番号は"あおぞらAI"にも入力できません。' in lines[-1]
    assert lines[-2] == "カテゴリ：入力禁止／更新日：2025/4/1"  # the empty 担当部署 left out, the row number labels the question
    # A category row of one cell is that cell; a row with no question continues the entry above it.
    more = [t for _, t in sheet_lines(FAQ_CSV.replace("\r\n", "\n") + ",■ 事故対応,,,,\n,,,\"（続き）夜間は当番薬剤師へ。\",,\n", "excel") or []]
    assert more[-2:] == ["■ 事故対応", "（続き）夜間は当番薬剤師へ。"]
    # Through the loader and the structure reader: each question heads its answer; Excel's
    # 「CSV（コンマ区切り）」 is Shift_JIS; its 「Unicode テキスト」 is a .txt in UTF-16 with a BOM,
    # tab-separated (ingest.encoding).
    out = io.StringIO()
    csv.writer(out, dialect="excel-tab").writerows(csv.reader(io.StringIO(FAQ_CSV.replace("\r\n", "\n"))))
    out.write("".join(f"{n}\tその他\t質問{n}はありますか？\t回答{n}です。\t\t2025/4/1\r\n" for n in range(3, 6)))
    unicode_text = out.getvalue()
    assert unicode_text.startswith("No\tカテゴリ\t質問")
    for name, data in (
        ("faq.csv", ("\ufeff" + FAQ_CSV).encode("utf-8")),
        ("faq_sjis.csv", FAQ_CSV.encode("cp932")),
        ("faq_unicode.txt", unicode_text.encode("utf-16")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        meta = DocumentMeta(doc_id="faq", title="FAQ", file=name, status="current", layout="generic")
        chunks = build_chunks(load_document(path, meta))
        first = next(c for c in chunks if c.section == "Q1. アカウントはどうやって申し込みますか?")
        assert "3営業日以内にIDが発行されます" in first.text and "処方箋" not in first.text
        assert any(c.section.startswith("Q2. 処方箋の画像") and "保険証番号" in c.text for c in chunks)


def test_a_sheet_with_a_header_only_is_empty_and_tab_separated_text_is_read_leniently(tmp_path: Path) -> None:
    import pytest

    from guideqa.errors import DocumentError

    path = tmp_path / "faq.csv"
    path.write_text("\ufeff質問,回答\r\n", encoding="utf-8")
    with pytest.raises(DocumentError) as err:
        load_document(path, DocumentMeta(doc_id="faq", title="FAQ", file=path.name))
    assert "空" in err.value.cause
    # A quote inside a tab-separated cell, as a text not written by Excel may hold: still a sheet.
    text = "No\t項目\t内容\n" + "".join(f'{n}\t確認{n}\t"重要"な点を確認する{n}\n' for n in range(1, 7))
    rows = sheet_lines(text)
    assert rows is not None and any("重要な点を確認する1" in line for _, line in rows)


def test_an_faqs_row_number_labels_its_question() -> None:
    from ingest.sheets import table_lines

    rows = [(1, ["No", "質問", "回答"]), (2, ["15", "翻訳に使えますか。", "使えます。"]), (3, ["", "家で使えますか。", "使えません。"])]
    assert [line for _, line in table_lines(rows)] == ["Q15. 翻訳に使えますか。", "A. 使えます。", "Q. 家で使えますか。", "A. 使えません。"]


@pytest.mark.parametrize(
    ("question", "number"),
    [("Q&Aの15番って何？", 15), ("チェック表の12番目は何を確認するの？", 12), ("No.3は？", 3), ("Ｑ７って誰に聞けばいい？", 7),
     ("15番のQ&A", 15), ("問2の答えは？", 2),
     ("緊急のときは110番ですか", None), ("188番に電話すればいい？", None), ("2番目の質問だけど", None), ("リストの1番下", None),
     ("No.1のAIツールを入れれば安全？", None), ("第2四半期(Q2)の売上予測", None), ("Q3の決算", None), ("顧問1名", None),
     ("訪問3件", None), ("質問2つあります。", None), ("問1　AI利用者の責務は？", None)],
)
def test_an_entry_asked_by_its_number(question: str, number: int | None) -> None:
    from retriever.search import asked_entry

    assert asked_entry(question) == number


def test_a_passages_entries_are_its_numbered_headings_and_lines() -> None:
    from guideqa.models import Chunk
    from retriever.search import entry_label, entry_numbers

    chunk = Chunk(id="c", doc_id="d", segment="main", section_path=["2. 運用", "Q15. 翻訳に使えますか。"],
                  text="分類：出力の確認\n使えます。\n| 12 | 出力を確認したか |\n【3／導入前／利用申請】\n1. 下書き\n2 前項の…")  # fmt: skip
    assert entry_numbers(chunk) == {15, 12, 3}  # not a numbered heading, list item or paragraph
    assert entry_label(chunk, 12) == "| 12 | 出力を確認したか |"
    assert entry_label(chunk, 4) is None
