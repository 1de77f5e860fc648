"""The index directory: layout, atomic writes, loading and validation.

Layout (``<index_dir>`` is the root)::

    <index_dir>/current -> builds/<build-id>     symlink, swapped atomically
    <index_dir>/builds/<build-id>/
        manifest.json     embedder id and dimension, tokenizer, corpus file hashes, counts
        chunks.jsonl      one Chunk per line, in FAISS row order
        vectors.faiss     FAISS IndexFlatIP over L2-normalised vectors
        bm25/             bm25s state over SudachiPy tokens
        sentences.npz     sentence-level vectors (``vectors``) and the chunk row of each (``owners``)
    <index_dir>/cache/    embedding cache, keyed by content hash and embedder id

A build is written into a fresh directory and only then published by replacing the
``current`` symlink (``os.replace`` is atomic), so a failed or interrupted ingest leaves the
previous index serving.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from guideqa.errors import EmbedderMismatchError, IndexCorruptError, IndexMissingError
from guideqa.models import Chunk

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: sentence vectors
KEEP_BUILDS = 2


@dataclass
class IndexData:
    """Everything a retriever needs, loaded in memory."""

    path: Path
    manifest: dict[str, Any]
    chunks: list[Chunk]
    faiss_index: Any
    bm25: Any
    sentence_vectors: np.ndarray  # (n_sentences, dim), L2-normalised
    sentence_owners: np.ndarray  # (n_sentences,), chunk row of each sentence, non-decreasing

    @property
    def embedder_id(self) -> str:
        return str(self.manifest["embedder"]["id"])


def current_dir(index_dir: Path) -> Path:
    return index_dir / "current"


def new_build_dir(index_dir: Path) -> Path:
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = builds / f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}.partial"
    path.mkdir()
    return path


def write_build(
    build_dir: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    vectors: np.ndarray,
    bm25: Any,
    *,
    sentences: Any,
) -> None:
    """Write one build. ``sentences`` has ``vectors`` and ``owners`` (see ``ingest.pipeline.SentenceVectors``)."""
    import faiss

    if len(chunks) != vectors.shape[0]:
        raise ValueError("chunks and vectors differ in length")
    index = faiss.IndexFlatIP(int(vectors.shape[1]))
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(build_dir / "vectors.faiss"))
    with (build_dir / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(chunk.model_dump_json() + "\n")
    bm25.save(str(build_dir / "bm25"), show_progress=False)
    owners = np.asarray(sentences.owners, dtype=np.int32)
    if len(owners) and (np.any(np.diff(owners) < 0) or owners[-1] >= len(chunks)):
        raise ValueError("sentence owners must be non-decreasing chunk rows")
    np.savez(build_dir / "sentences.npz", vectors=np.asarray(sentences.vectors, dtype=np.float32), owners=owners)
    # The manifest is written last: a build without one is incomplete by definition.
    tmp = build_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, build_dir / "manifest.json")


def publish(index_dir: Path, build_dir: Path) -> Path:
    """Make ``build_dir`` the current index atomically; prune old builds."""
    final = build_dir.with_suffix("")
    os.replace(build_dir, final)
    link_tmp = index_dir / f".current.{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path("builds") / final.name, link_tmp)
    os.replace(link_tmp, current_dir(index_dir))
    _prune(index_dir, keep=final)
    return final


def _prune(index_dir: Path, keep: Path) -> None:
    builds = sorted((index_dir / "builds").iterdir(), key=lambda p: p.name)
    complete = [b for b in builds if not b.name.endswith(".partial") and b != keep]
    for old in complete[: max(0, len(complete) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for partial in (b for b in builds if b.name.endswith(".partial")):
        # Leftovers of interrupted ingests older than an hour.
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)


def discard(build_dir: Path) -> None:
    shutil.rmtree(build_dir, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = current_dir(index_dir) / "manifest.json"
    if not path.exists():
        raise IndexMissingError(
            f"インデックスがありません（{index_dir}）。`guideqa ingest` または `make index` で作成してください。"
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"インデックスのマニフェストが壊れています（{path}）。再作成してください。") from exc
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError("インデックスの形式が古いか不明です。`guideqa ingest` で再作成してください。")
    return data


def load_index(index_dir: Path, *, expected_embedder: str | None = None) -> IndexData:
    """Load and validate the current index. Raises IndexMissing/Corrupt/EmbedderMismatch."""
    import bm25s
    import faiss

    manifest = read_manifest(index_dir)
    if expected_embedder and manifest["embedder"]["id"] != expected_embedder:
        raise EmbedderMismatchError(
            "インデックスは別の埋め込みモデルで作成されています"
            f"（インデックス: {manifest['embedder']['id']}、設定: {expected_embedder}）。"
            "同じモデルを指定するか、`guideqa ingest` で作り直してください。"
        )
    root = current_dir(index_dir).resolve()
    try:
        chunks = [
            Chunk.model_validate_json(line)
            for line in (root / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        index = faiss.read_index(str(root / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(root / "bm25"), show_progress=False)
        with np.load(root / "sentences.npz", allow_pickle=False) as sent:
            sentence_vectors, sentence_owners = sent["vectors"], sent["owners"]
    except Exception as exc:  # faiss raises RuntimeError, bm25s OSError/ValueError
        raise IndexCorruptError(
            f"インデックスのファイルが読み込めません（{root.name}）。`guideqa ingest` で再作成してください。"
        ) from exc
    if index.ntotal != len(chunks) or len(chunks) != manifest.get("chunk_count"):
        raise IndexCorruptError("インデックスの件数が一致しません。`guideqa ingest` で再作成してください。")
    if index.d != manifest["embedder"]["dimension"]:
        raise IndexCorruptError("インデックスの次元数がマニフェストと一致しません。再作成してください。")
    if len(sentence_owners) != manifest.get("sentence_count") or (
        len(sentence_owners) and sentence_vectors.shape[1] != index.d
    ):
        raise IndexCorruptError("インデックスの文ベクトルが一致しません。`guideqa ingest` で再作成してください。")
    return IndexData(
        path=root,
        manifest=manifest,
        chunks=chunks,
        faiss_index=index,
        bm25=bm25,
        sentence_vectors=sentence_vectors,
        sentence_owners=sentence_owners,
    )
