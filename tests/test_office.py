"""Word documents, Excel workbooks and saved web pages are read as an office saves them
(ingest.office, ingest.web_page): the text a reader sees, in order, furniture left out."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.chunking import build_chunks
from ingest.loaders import MSG_EMPTY, load_document
from ingest.office import docx_lines, format_number, pptx_lines, xlsx_lines
from ingest.web_page import html_lines
from tests.office_files import make_docx, make_html, make_pptx, make_xlsx


def _meta(path: Path) -> DocumentMeta:
    return DocumentMeta(doc_id="office", title=path.stem, short_title=path.stem, file=path.name)


def _texts(rows: list[tuple[int, str]]) -> list[str]:
    return [text for _, text in rows]


def _chunks(path: Path) -> dict[str, str]:
    doc = load_document(path, _meta(path))
    return {c.section: c.text for c in build_chunks(doc, max_chars=700, min_chars=80)}


# --- Word ----------------------------------------------------------------------------------------
def test_a_word_document_reads_as_its_paragraphs_with_the_numbers_word_draws(tmp_path: Path) -> None:
    lines = _texts(docx_lines(make_docx(tmp_path / "規程.docx").read_bytes()))
    assert lines[:2] == ["さくら市生成AI利用規程", "令和7年4月1日制定"]
    assert "## 第1章 総則" in lines  # Heading 1, below the title's level
    # An automatically numbered list: the numbers are not in the paragraphs' text; a deeper level
    # counts on its own and the level above goes on after it.
    i = lines.index("① 市民の個人情報（氏名、住所、電話番号等）")
    assert lines[i + 1 : i + 4] == ["(ア) 特定個人情報（マイナンバー）", "② 非公開の行政情報", "③ 職員の人事に関する情報"]
    assert "申請様式は庁内ポータルに掲載" in lines  # a text box, once
    assert lines.count("申請様式は庁内ポータルに掲載") == 1
    assert "| 非公開情報 | 人事評価 | 不可 |" in lines  # the merged cell holds its value on both rows
    assert not any("取扱注意" in t or "…" in t for t in lines)  # page header, table of contents


def test_a_word_regulation_is_cut_at_its_articles_and_its_table(tmp_path: Path) -> None:
    chunks = _chunks(make_docx(tmp_path / "さくら市生成AI利用規程.docx"))
    article = chunks["第1章 総則 > 第2条（入力禁止情報）"]
    assert "② 非公開の行政情報" in article and "情報政策課長が認めた場合" in article
    assert "10日前まで" in chunks["第2章 利用の手続 > 第3条（利用申請）"]
    assert any(s.startswith("別表") and "人事評価" in t for s, t in chunks.items())


@pytest.mark.parametrize(
    ("n", "fmt", "label"),
    [(3, "decimalEnclosedCircle", "③"), (12, "japaneseCounting", "十二"), (2, "aiueoFullWidth", "イ"),
     (3, "iroha", "ハ"), (2, "ideographTraditional", "乙"), (4, "lowerRoman", "iv"), (27, "upperLetter", "AA"),
     (7, "decimalFullWidth", "７"), (5, "decimal", "5")],
)  # fmt: skip
def test_word_number_formats(n: int, fmt: str, label: str) -> None:
    assert format_number(n, fmt) == label


# --- Excel ---------------------------------------------------------------------------------------
def test_a_workbook_reads_sheet_by_sheet_as_a_sheet_saved_as_text(tmp_path: Path) -> None:
    rows = xlsx_lines(make_xlsx(tmp_path / "rules.xlsx").read_bytes())
    lines = _texts(rows)
    assert "■ 利用ルール" in lines and "■ よくある質問" in lines
    assert "|  | 改訂日 | 2026年4月1日 |" in lines  # a date cell as a date
    # 区分 merged down its group: on each row, under each row's own label.
    assert "【4／情報の取扱い／定期考査】" in lines
    assert (7, "| 4 | 情報の取扱い | 定期考査 | 定期考査の問題作成に使う場合は、教科主任の確認を受けること。 | 教科主任 |") in rows
    assert "| 1 | 利用申請 | アカウントの申請 | ICT推進委員会へ申請する。 ・発行まで3営業日かかります ・異動時は再申請 | ICT推進委員会 |" in lines
    # The FAQ sheet: each row a question over its answer, the answer's lines kept.
    i = lines.index("Q1. 生徒に使わせてもいいですか？")
    assert lines[i + 1 : i + 4] == ["関連項目：No.2", "A. 高校2年生以上であれば、授業で利用できます。", "事前に保護者へ通知してください。"]
    assert not any("内部メモ" in t for t in lines)  # a hidden sheet


def test_a_workbooks_faq_rows_are_questions_and_its_register_rows_sections(tmp_path: Path) -> None:
    chunks = _chunks(make_xlsx(tmp_path / "rules.xlsx"))
    assert "高校2年生以上" in chunks["よくある質問 > Q1. 生徒に使わせてもいいですか?"]
    assert "教科主任の確認" in chunks["利用ルール > 【4/情報の取扱い/定期考査】"]
    # The note under the table is the sheet's, not its last row's.
    assert "※不明な点" not in chunks["利用ルール > 【4/情報の取扱い/定期考査】"]
    assert "※不明な点" in chunks["利用ルール"]


# --- PowerPoint ----------------------------------------------------------------------------------
def test_a_deck_reads_slide_by_slide_under_each_slides_title(tmp_path: Path) -> None:
    rows = pptx_lines(make_pptx(tmp_path / "研修.pptx").read_bytes())
    assert (3, "| 1 | 所属長の承認 | 利用開始の10日前まで |") in rows
    lines = _texts(rows)
    i = lines.index("スライド 2")
    assert lines[i + 1 : i + 5] == ["入力してはいけない情報", "住民の個人情報", "非公開の会議資料", "迷ったら情報政策課に相談してください。"]
    assert "来年度の検討メモ" not in lines  # a hidden slide
    chunks = _chunks(tmp_path / "研修.pptx")
    assert "非公開の会議資料" in chunks["P2 入力してはいけない情報"]
    assert "10日前まで" in chunks["P3 申請の流れ"]


def test_a_decks_divider_slides_open_its_chapters_and_its_agenda_does_not(tmp_path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "本日の内容"
    slide.placeholders[1].text_frame.text = "第1章　使ってよいAI\n第2章　事故のとき"
    for chapter, title, body in [
        ("第1章　使ってよいAI", "業務で使えるツール", "市が契約したAIチャットのみ業務で利用できる"),
        ("第2章　事故のとき", "すぐに連絡", "気づいたら30分以内に情報政策課へ電話する"),
    ]:
        deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = chapter  # a section divider
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = body
    deck.save(str(tmp_path / "研修.pptx"))
    chunks = _chunks(tmp_path / "研修.pptx")
    # Each slide under its chapter; the agenda's chapter lines are lines of its slide.
    assert "30分以内" in chunks["第2章 事故のとき > P5 すぐに連絡"]
    assert "第2章 事故のとき > P4 第2章事故のとき" not in chunks  # the divider holds no text
    assert "市が契約したAIチャット" in chunks["第1章 使ってよいAI > P3 業務で使えるツール"]
    assert "第2章" in chunks["P1 本日の内容"]


# --- web pages -----------------------------------------------------------------------------------
def test_a_saved_web_page_reads_as_its_content_without_the_sites_furniture(tmp_path: Path) -> None:
    lines = _texts(html_lines(make_html(tmp_path / "page.html").read_bytes()))
    assert lines[0] == "# 生成AIの利用について"
    # A source line break between Japanese characters is no space; a <br> inside a clause ends no line
    # (nor one after a word ending in kana); <br> after a name does.
    assert "さくら市では、業務の効率化と市民サービスの向上のため、生成AIを活用しています。" in lines
    assert lines[lines.index("・会議録の要約") + 1] == "・文書の下書き（最終的には職員が確認します）"
    assert "2. 所属長の承認を得る" in lines  # the browser's numbers
    assert "| 中国語 | 対応 |" in lines  # a cell spanning rows holds its value on each
    assert "入力内容の保存期間：90日間保存します。" in lines  # a term and its description
    assert "デジタル推進課" in lines and "電話番号：0123-45-6789" in lines  # the page's contact box is content
    page = "\n".join(lines)
    for furniture in ("本文へ", "文字サイズ", "くらし・手続き", "ホーム", "役に立ちましたか", "先頭へ", "マイナンバー",
                      "開庁時間", "Copyright", "スクリプト", "JavaScript"):  # fmt: skip
        assert furniture not in page


def test_a_pages_main_element_is_all_that_is_read(tmp_path: Path) -> None:
    html = "<html><body><div>サイトの案内文です。</div><main><h1>題</h1><p>本文の段落です。</p></main></body></html>"
    assert _texts(html_lines(html.encode("utf-8"))) == ["# 題", "本文の段落です。"]


def test_a_utf8_page_without_a_declared_encoding_is_read(tmp_path: Path) -> None:
    html = "<html><body><h2>利用の範囲</h2><p>職員は①から③を守る。</p></body></html>"
    assert _texts(html_lines(html.encode("utf-8"))) == ["## 利用の範囲", "職員は①から③を守る。"]


def test_a_saved_web_page_is_cut_at_its_headings(tmp_path: Path) -> None:
    chunks = _chunks(make_html(tmp_path / "page.html"))
    assert "デジタル推進課" in chunks["このページに関するお問い合わせ"]
    assert "90日間保存" in chunks["市の生成AI活用方針 > 利用の手順"]


# --- errors --------------------------------------------------------------------------------------
def _error(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        load_document(path, _meta(path))
    return info.value


@pytest.mark.parametrize(
    ("name", "kind"), [("規程.docx", "Word文書"), ("ルール.xlsx", "Excelブック"), ("研修.pptx", "PowerPointファイル")]
)
def test_a_broken_or_protected_office_file_is_a_clear_error(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # a password-protected file is OLE, not a zip
    assert _error(path).cause.startswith(f"{kind}を読み込めません（ファイルが壊れているか、パスワードで保護されている")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not an office file")
    assert kind in _error(path).cause


def test_an_office_file_without_text_is_empty(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "空.docx"
    docx.Document().save(str(path))
    assert _error(path).cause == MSG_EMPTY
    page = tmp_path / "空.html"
    page.write_text("<html><head><title>t</title><script>x=1</script></head><body><nav>メニュー</nav></body></html>", encoding="utf-8")
    assert _error(page).cause == MSG_EMPTY


@pytest.mark.parametrize(("name", "target"), [("規程.doc", ".docx"), ("表.xlsm", ".xlsx"), ("研修.ppt", ".pptx"), ("記録.msg", ".txt")])
def test_an_older_office_format_names_the_one_to_save_in(tmp_path: Path, name: str, target: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert _error(path).cause == f"この形式（{Path(name).suffix}）は読み込めません。{target} 形式で保存し直してから追加してください"


def test_a_layout_wrapper_named_after_its_menu_and_a_list_named_after_a_product_stay() -> None:
    # A content management system's column holding the content beside a local menu (「column_lnavi」),
    # a definition list describing a chatbot called 「AIナビ」, a contact block wrapped in a form of
    # hidden fields: content. The menu itself (mostly links) and a feedback form: furniture.
    html = """<html><body>
<div id="tmp_wrap_main" class="column_lnavi"><div id="tmp_contents">
<h1>チャットボットについて</h1>
<dl class="ai_navi"><dt>利用時間</dt><dd>24時間365日</dd><dt>利用料金</dt><dd>無料です</dd></dl>
<div id="tmp_inquiry"><form method="post" action="/inquiry"><input type="hidden" name="code" value="1">
<p>デジタル推進課</p><p>電話番号：0987-65-4321</p><p><a href="/form">お問い合わせフォーム</a></p></form></div>
<form action="/feedback"><p>このページの情報は役に立ちましたか？</p><input type="radio" name="q"><input type="submit"></form>
</div>
<div id="tmp_lnavi"><h2>情報化</h2><ul><li><a href="/a">マイナンバー制度</a></li><li><a href="/b">オープンデータ</a></li></ul></div>
</div></body></html>"""
    lines = _texts(html_lines(html.encode("utf-8")))
    assert "利用時間：24時間365日" in lines and "利用料金：無料です" in lines
    assert "電話番号：0987-65-4321" in lines
    page = "\n".join(lines)
    assert "役に立ちましたか" not in page and "マイナンバー制度" not in page and "情報化" not in page


def test_a_table_rows_label_ends_at_the_next_heading(tmp_path: Path) -> None:
    # A table's rows are labelled by their short cells (「【出力の確認】」) under the page's h2; the
    # next h2 is no part of the last row.
    path = tmp_path / "page.html"
    path.write_text(
        "<html><body><h1>生成AIの利用について</h1><h2>ガイドラインの概要</h2><table>"
        "<tr><th>項目</th><th>主な内容</th></tr>"
        "<tr><td>利用前の研修</td><td>生成AIを利用する職員は、事前に研修を受講し、確認テストに合格しなければ利用できません。</td></tr>"
        "<tr><td>出力の確認</td><td>生成AIの回答は誤りを含むことがあるため、職員が事実関係、数値、根拠となる法令を必ず確認します。</td></tr>"
        "</table><h2>外国語への対応</h2><p>英語、中国語、韓国語、ベトナム語での質問と回答に対応しています。</p></body></html>",
        encoding="utf-8",
    )
    chunks = _chunks(path)
    assert "確認テストに合格" in chunks["ガイドラインの概要 > 【利用前の研修】"]
    assert "ベトナム語" in chunks["外国語への対応"]


# --- what office files hold besides plain runs (review of session 31) -----------------------------
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_bytes(build) -> bytes:
    import io

    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_text_inside_insertions_controls_fields_smart_tags_and_nested_tables() -> None:
    from docx.oxml import parse_xml

    def build(d) -> None:
        body = d.element.body
        for xml in (
            '<w:r><w:t>個人情報を</w:t></w:r><w:ins w:id="1" w:author="a"><w:r><w:t>生成AIに</w:t></w:r></w:ins>'
            '<w:del w:id="2" w:author="a"><w:r><w:delText>外部の</w:delText></w:r></w:del><w:r><w:t>入力してはならない。</w:t></w:r>',
            "<w:r><w:t>施行日：</w:t></w:r><w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>令和7年4月1日</w:t></w:r></w:sdtContent></w:sdt>",
            '<w:r><w:t>担当：</w:t></w:r><w:fldSimple w:instr=" DOCPROPERTY Company "><w:r><w:t>情報政策課</w:t></w:r></w:fldSimple>',
            '<w:r><w:t>提出期限は</w:t></w:r><w:smartTag w:element="date"><w:r><w:t>2025年4月10日</w:t></w:r></w:smartTag><w:r><w:t>とする。</w:t></w:r>',
            "<w:r><w:t>職員は、個人情報を生成AIに</w:t><w:br/><w:t>入力してはならない。</w:t></w:r>",  # a line broken by hand
        ):
            body.insert(len(body) - 1, parse_xml(f"<w:p {_W}>{xml}</w:p>"))
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text, table.cell(1, 0).text = "区分", "内容", "連絡先"
        inner = table.cell(1, 1).add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "電話", "03-1234-5678"

    lines = _texts(docx_lines(_docx_bytes(build)))
    assert lines[:5] == ["個人情報を生成AIに入力してはならない。", "施行日：令和7年4月1日", "担当：情報政策課",
                         "提出期限は2025年4月10日とする。", "職員は、個人情報を生成AIに入力してはならない。"]  # fmt: skip
    assert any("電話 03-1234-5678" in line for line in lines)


def test_word_counts_a_numbering_definition_across_its_lists_and_in_tables() -> None:
    from docx.oxml import parse_xml

    def build(d) -> None:
        numbering = d.part.numbering_part.element
        numbering.insert(0, parse_xml(
            f'<w:abstractNum {_W} w:abstractNumId="20"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="第%1条"/></w:lvl></w:abstractNum>'
        ))  # fmt: skip
        for num_id in ("5", "6"):  # two lists drawing on one definition: one count, as Word shows it
            numbering.append(parse_xml(f'<w:num {_W} w:numId="{num_id}"><w:abstractNumId w:val="20"/></w:num>'))

        def numbered(paragraph, num_id: str) -> None:
            paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {_W}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))

        numbered(d.add_paragraph("目的"), "5")
        numbered(d.add_paragraph("定義"), "6")
        cell = d.add_table(rows=1, cols=1).cell(0, 0)
        numbered(cell.paragraphs[0], "5")
        cell.paragraphs[0].add_run("表の中の条")
        numbered(d.add_paragraph("適用範囲"), "6")

    lines = _texts(docx_lines(_docx_bytes(build)))
    assert lines == ["第１条 目的", "第２条 定義", "第３条 表の中の条", "第４条 適用範囲"]


def test_a_page_leaving_out_end_tags_reads_as_a_browser_shows_it() -> None:
    html = ("<html><body><h1>手引き</h1><ol><li>申請書を提出する<li>所属長の承認を得る</ol>"
            "<table><tr><th>区分<th>入力の可否<tr><td>公開情報<td>可<tr><td>個人情報<td>不可</table>"
            "<dl><dt>保存期間<dd>90日間</dl><p>一つめの段落<p>二つめの段落</body></html>")  # fmt: skip
    lines = _texts(html_lines(html.encode("utf-8")))
    assert lines == ["# 手引き", "1. 申請書を提出する", "2. 所属長の承認を得る", "| 区分 | 入力の可否 |", "| 公開情報 | 可 |",
                     "| 個人情報 | 不可 |", "保存期間：90日間", "一つめの段落", "二つめの段落"]  # fmt: skip


def test_an_articles_own_header_note_and_accordion_questions_are_content() -> None:
    html = """<html><body><header id="site"><h1 id="logo"><a href="/"><img alt="さくら市"></a></h1>
<ul><li><a href="/">文字サイズ</a></li></ul></header>
<main><article><header><h1>生成AI利用ガイドライン</h1><p>令和7年4月1日更新</p></header>
<p>職員は個人情報を入力してはならない。</p><aside><p>※違反した場合は利用を停止します。</p></aside>
<h3><button aria-expanded="false">Q. 利用料は誰が払うのですか？</button></h3><div><p>A. 予算で一括契約しています。</p></div>
<ol class="list_none"><li>（1）個人情報</li><li>（2）非公開情報</li></ol></article></main>
<footer><p>さくら市役所</p></footer></body></html>"""
    lines = _texts(html_lines(html.encode("utf-8")))
    assert lines == ["# 生成AI利用ガイドライン", "令和7年4月1日更新", "職員は個人情報を入力してはならない。", "※違反した場合は利用を停止します。",
                     "### Q. 利用料は誰が払うのですか？", "A. 予算で一括契約しています。", "（1）個人情報", "（2）非公開情報"]  # fmt: skip


def test_excel_numbers_read_as_shown_and_hidden_or_empty_rows_are_not_read() -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["項目", "内容", "備考"])
    ws.append(["利用料（月額）", 5000, "各課予算から支出"])
    ws["B2"].number_format = '#,##0"円"'
    ws.append(["補助率", 0.5, ""])
    ws["B3"].number_format = "0%"
    ws.append(["研修費", 3000, ""])
    ws["B4"].number_format = '"¥"#,##0'
    ws.append(["旧ルール（廃止）", "個人アカウント可", "削除予定"])
    ws.row_dimensions[5].hidden = True
    ws["D1"], ws["D2"] = "作業用", "=VLOOKUP(A2,B:C,2)"
    ws.column_dimensions["D"].hidden = True
    ws["AZ200000"].number_format = "0.00"  # a stray formatted cell far below: no rows
    out = io.BytesIO()
    wb.save(out)
    rows = xlsx_lines(out.getvalue())
    assert _texts(rows) == ["| 項目 | 内容 | 備考 |", "| 利用料（月額） | 5,000円 | 各課予算から支出 |", "| 補助率 | 50% |", "| 研修費 | ¥3,000 |"]


def test_a_readers_failure_on_one_file_is_that_files_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(data: bytes) -> list[tuple[int, str]]:
        raise NotImplementedError("Shape instance of unrecognized shape type")

    monkeypatch.setattr("ingest.office.pptx_lines", boom)
    assert _error(make_pptx(tmp_path / "研修.pptx")).cause.startswith("PowerPointファイルを読み込めません")


def test_a_prefectural_cms_pages_faq_contact_title_feedback_form_and_right_menu() -> None:
    # The layout many prefectures' content management systems write: the FAQ a definition list of
    # 「Q　…」/「A　…」, the contact block titled by a <div> named *_ttl, a feedback form with a heading
    # of its own, related links in a right-hand column (rnavi).
    html = """<html><body><div id="tmp_wrap_main" class="column_rnavi"><div id="tmp_contents">
<h1>生成AIについて</h1><p>県の考え方をまとめました。県民の皆さまに知っていただきたいことです。</p>
<div class="box_faq"><h2>よくある質問</h2><dl>
<dt>Q　県のおすすめのサービスはありますか。</dt><dd>A　特定のサービスはおすすめしていません。</dd>
<dt>Q2．子どもが使ってもいいですか。</dt><dd>Ａ：保護者の方と一緒に使ってください。</dd>
</dl></div>
<div id="tmp_inquiry"><div id="tmp_inquiry_ttl"><p>このページに関するお問い合わせ</p></div>
<div id="tmp_inquiry_cnt"><p>デジタル推進課</p><p>受付時間：平日午前8時30分から午後5時15分まで</p></div></div>
<div id="tmp_feedback"><form action="/cgi-bin/feedback.cgi" method="post"><input name="page_id" type="hidden" value="1">
<h2>アンケートにご協力ください</h2><fieldset><legend>このページの情報は役に立ちましたか？</legend>
<input id="a" name="q" type="radio" value="1"><label for="a">役に立った</label></fieldset>
<p><input type="submit" value="送信"></p></form></div>
</div></div>
<div id="tmp_wrap_rnavi"><div id="tmp_rnavi"><h2>関連情報</h2><ul><li><a href="/a">出張相談の日程</a></li><li><a href="/b">DX推進計画</a></li></ul></div></div>
</body></html>"""
    lines = _texts(html_lines(html.encode("utf-8")))
    assert lines[2:7] == ["## よくある質問", "Q. 県のおすすめのサービスはありますか。", "A. 特定のサービスはおすすめしていません。",
                          "Q2. 子どもが使ってもいいですか。", "A. 保護者の方と一緒に使ってください。"]  # fmt: skip
    assert lines[7:] == ["## このページに関するお問い合わせ", "デジタル推進課", "受付時間：平日午前8時30分から午後5時15分まで"]


def test_a_glossary_is_no_faq_and_a_title_in_a_cell_is_no_heading() -> None:
    html = """<html><body><main><h1>用語</h1><dl><dt>QRコード</dt><dd>AIでも読み取れる二次元コード</dd></dl>
<table><tr><th>業務</th><th>可否</th></tr><tr><td><p class="title">議事録</p></td><td><p class="title">要約に使える</p></td></tr></table>
<p class="title">職員は出力を確認する。</p></main></body></html>"""
    lines = _texts(html_lines(html.encode("utf-8")))
    assert lines[1] == "QRコード：AIでも読み取れる二次元コード"
    assert "| 議事録 | 要約に使える |" in lines
    assert lines[-1] == "職員は出力を確認する。"  # a sentence named a title is no heading
