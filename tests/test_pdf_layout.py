"""The generic reader on office PDFs (rendered like a word processor prints them, eval.render_pdf):
what pypdf's text keeps of the page — numbers, table cells, the right margin, repeated headers —
gives back the structure the PDF's fonts showed. Documents written for the tests."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from eval.render_pdf import render_pdf
from guideqa.models import DocumentMeta, LoadedDocument, SourceLine
from ingest.admin_structure import list_items, numbered
from ingest.chunking import build_chunks
from ingest.corpus_edit import document_title
from ingest.loaders import load_document
from ingest.pdf_layout import article_titles, cells, em_width, standalone_headings, table_rows
from ingest.structure import Paragraph, parse_paragraphs

FILLER = "本手順書は、当社の業務で情報を安全に扱うための手順を定めるものであり、全社員に適用する。"


def _read(tmp_path: Path, text: str, *, title: str = "株式会社テスト 情報管理手順書", markdown: bool = True) -> list[Paragraph]:
    pdf = render_pdf(text, tmp_path / "doc.pdf", title=title, markdown=markdown)
    return parse_paragraphs(load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name)))


def _sections(paragraphs: list[Paragraph]) -> dict[str, str]:
    """Each body paragraph's text -> its section path."""
    return {p.text: " > ".join(p.section_path) for p in paragraphs if not p.is_heading}


def test_a_run_of_numbered_lines_is_a_list_not_a_row_of_headings(tmp_path: Path):
    # The Markdown marks are gone in the PDF: 「## 2. …」 and the list's 「2. …」 look alike.
    text = (
        "# 株式会社テスト 情報管理手順書\n\n## 1. 目的\n\n" + FILLER + "\n\n## 2. 持ち出してはいけない情報\n\n"
        "次の情報は、社外に持ち出さないでください。\n\n1. 顧客の設計データ\n2. 試作品の写真\n3. 人事評価の記録\n\n"
        "## 3. 報告\n\n持ち出してしまったときは、直ちに所属長に報告してください。\n"
    )
    sections = _sections(_read(tmp_path, text))
    assert sections["2. 試作品の写真"] == "2. 持ち出してはいけない情報"
    assert sections["1. 顧客の設計データ"] == "2. 持ち出してはいけない情報"
    assert sections["持ち出してしまったときは、直ちに所属長に報告してください。"] == "3. 報告"


def test_kana_items_of_a_text_document_are_a_list():
    lines = ["4 利用できるサービス", "（1）利用できるサービスは、次のとおりとする。", "ア　庁内の生成AI環境", "イ　課長が承認した外部のサービス", "5 研修"]
    texts = [line.replace("\u3000", " ") for line in lines]
    assert list_items(texts) == frozenset({2, 3})
    assert numbered("イ 課長が承認した") == (9, 2) and numbered("3.2 各部門長") == (5, 2) and numbered("(3) 記録") == (7, 3)
    assert numbered("4.1.2 利用計画書") == (6, 2)


def test_a_decimal_sub_number_heads_a_subsection_of_its_section(tmp_path: Path):
    text = (
        "# 株式会社テスト 情報管理手順書\n\n## 3. 役割と責任\n\n### 3.1 情報管理責任者\n\n- 総務部長が務めます\n\n"
        "### 3.2 各部門長\n\n- 部門内の利用状況を把握します\n\n## 4. 教育\n\n全社員が年1回の研修を受けます。\n"
    )
    sections = _sections(_read(tmp_path, text))
    assert sections["・部門内の利用状況を把握します"] == "3. 役割と責任 > 3.2 各部門長"
    assert sections["全社員が年1回の研修を受けます。"] == "4. 教育"


def test_a_pdf_table_row_stays_one_row_of_cells(tmp_path: Path):
    text = (
        "# 株式会社テスト 情報管理手順書\n\n## 1. 業務ごとの可否\n\n| 業務 | 区分 | 承認者 |\n|---|---|---|\n"
        "| 議事録の要約 | 可 | ― |\n| 広告の画像生成 | 要承認 | 総務部長の承認 |\n| 採用選考の判断 | 禁止 | ― |\n\n"
        "表にない業務は、所属長に確認してください。\n"
    )
    body = [p.text for p in _read(tmp_path, text) if not p.is_heading]
    assert "| 広告の画像生成 | 要承認 | 総務部長の承認 |" in body
    assert "表にない業務は、所属長に確認してください。" in body


def test_a_wrapped_last_cell_joins_its_row():
    lines = [
        "サービス名 機密性1 機密性2 備考",
        "庁内AI ○ ○ 仮名加工した",
        "情報に限る",
        "翻訳サービス ○ ×",
        "文書ファイルを含む",
        "備考 ○は入力可、×は入力不可を表す。",
    ]
    rows = table_rows(lines, [False] * len(lines))
    assert rows[1] == ("庁内AI", "○", "○", "仮名加工した情報に限る")
    assert rows[2] is None and rows[4] is None
    assert rows[3] == ("翻訳サービス", "○", "×", "文書ファイルを含む")  # the missing last cell
    assert 5 not in rows
    assert cells("公開済み資料の翻訳 可 DeepL Proを使用") == ["公開済み資料の翻訳", "可", "DeepL Proを使用"]
    # A statute's defined terms are items, not rows.
    assert not table_rows(["一 生成AI 指示に基づき 文章を", "二 職員 知事部局に 勤務する"], [True, True])


def test_a_short_line_set_apart_before_a_list_is_a_heading(tmp_path: Path):
    # 「### 報告先と期限」 prints as a bold line; its text alone follows an unfinished bullet.
    text = (
        "# 株式会社テスト 情報管理手順書\n\n## 8. 事故の報告\n\n次のような場合は、速やかに報告してください。\n\n"
        f"- {FILLER}{FILLER}\n- 未承認のツールが使われているのを見つけた\n\n### 報告先と期限\n\n"
        "- 報告先：所属の部門長\n- 第一報：発覚から24時間以内\n"
    )
    sections = _sections(_read(tmp_path, text))
    assert sections["・未承認のツールが使われているのを見つけた"] == "8. 事故の報告"
    assert sections["・第一報：発覚から24時間以内"] == "8. 事故の報告 > 報告先と期限"
    # After a line that runs to the right margin, the short line ends that paragraph instead.
    assert standalone_headings(["長い行" * 13, "見出し", "・項目"], [False, False, True]) == frozenset()
    assert standalone_headings(["短い行", "見出し", "・項目"] + ["あ" * 40] * 3, [False, False, True, False, False, False]) == {1}
    assert em_width("AI推進") == 3.0


def test_a_two_page_pdf_loses_its_running_header_and_page_numbers(tmp_path: Path):
    body = "\n".join(f"{FILLER[:-1]}（第{i}項）。" for i in range(30))
    pdf = render_pdf(body, tmp_path / "two.pdf", title="テスト町 生成AI利用指針")
    assert len(PdfReader(pdf).pages) == 2
    chunks = build_chunks(load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name)))
    assert chunks and not any("テスト町生成AI利用指針" in c.text.replace(" ", "") or "- 2 -" in c.text for c in chunks)


def test_a_short_last_page_does_not_make_a_document_a_slide_deck(tmp_path: Path):
    # Page 2 opens with a short bullet: in a deck a page's first line is its heading, in a
    # document it is the bullet it reads as.
    lines = [f"{i}　{FILLER}" for i in range(1, 20)] + ["次の記録を保管します。"] + [f"・記録{i}の写し" for i in range(1, 8)]
    pdf = render_pdf("\n".join(lines), tmp_path / "short.pdf", title="テスト町 記録管理要領", markdown=False)
    page_two = (PdfReader(pdf).pages[1].extract_text() or "").split("\n")
    assert len(PdfReader(pdf).pages) == 2 and page_two[1] == "・記録1の写し"
    paragraphs = parse_paragraphs(load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name)))
    assert not any(p.is_heading and p.page_start == 2 for p in paragraphs)
    assert any(p.text == page_two[1] and not p.is_heading for p in paragraphs)


def test_text_documents_keep_their_numbered_headings():
    lines = ["1 目的", FILLER, "2 適用範囲", "（1）職員に適用する。", "（2）委託先にも適用する。", "3 用語"]
    doc = LoadedDocument(
        meta=DocumentMeta(doc_id="t", title="t", file="t.txt"),
        lines=[SourceLine(text=t, line=i) for i, t in enumerate(lines, 1)],
        sha256="0",
    )
    headings = [p.text for p in parse_paragraphs(doc) if p.is_heading]
    assert "2 適用範囲" in headings and "3 用語" in headings and "(1)職員に適用する。" not in headings


def test_the_title_is_read_below_the_running_header(tmp_path: Path):
    # The header is the title's short form; page 1 prints it above the full title.
    body = "社会福祉法人テスト会\n職員のための　AI活用の留意事項（第1版）\n\n" + "\n".join(FILLER for _ in range(40))
    pdf = render_pdf(body, tmp_path / "care.pdf", title="社会福祉法人テスト会 AI活用の留意事項")
    doc = load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name))
    assert document_title(doc, "ファイル名") == "社会福祉法人テスト会 職員のための AI活用の留意事項（第1版）"
    # A header that repeats the title is the title.
    same = render_pdf("テスト町生成AI利用指針\n\n" + "\n".join(FILLER for _ in range(40)), tmp_path / "town.pdf", title="テスト町 生成AI利用指針")
    doc = load_document(same, DocumentMeta(doc_id="t", title="t", file=same.name))
    assert document_title(doc, "ファイル名") == "テスト町 生成AI利用指針"


def _text_body(lines: list[str]) -> list[str]:
    """The body paragraphs of a text file of these lines, read by the generic reader."""
    doc = LoadedDocument(
        meta=DocumentMeta(doc_id="t", title="t", file="t.txt"),
        lines=[SourceLine(text=t, line=i) for i, t in enumerate(lines, 1)],
        sha256="0",
    )
    return [p.text for p in parse_paragraphs(doc) if not p.is_heading]


def test_a_text_file_table_keeps_its_rows_and_cells():
    # A table copied into a text file (みどり県's 別表1): each row one line, cells apart by
    # spaces; they were glued into one paragraph (「サービス名機密性1機密性2…」) before.
    lines = [
        "別表1（第5条関係）",
        "サービス名 機密性1 機密性2 機密性3 個人情報 備考",
        "みどりAI（県専用環境） ○ ○ × △ △は仮名加工した情報に限る",
        "翻訳サービス（DeepL Pro県契約版） ○ ○ × × 文書ファイルの翻訳を含む",
        "備考 ○は入力可、×は入力不可、△は条件付きで入力可を表す。",
    ]
    body = _text_body(["みどり県生成AI利用規程", "第1条 " + FILLER, *lines])
    assert "| 翻訳サービス(DeepL Pro県契約版) | ○ | ○ | × | × | 文書ファイルの翻訳を含む |" in body
    assert not any("機密性1機密性2" in t for t in body)


def test_a_text_file_table_ends_at_a_blank_line_and_prose_is_no_row():
    lines = [
        "第1条 " + FILLER,
        "制定 令和6年4月1日 訓令第3号",
        "改正 令和7年4月1日 訓令第5号",
        "",
        "附則",
        "本市では、業務の効率化のために生成 AI を活用する。ただし、 AI の出力は確認する。",
    ]
    body = _text_body(["みどり市生成AI規程", *lines])
    assert "| 改正 | 令和7年4月1日 | 訓令第5号 |" in body  # not 「訓令第5号附則」
    assert not any(t.startswith("| ") and "ただし" in t for t in body)


def test_an_article_title_set_apart_before_a_wrapped_paragraph_is_a_heading():
    full = "あ" * 26
    lines = ["問い合わせ 環境課 電話 0000-00-0000", "秋の清掃デーのお知らせ", full, "ください。", "■集合 午前9時"]
    starts = [False, False, False, False, True]
    assert article_titles(lines, starts) == {1}
    # Not a line ending a wrapped paragraph, nor one whose next line is an item.
    assert article_titles([full, "秋の清掃デー", full, "ください。"], [False] * 4) == frozenset()
    # A number wrapped alone, or one of a run of rows, is set apart by nothing.
    assert standalone_headings(["・電話", "0000-00-7002", "・次の項目"], [True, False, True]) == frozenset()
    rows = ["7月22日（水） 北部センター", "8月5日（水） 南部センター", "■受付 午前9時"]
    assert standalone_headings(rows, [False, False, True]) == frozenset()
    assert standalone_headings(["・項目", "FAQ", "・次の項目"], [True, False, True]) == {1}
    # A caption, a line in brackets or a date is no article's title.
    for line in ("図1 生成AIの利用の流れ", "（令和6年4月19日 総務省）", "令和7年4月1日"):
        assert article_titles(["短い行。", line, full, "ください。"], [False] * 4) == frozenset(), line


def _newsletter(path: Path) -> Path:
    """A town's newsletter as a word processor sets it: A4, two columns, article titles in bold."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    body = ParagraphStyle("b", fontName="HeiseiKakuGo-W5", fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("t", parent=body, fontSize=12, leading=18, spaceBefore=8)
    width, height = A4
    col = (width - 100) / 2
    frames = [Frame(40, 40, col, height - 80, id="l"), Frame(60 + col, 40, col, height - 80, id="r")]
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate(frames=frames)])
    story = [Paragraph("広報テスト町 10月号", title), Paragraph("発行：テスト町総務課 毎月1日発行。町ホームページでもご覧いただけます。", body)]
    story += [Paragraph("町の窓口でAIの案内を始めます", title)]
    story += [Paragraph("町では、窓口の案内にAIを使います。" * 4, body) for _ in range(3)]
    story += [Paragraph("■入力しないもの", body), Paragraph("住民の氏名や住所は入力しません。" * 3, body)]
    story += [Paragraph("Q AIの答えが間違っていたら、誰に言えばいいのでしょうか？", body), Paragraph("A 総務課にご連絡ください。", body)]
    story += [Paragraph("Q AIが作った案内文を、印刷して配ってもよいのでしょうか。", body), Paragraph("A 職員が確認したものは配ります。", body)]
    story += [Paragraph("問い合わせ 総務課 電話 0000-00-0000", body), Paragraph("秋の清掃デーのお知らせ", title)]
    story += [Paragraph("今年も町内の一斉清掃を行います。軍手とごみ袋は町内会で配ります。" * 2, body)]
    story += [Paragraph("■集合 10月5日（日）午前9時 各町内の集会所前", body)]
    doc.build(story)
    return path


def test_a_two_column_newsletter_is_read_as_its_articles(tmp_path: Path):
    pdf = _newsletter(tmp_path / "news.pdf")
    paragraphs = parse_paragraphs(load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name)))
    headings = [" > ".join(p.section_path) for p in paragraphs if p.is_heading]
    # The second article's title ends the first article with its marked part and its Q&A.
    assert "秋の清掃デーのお知らせ" in headings
    assert "町の窓口でAIの案内を始めます > 入力しないもの" in headings
    # A question wrapped in the narrow column is one heading, its answer below it.
    questions = [h for h in headings if "Q." in h]
    assert questions and questions[0].endswith("誰に言えばいいのでしょうか?")
    assert len(questions) == 2 and questions[1].endswith("印刷して配ってもよいのでしょうか。")
    sections = _sections(paragraphs)
    assert any(s == "秋の清掃デーのお知らせ" and "一斉清掃" in t for t, s in sections.items())


def _regulation_with_table(path: Path) -> Path:
    """A company's rules as a word processor saves them to PDF: articles in full-width prose, then a
    ruled 別表 whose cells wrap within their column."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))
    body = ParagraphStyle("b", fontName="HeiseiMin-W3", fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("c", parent=body, fontSize=9, leading=12)
    story = [Paragraph("（入力してはならない情報）", body)]
    story += [Paragraph("第8条　利用者は、次に掲げる情報を生成AIに入力してはならない。ただし、別表に定める区分に従い、情報を加工したうえで入力する場合は、この限りでない。" * 2, body)]
    story += [Paragraph("（出力の確認）", body)]
    story += [Paragraph("第9条　利用者は、生成物を業務に用いる前に、その内容の正確性及び妥当性を自ら確認しなければならない。" * 3, body)]
    story += [Paragraph("別表　入力する情報の区分（第8条関係）", body)]
    rows = [
        ("区分", "入力してよい情報", "入力してはいけない情報"),
        ("顧客に関する情報", "氏名を「A社」等に置き換えた問い合わせの内容", "顧客の氏名・連絡先、取引先から受けた秘密の情報"),
        ("技術情報", "公開済みの規格、一般的な技術用語の説明", "設計図面、製造条件、不良解析のデータ"),
    ]
    table = Table([[Paragraph(c, cell) for c in r] for r in rows], colWidths=[90, 180, 180])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    story += [table, Paragraph("備考　判断に迷うときは所属長に相談すること。", body)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_the_lines_of_a_ruled_tables_cells_are_not_run_together_into_one_paragraph(tmp_path: Path):
    pdf = _regulation_with_table(tmp_path / "rules.pdf")
    paragraphs = parse_paragraphs(load_document(pdf, DocumentMeta(doc_id="t", title="t", file=pdf.name)))
    table = [p.text for p in paragraphs if not p.is_heading and p.section_path and p.section_path[0].startswith("別表")]
    # Each cell's printed line stands on its own (quotable), no paragraph runs the cells together.
    assert any(t.startswith("氏名を「A社」等に置き換えた") for t in table), table
    assert all("入力してよい情報入力してはいけない情報" not in t for t in table)
    # The article's prose, wrapped at the margin, is still one paragraph.
    article = [p.text for p in paragraphs if not p.is_heading and "第8条" in p.text]
    assert article and "ただし、別表に定める区分に従い、情報を加工したうえで入力する場合は" in article[0]
