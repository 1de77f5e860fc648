"""Files in the formats older offices keep, for the tests: an Excel 97-2003 workbook written with
xlwt (a title merged across, a 分類 merged down, a cell broken by Alt+Enter, a hidden column, row and
sheet, a date and an amount), a 規程 saved by Word as rich text (code page 932, Japanese as Shift_JIS
byte escapes and as \\u escapes with their fallbacks, fonts switched by \\dbch, a heading style named
in Japanese, a footnote, Word's list numbers, a table with a two-paragraph cell, a tracked deletion,
page header and footer) and a prefecture's page saved by Chromium as one file (MHTML)."""

from __future__ import annotations

import datetime
import quopri
from pathlib import Path


def make_xls(path: Path) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    faq = book.add_sheet("Q&A")
    faq.write_merge(0, 0, 0, 5, "生成AI利用に関するQ&A（職員向け）")
    for column, name in enumerate(["No", "分類", "質問", "回答", "内部メモ", "担当"]):
        faq.write(2, column, name)
    faq.write_merge(3, 4, 1, 1, "利用の範囲")
    faq.write(3, 0, 1)
    faq.write(3, 2, "使ってよい生成AIは何ですか。")
    faq.write(3, 3, "市が契約したAIアシスタントだけです。\n※無料の外部サービスは使えません。")
    faq.write(3, 4, "来年度は別製品を検討中（非公開）")
    faq.write(3, 5, "情報政策課")
    faq.write(4, 0, 2)
    faq.write(4, 2, "自宅のパソコンから使えますか。")
    faq.write(4, 3, "使えません。庁内の端末からだけ利用できます。")
    faq.col(4).hidden = True
    tasks = book.add_sheet("利用可否一覧")
    for column, name in enumerate(["業務", "可否", "適用開始日", "上限"]):
        tasks.write(0, column, name)
    tasks.write(1, 0, "議事録の要約")
    tasks.write(1, 1, "○")
    tasks.write(1, 2, datetime.date(2026, 7, 1), xlwt.easyxf(num_format_str="yyyy/m/d"))
    tasks.write(1, 3, 5000, xlwt.easyxf(num_format_str='#,##0"円"'))
    tasks.write(2, 0, "採用面接の評価（取りやめ）")
    tasks.row(2).hidden = True
    tasks.write(3, 0, "翻訳")
    tasks.write(3, 1, "△")
    tasks.write(3, 2, datetime.date(2026, 10, 1), xlwt.easyxf(num_format_str="yyyy/m/d"))
    old = book.add_sheet("旧版")
    old.write(0, 0, "無料の外部サービスも使ってよい。")
    old.visibility = 1  # hidden
    book.save(str(path))
    return path


def _sjis(text: str) -> str:
    return "".join(f"\\'{b:02x}" for b in text.encode("cp932"))


def _u(text: str) -> str:
    return "".join(f"\\u{ord(ch)}{_sjis(ch)}" for ch in text)


def rtf_text() -> str:
    s = _sjis
    return (
        r"{\rtf1\adeflang1025\ansi\ansicpg932\uc2\adeff0\deff0\stshfdbch11\stshfloch0"
        r"{\fonttbl{\f0\froman\fcharset0\fprq2 Century;}{\f11\fmodern\fcharset128\fprq1 " + s("ＭＳ 明朝") + r";}}"
        r"{\colortbl;\red0\green0\blue0;}"
        r"{\stylesheet{\ql \widctlpar\loch\f0\hich\af0\dbch\af11 \snext0 \sqformat \spriority0 Normal;}"
        r"{\s1\ql \keepn\outlinelevel0\loch\f0\hich\af0\dbch\af11 \sbasedon0 \snext0 \sqformat " + s("見出し 1") + r";}"
        r"{\*\cs10 \additive \ssemihidden Default Paragraph Font;}}"
        r"{\info{\title AI}{\author " + s("情報管理室") + r"}}"
        r"{\header \pard\plain " + s("院内規程　取扱注意") + r"\par}"
        r"{\footer \pard\plain {\field{\*\fldinst PAGE}{\fldrslt 1}}\par}"
        "\r\n"
        r"\pard\plain \qc \loch\af0\hich\af0\dbch\af11 {\b " + s("みなと病院 生成AI利用規程") + r"}\par" "\r\n"
        r"\pard\plain \s1\ql\outlinelevel0 {\loch\af0\hich\af0\dbch\af11 " + s("第１条（目的）") + r"}\par" "\r\n"
        r"\pard\plain {\loch\af0\hich\af0\dbch\af11 " + s("この規程は、") + _u("生成") + s("AIの利用について定める。")
        + r"{\cs17\super \chftn {\footnote \pard\plain {\cs17\super \chftn }"
        + s("要配慮個人情報とは、病歴を含む個人情報をいう。") + r"\par}}" + s("職員はこれに従う。") + r"}\par" "\r\n"
        r"{\listtext\pard\plain 1.\tab}\pard\plain \ls1 " + s("院内文書の下書き") + r"\par" "\r\n"
        r"{\listtext\pard\plain 2.\tab}\pard\plain \ls1 " + s("論文の要約") + r"\par" "\r\n"
        r"\pard\plain {\deleted\revauthdel1 " + s("外部の無料サービスも使える。") + r"}" + s("院内のAIだけを使う。") + r"\par" "\r\n"
        r"\trowd \irow0\cellx3000\cellx6000\pard\plain \intbl " + s("区分") + r"\cell " + s("利用してよい業務")
        + r"\cell \pard\plain \intbl {\trowd\irow0\cellx3000\cellx6000\row }" "\r\n"
        r"\trowd \irow1\cellx3000\cellx6000\pard\plain \intbl " + s("看護師") + r"\cell " + s("記録の下書き") + r"\par "
        + s("研修資料の作成") + r"\cell \pard\plain \intbl {\trowd\irow1\cellx3000\cellx6000\row }" "\r\n"
        r"\pard\plain " + s("附則") + r"\par" "\r\n"
        r"\pard\plain " + s("この規程は、令和8年10月1日から施行する。") + r"\par" "\r\n"
        "}"
    )


def make_rtf(path: Path) -> Path:
    path.write_bytes(rtf_text().encode("ascii"))
    return path


_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>生成AIの上手な使い方｜あおば県</title></head><body>
<header id="header"><a href="/"><img src="logo.png" alt="あおば県"></a><ul><li><a href="#">文字サイズ</a></li><li><a href="#">Foreign Language</a></li></ul></header>
<nav id="gnavi"><ul><li><a href="#">くらし・環境</a></li><li><a href="#">健康・福祉</a></li></ul></nav>
<div id="pankuzu"><a href="/">ホーム</a> &gt; <a href="#">県政情報</a> &gt; 生成AIの上手な使い方</div>
<main><h1>生成AIの上手な使い方</h1><p>更新日：2026年8月20日</p>
<h2>気をつけること</h2><ul><li>個人情報やマイナンバーを入力しないでください。</li><li>お子さんが使うときは保護者の方と一緒に使いましょう。</li></ul>
<dl><dt>ハルシネーション</dt><dd>生成AIがもっともらしい誤りを答えることです。</dd></dl>
<div class="contact"><h2>お問い合わせ</h2><p>デジタル推進課　電話：000-000-0000（平日8時30分から17時15分）</p></div>
</main>
<form class="questionnaire"><p>このページの情報は役に立ちましたか？</p><input type="radio" name="q"></form>
<footer>〒000-0000 あおば県中央1-1　Copyright © あおば県</footer></body></html>"""


def mhtml_bytes(page: str = _PAGE) -> bytes:
    body = quopri.encodestring(page.encode("utf-8")).decode("ascii")
    text = (
        "From: <Saved by Blink>\n"
        "Snapshot-Content-Location: https://www.pref.aoba.lg.jp/page/12345.html\n"
        "Subject: =?utf-8?Q?=E7=94=9F=E6=88=90AI=E3=81=AE=E4=B8=8A=E6=89=8B=E3=81=AA=E4=BD=BF=E3=81=84=E6=96=B9?=\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0900\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/related;\n\ttype="text/html";\n\tboundary="----MultipartBoundary--x1----"\n\n\n'
        "------MultipartBoundary--x1----\n"
        "Content-Type: text/css\nContent-Transfer-Encoding: quoted-printable\n"
        "Content-Location: https://www.pref.aoba.lg.jp/css/style.css\n\n"
        "main { color: #333; } /* =E3=81=82 */\n"
        "------MultipartBoundary--x1----\n"
        "Content-Type: text/html\nContent-ID: <frame-1@mhtml.blink>\nContent-Transfer-Encoding: quoted-printable\n"
        "Content-Location: https://www.pref.aoba.lg.jp/page/12345.html\n\n"
        f"{body}\n"
        "------MultipartBoundary--x1----\n"
        "Content-Type: image/png\nContent-Transfer-Encoding: base64\n"
        "Content-Location: https://www.pref.aoba.lg.jp/logo.png\n\n"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"
        "------MultipartBoundary--x1------\n"
    )
    return text.replace("\n", "\r\n").encode("ascii")
