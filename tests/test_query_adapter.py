"""The query adapter: the map itself, its file and fallbacks, its fit, and where the retriever uses it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.adapter_train import Extra, Passages, fit_adapter, load_synthetic, ranking_mrr
from guideqa.config import Settings
from retriever.query_adapter import (
    QueryAdapter,
    adapt,
    adapter_path,
    applies_to,
    describe,
    load_query_adapter,
    save_query_adapter,
)
from retriever.search import Retriever, within_fitted

EMBEDDER = "test:embedder@1"


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def test_adapt_is_the_identity_for_a_zero_map_and_always_unit_length() -> None:
    q = _unit(np.array([3.0, 4.0, 0.0]))
    assert np.allclose(adapt(q, np.zeros((3, 3), np.float32)), q)
    moved = adapt(q, np.eye(3, dtype=np.float32)[[1, 2, 0]])
    assert np.linalg.norm(moved) == pytest.approx(1.0)
    assert not np.allclose(moved, q)


def test_round_trip_and_every_fallback(tmp_path: Path) -> None:
    matrix = np.arange(16, dtype=np.float32).reshape(4, 4) / 100
    adapter = QueryAdapter(EMBEDDER, matrix, frozenset({"guideline"}), {"split": "dev"})
    path = save_query_adapter(adapter, tmp_path)
    assert path == adapter_path(EMBEDDER, tmp_path) and not list(tmp_path.glob("*.tmp*"))
    loaded = load_query_adapter(EMBEDDER, 4, tmp_path)
    assert loaded is not None
    assert np.array_equal(loaded.matrix, matrix) and loaded.doc_ids == {"guideline"} and loaded.trained == {"split": "dev"}
    # Another dimension, another embedder, no file, a broken file: no adapter.
    assert load_query_adapter(EMBEDDER, 8, tmp_path) is None
    assert load_query_adapter("test:other@1", 4, tmp_path) is None
    path.write_bytes(b"not an npz")
    assert load_query_adapter(EMBEDDER, 4, tmp_path) is None


def test_fit_learns_a_shift_that_holds_for_questions_it_never_saw() -> None:
    """Questions land beside their passage, moved by one fixed linear distortion (as everyday
    words sit apart from the text's own): a map fitted on some questions ranks the others'
    passages higher too."""
    rng = np.random.default_rng(7)
    d, n = 16, 60
    passages = Passages(_unit(rng.normal(size=(n, d))), np.zeros((0, d), np.float32), np.zeros(0, np.int64))
    distortion = np.eye(d) + 1.5 * rng.normal(size=(d, d)) / np.sqrt(d)
    targets = rng.integers(0, n, size=120)
    queries = _unit(passages.vectors[targets] @ distortion + 0.05 * rng.normal(size=(120, d)))
    positives = [[int(t)] for t in targets]
    train, held = slice(0, 90), slice(90, 120)
    matrix = fit_adapter(queries[train], positives[train], passages, strength=0.001, steps=300, learning_rate=0.01)
    before = ranking_mrr(queries[held], positives[held], passages, None)
    after = ranking_mrr(queries[held], positives[held], passages, matrix)
    assert after > before + 0.1


def test_written_training_questions_join_the_fit_and_help_questions_it_never_saw() -> None:
    """Few split questions, many written ones (the same distortion, other passages): the fit with
    them ranks held-out questions better than the split's questions alone; weight 0 changes nothing."""
    rng = np.random.default_rng(11)
    d, n = 16, 80
    passages = Passages(_unit(rng.normal(size=(n, d))), np.zeros((0, d), np.float32), np.zeros(0, np.int64))
    distortion = np.eye(d) + 1.5 * rng.normal(size=(d, d)) / np.sqrt(d)

    def asked(count: int) -> tuple[np.ndarray, list[list[int]]]:
        targets = rng.integers(0, n, size=count)
        return _unit(passages.vectors[targets] @ distortion + 0.05 * rng.normal(size=(count, d))), [[int(t)] for t in targets]

    (few, few_pos), (written, written_pos), (held, held_pos) = asked(12), asked(200), asked(40)
    kwargs = {"strength": 0.001, "steps": 300, "learning_rate": 0.01}
    alone = fit_adapter(few, few_pos, passages, **kwargs)  # type: ignore[arg-type]
    joined = fit_adapter(few, few_pos, passages, extra=Extra(written, written_pos, 1.0), **kwargs)  # type: ignore[arg-type]
    ignored = fit_adapter(few, few_pos, passages, extra=Extra(written, written_pos, 0.0), **kwargs)  # type: ignore[arg-type]
    assert ranking_mrr(held, held_pos, passages, joined) > ranking_mrr(held, held_pos, passages, alone) + 0.05
    assert np.allclose(ignored, alone)


def test_training_file_needs_a_question_and_a_span(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"question": "AIの答えをそのまま使っていい？", "span": "鵜呑みにすること"}\n\n', encoding="utf-8")
    assert load_synthetic(path) == [("AIの答えをそのまま使っていい？", "鵜呑みにすること")]
    path.write_text('{"question": "質問だけ"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=":1:"):
        load_synthetic(path)


@pytest.fixture(scope="module")
def retriever(real_settings: Settings) -> Retriever:
    return Retriever.open(real_settings)


def test_the_shipped_adapter_ranks_the_bundled_documents_and_keeps_raw_cosines(retriever: Retriever) -> None:
    adapter = retriever.adapter
    assert adapter is not None and adapter.embedder_id == retriever.embedder.embedder_id
    assert adapter.doc_ids == {d for d, doc in retriever.documents.items() if doc.get("layout") != "generic"}
    query = "AIを使うと電気代や環境への負担が気になるのですが"
    plain = Retriever(retriever.index, retriever.embedder, retriever.tokenizer, replace(retriever.config, query_adapter=False))
    on, off = retriever.channels(query), plain.channels(query)
    # The gate reads the raw cosines: unchanged. The ranks move.
    assert np.array_equal(on["dense"], off["dense"]) and np.array_equal(on["sentence"], off["sentence"])
    assert not np.array_equal(on["rrf_dense"], off["rrf_dense"])
    assert plain.adapter is None


def test_the_written_training_questions_point_at_passages_of_the_index(retriever: Retriever) -> None:
    """Every question of eval/training/synthetic.jsonl has a span some passage holds (the fit
    with them is reproducible; the shipped adapter was fitted without them)."""
    from eval import metrics as m
    from eval.adapter_train import SYNTHETIC, collect_synthetic

    pairs = load_synthetic(SYNTHETIC)
    assert len(pairs) >= 1000
    texts = [m.normalise(c.text) for c in retriever.chunks]  # as m.relevance reads them, once
    missing = [span for _, span in pairs if not (key := m.normalise(span)) or not any(key in t for t in texts)]
    assert not missing
    extra = collect_synthetic(retriever, pairs[:5], 0.5)
    assert extra.queries.shape == (5, retriever.vectors.shape[1]) and extra.weight == 0.5
    adapter = retriever.adapter
    assert adapter is not None and not adapter.trained.get("training_questions")


def test_info_says_whether_the_adapter_is_used(retriever: Retriever) -> None:
    emb = retriever.embedder.embedder_id
    bundled = set(retriever.documents)
    assert applies_to(retriever.adapter, bundled) and not applies_to(retriever.adapter, bundled | {"city-rules"})
    assert describe(emb, 384, bundled).startswith("質問ベクトルの補正: 使用中")
    assert "同梱文書の中の順位づけにのみ使用" in describe(emb, 384, bundled | {"city-rules"})
    assert "不使用" in describe(emb, 384, {"city-rules"})
    assert "なし" in describe("st:some-model", 384, bundled)


def test_within_fitted_reorders_the_fitted_chunks_at_their_own_raw_scores() -> None:
    raw = np.array([0.90, 0.80, 0.85, 0.70, 0.88])
    adapted = np.array([0.10, 0.95, 0.50, 0.99, 0.20])
    fitted = np.array([True, True, False, True, False])  # chunks 2 and 4: another organisation's
    out = within_fitted(raw, adapted, fitted)
    # The others keep their raw scores; the fitted take the fitted raw scores in the adapted order.
    assert out[2] == 0.85 and out[4] == 0.88
    assert (out[3], out[1], out[0]) == (0.90, 0.80, 0.70)
    assert sorted(out[fitted]) == sorted(raw[fitted])
    assert np.array_equal(within_fitted(raw, adapted, np.zeros(5, dtype=bool)), raw)


def test_crossfit_overrides_are_searchconfig_fields_as_literals() -> None:
    from eval.crossfit import parse_overrides

    assert parse_overrides(["sentence_weight=1.0", "rrf_k=10", "bm25_synonyms=False"]) == {
        "sentence_weight": 1.0,
        "rrf_k": 10,
        "bm25_synonyms": False,
    }
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        parse_overrides(["no_such_field=1"])
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        parse_overrides(["rrf_k"])


def test_cross_fitted_ranks_each_question_with_the_adapter_of_its_fold(retriever: Retriever) -> None:
    """The folds' matrices are used as given: a zero map per fold ranks as the identity adapter."""
    from eval.adapter_train import FOLDS, cross_fitted
    from eval.schema import EvalQuestion, Evidence

    chunk = next(c for c in retriever.chunks if "U-4) i." in c.item_codes)
    span = chunk.text.split("。")[0][-20:]
    questions = [
        EvalQuestion(id=f"x{i}", question="個人情報をAIに入力するときの注意は？", role="user", type="everyday",
                     answerable=True, evidence=[Evidence(doc_id=chunk.doc_id, span=span)], split="dev")
        for i in range(FOLDS)
    ]  # fmt: skip
    dim = retriever.vectors.shape[1]
    fitted = ({q.id: n for n, q in enumerate(questions)}, {f: np.zeros((dim, dim), np.float32) for f in range(FOLDS)})
    figures = cross_fitted(retriever, questions, 0.0, "dev", baseline=True, fitted=fitted)
    assert figures["with"] == figures["without"]
    assert figures["with"]["questions"] == FOLDS and figures["with"]["hit@5"] == 1.0


def test_follow_ups_are_fitted_on_the_query_their_conversation_resolves_to(retriever: Retriever) -> None:
    from eval.adapter_train import conversation_queries
    from eval.schema import EvalQuestion

    follow_up = EvalQuestion(
        id="f1",
        question="具体例は？",
        type="followup",
        answerable=True,
        split="dev",
        history=["AI利用者として個人情報の扱いで注意することは？"],
    )
    alone = follow_up.model_copy(update={"id": "f2", "question": "AIガバナンスとは？", "history": ["AIの安全性について教えて"]})
    single = follow_up.model_copy(update={"id": "s1", "history": []})
    queries = conversation_queries(retriever, [follow_up, alone, single])
    assert set(queries) == {"f1", "f2"}  # only questions with a history
    assert "個人情報" in queries["f1"][0]  # read in the frame of the earlier question
    assert "安全性" not in queries["f2"][0]  # a definition naming its subject stands alone
