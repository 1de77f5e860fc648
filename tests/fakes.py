"""Deterministic test doubles shared by the test suite."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings


class FakeEmbedder(Embeddings):
    """Character-bigram hashing embedder: deterministic across processes, no model.

    Each character bigram (a lone character for one-character texts) is hashed with
    blake2b (not ``hash()``, which is salted per process) to a signed bucket of a
    64-dimensional vector; rows are L2-normalised. Texts sharing bigrams are close,
    which is enough for retrieval tests. Satisfies ``ingest.embedders.Embedder``.
    """

    embedder_id = "fake:bigram64"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0  # number of embed_*_np calls
        self.texts_embedded = 0  # total texts embedded (documents and queries)

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        grams = [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8", "surrogatepass"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimension
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:  # empty text, or bigrams cancelling out: a fixed unit vector
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed_documents expects a list of strings, not a single string")
        self.calls += 1
        self.texts_embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_query_np(self, text: str) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += 1
        return self._vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_np(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_np(text).tolist()
