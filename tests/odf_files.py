"""OpenDocument files built as LibreOffice 7 writes them (a zip whose first entry is the stored
``mimetype``, content.xml with automatic styles, styles.xml holding the page header and footer),
for tests of ingest.open_document. Written from the OpenDocument 1.3 schema and Writer's own
output, not from any evaluation document."""

from __future__ import annotations

import zipfile
from pathlib import Path

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3"'
)


def _manifest(mimetype: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )


def write_odf(path: Path, mimetype: str, body: str, automatic_styles: str = "", styles: str = "") -> Path:
    """A package holding ``body`` (the office:text or office:spreadsheet element) in content.xml."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS}>'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles><office:body>{body}</office:body>"
        "</office:document-content>"
    )
    styles_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_NS}><office:styles>{styles}</office:styles>'
        '<office:master-styles><style:master-page style:name="Standard">'
        "<style:header><text:p>さくらだ町　総務課　取扱注意</text:p></style:header>"
        '<style:footer><text:p><text:page-number text:select-page="current">1</text:page-number></text:p></style:footer>'
        "</style:master-page></office:master-styles></office:document-styles>"
    )
    meta = f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_NS}><office:meta><meta:generator>LibreOffice/7.6</meta:generator></office:meta></office:document-meta>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", _manifest(mimetype))
        z.writestr("content.xml", content)
        z.writestr("styles.xml", styles_xml)
        z.writestr("meta.xml", meta)
    return path


ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

_LIST_STYLES = (
    # 「1.」 then 「(1)」 under it; a bulleted list.
    '<text:list-style style:name="L1">'
    '<text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>'
    '<text:list-level-style-number text:level="2" style:num-prefix="(" style:num-suffix=")" style:num-format="1"/>'
    "</text:list-style>"
    '<text:list-style style:name="L2"><text:list-level-style-bullet text:level="1" text:bullet-char="●"/></text:list-style>'
    '<text:list-style style:name="L3"><text:list-level-style-number text:level="1" style:num-format="①, ②, ③, ..."/></text:list-style>'
)


def make_odt(path: Path) -> Path:
    """A town's AI guideline as Writer saves it: chapter and article headings, lists numbered by
    their style, a footnote in a sentence, a table, tracked changes, a comment, ruby, a frame."""
    body = (
        "<office:text>"
        '<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>'
        "<text:tracked-changes>"
        '<text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>総務課</dc:creator></office:change-info>'
        "<text:p>旧規定では個人のアカウントも使えた。</text:p></text:deletion></text:changed-region>"
        "</text:tracked-changes>"
        '<text:table-of-content text:name="目次1"><text:index-body><text:p>第1章　総則<text:tab/>1</text:p></text:index-body></text:table-of-content>'
        '<text:p text:style-name="Title">さくらだ町生成AI利用ガイドライン</text:p>'
        '<text:h text:style-name="Heading_20_1" text:outline-level="1">第1章　総則</text:h>'
        '<text:h text:style-name="Heading_20_2" text:outline-level="2">第1条（目的）</text:h>'
        '<text:p text:style-name="P1"><text:bookmark text:name="目的"/>この<text:span text:style-name="T1">ガイドライン</text:span>は、'
        "職員が生成AIを<text:change text:change-id=\"ct1\"/>安全に使うために<text:soft-page-break/>必要な事項を定める。</text:p>"
        '<text:h text:outline-level="2">第2条（入力してはいけない情報）</text:h>'
        "<text:p>職員は、次の情報を生成AIに入力してはならない。</text:p>"
        '<text:list xml:id="list1" text:style-name="L1">'
        "<text:list-item><text:p>個人情報<text:note text:id=\"ftn1\" text:note-class=\"footnote\"><text:note-citation>1</text:note-citation>"
        "<text:note-body><text:p>住民の氏名、住所、電話番号のほか、職員の人事情報を含む。</text:p></text:note-body></text:note>"
        "（住民及び職員のもの）</text:p>"
        "<text:list><text:list-item><text:p>マイナンバー</text:p></text:list-item>"
        "<text:list-item><text:p>税情報</text:p></text:list-item></text:list></text:list-item>"
        "<text:list-item><text:p>非公開の行政情報</text:p></text:list-item>"
        "</text:list>"
        '<text:p>議事録の要約は<text:ruby><text:ruby-base>課長</text:ruby-base><text:ruby-text>かちょう</text:ruby-text></text:ruby>の'
        '承認を得て行う。<office:annotation><dc:creator>総務課</dc:creator><text:p>要確認：承認の様式</text:p></office:annotation>'
        "</text:p>"
        '<text:list text:style-name="L2"><text:list-item><text:p>出力は職員が事実確認する。</text:p></text:list-item></text:list>'
        '<text:list text:style-name="L3"><text:list-item><text:p>総務課情報係へ報告<text:s text:c="2"/>（内線<text:tab/>213）</text:p></text:list-item>'
        "<text:list-item><text:p>課長が町長に報告<text:line-break/>する。</text:p></text:list-item></text:list>"
        '<text:p>連絡先は右のとおり。<draw:frame draw:name="枠1" text:anchor-type="paragraph" svg:width="5cm">'
        "<draw:text-box><text:p>問い合わせ：総務課情報係</text:p></draw:text-box></draw:frame></text:p>"
        '<text:h text:outline-level="1">別表　利用できる業務</text:h>'
        '<table:table table:name="表1"><table:table-column table:number-columns-repeated="3"/>'
        "<table:table-header-rows><table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>業務</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>利用の可否</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>条件</text:p></table:table-cell>'
        "</table:table-row></table:table-header-rows>"
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>文書の下書き</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>可</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>事実確認をする</text:p><text:p>住民向けは課長の決裁</text:p></table:table-cell>'
        "</table:table-row>"
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>住民への回答</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>不可</text:p></table:table-cell>'
        "<table:table-cell/></table:table-row>"
        "</table:table>"
        "</office:text>"
    )
    return write_odf(path, ODT, body, automatic_styles=_LIST_STYLES)


def _cell(text: str, attrs: str = "") -> str:
    return f'<table:table-cell office:value-type="string" {attrs}><text:p>{text}</text:p></table:table-cell>'


def make_ods(path: Path) -> Path:
    """A city's plan as Calc saves it: typed cells showing their text, a cell spanning two columns,
    a group label merged down, the empty run to the sheet's edge, a hidden row, a hidden sheet."""
    edge_cells = '<table:table-cell table:number-columns-repeated="1018"/>'
    edge_rows = '<table:table-row table:number-rows-repeated="1048550"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    plan = (
        '<table:table table:name="取組一覧" table:style-name="ta1">'
        '<table:table-column table:number-columns-repeated="4"/><table:table-column table:visibility="collapse"/>'
        '<table:table-column table:number-columns-repeated="1019"/>'
        "<table:table-row>" + _cell("No") + _cell("取組名") + _cell("概要") + _cell("開始時期") + _cell("内部メモ") + edge_cells + "</table:table-row>"
        '<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
        + _cell("子育て相談チャットボット")
        + '<table:table-cell office:value-type="string"><text:p>24時間受け付ける。</text:p><text:p>答えられない質問は翌開庁日に職員が回答する。</text:p></table:table-cell>'
        '<table:table-cell office:value-type="date" office:date-value="2026-04-01"><text:p>2026年4月</text:p></table:table-cell>'
        + _cell("未定")
        + edge_cells
        + "</table:table-row>"
        '<table:table-row table:visibility="collapse">' + _cell("99") + _cell("検討中の取組") + edge_cells + "</table:table-row>"
        '<table:table-row><table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p></table:table-cell>'
        + _cell("道路損傷のAI画像検知", 'table:number-columns-spanned="2"')
        + "<table:covered-table-cell/>"
        '<table:table-cell office:value-type="date" office:date-value="2026-10-01"><text:p>2026年10月</text:p></table:table-cell>'
        + edge_cells
        + "</table:table-row>"
        + edge_rows
        + "</table:table>"
    )
    roles = (
        '<table:table table:name="推進体制" table:style-name="ta1">'
        '<table:table-column table:number-columns-repeated="1024"/>'
        "<table:table-row>" + _cell("区分") + _cell("役割") + _cell("内容") + edge_cells + "</table:table-row>"
        "<table:table-row>" + _cell("全庁", 'table:number-rows-spanned="2"') + _cell("CIO") + _cell("副市長が務める") + edge_cells + "</table:table-row>"
        "<table:table-row><table:covered-table-cell/>" + _cell("AI推進本部") + _cell("年4回開く") + edge_cells + "</table:table-row>"
        + edge_rows
        + "</table:table>"
    )
    hidden = '<table:table table:name="作業用" table:style-name="ta2"><table:table-row>' + _cell("作業用のメモ") + _cell("非表示") + "</table:table-row></table:table>"
    styles = (
        '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
        '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
    )
    return write_odf(path, ODS, f"<office:spreadsheet>{plan}{roles}{hidden}</office:spreadsheet>", automatic_styles=styles)
