"""Embedding cache keyed by (content hash, embedder id).

Two stores share one format (``<slug>.npz`` with ``hashes`` and ``vectors`` plus a
``<slug>.json`` sidecar naming the embedder, the dimension and the npz's sha256):

* the local cache under ``<index_dir>/cache``: re-ingest re-embeds only changed chunks;
* the shipped vectors under ``corpus/vectors``: the default embedder's vectors for the
  bundled corpus, committed so that a fresh ``make run`` is ready in seconds. They are
  verified on load (sidecar, file hash, dimension) and by re-embedding a sample; they are
  used only for chunks whose hash matches.

Each store has a ``kind``: ``chunks`` (``<slug>.npz``) or ``sentences``
(``<slug>.sentences.npz``, the sentence-level vectors, saved as float16 to halve the
shipped size; cosines move by about 1e-3).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def slug(embedder_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_id).strip("_")[:120]


KINDS = {"chunks": ("", np.float32), "sentences": (".sentences", np.float16)}


class VectorStore:
    def __init__(self, directory: Path, embedder_id: str, dimension: int, kind: str = "chunks") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown vector store kind {kind!r}")
        self.directory = directory
        self.embedder_id = embedder_id
        self.dimension = dimension
        self.kind = kind
        self._suffix, self._dtype = KINDS[kind]
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def npz_path(self) -> Path:
        return self.directory / f"{slug(self.embedder_id)}{self._suffix}.npz"

    @property
    def meta_path(self) -> Path:
        return self.directory / f"{slug(self.embedder_id)}{self._suffix}.json"

    def __len__(self) -> int:
        return len(self._vectors)

    def load(self) -> VectorStore:
        """Load if present and valid; an invalid store is ignored (logged), never fatal."""
        if not self.npz_path.exists() or not self.meta_path.exists():
            return self
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            digest = hashlib.sha256(self.npz_path.read_bytes()).hexdigest()
            if meta.get("embedder_id") != self.embedder_id or meta.get("dimension") != self.dimension:
                log.warning("vector store %s is for another embedder; ignored", self.npz_path)
                return self
            if meta.get("sha256") != digest:
                log.warning("vector store %s fails its checksum; ignored", self.npz_path)
                return self
            with np.load(self.npz_path, allow_pickle=False) as data:
                hashes, vectors = data["hashes"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(hashes) != len(vectors):
                log.warning("vector store %s has the wrong shape; ignored", self.npz_path)
                return self
            vectors = vectors.astype(np.float32)
            self._vectors = {str(h): v for h, v in zip(hashes, vectors, strict=True)}
        except Exception:  # a damaged cache must never stop an ingest
            log.warning("vector store %s unreadable; ignored", self.npz_path, exc_info=True)
            self._vectors = {}
        return self

    @property
    def vectors(self) -> dict[str, np.ndarray]:
        """Every vector held, by content hash (a copy of the mapping)."""
        return dict(self._vectors)

    def get(self, content_hash: str) -> np.ndarray | None:
        return self._vectors.get(content_hash)

    def put_many(self, hashes: list[str], vectors: np.ndarray) -> None:
        for h, v in zip(hashes, vectors, strict=True):
            self._vectors[h] = np.asarray(v, dtype=np.float32)

    def keep_only(self, hashes: set[str]) -> None:
        self._vectors = {h: v for h, v in self._vectors.items() if h in hashes}

    def save(self) -> None:
        """Write atomically (temp file + rename)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        hashes = sorted(self._vectors)
        vectors = (
            np.stack([self._vectors[h] for h in hashes]).astype(self._dtype)
            if hashes
            else np.zeros((0, self.dimension), self._dtype)
        )
        tmp = self.npz_path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, hashes=np.array(hashes), vectors=vectors)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        meta = {
            "embedder_id": self.embedder_id,
            "kind": self.kind,
            "dimension": self.dimension,
            "count": len(hashes),
            "sha256": digest,
        }
        meta_tmp = self.meta_path.with_suffix(".tmp.json")
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.npz_path)
        os.replace(meta_tmp, self.meta_path)
