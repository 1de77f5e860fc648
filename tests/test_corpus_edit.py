"""`guideqa add` / `guideqa remove`: manifest entries, re-indexing, bad input leaves everything as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from guideqa.cli import app
from guideqa.config import Settings
from ingest.corpus import load_manifest
from ingest.corpus_edit import detect_title
from ingest.index_store import read_manifest
from ingest.pipeline import run_ingest
from tests.fakes import FakeEmbedder
from tests.municipal import PDF_NAME, TXT_NAME, write_municipal
from tests.office_files import make_docx, make_html, make_xlsx
from tests.pdfs import make_encrypted_pdf, make_garbage_pdf, make_image_only_pdf, make_truncated_pdf

runner = CliRunner()


@pytest.fixture
def corpus(small_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The small corpus indexed with the fake embedder; `guideqa add/remove` use it too."""
    monkeypatch.setattr("ingest.pipeline.make_embedder", lambda *a, **k: FakeEmbedder())
    run_ingest(small_settings)
    return small_settings


def cli(settings: Settings, *args: str):
    return runner.invoke(app, [*args, "--corpus-dir", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)])


def state(settings: Settings) -> tuple[str, str, list[str]]:
    files = sorted(p.name for p in settings.corpus_dir.iterdir() if not p.name.startswith("."))
    return (settings.corpus_dir / "manifest.yaml").read_text(encoding="utf-8"), read_manifest(settings.index_dir)["created_at"], files


def test_add_then_remove_a_municipal_pdf(corpus: Settings, tmp_path: Path):
    pdf, _ = write_municipal(tmp_path / "in")
    before = (corpus.corpus_dir / "manifest.yaml").read_text(encoding="utf-8")
    result = cli(corpus, "add", str(pdf), "--status", "current", "--date", "2025-04-01", "--publisher", "みどり市")
    assert result.exit_code == 0, result.output
    assert "追加しました" in result.output
    entry = yaml.safe_load((corpus.corpus_dir / "manifest.yaml").read_text(encoding="utf-8"))["documents"][-1]
    assert entry["file"] == PDF_NAME and entry["title"] == "みどり市 生成AI利用ガイドライン"  # from the title block
    assert entry["date"] == "2025-04-01" and entry["publisher"] == "みどり市" and entry["status"] == "current"
    assert entry["doc_id"].startswith("ai-") and entry["doc_id"] in result.output
    # The old entries are untouched, comments included.
    assert (corpus.corpus_dir / "manifest.yaml").read_text(encoding="utf-8").startswith(before)
    docs = {d["doc_id"]: d for d in read_manifest(corpus.index_dir)["documents"]}
    assert docs[entry["doc_id"]]["chunks"] >= 9 and (corpus.corpus_dir / PDF_NAME).exists()

    result = cli(corpus, "remove", entry["doc_id"])
    assert result.exit_code == 0, result.output
    assert (corpus.corpus_dir / "manifest.yaml").read_text(encoding="utf-8") == before
    assert entry["doc_id"] not in {d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]}
    assert not (corpus.corpus_dir / PDF_NAME).exists() and (corpus.corpus_dir / ".removed" / PDF_NAME).exists()


def test_two_japanese_named_files_get_distinct_ids_and_supersedes_is_checked(corpus: Settings, tmp_path: Path):
    pdf, txt = write_municipal(tmp_path / "in")
    assert cli(corpus, "add", str(pdf)).exit_code == 0
    first = load_manifest(corpus.corpus_dir)[-1].doc_id
    bad = cli(corpus, "add", str(txt), "--supersedes", "no-such-doc")
    assert bad.exit_code == 2 and "no-such-doc" in bad.output
    ok = cli(corpus, "add", str(txt), "--title", "みどり市 生成AI利用ガイドライン 別紙", "--status", "draft")
    assert ok.exit_code == 0, ok.output
    metas = {m.file: m for m in load_manifest(corpus.corpus_dir)}
    assert metas[TXT_NAME].doc_id != first and metas[TXT_NAME].status == "draft"
    assert {d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]} >= {first, metas[TXT_NAME].doc_id}


def test_dropped_files_without_entries_are_still_ingested_with_distinct_ids(corpus: Settings, tmp_path: Path):
    write_municipal(corpus.corpus_dir)
    report = run_ingest(corpus)
    assert report.documents == 4 and not report.errors
    ids = [d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]]
    assert len(ids) == len(set(ids)) == 4


@pytest.mark.parametrize(
    ("name", "make", "cause"),
    [
        ("scan.pdf", make_image_only_pdf, "画像のみ"),
        ("locked.pdf", lambda p: make_encrypted_pdf(p, "secret"), "暗号化"),
        ("broken.pdf", make_truncated_pdf, "壊れて"),
        ("garbage.pdf", make_garbage_pdf, "壊れて"),
        ("empty.txt", lambda p: p.write_text("  \n", encoding="utf-8"), "空"),
        ("slides.key", lambda p: p.write_bytes(b"PK\x03\x04"), "対応していない形式"),
        ("slides.pptx", lambda p: p.write_bytes(b"PK\x03\x04"), "壊れている"),
        ("rules.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0"), ".docx 形式で保存し直して"),
    ],
)
def test_bad_input_names_the_file_and_changes_nothing(corpus: Settings, tmp_path: Path, name, make, cause):
    path = tmp_path / name
    make(path)
    before = state(corpus)
    result = cli(corpus, "add", str(path))
    assert result.exit_code == 2
    assert name in result.output and cause in result.output and "エラー" in result.output
    assert state(corpus) == before  # manifest, index build and files as they were


@pytest.mark.parametrize(
    ("make", "name", "title", "wanted"),
    [
        (make_docx, "kitei.docx", "さくら市生成AI利用規程", "10日前まで"),
        (make_xlsx, "さくら高校_生成AI利用ルール.xlsx", "さくら高校 生成AI利用ルール", "教科主任の確認"),
        (make_html, "page.html", "生成AIの利用について", "90日間保存"),
    ],
)
def test_office_files_and_web_pages_are_added_as_saved(corpus: Settings, tmp_path: Path, make, name, title, wanted):
    path = make(tmp_path / name)
    result = cli(corpus, "add", str(path))
    assert result.exit_code == 0, result.output
    entry = yaml.safe_load((corpus.corpus_dir / "manifest.yaml").read_text(encoding="utf-8"))["documents"][-1]
    assert entry["file"] == name and entry["title"] == title  # a workbook by its file name
    chunks = [json.loads(line) for line in (corpus.index_dir / "current" / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(c["doc_id"] == entry["doc_id"] and wanted in c["text"] for c in chunks)


def test_a_colliding_name_is_refused(corpus: Settings, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    listed = load_manifest(corpus.corpus_dir)[0].file
    (other / listed).write_text("別の内容の文書です。これは別物です。", encoding="utf-8")
    before = state(corpus)
    result = cli(corpus, "add", str(other / listed))
    assert result.exit_code == 2 and listed in result.output and "既に" in result.output
    assert state(corpus) == before
    shutil.copy(other / listed, corpus.corpus_dir / "unlisted.txt")
    (other / "unlisted.txt").write_text("さらに別の内容です。", encoding="utf-8")
    result = cli(corpus, "add", str(other / "unlisted.txt"))
    assert result.exit_code == 2 and "unlisted.txt" in result.output and "別のファイル" in result.output


def test_several_files_are_added_with_one_re_index_or_not_at_all(corpus: Settings, tmp_path: Path):
    # A city's guideline and its 別紙 at once: both listed, both indexed, one new index.
    pdf, txt = write_municipal(tmp_path / "in")
    before = state(corpus)
    broken = make_garbage_pdf(tmp_path / "in" / "壊れた資料.pdf")
    result = cli(corpus, "add", str(pdf), str(txt), str(broken))
    assert result.exit_code == 2 and "壊れた資料.pdf" in result.output
    assert state(corpus) == before  # the good files were not added either
    assert cli(corpus, "add", str(pdf), str(pdf)).exit_code == 2  # the same file twice
    assert cli(corpus, "add", str(pdf), str(txt), "--title", "題名").exit_code == 2  # a title names one document
    assert cli(corpus, "add", str(pdf), str(txt), "--supersedes", "x").exit_code == 2  # so does what it replaces
    assert state(corpus) == before
    elsewhere = tmp_path / "typo" / "corpus"
    result = runner.invoke(app, ["add", str(tmp_path / "missing.txt"), "--corpus-dir", str(elsewhere), "--index-dir", str(corpus.index_dir)])
    assert result.exit_code == 2 and not elsewhere.exists()  # a wrong path creates no folder

    result = cli(corpus, "add", str(pdf), str(txt))
    assert result.exit_code == 0, result.output
    assert result.output.count("追加しました") == 2
    metas = {m.file: m for m in load_manifest(corpus.corpus_dir)}
    assert metas[PDF_NAME].doc_id != metas[TXT_NAME].doc_id
    indexed = {d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]}
    assert {metas[PDF_NAME].doc_id, metas[TXT_NAME].doc_id} <= indexed


def test_remove_unknown_doc_id_is_a_clear_error(corpus: Settings):
    result = cli(corpus, "remove", "nope")
    assert result.exit_code == 2 and "nope" in result.output and "ありません" in result.output


def test_failed_ingest_rolls_the_corpus_back(corpus: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pdf, _ = write_municipal(tmp_path / "in")
    before = state(corpus)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ingest.corpus_edit.run_ingest", boom)
    result = cli(corpus, "add", str(pdf))
    assert result.exit_code != 0
    assert state(corpus) == before


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        # The organisation on the line above the title (a board of education's handbook).
        (["さくら県教育委員会", "学校における生成AI活用の手引き", "（第1版）", "", "令和7年3月"], "さくら県教育委員会 学校における生成AI活用の手引き"),
        # Markdown heading marks are not part of the title.
        (["# 株式会社ひかり製作所 AI利用ポリシー", "", "最終改定：2025年4月1日"], "株式会社ひかり製作所 AI利用ポリシー"),
        # A web page's h1 is its title; an organisation's name or a date as the top heading is not.
        (["# 生成AIの利用について", "更新日：2026年4月1日", "## 市の生成AI活用方針"], "生成AIの利用について"),
        (["# さくら市", "## 生成AI利用ガイドライン"], "さくら市 生成AI利用ガイドライン"),
        # A deck's slide label is not its title.
        (["スライド 1", "生成AI研修のご案内", "さくら市 情報政策課", "スライド 2"], "生成AI研修のご案内"),
        (["みどり市 生成AI利用ガイドライン", "令和7年4月1日", "みどり市 総務部 デジタル推進課"], "みどり市 生成AI利用ガイドライン"),
        # A sentence or a date is not a title: the file name stands in.
        (["このガイドラインは、職員が守るべき事項を定める。"], "ファイル名"),
        (["令和7年4月1日", "第1章 総則"], "ファイル名"),
        # Only an issuer's name stands before the title, not a date or a draft mark.
        (["令和7年4月1日", "みどり市 生成AI利用ガイドライン"], "みどり市 生成AI利用ガイドライン"),
        (["（案）", "AI活用の手引き"], "AI活用の手引き"),
        # 留意事項 / 注意事項 name a kind of document too (a care home's guidance for its staff).
        (["社会福祉法人あさひ会", "介護職員のための　AI活用の留意事項（第2版）", "", "法人本部総務課"], "社会福祉法人あさひ会 介護職員のための AI活用の留意事項（第2版）"),
        # A part of a larger document opens with its first section, then a sentence broken by the
        # PDF's line end (the 別添 of the bundled guideline, as published on its own).
        ([" はじめに  ", "", "  "], "ファイル名"),
        (["別添.はじめに", "", "別添の構成と読者への期待", "AI 事業者ガイドライン本編（以下本編）にて、本ガイドラインで対象とする主体「AI 開発者」、「AI 提供"], "ファイル名"),
    ],
)
def test_the_title_comes_from_the_title_block(lines: list[str], title: str):
    assert detect_title(lines, "ファイル名") == title


def test_removing_the_middle_of_a_chain_of_editions_keeps_the_oldest_replaced(corpus: Settings, tmp_path: Path):
    old = "ed1"
    src = tmp_path / "in"
    src.mkdir()
    (src / "第1版.txt").write_text("みどり市 生成AI利用ガイドライン（第1版）\n\n1 目的\n職員が生成AIを使うための決まりを定める。\n", encoding="utf-8")
    assert cli(corpus, "add", str(src / "第1版.txt"), "--doc-id", old).exit_code == 0
    (src / "第2版.txt").write_text("みどり市 生成AI利用ガイドライン（第2版）\n\n1 目的\n職員が生成AIを安全に使うための決まりを定める。\n", encoding="utf-8")
    (src / "第3版.txt").write_text("みどり市 生成AI利用ガイドライン（第3版）\n\n1 目的\n職員が生成AIを安全に使うための決まりを改めて定める。\n", encoding="utf-8")
    assert cli(corpus, "add", str(src / "第2版.txt"), "--supersedes", old, "--doc-id", "ed2").exit_code == 0
    assert cli(corpus, "add", str(src / "第3版.txt"), "--supersedes", "ed2", "--doc-id", "ed3").exit_code == 0
    indexed = {d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]}
    assert "ed3" in indexed and "ed2" not in indexed and old not in indexed
    result = cli(corpus, "remove", "ed2")
    assert result.exit_code == 0, result.output
    heir = next(m for m in load_manifest(corpus.corpus_dir) if m.doc_id == "ed3")
    assert heir.supersedes == [old]
    indexed = {d["doc_id"] for d in read_manifest(corpus.index_dir)["documents"]}
    assert "ed3" in indexed and old not in indexed
