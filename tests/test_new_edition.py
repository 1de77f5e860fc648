"""A new edition of the guideline added with `guideqa add --supersedes`: read with the guideline's
own layout and profile when its text fits them, the superseded edition left out of the index, and
every role feature (items, checklists, follow-ups) served from the new edition.

The "new edition" here is the bundled guideline's own 本編 and 別添, published as two files the way
the official PDFs are: the answers must be those of the bundled edition.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guideqa.cli import app
from guideqa.config import Settings
from guideqa.models import DocumentMeta
from guideqa.profiles import GUIDELINE_PROFILE, retired
from guideqa.service import build_answerer
from ingest.chunking import build_chunks
from ingest.corpus import load_manifest
from ingest.corpus_edit import edition_hint, fits_profile
from ingest.index_store import read_manifest
from ingest.loaders import load_document
from ingest.pipeline import IngestReport
from retriever.catalog import checklist
from retriever.conversation import ask_in_context, turn_state

GUIDELINE_FILE = "ai_jigyosha_guideline_2024.txt"
MAIN_NAME = "AI事業者ガイドライン本編_新版.txt"
ANNEX_NAME = "AI事業者ガイドライン別添_新版.txt"
runner = CliRunner()


def _meta(doc_id: str, status: str = "current", supersedes: list[str] | None = None) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=doc_id, file=f"{doc_id}.txt", status=status, supersedes=supersedes or [])  # type: ignore[arg-type]


def test_a_current_document_a_newer_one_supersedes_is_retired_a_draft_is_not() -> None:
    metas = [_meta("old"), _meta("draft", "draft"), _meta("new", supersedes=["old", "draft", "missing"])]
    assert retired(metas) == {"old"}
    assert retired([_meta("a", supersedes=["a"])]) == frozenset()  # a document does not retire itself
    # A draft of the next edition does not take the current one out of search.
    assert retired([_meta("old"), _meta("next", "draft", supersedes=["old"])]) == frozenset()
    # Only the documents given as ``by`` may retire (the ingest passes those it could read).
    assert retired(metas, by=[]) == frozenset()


def _split_guideline(corpus_dir: Path, out: Path) -> tuple[Path, Path]:
    """The bundled guideline's 本編 (from its own 「はじめに」, the indented one after the 概要 slides)
    and 別添 (from 「別添.はじめに」), as two files. The 本編 gets a cover page and its first line loses
    the indentation, as a PDF's text extraction gives it."""
    lines = (corpus_dir / GUIDELINE_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    main = next(i for i, line in enumerate(lines) if line.strip() == "はじめに" and line[:1].isspace())
    annex = next(i for i, line in enumerate(lines) if line.strip().startswith("別添.はじめに"))
    out.mkdir(parents=True, exist_ok=True)
    cover = "AI事業者ガイドライン（新版）\n本編\n令和8年4月\n総務省　経済産業省\n"
    (out / MAIN_NAME).write_text(cover + lines[main].lstrip() + "".join(lines[main + 1 : annex]), encoding="utf-8")
    (out / ANNEX_NAME).write_text("".join(lines[annex:]), encoding="utf-8")
    return out / MAIN_NAME, out / ANNEX_NAME


def test_a_part_fits_the_guideline_profile_only_when_it_holds_every_role_s_items(tmp_path: Path) -> None:
    main, annex = _split_guideline(Path(__file__).resolve().parents[1] / "corpus", tmp_path)
    for path in (main, annex):
        meta = DocumentMeta(doc_id="x", title="x", file=path.name, layout="guideline", profile=GUIDELINE_PROFILE)
        assert fits_profile(build_chunks(load_document(path, meta)), GUIDELINE_PROFILE)
    # A document that quotes an item or two of each role (sub-items of one item count once) is
    # not an edition of the guideline.
    policy = tmp_path / "policy.txt"
    parts = {"D": "第3部 AI開発者に関する事項", "P": "第4部 AI提供者に関する事項", "U": "第5部 AI利用者に関する事項"}
    body = "".join(
        parts[c] + "\n" + "".join(f"{c}-{n}) {r}. 項目の趣旨\n記載を参照し、職員が留意する事項を定める。\n" for n in (2, 4) for r in ("i", "ii", "iii"))
        for c in "DPU"
    )
    policy.write_text("はじめに\nこの方針は、AI事業者ガイドラインの項目に沿って定める。\n" + body, encoding="utf-8")
    meta = DocumentMeta(doc_id="p", title="p", file=policy.name, layout="guideline", profile=GUIDELINE_PROFILE)
    chunks = build_chunks(load_document(policy, meta))
    assert {code for c in chunks for code in c.item_codes} >= {"D-2) iii.", "U-4) i."}  # read as items
    assert not fits_profile(chunks, GUIDELINE_PROFILE)


def test_an_edition_added_without_supersedes_gets_a_hint(tmp_path: Path) -> None:
    """`guideqa add` without --supersedes: a text that fits the guideline's layout is probably its
    next edition, and the report says how to add it as one; a municipality's own rules get no hint."""
    repo = Path(__file__).resolve().parents[1]
    settings = Settings(corpus_dir=repo / "corpus")
    metas = load_manifest(settings.corpus_dir)
    main, _ = _split_guideline(settings.corpus_dir, tmp_path)
    new = DocumentMeta(doc_id="new", title="new", file=main.name)
    hint = edition_hint(load_document(main, new), metas, settings)
    assert hint is not None and hint.doc_id == "guideline"
    town = repo / "eval" / "documents" / "あおば町_生成AI利用ガイドライン.txt"
    assert edition_hint(load_document(town, DocumentMeta(doc_id="t", title="t", file=town.name)), metas, settings) is None
    report = IngestReport(documents=6, notes=["この文書は…"])
    assert report.summary().splitlines()[1] == "注意: この文書は…。"


def test_a_contents_page_naming_the_annex_does_not_start_it(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "corpus" / GUIDELINE_FILE).read_text(encoding="utf-8")
    path = tmp_path / "with_contents.txt"
    path.write_text("目次\n別添.はじめに ........................ 1\n別添1. 第1部関連 ........ 5\n" + text, encoding="utf-8")
    meta = DocumentMeta(doc_id="c", title="c", file=path.name, layout="guideline", profile=GUIDELINE_PROFILE)
    segments = Counter(c.segment for c in build_chunks(load_document(path, meta)))
    assert segments["main"] >= 100 and segments["annex"] >= 300


@pytest.fixture(scope="module")
def edition(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus and index, with the guideline's 本編 and 別添 added as a new edition."""
    work = tmp_path_factory.mktemp("edition")
    shutil.copytree(real_settings.corpus_dir, work / "corpus")
    shutil.copytree(real_settings.index_dir, work / "index", symlinks=True)
    settings = real_settings.model_copy(update={"corpus_dir": work / "corpus", "index_dir": work / "index"})
    for path in _split_guideline(settings.corpus_dir, work / "in"):
        args = ["add", str(path), "--supersedes", "guideline", "--corpus-dir", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "新しい版に置き換えられた文書（guideline）は検索の対象外です" in result.output
    return settings


def test_the_new_edition_is_read_with_the_guideline_layout_and_replaces_the_old(edition: Settings) -> None:
    docs = {d["file"]: d for d in read_manifest(edition.index_dir)["documents"]}
    assert GUIDELINE_FILE not in docs  # the superseded edition is not indexed
    for name in (MAIN_NAME, ANNEX_NAME):
        assert docs[name]["layout"] == "guideline" and docs[name]["profile"] == GUIDELINE_PROFILE
        assert docs[name]["supersedes"] == ["guideline"]
        assert "AI事業者ガイドライン" in docs[name]["aliases"]  # inherited names still point at the guideline
    assert docs[MAIN_NAME]["title"] == "AI事業者ガイドライン（新版）"  # from the cover page
    assert docs[ANNEX_NAME]["title"] == "AI事業者ガイドライン別添 新版"  # 「別添.はじめに」 is not a title: the file name
    assert set(docs[MAIN_NAME]["roles"]) >= {"developer", "provider", "user"}
    # `guideqa info` says which document was replaced, and by which.
    result = runner.invoke(app, ["info", "--index-dir", str(edition.index_dir)])
    assert result.exit_code == 0 and "[置き換え済み] AI事業者ガイドライン（第1.0版）: 新しい版（" in result.output


def test_role_features_are_served_from_the_new_edition(edition: Settings, real_settings: Settings) -> None:
    answerer = build_answerer(edition)
    new = {d["doc_id"] for d in read_manifest(edition.index_dir)["documents"] if d["file"] in (MAIN_NAME, ANNEX_NAME)}
    assert answerer.retriever.guideline_docs == new
    # A role question is answered with the role's items of the new edition.
    first = answerer.ask("AI利用者として個人情報の扱いで注意することは？", role="user")
    assert not first.refused and first.citations[0].doc_id in new
    assert any(code.startswith("U-") for c in first.citations for code in c.item_codes)
    # The checklist lists the same items as the bundled edition's, from the new edition, each
    # with its 別添 explanation.
    items = checklist(answerer.retriever.chunks, "user", answerer.retriever.documents).items
    bundled = build_answerer(real_settings).retriever
    assert [i.code for i in items] == [i.code for i in checklist(bundled.chunks, "user", bundled.documents).items]
    chunk_doc = {c.id: c.doc_id for c in answerer.retriever.chunks}
    assert all(i.annex_passage_id and chunk_doc[i.annex_passage_id] in new for i in items if i.code.startswith("U-"))
    # A follow-up is resolved through the new edition's units (its 別添's worked examples).
    state = turn_state(first, answerer)
    assert state.item_codes
    more = ask_in_context(answerer, "具体例は？", role="user", state=state)
    assert not more.refused and more.context is not None
    assert all(c.doc_id in new for c in more.citations)


def test_removing_the_new_edition_brings_the_old_one_back(edition: Settings) -> None:
    docs = {d["file"]: d["doc_id"] for d in read_manifest(edition.index_dir)["documents"]}
    for name in (MAIN_NAME, ANNEX_NAME):
        result = runner.invoke(app, ["remove", docs[name], "--corpus-dir", str(edition.corpus_dir), "--index-dir", str(edition.index_dir)])
        assert result.exit_code == 0, result.output
    files = {d["file"] for d in read_manifest(edition.index_dir)["documents"]}
    assert GUIDELINE_FILE in files and MAIN_NAME not in files
