"""A 新旧対照表 flattened one cell per line (ingest.comparison): one row per line, new text first."""

from __future__ import annotations

from pathlib import Path

from guideqa.models import DocumentMeta, LoadedDocument, SourceLine
from ingest.chunking import build_chunks
from ingest.comparison import comparison_lines

NOTICE = Path(__file__).parents[1] / "eval" / "documents" / "株式会社ふじみ建設_AI利用ルール改定のお知らせ（Word文書）.txt"


def _doc(text: str) -> LoadedDocument:
    lines = [SourceLine(text=t, line=n) for n, t in enumerate(text.splitlines(), start=1)]
    return LoadedDocument(meta=DocumentMeta(doc_id="notice", title="お知らせ", file="n.txt"), lines=lines, sha256="x")


def test_a_revision_notice_table_reads_as_rows_naming_their_columns() -> None:
    # A construction company's notice saved from Word (eval/documents, written blind): 「改定後」「改定前」,
    # then each row's two cells in turn; the old column's 第8条 is no article of the document.
    chunks = build_chunks(_doc(NOTICE.read_text("utf-8")))
    table = "\n".join(c.text for c in chunks if c.section_path and c.section_path[-1].startswith("【新旧対照表"))
    assert "| 改定後:第11条(事故の報告) | 改定前:第8条(事故の報告) |" in table
    assert "改定後:2所属部署長は、前項の報告を受けたときは、発覚から12時間以内" in table
    assert "改定前:2所属部署長は、前項の報告を受けたときは、発覚から24時間以内" in table
    # The articles of the document are the revised rules attached after the table, once each.
    reports = [c for c in chunks if c.section_path[-1:] == ["第11条（事故の報告）"]]
    assert reports and all("24時間以内" not in c.text for c in reports)
    assert not any(c.section_path[-1:] == ["第8条（事故の報告）"] for c in chunks)


def test_a_table_that_does_not_read_as_rows_is_left_as_it_is() -> None:
    header = ["新旧対照表", "改正後", "改正前"]
    rows = ["第3条（研修）", "第3条（研修）", "年2回実施する。", "年1回実施する。"]
    assert comparison_lines(header + rows) == {
        0: "【新旧対照表】",
        1: None,
        2: None,
        3: "| 改正後：第3条（研修） | 改正前：第3条（研修） |",
        4: None,
        5: "| 改正後：年2回実施する。 | 改正前：年1回実施する。 |",
        6: None,
    }
    # 「（新設）」 in the new column, an odd number of cells, or an old column first: read as such.
    assert comparison_lines(header + ["（新設）", "第4条（記録）"]) == {}
    assert comparison_lines(header + rows[:3]) == {}
    swapped = comparison_lines(["新旧対照表", "現行", "改正案", "第3条（研修）", "第3条（研修）", "年1回実施する。", "年2回実施する。"])
    assert swapped[5] == "| 改正案：年2回実施する。 | 現行：年1回実施する。 |"
    assert comparison_lines(["新旧対照表は別紙のとおり", "本文です。"]) == {}
