"""Office files for the tests, written by the libraries an office's own files are read with: a Word
規程 (heading styles, hand-typed articles, an automatically numbered list, a table with a cell merged
down, a page header, a text box, a table of contents), an Excel workbook (a cover sheet, a register
with its 区分 merged down and cells broken by Alt+Enter, an FAQ sheet, a hidden sheet) and a city's
web page saved from a browser in Shift_JIS (site header, menus, breadcrumb, feedback form, footer), a
PowerPoint deck (a title slide, bullets with speaker notes, a table, a hidden slide)."""

from __future__ import annotations

import datetime
from pathlib import Path

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_docx(path: Path) -> Path:
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "内部規程（取扱注意）"
    d.add_paragraph("さくら市生成AI利用規程")
    d.add_paragraph("令和7年4月1日制定")
    toc = d.add_paragraph("第1章 総則 ………… 1")
    toc.style = d.styles.add_style("TOC 1", 1)
    d.add_heading("第1章 総則", level=1)
    d.add_paragraph().add_run("第1条（目的）").bold = True
    d.add_paragraph("この規程は、職員が生成AIを利用する際の基本的な事項を定めることにより、業務の効率化と情報の適正な管理を図ることを目的とする。")
    d.add_paragraph().add_run("第2条（入力禁止情報）").bold = True
    d.add_paragraph("職員は、次に掲げる情報を生成AIに入力してはならない。")
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {_W_NS} w:abstractNumId="10">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%1"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="aiueoFullWidth"/><w:lvlText w:val="(%2)"/></w:lvl>'
        "</w:abstractNum>"
    ))  # fmt: skip
    numbering.append(parse_xml(f'<w:num {_W_NS} w:numId="10"><w:abstractNumId w:val="10"/></w:num>'))
    for text, level in (("市民の個人情報（氏名、住所、電話番号等）", 0), ("特定個人情報（マイナンバー）", 1),
                        ("非公開の行政情報", 0), ("職員の人事に関する情報", 0)):  # fmt: skip
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {_W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="10"/></w:numPr>'
        ))  # fmt: skip
    d.add_paragraph("2 前項の規定にかかわらず、情報政策課長が認めた場合はこの限りでない。")
    d.add_heading("第2章 利用の手続", level=1)
    d.add_paragraph().add_run("第3条（利用申請）").bold = True
    p = d.add_paragraph("生成AIを利用しようとする職員は、所属長を経て、利用開始の10日前までに情報政策課に申請しなければならない。")
    p._p.append(parse_xml(
        f'<w:r {_W_NS}><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>'
        "<w:txbxContent><w:p><w:r><w:t>申請様式は庁内ポータルに掲載</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r>"
    ))  # fmt: skip
    d.add_paragraph("別表（情報の区分と入力の可否）")
    table = d.add_table(rows=4, cols=3)
    for i, row in enumerate([["区分", "例", "入力の可否"], ["公開情報", "広報誌、ホームページの掲載文", "可"],
                             ["非公開情報", "会議メモ、検討資料", "不可"], ["", "人事評価", "不可"]]):  # fmt: skip
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    table.cell(2, 0).merge(table.cell(3, 0)).text = "非公開情報"
    d.add_paragraph("附則")
    d.add_paragraph("この規程は、令和7年4月1日から施行する。")
    d.save(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "表紙"
    ws["B2"] = "さくら高校 生成AI利用ルール（教職員用）"
    ws["B4"] = "改訂日"
    ws["C4"] = datetime.datetime(2026, 4, 1)
    ws = wb.create_sheet("利用ルール")
    ws["A1"] = "生成AI利用ルール一覧"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["No", "区分", "項目", "内容", "担当"])
    for row in (
        [1, "利用申請", "アカウントの申請", "ICT推進委員会へ申請する。\n・発行まで3営業日かかります\n・異動時は再申請", "ICT推進委員会"],
        [2, None, "利用できるツール", "学園契約の「さくらAI」のみ利用できる。個人契約のサービスは使用しないこと。", "ICT推進委員会"],
        [3, "情報の取扱い", "入力禁止", "生徒の個人情報、成績、指導記録は入力しない。保護者の連絡先も同様とする。", "教務部"],
        [4, None, "定期考査", "定期考査の問題作成に使う場合は、教科主任の確認を受けること。", "教科主任"],
    ):
        ws.append(row)
    ws.merge_cells("B4:B5")
    ws.merge_cells("B6:B7")
    ws.append([])
    ws.append(["※不明な点はICT推進委員会に問い合わせること。"])
    ws = wb.create_sheet("よくある質問")
    ws.append(["No", "質問", "回答", "関連項目"])
    ws.append([1, "生徒に使わせてもいいですか？", "高校2年生以上であれば、授業で利用できます。\n事前に保護者へ通知してください。", "No.2"])
    ws.append([2, "レポートにAIを使った生徒はどうする？", "AIの利用を申告させてください。AI判定ツールの結果だけで不正と判断しないこと。", None])
    hidden = wb.create_sheet("作業用")
    hidden["A1"] = "内部メモ：来年度の見直し案"
    hidden.sheet_state = "hidden"
    wb.save(str(path))
    return path


PAGE = """<!DOCTYPE html>
<html lang="ja">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>生成AIの利用について｜さくら市</title>
<style>body{font-size:100%}</style>
<script>var banner = "<p>スクリプトの文字列</p>";</script>
</head>
<body>
<div id="tmp_wrapper">
<noscript><p>JavaScriptを有効にしてください</p></noscript>
<p id="tmp_skip"><a href="#tmp_contents">本文へ</a></p>
<div id="tmp_header"><img src="logo.png" alt="さくら市"><ul><li><a href="#">文字サイズ 標準</a></li><li><a href="#">拡大</a></li></ul></div>
<div id="tmp_gnavi"><ul><li><a href="#">くらし・手続き</a></li><li><a href="#">子育て・教育</a></li></ul></div>
<div id="tmp_pankuzu"><a href="/">ホーム</a> &gt; <a href="#">市政情報</a> &gt; 生成AIの利用について</div>
<div id="tmp_contents">
<h1>生成AIの利用について</h1>
<p class="update">ページ番号1012345　更新日：2026年4月1日</p>
<h2>市の生成AI活用方針</h2>
<p>さくら市では、業務の効率化と市民サービスの向上のため、
生成AIを活用しています。</p>
<h3>活用する業務</h3>
<ul>
<li>会議録の要約</li>
<li>文書の下書き<br>（最終的には職員が確認します）</li>
</ul>
<h3>利用の手順</h3>
<ol>
<li>研修を受講する</li>
<li>所属長の承認を得る</li>
</ol>
<table>
<caption>対応言語</caption>
<tr><th>言語</th><th>対応状況</th></tr>
<tr><td>英語</td><td rowspan="2">対応</td></tr>
<tr><td>中国語</td></tr>
</table>
<dl><dt>入力内容の保存期間</dt><dd>90日間保存します。</dd></dl>
<div id="tmp_inquiry"><h2>このページに関するお問い合わせ</h2><p>デジタル推進課<br>電話番号：0123-45-6789</p></div>
<form><p>このページの情報は役に立ちましたか？</p><input type="radio" name="q">役に立った</form>
<p class="pagetop"><a href="#tmp_header">このページの先頭へ</a></p>
</div>
<div id="tmp_side"><h2>情報化</h2><ul><li><a href="#">マイナンバー</a></li></ul></div>
<div id="tmp_footer"><p>さくら市役所 〒100-0001 さくら市中央1-1-1 開庁時間：8時30分から17時15分</p><p>Copyright (c) Sakura City ①</p></div>
</div>
</body></html>
"""


def make_html(path: Path) -> Path:
    path.write_bytes(PAGE.encode("cp932"))
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = "生成AI研修"
    slide.placeholders[1].text = "令和8年度 新任職員研修\n情報政策課"
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "入力してはいけない情報"
    frame = slide.placeholders[1].text_frame
    frame.text = "住民の個人情報"
    paragraph = frame.add_paragraph()
    paragraph.text, paragraph.level = "非公開の会議資料", 1
    slide.notes_slide.notes_text_frame.text = "迷ったら情報政策課に相談してください。"
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "申請の流れ"
    table = slide.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for i, row in enumerate([["手順", "内容", "期限"], ["1", "所属長の承認", "利用開始の10日前まで"],
                             ["2", "情報政策課へ申請", "承認後すみやかに"]]):  # fmt: skip
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "来年度の検討メモ"
    slide._element.set("show", "0")  # a hidden slide
    deck.save(str(path))
    return path
