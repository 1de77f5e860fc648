"""Hybrid, role-aware retrieval: FAISS dense + BM25 (SudachiPy), reciprocal rank fusion.

Priors are soft multipliers on the fused score, so a role or a document status re-orders
results but never hides a passage that matches the question outright.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from guideqa.config import Settings
from guideqa.models import Chunk, Passage, Role
from guideqa.text import char_ngrams, match_key
from ingest.chunking import embedding_text
from ingest.embedders import Embedder
from ingest.index_store import IndexData, load_index
from ingest.tokenizer import SudachiTokenizer, Tokenizer
from retriever.definitions import definition_candidates, definition_term
from retriever.expansion import expansions, load_synonyms

log = logging.getLogger(__name__)

# Long pasted questions: the head carries the question; embedding all of it costs seconds.
MAX_DENSE_QUERY_CHARS = 300
# Chunks a follow-up question is about (retriever.conversation), set around one ask() call.
# A context variable keeps concurrent requests (threads) apart.
_FOCUS: ContextVar[tuple[int, ...]] = ContextVar("guideqa_focus", default=())


@dataclass(frozen=True)
class SearchConfig:
    rrf_k: int = 20
    candidates: int = 100
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    own_role_bonus: float = 1.25
    other_role_penalty: float = 0.7
    status_weight: dict[str, float] = field(
        default_factory=lambda: {"current": 1.0, "update": 1.0, "draft": 0.85, "older": 0.8}
    )
    overview_weight: float = 0.75
    duplicate_overlap: float = 0.6
    role_channel_weight: float = 1.0
    definition_channel_weight: float = 1.0
    focus_channel_weight: float = 1.0  # the chunks a follow-up refers to (see Retriever.focus)
    named_document_bonus: float = 1.3  # the question names the document (by an alias)
    main_item_weight: float = 1.15  # the 本編 wording of an item states the obligation itself
    # Reference lists and worked examples rarely state what must be done.
    section_weights: dict[str, float] = field(
        default_factory=lambda: {"[参考文献]": 0.5, "[実践例]": 0.85, "[具体的な手法]": 0.9, "構成員名簿": 0.5, "目次": 0.5}
    )


@dataclass
class Hit:
    """A candidate with the raw signals the answerer and the refusal logic use."""

    index: int
    chunk: Chunk
    score: float
    dense: float
    bm25: float


class Retriever:
    def __init__(
        self,
        index: IndexData,
        embedder: Embedder,
        tokenizer: Tokenizer | None = None,
        config: SearchConfig | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer or SudachiTokenizer()
        self.config = config or SearchConfig()
        self.chunks = index.chunks
        self.vectors = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal).astype(np.float32)
        self.documents: dict[str, dict[str, Any]] = {d["doc_id"]: d for d in index.manifest["documents"]}
        self._by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self._norm = [match_key(c.text) for c in self.chunks]
        self._lines = [{match_key(line) for line in c.text.split("\n")} for c in self.chunks]
        self._keys = [set(char_ngrams(t)) for t in self._norm]
        self.synonyms = load_synonyms()
        self._role_items = {
            role: np.array([i for i, c in enumerate(self.chunks) if role in c.roles and c.item_codes], dtype=np.int64)
            for role in ("developer", "provider", "user")
        }
        self._section_weight = np.array([self._section_prior(c) for c in self.chunks])

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, tokenizer: Tokenizer | None = None) -> Retriever:
        """Load the index and the embedder it was built with (checked)."""
        from ingest.embedders import make_embedder

        embedder = embedder or make_embedder(settings.embedder, threads=settings.embed_threads)
        data = load_index(Path(settings.index_dir), expected_embedder=embedder.embedder_id)
        return cls(data, embedder, tokenizer)

    # -- scoring -------------------------------------------------------------------------
    def hits(self, query: str, role: Role | None = None, k: int = 10) -> list[Hit]:
        cfg = self.config
        n = len(self.chunks)
        qvec = self.embedder.embed_query_np(query[:MAX_DENSE_QUERY_CHARS])
        dense = self.vectors @ qvec
        tokens = self.tokenizer.tokenize(query)
        extra = expansions(query, self.synonyms)
        if extra:
            tokens += self.tokenizer.tokenize(" ".join(extra))
        bm25 = self.index.bm25.get_scores(tokens) if tokens else np.zeros(n, np.float32)
        fused = np.zeros(n, np.float64)
        top = min(cfg.candidates, n)
        for scores, weight in ((dense, cfg.dense_weight), (bm25, cfg.bm25_weight)):
            if not np.any(scores):
                continue
            order = np.argsort(-scores)[:top]
            fused[order] += weight / (cfg.rrf_k + np.arange(1, top + 1))
        if role is not None and cfg.role_channel_weight > 0:
            # A third ranked list: the role's own items only, so that the short, specific
            # D-/P-/U- items compete with long generic passages.
            mask = self._role_items[role]
            own = mask[np.argsort(-fused[mask])][:top]
            own = own[fused[own] > 0]  # only items the question actually matched
            fused[own] += cfg.role_channel_weight / (cfg.rrf_k + np.arange(1, len(own) + 1))
        term = definition_term(query)
        if term and cfg.definition_channel_weight > 0:
            defining = np.array(definition_candidates(self._norm, term, self._lines), dtype=np.int64)
            if len(defining):
                ranked_def = defining[np.argsort(-fused[defining])][:top]
                fused[ranked_def] += cfg.definition_channel_weight / (cfg.rrf_k + np.arange(1, len(ranked_def) + 1))
        focus = _FOCUS.get()
        if focus and cfg.focus_channel_weight > 0:
            # A ranked list of the chunks the conversation points at, best-matching first.
            ids = np.array(focus, dtype=np.int64)
            ranked_focus = ids[np.argsort(-fused[ids], kind="stable")][:top]
            fused[ranked_focus] += cfg.focus_channel_weight / (cfg.rrf_k + np.arange(1, len(ranked_focus) + 1))
        fused *= self._priors(role, self.named_documents(query))
        ranked = [int(i) for i in np.argsort(-fused) if fused[i] > 0]
        picked: list[Hit] = []
        for i in ranked:
            if self._is_duplicate(i, picked):
                continue
            picked.append(Hit(i, self.chunks[i], float(fused[i]), float(dense[i]), float(bm25[i])))
            if len(picked) >= k:
                break
        return picked

    @contextlib.contextmanager
    def focus(self, indices: Sequence[int]) -> Iterator[None]:
        """Within the block, :meth:`hits` in this thread adds a ranked channel of these chunks."""
        token = _FOCUS.set(tuple(int(i) for i in indices if 0 <= int(i) < len(self.chunks)))
        try:
            yield
        finally:
            _FOCUS.reset(token)

    def _section_prior(self, chunk: Chunk) -> float:
        last = chunk.section_path[-1] if chunk.section_path else ""
        for label, weight in self.config.section_weights.items():
            if label in last:
                return weight
        return 1.0

    def named_documents(self, query: str) -> set[str]:
        """Documents the question names (「中間とりまとめでは」「令和7年度の更新で」)."""
        text = match_key(query)
        return {
            doc_id
            for doc_id, doc in self.documents.items()
            if any(match_key(alias) in text for alias in doc.get("aliases", []) if len(alias) >= 3)
        }

    def _priors(self, role: Role | None, named: set[str] = frozenset()) -> np.ndarray:  # type: ignore[assignment]
        cfg = self.config
        weights = self._section_weight.copy()
        for i, c in enumerate(self.chunks):
            doc = self.documents.get(c.doc_id, {})
            if c.doc_id in named:
                w = cfg.named_document_bonus
            else:
                w = cfg.status_weight.get(doc.get("status", "current"), 1.0)
            if c.segment == "overview":
                w *= cfg.overview_weight
            elif c.segment == "main" and c.item_codes:
                w *= cfg.main_item_weight
            if role is not None:
                if role in c.roles:
                    w *= cfg.own_role_bonus
                elif "common" not in c.roles:
                    w *= cfg.other_role_penalty
            weights[i] *= w
        return weights

    def _is_duplicate(self, i: int, picked: list[Hit]) -> bool:
        """Near-duplicates (overview slide vs body text, 別添 re-quotes) collapse to the best."""
        a = self._keys[i]
        if not a:
            return False
        for hit in picked:
            b = self._keys[hit.index]
            if b and len(a & b) / min(len(a), len(b)) >= self.config.duplicate_overlap:
                return True
        return False

    # -- public API ----------------------------------------------------------------------
    def search(self, query: str, role: Role | None = None, k: int = 10) -> list[Passage]:
        return [self.passage(h.chunk, h.score) for h in self.hits(query, role, k)]

    def passage(self, chunk: Chunk, score: float = 0.0) -> Passage:
        return Passage.from_chunk(chunk, self.documents.get(chunk.doc_id, {}), score)

    def get(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return None if i is None else self.chunks[i]

    def neighbours(self, chunk_id: str, span: int = 1) -> tuple[list[Chunk], list[Chunk]]:
        """Chunks just before and after ``chunk_id`` in the same document."""
        i = self._by_id[chunk_id]
        doc = self.chunks[i].doc_id
        before = [c for c in self.chunks[max(0, i - span) : i] if c.doc_id == doc]
        after = [c for c in self.chunks[i + 1 : i + 1 + span] if c.doc_id == doc]
        return before, after

    def embedding_text(self, chunk: Chunk) -> str:
        return embedding_text(chunk)
