"""ui.render: escaping (XSS / Markdown injection), highlighting, answer and checklist exports."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from guideqa.models import Citation, Passage
from guideqa.records import AskResponse, Checklist, ChecklistItem, RoleTopics, Topic, TopicMenu
from ui import render as r

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "![p](http://evil.example/p.png)",
    "<a href='javascript:alert(1)'>a</a>",
    "<https://evil.example>",
    "**太字** _斜体_ `code` $x^2$ :red[赤] ~~消~~ | a | b |",
    "# 見出し\n- 箇条書き\n1) 番号\n> 引用\n---\n    コード",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


def md_to_html(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    # html=True: even a renderer that lets raw HTML through must get nothing from escaped text.
    return str(markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(markdown))


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


# --- escaping ---------------------------------------------------------------------------
@pytest.mark.parametrize("attack", ATTACKS)
def test_escaped_markdown_renders_only_paragraph_text(attack: str):
    html = md_to_html(r.escape_markdown(attack))
    assert {tag for tag, _ in tags_of(html)} <= {"p", "br"}, html
    assert "<script" not in html and "<img" not in html and "<a " not in html


def test_escaped_markdown_keeps_the_text_readable():
    text = "AI利用者は、（「4）プライバシー保護」）U-4) i. に従う。"
    assert r.escape_markdown(text) == text  # Japanese prose is untouched
    html = md_to_html(r.escape_markdown("<b>x</b> [1]"))
    assert "&lt;b&gt;x&lt;/b&gt; [1]" in html


def test_streamlit_directives_and_math_are_escaped():
    out = r.escape_markdown(":red[警告] $E=mc^2$ :blue-badge[x]")
    assert ":red[" not in out and ":blue-badge[" not in out
    assert "\\$" in out


@pytest.mark.parametrize("attack", ATTACKS)
def test_highlight_html_is_inert(attack: str):
    html = r.highlight_html(attack + "\n2行目", quotes=[attack[:10]])
    for tag, attrs in tags_of(html):
        assert tag in {"mark", "br"}
        assert set(attrs) <= {"class", "style"}
    assert "<script" not in html and "<img" not in html and "<a " not in html


def test_passage_block_is_inert_including_label():
    html = r.passage_block_html("<script>x</script>", label="<img src=x onerror=alert(1)>")
    assert {tag for tag, _ in tags_of(html)} <= {"div", "br"}
    assert "onerror" not in [k for _, attrs in tags_of(html) for k in attrs]


def test_answer_line_badges_only_for_trailing_refs():
    assert r.answer_line_md("注意を払う（「4）プライバシー保護」） [1] [2]") == (
        "注意を払う（「4）プライバシー保護」） :blue-badge[1] :blue-badge[2]"
    )
    assert r.answer_line_md("<b>x</b> [3]") == "\\<b>x\\</b> :blue-badge[3]"
    assert r.split_refs("参照 [1] 文 [2]") == ("参照 [1] 文", [2])


# --- highlighting -----------------------------------------------------------------------
def test_highlight_matches_across_line_breaks_and_width_variants():
    text = "前文。\nAIシステム・サービスへ個人情報を\n不適切に入力しない（「４）プライバシー保護」）\n後文。"
    quote = "AIシステム・サービスへ個人情報を不適切に入力しない（「4）プライバシー保護」）"
    spans = r.find_quote_spans(text, [quote])
    assert len(spans) == 1
    s, e = spans[0]
    assert text[s:e].startswith("AIシステム") and text[s:e].endswith("保護」）")
    html = r.highlight_html(text, [quote])
    assert html.count("<mark") == 1 and "<br>" in html
    assert html.startswith("前文。<br><mark")


def test_highlight_falls_back_to_sentence_pieces():
    text = "AIの出力を確認する。次に人間が判断する。関係ない文。"
    quote = "前提について: AIの出力を確認する。次に人間が判断する。"
    spans = r.find_quote_spans(text, [quote])
    assert spans == [(0, len("AIの出力を確認する。次に人間が判断する。"))]


def test_highlight_without_match_or_quotes_is_plain_escaped_text():
    assert r.highlight_html("a<b", ["存在しない文です。"]) == "a&lt;b"
    assert r.find_quote_spans("abc", []) == []
    assert r.find_quote_spans("abc", [""]) == []


def test_overlapping_quotes_are_merged():
    text = "一二三四五六七八九十一二三四五六七八九十"
    assert r.find_quote_spans(text, ["一二三四五六七八九十一二", "九十一二三四五六七八"]) == [(0, 18)]


# --- answer -> Markdown -----------------------------------------------------------------
def citation(**kw: object) -> Citation:
    base: dict[str, object] = dict(
        number=1,
        id="guideline-1",
        doc_id="guideline",
        title="AI事業者ガイドライン（第1.0版）",
        status="current",
        version="第1.0版",
        date="2024-04-19",
        section="本編 > 第5部 > U-4) i. 個人情報",
        section_path=["本編", "第5部", "U-4) i. 個人情報", "[ポイント]"],
        item_codes=["U-4) i."],
        roles=["user"],
        location="12〜14行",
        text="本文",
        quotes=["<script>alert(1)</script>を入力しない。"],
    )
    base.update(kw)
    return Citation.model_validate(base)


def answer(**kw: object) -> AskResponse:
    base: dict[str, object] = dict(
        question="[x](javascript:alert(1)) 個人情報は？",
        role="user",
        refused=False,
        answer="【U-4) i.】<img src=x onerror=alert(1)>入力しない。 [1]",
        citations=[citation()],
        answer_id="abc",
    )
    base.update(kw)
    return AskResponse.model_validate(base)


def test_answer_markdown_has_question_sources_and_is_inert():
    md = r.answer_markdown(answer())
    assert "## 回答" in md and "## 出典" in md and "\\[1\\]" in md
    assert "AI事業者ガイドライン（第1.0版）（現行）" in md and "12〜14行" in md and "**主体**: AI利用者" in md
    html = md_to_html(md)
    tags = {tag for tag, _ in tags_of(html)}
    assert tags <= {"h1", "h2", "p", "strong", "ol", "li", "blockquote", "br", "hr"}, tags
    assert "<script" not in html and "<img" not in html and "<a " not in html


def test_refused_answer_markdown_lists_near_passages():
    passage = Passage.model_validate(
        {**citation().model_dump(exclude={"number", "quotes"}), "segment": "main", "status": "draft", "title": "案の資料"}
    )
    md = r.answer_markdown(answer(refused=True, answer="ガイドラインには該当する記載が見当たりません。", citations=[], passages=[passage]))
    assert "## 近い記載" in md and "案の資料（案）" in md


def test_citation_labels():
    c = citation()
    assert r.citation_button_label(c) == "[1] U-4) i. 個人情報 > [ポイント]"
    assert r.where_label(c) == "U-4) i.・12〜14行"
    assert r.status_badge_md("older") == ":gray-badge[旧資料]"
    assert r.role_label(None) == "指定しない" and r.role_label("provider") == "AI提供者"


# --- topics -----------------------------------------------------------------------------
def test_merge_topic_menu_unions_passages_per_topic():
    def ref(pid: str) -> Passage:
        return Passage(id=pid, doc_id="guideline", title="AI事業者ガイドライン", status="current", segment="main",
                       section="s", section_path=["s"], item_codes=[], roles=[], text=f"本文{pid}")  # fmt: skip

    menu = TopicMenu(
        roles=[
            RoleTopics(role="developer", role_label="AI開発者", topics=[
                Topic(id="item-D-2-i", label="D-2) i.", group="role_item", passages=[ref("d")]),
                Topic(id="principle-2", label="2) 安全性", group="principle", passages=[ref("a"), ref("b")]),
            ]),
            RoleTopics(role="user", role_label="AI利用者", topics=[
                Topic(id="principle-2", label="2) 安全性", group="principle", passages=[ref("b"), ref("c")]),
            ]),
        ]
    )  # fmt: skip
    merged = r.merge_topic_menu(menu)
    assert [t.id for t in merged] == ["principle-2", "item-D-2-i"]
    assert [p.id for p in merged[0].passages] == ["a", "b", "c"]
    assert len(menu.roles[0].topics[1].passages) == 2  # the input is not modified
    assert r.topic_label(merged[0]) == "【共通の指針】2) 安全性"


# --- checklist exports ------------------------------------------------------------------
def checklist() -> Checklist:
    return Checklist(
        role="user",
        role_label="AI利用者",
        items=[
            ChecklistItem(code="4)", kind="principle", principle=4, title="プライバシー保護", text="尊重する。", source_passage_id="p4",
                          annex_passage_id=None),
            ChecklistItem(
                code="4) ①", kind="sub_item", principle=4, title="<script>x</script>", text="=HYPERLINK(\"http://evil\")",
                source_passage_id="p41", annex_passage_id=None,
            ),
            ChecklistItem(
                code="U-4) i.", kind="role_item", principle=4, title="個人情報の不適切入力", text="入力しない\n情報収集する",
                phases=["AIシステム・サービス利用時"], source_passage_id="pu4", annex_passage_id="an4",
                points=["[x](javascript:alert(1)) を参照"],
            ),
        ],
    )  # fmt: skip


def link(pid: str) -> str:
    return f"http://127.0.0.1:8501/?passage={pid}"


def test_checklist_csv_rows_links_and_formula_guard():
    text = r.checklist_csv(checklist(), link=link, doc_title="AI事業者ガイドライン（第1.0版）", checked=lambda i: i.code == "4)")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == r.CSV_HEADER
    assert len(rows) == 4
    by_code = {row[2]: row for row in rows[1:]}
    assert by_code["4)"][1] == "済" and by_code["U-4) i."][1] == ""
    assert by_code["U-4) i."][3] == "主体別の項目" and by_code["U-4) i."][4] == "4) プライバシー保護"
    assert by_code["U-4) i."][6] == "入力しない\n情報収集する"
    assert by_code["U-4) i."][8].startswith("・[x]")
    assert by_code["U-4) i."][10] == link("pu4")
    assert by_code["4) ①"][6].startswith("'=")  # a spreadsheet would otherwise run it
    assert "AI事業者ガイドライン（第1.0版）" in by_code["4)"][9]
    assert text.encode("utf-8-sig").startswith(b"\xef\xbb\xbf")


def test_checklist_markdown_is_a_task_list_and_inert():
    md = r.checklist_markdown(checklist(), link=link, checked=lambda i: i.code == "U-4) i.")
    assert md.startswith("# AI利用者向けチェックリスト")
    assert "## 共通の指針（第2部C）" in md and "## AI利用者に関する事項" in md
    assert "- [ ] **4\\) プライバシー保護**" in md or "- [ ] **4) プライバシー保護**" in md
    assert "- [x] **U-4) i. 個人情報の不適切入力**" in md
    assert f"[原文]({link('pu4')})" in md and "別添のポイント" in md
    html = md_to_html(md)
    hrefs = [attrs.get("href") for tag, attrs in tags_of(html) if tag == "a"]
    assert hrefs and all(h and h.startswith("http://127.0.0.1:8501/?passage=") for h in hrefs)
    assert "<script" not in html


def test_checklist_markdown_refuses_unsafe_links():
    md = r.checklist_markdown(checklist(), link=lambda pid: "javascript:alert(1)")
    hrefs = [attrs.get("href") for tag, attrs in tags_of(md_to_html(md)) if tag == "a"]
    assert hrefs and all(h == "#" for h in hrefs)


def test_document_line_shows_status_publisher_date_and_chunk_count():
    from guideqa.models import DocumentMeta

    doc = DocumentMeta(doc_id="ai-1a2b3c", title="みどり市 生成AI利用ガイドライン", file="x.pdf", status="draft",
                       publisher="みどり市", date="2025-04-01")  # fmt: skip
    line = r.document_line_md(doc, 12)
    assert line.startswith(":orange-badge[案] みどり市 生成AI利用ガイドライン")
    assert "みどり市 / 2025-04-01 / 12件の文書片" in line
    attack = DocumentMeta(doc_id="x", title="[x](http://evil) :red[!]", file="x.txt")
    assert r.escape_markdown(attack.title) in r.document_line_md(attack, 1)  # escaped like every title
