"""The retriever's channels on real indexes: sentence max-sim, feedback, fusion fallback, st: embedders."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from guideqa.config import Settings
from guideqa.text import match_key
from ingest.chunking import chunk_sentences
from retriever.search import Retriever, SearchConfig


@pytest.fixture(scope="module")
def retriever(real_settings: Settings) -> Retriever:
    return Retriever.open(real_settings)


def test_sentence_vectors_cover_every_chunk_sentence(retriever: Retriever) -> None:
    expected = sum(len(chunk_sentences(c.text)) for c in retriever.chunks)
    assert len(retriever.sentence_owners) == expected == retriever.index.manifest["sentence_count"]
    assert np.all(np.diff(retriever.sentence_owners) >= 0)
    norms = np.linalg.norm(retriever.sentence_vectors, axis=1)
    assert norms == pytest.approx(np.ones(len(norms)), abs=1e-2)


def test_sentence_channel_scores_a_chunk_by_its_best_sentence(retriever: Retriever) -> None:
    # A statement of the 本編 (C. 共通の指針 1) 人間中心) asked in other words.
    query = "AIを使うときに人の尊厳を傷つけてはいけないと書いてある箇所は？"
    ch = retriever.channels(query)
    best = int(np.argmax(ch["sentence"]))
    assert ch["sentence"][best] >= ch["dense"][best]  # one sentence matches better than the whole chunk
    hits = retriever.hits(query, None, 5)
    assert any("尊厳" in h.chunk.text for h in hits)
    assert all(h.sentence >= -1.0 for h in hits)
    off = replace(retriever.config, sentence_weight=0.0)
    assert not Retriever(retriever.index, retriever.embedder, retriever.tokenizer, off).channels(query)["rrf_sentence"].any()


def test_feedback_extends_the_bm25_side_only_when_on(retriever: Retriever) -> None:
    query = "データの偏りへの対応"
    plain = retriever.channels(query)
    prf = Retriever(retriever.index, retriever.embedder, retriever.tokenizer, replace(retriever.config, prf_docs=5))
    fed = prf.channels(query)
    assert np.array_equal(plain["dense"], fed["dense"])
    assert np.count_nonzero(fed["bm25"]) > np.count_nonzero(plain["bm25"])


def test_default_is_rrf_and_the_learned_model_loads_for_its_embedder(retriever: Retriever) -> None:
    assert retriever.fusion is None  # default: learned fusion off (it did not help on dev)
    learned = Retriever(retriever.index, retriever.embedder, retriever.tokenizer, SearchConfig(learned_fusion=True))
    assert learned.fusion is not None and learned.fusion.embedder_id == retriever.embedder.embedder_id
    hits = learned.hits("AI提供者が利用者に説明すべきことは？", "provider", 5)
    assert len(hits) == 5 and all(0 < h.score < 1 for h in hits)


def test_st_embedder_end_to_end_falls_back_to_rrf(small_settings: Settings) -> None:
    """``--embedder st:<model>``: ingest, sentence vectors and retrieval with the bundled MiniLM."""
    from ingest.pipeline import run_ingest
    from retriever.answer import Answerer

    settings = small_settings.model_copy(update={"embedder": "st:all-MiniLM-L6-v2"})
    report = run_ingest(settings)
    assert report.sentences > report.chunks > 0
    r = Retriever.open(settings)
    assert r.embedder.embedder_id == "st:all-minilm-l6-v2"
    learned = Retriever(r.index, r.embedder, r.tokenizer, SearchConfig(learned_fusion=True))
    assert learned.fusion is None  # no model for this embedder: reciprocal rank fusion
    hits = learned.hits("AIガバナンス", None, 5)
    assert hits and any("ガバナンス" in match_key(h.chunk.text) for h in hits)
    answer = Answerer(r).ask("AIガバナンスとは何ですか？")
    assert answer.passages


def test_a_question_names_a_document_by_alias_title_or_its_one_kind_of_document():
    from types import SimpleNamespace

    docs = {
        "guideline": {"title": "AI事業者ガイドライン（第1.0版）", "aliases": ["AI事業者ガイドライン"]},
        "town": {"title": "あおば町生成AI利用ガイドライン"},
        "school": {"title": "さくら県教育委員会 学校における生成AI活用の手引き"},
    }
    names = lambda q: Retriever.named_documents(SimpleNamespace(documents=docs, _names={}), q)  # noqa: E731
    assert names("AI事業者ガイドラインでは？") == {"guideline"}
    assert names("あおば町生成AI利用ガイドラインの対象は？") == {"town"}
    assert names("この手引きは私立学校にも当てはまりますか") == {"school"}  # one title says 手引き
    assert names("このガイドラインの目的は？") == set()  # two titles say ガイドライン
    assert names("手引きって何ですか") == set()  # a kind of document, not this one


def test_a_passage_mostly_inside_one_ranked_above_is_a_duplicate_not_one_that_holds_it() -> None:
    # A deck's contact list repeats one line of the slide that says what to do: ranked first, the
    # short contact line must not hide the slide (it says more); the other way round, it is a copy.
    from types import SimpleNamespace

    from guideqa.text import char_ngrams
    from retriever.search import Hit
    from retriever.signals import figures

    contact = "・システム部情報セキュリティ担当（内線2470）"
    slide = (
        "・メール内のリンクや添付ファイルを開かない\n"
        "・電話での送金・振込先変更の指示は、必ず登録済みの連絡先へ折り返して確認\n"
        "・不審なメールは削除せず、システム部 情報セキュリティ担当へ転送"
    )
    texts = [contact, slide]
    r = object.__new__(Retriever)
    r.config = SearchConfig()
    r._keys = [set(char_ngrams(match_key(t))) for t in texts]
    r._figures = [figures(match_key(t)) for t in texts]
    r.chunks = [SimpleNamespace(doc_id="deck", text=t) for t in texts]

    def picked(i: int) -> list[Hit]:
        return [Hit(i, r.chunks[i], 1.0, 1.0, 0.0, 1.0, False)]  # type: ignore[arg-type]

    assert not r._is_duplicate(1, picked(0))  # the slide after its contact line: kept
    assert r._is_duplicate(0, picked(1))  # the contact line after the slide: mostly inside it (0.61)
