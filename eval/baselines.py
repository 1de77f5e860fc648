"""Baselines evaluated side by side with the system.

* ``bm25`` / ``dense``: the system's own :class:`Retriever` with a single first-stage signal
  (BM25 alone, or the chunk vectors alone: no sentence channel, no feedback) and reciprocal
  rank fusion with the same role channel and priors (every other setting copied from the
  system's :class:`SearchConfig`), answered by the same extractive answerer with the same
  refusal policy. They isolate the value of combining signals.
* ablations (``system-nosent`` …, see :data:`eval.runner.ABLATIONS`): the system with one
  component switched off (:func:`config_answerer`).
* ``naive``: the recipe copied from tutorials. LangChain ``RecursiveCharacterTextSplitter``
  (1000/200) over the raw corpus text, dense top-k with the same embedder, no structure, no
  roles, no refusal. Its "answer" is the first ~400 characters of the top chunk with the
  citation [1]; its citations are the top-3 chunks. Its vectors are cached with
  :class:`ingest.vector_cache.VectorStore` under ``<index_dir>/cache/naive`` (keyed by content
  hash), so only the first run pays for the embedding.

Everything returns :class:`guideqa.models.Answer`, so all systems produce the same
``guideqa batch`` records.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from guideqa.config import Settings
from guideqa.models import Answer, AnswerSentence, Citation, Passage, Role
from ingest.embedders import Embedder
from ingest.vector_cache import VectorStore
from retriever.answer import Answerer
from retriever.search import Retriever

log = logging.getLogger(__name__)

NAIVE_CHUNK_SIZE = 1000
NAIVE_CHUNK_OVERLAP = 200
NAIVE_ANSWER_CHARS = 400
NAIVE_CITATIONS = 3
NAIVE_CACHE_SUBDIR = "naive"  # own sub-folder: ingest prunes <index_dir>/cache to its own chunks


def config_answerer(system: Answerer, **overrides: object) -> Answerer:
    """A copy of the system's answerer whose retriever's :class:`SearchConfig` has ``overrides``.

    Shares the loaded index, embedder and tokenizer; keeps the system's refusal policy and
    generator, so only retrieval differs.
    """
    base = system.retriever
    config = replace(base.config, **overrides)  # type: ignore[arg-type]
    retriever = Retriever(base.index, base.embedder, base.tokenizer, config=config)
    answerer = Answerer(retriever, policy=system.policy)
    if system.generator is not system.extractive:
        answerer.generator = system.generator
    return answerer


SINGLE_SIGNAL = {"bm25_synonyms": False, "sentence_weight": 0.0, "prf_docs": 0, "learned_fusion": False, "query_adapter": False}


def bm25_answerer(system: Answerer) -> Answerer:
    return config_answerer(system, dense_weight=0.0, bm25_weight=system.retriever.config.bm25_weight or 1.0, **SINGLE_SIGNAL)


def dense_answerer(system: Answerer) -> Answerer:
    return config_answerer(system, dense_weight=system.retriever.config.dense_weight or 1.0, bm25_weight=0.0, **SINGLE_SIGNAL)


# --- naive tutorial RAG -------------------------------------------------------------------
@dataclass(frozen=True)
class NaiveChunk:
    id: str
    doc_id: str
    title: str
    status: str
    version: str
    date: str
    text: str
    content_hash: str


def naive_chunks(settings: Settings) -> list[NaiveChunk]:
    """The raw text of every corpus document, split by RecursiveCharacterTextSplitter(1000, 200)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.pipeline import load_corpus

    splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=NAIVE_CHUNK_OVERLAP)
    docs, _errors = load_corpus(settings)
    out: list[NaiveChunk] = []
    for doc in docs:
        raw = "\n".join(line.text for line in doc.lines)
        for n, text in enumerate(splitter.split_text(raw)):
            meta = doc.meta
            out.append(
                NaiveChunk(
                    id=f"naive:{meta.doc_id}:{n:04d}",
                    doc_id=meta.doc_id,
                    title=meta.title,
                    status=meta.status,
                    version=meta.version,
                    date=meta.date,
                    text=text,
                    content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                )
            )
    return out


def cached_vectors(texts: dict[str, str], embedder: Embedder, cache_dir: Path) -> dict[str, np.ndarray]:
    """Vectors for ``{content_hash: text}``, embedding only what the cache lacks (then saved)."""
    store = VectorStore(cache_dir, embedder.embedder_id, embedder.dimension).load()
    out: dict[str, np.ndarray] = {}
    for h in texts:
        if (v := store.get(h)) is not None:
            out[h] = v
    todo = [h for h in texts if h not in out]
    if todo:
        log.info("naive baseline: embedding %d chunks (%d cached)", len(todo), len(out))
        new = embedder.embed_documents_np([texts[h] for h in todo])
        for h, v in zip(todo, new, strict=True):
            out[h] = v
        store.put_many(todo, new)
        store.keep_only(set(texts))
        store.save()
    else:
        log.info("naive baseline: all %d chunk vectors from cache", len(out))
    return out


class NaiveRAG:
    """Dense top-k over fixed-size chunks, answering with the head of the top chunk."""

    name = "naive"

    def __init__(self, chunks: list[NaiveChunk], vectors: np.ndarray, embedder: Embedder) -> None:
        self.chunks = chunks
        self.vectors = vectors
        self.embedder = embedder

    @classmethod
    def build(cls, settings: Settings, embedder: Embedder | None = None) -> NaiveRAG:
        from ingest.embedders import make_embedder

        embedder = embedder or make_embedder(
            settings.embedder, batch_size=settings.embed_batch_size, threads=settings.embed_threads
        )
        chunks = naive_chunks(settings)
        texts = {c.content_hash: c.text for c in chunks}
        by_hash = cached_vectors(texts, embedder, Path(settings.index_dir) / "cache" / NAIVE_CACHE_SUBDIR)
        vectors = np.stack([by_hash[c.content_hash] for c in chunks]).astype(np.float32)
        return cls(chunks, vectors, embedder)

    def search(self, question: str, k: int = 10) -> list[tuple[NaiveChunk, float]]:
        scores = self.vectors @ self.embedder.embed_query_np(question)
        order = np.argsort(-scores)[:k]
        return [(self.chunks[int(i)], float(scores[int(i)])) for i in order]

    def ask(self, question: str, role: Role | None = None, k: int = 10) -> Answer:
        """Role is accepted for interface parity and ignored (the naive recipe has no roles)."""
        hits = self.search(question, k)
        answer = Answer(question=question, role=None, refused=False, answer="", generator=self.name)
        answer.passages = [_passage(c, s) for c, s in hits]
        if not hits:
            answer.refused = True
            return answer
        # One line: the quote is a single cited block (its line breaks are PDF extraction artefacts).
        head = " ".join(hits[0][0].text[:NAIVE_ANSWER_CHARS].split())
        answer.answer = f"{head} [1]"
        answer.sentences = [AnswerSentence(text=head, citations=[1])]
        answer.citations = [
            Citation(number=n, quotes=[head] if n == 1 else [], **_passage(c, s).model_dump(exclude={"score"}))
            for n, (c, s) in enumerate(hits[:NAIVE_CITATIONS], start=1)
        ]
        return answer


def _passage(chunk: NaiveChunk, score: float) -> Passage:
    return Passage(
        id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        status=chunk.status,  # type: ignore[arg-type]
        version=chunk.version,
        date=chunk.date,
        segment="body",
        section="",
        section_path=[],
        item_codes=[],
        roles=[],
        text=chunk.text,
        score=round(score, 6),
    )
