"""LibreOffice documents and spreadsheets are read as Writer and Calc show them (ingest.open_document):
the text a reader sees, in order, with the numbers a list style draws; furniture, comments, deleted
text and the empty run to a sheet's edge left out."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.chunking import build_chunks
from ingest.loaders import MSG_EMPTY, load_document
from ingest.open_document import ods_lines, odt_lines
from tests.document_helpers import load_error, meta
from tests.document_helpers import texts as _texts
from tests.odf_files import ODS, ODT, make_ods, make_odt, write_odf


def _meta(path: Path) -> DocumentMeta:
    return meta(path, "odf")


def _error(path: Path) -> DocumentError:
    return load_error(path, "odf")


def test_a_writer_document_reads_as_its_paragraphs_with_the_numbers_its_lists_draw(tmp_path: Path) -> None:
    lines = _texts(odt_lines(make_odt(tmp_path / "ガイドライン.odt").read_bytes()))
    assert lines[:3] == ["# さくらだ町生成AI利用ガイドライン", "## 第1章\u3000総則", "### 第1条（目的）"]
    # Spans, a bookmark, a page break and a tracked insertion point inside the sentence: one line.
    assert lines[3] == "このガイドラインは、職員が生成AIを安全に使うために必要な事項を定める。"
    # The list style's numbers, a deeper level counting on its own, the level above going on after it;
    # the footnote out of its sentence, on a line of its own after its paragraph.
    i = lines.index("1. 個人情報（住民及び職員のもの）")
    assert lines[i + 1 : i + 5] == ["（注1）住民の氏名、住所、電話番号のほか、職員の人事情報を含む。", "(1) マイナンバー", "(2) 税情報", "2. 非公開の行政情報"]
    assert "・ 出力は職員が事実確認する。" in lines
    assert "① 総務課情報係へ報告  （内線\t213）" in lines  # text:s c="2" and a tab, as Writer shows them
    assert "問い合わせ：総務課情報係" in lines  # a text frame, after its paragraph
    assert "議事録の要約は課長の承認を得て行う。" in lines  # ruby's reading and the comment left out
    assert "| 文書の下書き | 可 | 事実確認をする 住民向けは課長の決裁 |" in lines
    text = "\n".join(lines)
    # Deleted text (tracked changes), the table of contents, the page header and footer.
    for furniture in ("旧規定", "かちょう", "要確認", "取扱注意", "\t1"):
        assert furniture not in text


def test_a_writer_guideline_is_cut_at_its_articles_and_its_table(tmp_path: Path) -> None:
    path = make_odt(tmp_path / "さくらだ町生成AI利用ガイドライン.odt")
    chunks = {c.section: c.text for c in build_chunks(load_document(path, _meta(path)), max_chars=700, min_chars=80)}
    article = chunks["第1章 総則 > 第2条（入力してはいけない情報）"]
    assert "2. 非公開の行政情報" in article and "職員の人事情報を含む" in article
    assert "住民への回答 | 不可" in chunks["別表 利用できる業務"]


def test_a_calc_spreadsheet_reads_sheet_by_sheet_as_a_workbook_does(tmp_path: Path) -> None:
    rows = ods_lines(make_ods(tmp_path / "計画.ods").read_bytes())
    lines = _texts(rows)
    assert lines[:2] == ["■ 取組一覧", "| No | 取組名 | 概要 | 開始時期 |"]  # the hidden column left out
    # The text a typed cell shows (「2026年4月」, not 2026-04-01), both paragraphs of a cell.
    assert "| 1 | 子育て相談チャットボット | 24時間受け付ける。 答えられない質問は翌開庁日に職員が回答する。 | 2026年4月 |" in lines
    # A cell spanning two columns once; lines numbered by the sheet's row (the hidden row 3 is not read).
    assert (4, "| 2 | 道路損傷のAI画像検知 |  | 2026年10月 |") in rows
    assert not any("検討中" in t or "作業用のメモ" in t for t in lines)  # a hidden row, a hidden sheet
    # A group label merged down holds its value on each row it spans.
    assert lines[-2:] == ["| 全庁 | CIO | 副市長が務める |", "| 全庁 | AI推進本部 | 年4回開く |"]
    assert len(rows) < 20  # the empty run to the sheet's edge (a million rows, a thousand columns) is not expanded


def test_a_spreadsheets_file_name_is_its_title(tmp_path: Path) -> None:
    from ingest.loaders import SHEET_SUFFIXES

    assert ".ods" in SHEET_SUFFIXES
    doc = load_document(make_ods(tmp_path / "計画.ods"), _meta(tmp_path / "計画.ods"))
    assert not doc.paragraph_lines  # a sheet's lines are rows, as an Excel workbook's


@pytest.mark.parametrize(("name", "kind"), [("規程.odt", "ODFテキスト文書"), ("計画.ods", "ODFスプレッドシート")])
def test_a_broken_or_encrypted_opendocument_file_is_a_clear_error(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 broken")
    assert _error(path).cause.startswith(f"{kind}を読み込めません（ファイルが壊れているか、パスワードで保護されている")
    # A password-protected file: the package is a zip, its content.xml is encrypted bytes.
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT if name.endswith(".odt") else ODS)
        z.writestr("content.xml", bytes(range(256)) * 8)
    assert kind in _error(path).cause


def test_an_opendocument_file_without_text_is_empty(tmp_path: Path) -> None:
    odt = write_odf(tmp_path / "空.odt", ODT, "<office:text><text:p/><text:p> </text:p></office:text>")
    assert _error(odt).cause == MSG_EMPTY
    edge = '<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    ods = write_odf(tmp_path / "空.ods", ODS, f'<office:spreadsheet><table:table table:name="Sheet1">{edge}</table:table></office:spreadsheet>')
    assert _error(ods).cause == MSG_EMPTY


def test_an_impress_deck_names_the_format_to_save_in(tmp_path: Path) -> None:
    path = tmp_path / "研修.odp"
    path.write_bytes(b"PK\x03\x04")
    assert _error(path).cause == "この形式（.odp）は読み込めません。.pptx 形式で保存し直してから追加してください"


def test_list_numbers_continue_restart_and_take_libreoffices_japanese_formats(tmp_path: Path) -> None:
    styles = (
        '<text:list-style style:name="L1"><text:list-level-style-number text:level="1" style:num-prefix="（" '
        'style:num-suffix="）" style:num-format="一, 二, 三, ..."/>'
        '<text:list-level-style-number text:level="2" style:num-suffix="." style:num-format="1" text:display-levels="2"/>'
        "</text:list-style>"
        '<text:list-style style:name="L2"><text:list-level-style-number text:level="1" style:num-format="ア, イ, ウ, ..." text:start-value="2"/></text:list-style>'
    )
    item = "<text:list-item><text:p>{}</text:p></text:list-item>"
    body = (
        "<office:text>"
        f'<text:list text:style-name="L1">{item.format("目的")}<text:list-item><text:p>定義</text:p>'
        f'<text:list>{item.format("生成AI")}{item.format("利用者")}</text:list></text:list-item></text:list>'
        "<text:p>（中略）</text:p>"
        f'<text:list text:style-name="L1" text:continue-numbering="true">{item.format("対象")}</text:list>'
        f'<text:list text:style-name="L1">{item.format("別の表")}</text:list>'
        f'<text:list text:style-name="L2">{item.format("イから始まる")}</text:list>'
        "</office:text>"
    )
    # A level showing the levels above writes each in its own format, as Writer draws it (「二.1.」).
    lines = _texts(odt_lines(write_odf(tmp_path / "番号.odt", ODT, body, automatic_styles=styles).read_bytes()))
    assert lines == ["（一） 目的", "（二） 定義", "二.1. 生成AI", "二.2. 利用者", "（中略）", "（三） 対象", "（一） 別の表", "イ イから始まる"]


def test_covered_cells_repeated_under_two_merged_cells_hold_each_columns_text(tmp_path: Path) -> None:
    # Calc compresses the covered cells under two cells merged down into one repeated element.
    cell = '<table:table-cell office:value-type="string" {}><text:p>{}</text:p></table:table-cell>'
    rows = (
        "<table:table-row>" + cell.format("", "区分") + cell.format("", "対象") + cell.format("", "内容") + "</table:table-row>"
        "<table:table-row>" + cell.format('table:number-rows-spanned="2"', "全庁") + cell.format('table:number-rows-spanned="2"', "職員")
        + cell.format("", "研修を受ける") + "</table:table-row>"
        '<table:table-row><table:covered-table-cell table:number-columns-repeated="2"/>' + cell.format("", "記録を残す") + "</table:table-row>"
    )
    body = f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet>'
    lines = [t for _, t in ods_lines(write_odf(tmp_path / "表.ods", ODS, body).read_bytes())]
    assert lines[-1] == "| 全庁 | 職員 | 記録を残す |"


def test_a_cells_lists_footnotes_and_soft_hyphens_read_as_writer_shows_them(tmp_path: Path) -> None:
    cell = (
        '<table:table-cell office:value-type="string"><text:p>条件A<text:note text:note-class="footnote">'
        "<text:note-citation>1</text:note-citation><text:note-body><text:p>課長の決裁</text:p></text:note-body></text:note></text:p>"
        "<text:list><text:list-item><text:p>Chat\u00adGPTは使わない<office:annotation><text:p>内部メモ：後で消す</text:p>"
        "</office:annotation></text:p></text:list-item></text:list></table:table-cell>"
    )
    body = (
        '<office:text><table:table table:name="表1"><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>業務</text:p></table:table-cell>" + cell + "</table:table-row></table:table></office:text>"
    )
    lines = [t for _, t in odt_lines(write_odf(tmp_path / "表.odt", ODT, body).read_bytes())]
    text = "\n".join(lines)
    assert "課長の決裁" in text and "ChatGPTは使わない" in text and "内部メモ" not in text
