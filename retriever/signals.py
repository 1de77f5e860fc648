"""Pure scoring helpers shared by the retriever and the fusion trainer.

* :func:`rrf` — a reciprocal-rank-fusion contribution from one ranked list;
* :func:`max_by_owner` — multi-granularity dense retrieval: a chunk scored by its
  best-matching sentence (max-sim);
* :class:`TermMatrix` / :func:`feedback_terms` — pseudo-relevance feedback on the BM25 side
  (RM3-style): the query is extended with the terms that weigh most in the top passages of
  the first-stage ranking, weighted by their BM25 weight there.

All ranks and contributions are scale-free, so nothing here depends on an embedder's raw
cosine scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def rrf(scores: np.ndarray, top: int, k: int, *, positive_only: bool = False) -> np.ndarray:
    """``1 / (k + rank)`` for the ``top`` best entries of ``scores`` (rank from 1), 0 elsewhere.

    With ``positive_only`` entries scoring <= 0 (e.g. BM25 with no shared term) get nothing.
    An all-zero ``scores`` contributes nothing.
    """
    out = np.zeros(len(scores), np.float64)
    if not len(scores) or not np.any(scores):
        return out
    top = min(top, len(scores))
    order = np.argsort(-scores, kind="stable")[:top]
    if positive_only:
        order = order[scores[order] > 0]
    out[order] = 1.0 / (k + np.arange(1, len(order) + 1))
    return out


def max_by_owner(scores: np.ndarray, owners: np.ndarray, n: int, fill: float = -1.0) -> np.ndarray:
    """Per owner (chunk row ``0..n-1``), the maximum of its rows' ``scores``; ``fill`` if it has none.

    ``owners`` must be non-decreasing (rows grouped by owner), as stored in the index.
    """
    out = np.full(n, fill, np.float64)
    if not len(owners):
        return out
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    out[owners[starts]] = np.maximum.reduceat(scores, starts)
    return out


@dataclass
class TermMatrix:
    """The BM25 index as a sparse (documents × vocabulary) matrix of per-term BM25 weights."""

    matrix: Any  # scipy.sparse.csr_matrix
    vocab: dict[str, int]
    # Synonym group -> vocabulary words, read on the first expanded query.
    _by_group: dict[int, set[str]] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_bm25(cls, bm25: Any) -> TermMatrix:
        """Read the eager score matrix of a ``bm25s.BM25`` index (CSC over the vocabulary)."""
        from scipy.sparse import csc_matrix

        s = bm25.scores
        vocab = dict(bm25.vocab_dict)
        shape = (int(s["num_docs"]), len(s["indptr"]) - 1)
        matrix = csc_matrix((s["data"], s["indices"], s["indptr"]), shape=shape).tocsr()
        return cls(matrix=matrix, vocab=vocab)

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def synonyms(self, tokens: list[str]) -> list[int]:
        """Ids of the vocabulary's words that share a synonym group with one of ``tokens``
        (:func:`ingest.tokenizer.synonym_groups`), the tokens' own ids left out."""
        from ingest.tokenizer import synonym_bridges, synonym_index

        if self._by_group is None:
            self._by_group = synonym_index(self.vocab)
        own = set(tokens)
        found = synonym_bridges(dict.fromkeys(tokens), index=self._by_group)
        return list(dict.fromkeys(self.vocab[t] for same in found.values() for t in sorted(same) if t not in own))

    def scores(self, weights: dict[int, float]) -> np.ndarray:
        """BM25 scores of a weighted query ``{term id: weight}``."""
        if not weights:
            return np.zeros(self.matrix.shape[0], np.float64)
        q = np.zeros(self.matrix.shape[1], np.float64)
        for tid, w in weights.items():
            q[tid] += w
        return np.asarray(self.matrix @ q).ravel()


def feedback_terms(
    terms: TermMatrix, feedback_docs: list[int], query_ids: list[int], n_terms: int
) -> dict[int, float]:
    """Expansion terms from the feedback documents, weights summing to 1 (query terms excluded).

    A term's weight is its summed BM25 weight over the feedback documents, each document's
    row normalised to sum 1 first (so a long passage does not dominate), the documents
    weighted by rank (1/rank) like a relevance model's P(D|Q). Ties break by term id.
    """
    if not feedback_docs or n_terms <= 0:
        return {}
    acc = np.zeros(terms.matrix.shape[1], np.float64)
    for rank, d in enumerate(feedback_docs, start=1):
        row = terms.matrix.getrow(d)
        total = row.sum()
        if total > 0:
            acc[row.indices] += row.data / total / rank
    acc[list(set(query_ids))] = 0.0
    order = np.argsort(-acc, kind="stable")[:n_terms]
    order = order[acc[order] > 0]
    total = float(acc[order].sum())
    return {int(t): float(acc[t] / total) for t in order} if total > 0 else {}


# A figure with its unit (「令和6年」「4月」「10日」「3営業日」「5万円」「第12条」), in normalised text.
_FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:営業日|開庁日|か月|ヶ月|カ月|週間|時間|年|月|日|分|条|項|号|万円|億円|円|%|人|件|回)")


def figures(text: str) -> frozenset[str]:
    """The figures a text states, each with its unit: two passages of one document that read
    alike but state other figures (a rule and its amendment: 「令和6年4月1日から施行」,
    「令和7年4月1日から施行」) are two facts, not a copy and its original."""
    return frozenset(m.replace(" ", "") for m in _FIGURE_RE.findall(text))
