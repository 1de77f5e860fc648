"""The office-PDF renderer of the PDF probe (eval.render_pdf): what pypdf reads back from it."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from eval.render_pdf import BODY_SIZE, NO_LINE_START, TEXT_WIDTH, document_title, render_pdf, wrap

MARKDOWN = """# 株式会社テスト 情報管理規程

- 文書番号：T-001
- 版数：第1版

## 1. 目的

本規程は、当社の業務で生成AIを安全に使うためのルールと手順を定めるものです。**必ず**守ってください。

| 業務 | 区分 | 承認者 |
|---|---|---|
| 議事録の要約 | 可 | ― |
| 広告の画像生成 | 要承認 | 総務部長 |
"""


def _pages(path: Path) -> list[list[str]]:
    return [(p.extract_text() or "").strip("\n").split("\n") for p in PdfReader(path).pages]


def test_markdown_is_shown_as_a_word_processor_shows_it(tmp_path: Path):
    pdf = render_pdf(MARKDOWN, tmp_path / "t.pdf", title=document_title(MARKDOWN, "t"), markdown=True)
    lines = _pages(pdf)[0]
    assert lines[0] == "株式会社テスト 情報管理規程"  # the running header
    assert lines[1] == "株式会社テスト 情報管理規程"  # the title, without its 「#」
    assert "・文書番号：T-001" in lines and "1. 目的" in lines
    assert not any(line.startswith(("#", "- ", "|")) or "**" in line for line in lines[:-1])
    assert "広告の画像生成 要承認 総務部長" in lines  # a table row: cells in columns, one line
    assert lines[-1] == "- 1 -"


def test_long_lines_wrap_at_the_page_width_and_pages_break_where_full(tmp_path: Path):
    body = "\n".join(f"{i}　利用者は、入力した情報が学習に使われない設定であることを確認し、出力を必ず自分で確かめたうえで使います。" for i in range(60))
    pdf = render_pdf(body, tmp_path / "long.pdf", title="長い文書")
    pages = _pages(pdf)
    assert len(pages) >= 3
    for number, lines in enumerate(pages, start=1):
        assert lines[0] == "長い文書" and lines[-1] == f"- {number} -"
        for line in lines[1:-1]:
            assert line[:1] not in NO_LINE_START, line
    # Some paragraph continues on the next page (no keep-together).
    assert any(not lines[-2].endswith("。") for lines in pages[:-1])


def test_wrap_keeps_latin_words_whole_and_hangs_a_full_stop():
    width = 20 * BODY_SIZE
    lines = wrap("問い合わせはヘルプデスク（it-help@example.co.jp）までお願いします。", width, BODY_SIZE)
    assert any(line.startswith("it-help@example.co.jp") or "it-help@example.co.jp" in line for line in lines)
    assert "".join(lines) == "問い合わせはヘルプデスク（it-help@example.co.jp）までお願いします。"
    exact = wrap("あ" * 20 + "。続き", width, BODY_SIZE)
    assert exact[0] == "あ" * 20 + "。"  # ぶら下げ: the full stop stays on its line
    assert all(len(line) <= TEXT_WIDTH / BODY_SIZE + 1 for line in wrap("い" * 200, TEXT_WIDTH, BODY_SIZE))


def test_rendering_is_deterministic(tmp_path: Path):
    a = render_pdf(MARKDOWN, tmp_path / "a.pdf", title="t", markdown=True).read_bytes()
    b = render_pdf(MARKDOWN, tmp_path / "b.pdf", title="t", markdown=True).read_bytes()
    assert a == b
