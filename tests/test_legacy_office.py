"""Files in older offices' formats are read as their newer kin are (ingest.legacy_office,
ingest.web_page.mhtml_lines): an Excel 97-2003 workbook as an .xlsx, a Word rich text file as a
Word document, a page saved as one file as a saved page."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.chunking import build_chunks
from ingest.legacy_office import rtf_lines, xls_lines
from ingest.loaders import MSG_EMPTY, load_document
from ingest.web_page import mhtml_lines
from tests.document_helpers import load_error, meta
from tests.document_helpers import texts as _texts
from tests.legacy_files import _sjis, make_rtf, make_xls, mhtml_bytes, rtf_text


def _meta(path: Path) -> DocumentMeta:
    return meta(path, "legacy")


def _error(path: Path) -> DocumentError:
    return load_error(path, "legacy")


def test_an_excel_97_2003_workbook_reads_as_an_xlsx_does(tmp_path: Path) -> None:
    lines = _texts(xls_lines(make_xls(tmp_path / "Q&A.xls").read_bytes()))
    assert lines[:2] == ["■ Q&A", "生成AI利用に関するQ&A（職員向け）"]
    # The FAQ's rows: the 分類 merged down is on both rows, the answer's Alt+Enter lines kept.
    i = lines.index("Q1. 使ってよい生成AIは何ですか。")
    assert lines[i + 1 : i + 4] == ["分類：利用の範囲／担当：情報政策課", "A. 市が契約したAIアシスタントだけです。", "※無料の外部サービスは使えません。"]
    assert "分類：利用の範囲" in lines[lines.index("Q2. 自宅のパソコンから使えますか。") + 1]
    # Dates and amounts as Excel shows them.
    assert "| 議事録の要約 | ○ | 2026年7月1日 | 5,000円 |" in lines
    text = "\n".join(lines)
    # A hidden column, row and sheet are not what a reader is shown.
    for hidden in ("非公開", "採用面接", "旧版", "無料の外部サービスも使ってよい"):
        assert hidden not in text


def test_a_workbook_is_added_with_its_file_name_as_title_and_cut_by_its_rows(tmp_path: Path) -> None:
    path = make_xls(tmp_path / "さくら川市Q&A.xls")
    document = load_document(path, _meta(path))
    assert not document.paragraph_lines  # a sheet's rows, as an .xlsx's
    chunks = build_chunks(document, max_chars=700, min_chars=80)
    assert any("庁内の端末からだけ利用できます" in c.text for c in chunks)


def test_a_word_rich_text_file_reads_as_its_paragraphs() -> None:
    lines = _texts(rtf_lines(rtf_text().encode("ascii")))
    assert lines[0] == "みなと病院 生成AI利用規程"
    # 「見出し 1」 (its name in Shift_JIS in the stylesheet) is a heading, as a Word document's.
    assert lines[1] == "## 第１条（目的）"
    # Shift_JIS escapes in a Latin font's run (Word switches by \dbch) and \u escapes with their
    # fallback bytes skipped; the footnote out of its sentence, after its paragraph.
    assert lines[2:4] == ["この規程は、生成AIの利用について定める。職員はこれに従う。", "（注1）要配慮個人情報とは、病歴を含む個人情報をいう。"]
    assert lines[4:6] == ["1. 院内文書の下書き", "2. 論文の要約"]  # Word's list numbers (\listtext)
    assert "院内のAIだけを使う。" in lines
    # A table's rows read as a sheet's; a cell of two paragraphs keeps both.
    assert "| 看護師 | 記録の下書き 研修資料の作成 |" in lines
    assert lines[-2:] == ["附則", "この規程は、令和8年10月1日から施行する。"]
    text = "\n".join(lines)
    # Page header and footer, document properties, deleted text of tracked changes.
    for furniture in ("取扱注意", "情報管理室", "外部の無料サービス", "Century", "Normal"):
        assert furniture not in text


def test_a_rich_text_file_without_a_code_page_is_read_by_its_japanese_font() -> None:
    rtf = r"{\rtf1\ansi{\fonttbl{\f0\fcharset128 MS Mincho;}}\f0 " + _sjis("利用申請は所属長を通じて行う。") + r"\par}"
    assert _texts(rtf_lines(rtf.encode("ascii"))) == ["利用申請は所属長を通じて行う。"]


def test_a_rich_text_regulation_is_cut_at_its_articles(tmp_path: Path) -> None:
    path = make_rtf(tmp_path / "みなと病院規程.rtf")
    chunks = build_chunks(load_document(path, _meta(path)), max_chars=700, min_chars=80)
    text = "\n".join(c.text for c in chunks)
    assert "要配慮個人情報とは、病歴を含む個人情報をいう。" in text
    assert "令和8年10月1日から施行する" in text


def test_a_page_saved_as_one_file_reads_as_the_saved_page() -> None:
    lines = _texts(mhtml_lines(mhtml_bytes()))
    assert lines[:2] == ["# 生成AIの上手な使い方", "更新日：2026年8月20日"]
    assert "・お子さんが使うときは保護者の方と一緒に使いましょう。" in lines
    assert "ハルシネーション：生成AIがもっともらしい誤りを答えることです。" in lines
    assert any("デジタル推進課" in line for line in lines)
    text = "\n".join(lines)
    # The site's frame, menus, breadcrumb, questionnaire, the style sheet and the images.
    for furniture in ("文字サイズ", "くらし・環境", "県政情報", "役に立ちましたか", "Copyright", "color", "iVBOR"):
        assert furniture not in text


def test_a_page_saved_in_shift_jis_as_one_file_is_decoded_by_its_part_header() -> None:
    page = "<html><body><main><h1>生成AIについて</h1><p>個人情報を入力しないでください。</p></main></body></html>"
    data = (
        b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; type="text/html"; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/html; charset=Shift_JIS\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        + page.encode("cp932") + b"\r\n--b1--\r\n"
    )  # fmt: skip
    assert _texts(mhtml_lines(data)) == ["# 生成AIについて", "個人情報を入力しないでください。"]


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excelブック"),
        ("表.xls", b"PK\x03\x04 an xlsx renamed", "Excelブック"),
        ("規程.rtf", "規程です（RTFではないテキスト）".encode(), "リッチテキスト文書"),
        ("ページ.mhtml", b"not a mime message at all", "Webページ"),
        ("ページ.mht", b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\nContent-Type: image/png\r\n\r\nabc\r\n--x--\r\n", "Webページ"),
    ],
)
def test_a_broken_file_of_an_older_format_is_a_clear_error(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert _error(path).cause == f"{kind}を読み込めません（ファイルが壊れているか、パスワードで保護されている可能性があります）。保護を解除して保存し直してください"


def test_a_rich_text_file_without_text_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "空.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg932{\fonttbl{\f0\fcharset128 MS Mincho;}}{\header \pard x\par}\pard\par}")
    assert _error(path).cause == MSG_EMPTY


def _rtf(body: str) -> list[str]:
    head = r"{\rtf1\ansi\ansicpg932\uc1{\fonttbl{\f0\fswiss\fcharset0 Arial;}{\f1\fnil\fcharset128 MS Gothic;}}"
    return _texts(rtf_lines((head + body + "}").encode("ascii")))


def test_rich_text_in_a_latin_font_keeps_its_latin_bytes_and_its_japanese() -> None:
    # WordPad's 「25°C」「café」 in Arial are cp1252 bytes; Word's Japanese in a run whose \f is Latin
    # (the Japanese font chosen by \dbch) is Shift_JIS pairs; half-width kana in the Japanese font.
    assert _rtf(r"\f0 25\'b0C caf\'e9 latte\par 5\'d73\par") == ["25°C café latte", "5×3"]
    assert _rtf(r"\f0\loch\af0\dbch\af1 " + _sjis("生成AIの利用") + r"\par") == ["生成AIの利用"]
    assert _rtf(r"\f1 \'b1\'b2\par") == ["ｱｲ"]


def test_rich_text_deletions_and_footnotes_outside_the_body_are_left_out() -> None:
    # A footnote in deleted text or in the page header is not the body's: the next one is 注1.
    deleted = _sjis("甲") + r"{\deleted " + _sjis("削除文") + r"{\*\footnote " + _sjis("削除された注") + "}}"
    assert _rtf(r"\f1 " + deleted + _sjis("乙") + r"{\*\footnote " + _sjis("生きている注") + r"}\par") == ["甲乙", "（注1）生きている注"]
    header = r"{\header \pard " + _sjis("ヘッダ") + r"{\*\footnote " + _sjis("ヘッダの注") + r"}\par}"
    assert _rtf(header + r"\f1 " + _sjis("本文") + r"{\*\footnote " + _sjis("本文の注") + r"}\par") == ["本文", "（注1）本文の注"]
    # \deleted is a character property: it ends at \deleted0 (also outside any group of its own).
    assert _rtf(r"\f1 " + _sjis("一") + r"\par \deleted " + _sjis("消") + r"\deleted0 " + _sjis("二") + r"\par") == ["一", "二"]
    assert _rtf(r"\f1 {\deleted " + _sjis("消") + r"\deleted0 " + _sjis("残") + r"}\par") == ["残"]


def test_a_manual_line_break_in_a_table_cell_keeps_the_cells_lines_apart() -> None:
    row = r"\trowd\cellx3000\cellx6000\pard\intbl " + "A" + r"\cell upper\line lower\cell\row "
    header = r"\trowd\cellx3000\cellx6000\pard\intbl " + "x" + r"\cell y\cell\row "
    assert _rtf(header + row)[-1] == "| A | upper lower |"


def test_a_stray_cell_far_down_a_sheet_is_read_without_expanding_every_row(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("一覧")
    sheet.write(0, 0, "業務")
    sheet.write(0, 1, "可否")
    sheet.write(1, 0, "翻訳")
    sheet.write(1, 1, "○")
    sheet.write(3000, 200, "メモ")
    path = tmp_path / "一覧.xls"
    book.save(str(path))
    lines = _texts(xls_lines(path.read_bytes()))
    assert lines[:2] == ["| 業務 | 可否 |", "| 翻訳 | ○ |"] and lines[-1] == "メモ"
