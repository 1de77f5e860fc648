"""Query adapter: a linear map of the question's vector, learned on the dev split, one per embedder.

People ask in everyday words (「電気をすごく使う」); the guideline states the matter in its own
(「エネルギー効率」「地球環境への影響」). The embedder places the two apart. The adapter moves
the question's vector towards the passages such questions are answered by::

    q' = normalise(q + q A)

``A`` (d × d) is fitted on the eval ``dev`` split only (``python -m eval.adapter_train``):
each answerable question's vector against the vectors of the passages holding its gold
spans, a softmax over every passage of the corpus, with an L2 penalty on ``A`` that keeps
the map near the identity (the strength is chosen by cross-validation on dev).

What it may be applied to. The map is learned from questions about the bundled documents,
so it knows where *their* answers stand. Applied to a whole index that also holds another
organisation's rules, it draws that organisation's questions to the bundled documents
(measured, eval/README.md). So where the index holds documents it was not fitted on
(``doc_ids``), it is used only for a question whose nearest passage is in a document it knows,
and then only reorders the chunks of those documents, which keep their own raw scores
(:func:`retriever.search.within_fitted`); the others are ranked as embedded. It only ranks:
the raw cosines, which the answerability gate reads, are not changed.

A file ``retriever/query_adapters/<embedder slug>.npz`` holds ``matrix``, and a JSON
``meta`` (format, embedder id, doc_ids, provenance). An embedder without a file, a file
for another embedder or dimension, or an unreadable file: no adapter (logged).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.vector_cache import slug

log = logging.getLogger(__name__)

FORMAT = 1
ADAPTERS_DIR = Path(__file__).with_name("query_adapters")


@dataclass(frozen=True)
class QueryAdapter:
    embedder_id: str
    matrix: np.ndarray  # (d × d), float32
    doc_ids: frozenset[str]  # the documents whose questions it was fitted on
    trained: dict[str, Any] = field(default_factory=dict)

    def apply(self, query_vector: np.ndarray) -> np.ndarray:
        """The adapted, unit-length query vector."""
        return adapt(query_vector, self.matrix)


def adapt(query_vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``normalise(q + q A)`` (pure)."""
    q = np.asarray(query_vector, dtype=np.float32)
    moved = q + q @ matrix
    norm = float(np.linalg.norm(moved))
    return (moved / norm).astype(np.float32) if norm > 0 else q


def adapter_path(embedder_id: str, directory: Path = ADAPTERS_DIR) -> Path:
    return directory / f"{slug(embedder_id)}.npz"


def save_query_adapter(adapter: QueryAdapter, directory: Path = ADAPTERS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = adapter_path(adapter.embedder_id, directory)
    meta = {
        "format": FORMAT,
        "embedder_id": adapter.embedder_id,
        "doc_ids": sorted(adapter.doc_ids),
        "trained": adapter.trained,
    }
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, matrix=adapter.matrix.astype(np.float32), meta=np.array(json.dumps(meta, ensure_ascii=False)))
    tmp.replace(path)
    return path


def load_query_adapter(embedder_id: str, dimension: int, directory: Path = ADAPTERS_DIR) -> QueryAdapter | None:
    """The adapter fitted for ``embedder_id``, or None (the question's vector is used as is)."""
    path = adapter_path(embedder_id, directory)
    if not path.exists():
        log.info("no query adapter for %s", embedder_id)
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            meta = json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError):
        log.warning("query adapter %s unreadable; not used", path, exc_info=True)
        return None
    if meta.get("format") != FORMAT or meta.get("embedder_id") != embedder_id:
        log.warning("query adapter %s is for another embedder or format; not used", path)
        return None
    if matrix.shape != (dimension, dimension) or not np.isfinite(matrix).all():
        log.warning("query adapter %s does not fit vectors of dimension %d; not used", path, dimension)
        return None
    return QueryAdapter(embedder_id, matrix, frozenset(meta.get("doc_ids", [])), dict(meta.get("trained", {})))


def applies_to(adapter: QueryAdapter | None, doc_ids: set[str] | frozenset[str]) -> bool:
    """Is ``adapter`` used on the whole of an index of ``doc_ids``? Only when it was fitted on
    every one of them (else only within those it was fitted on: :func:`applies_within`)."""
    return adapter is not None and set(doc_ids) <= adapter.doc_ids


def applies_within(adapter: QueryAdapter | None, doc_ids: set[str] | frozenset[str]) -> bool:
    """Is ``adapter`` used at all on an index of ``doc_ids``: does it hold a document it was fitted on?"""
    return adapter is not None and bool(set(doc_ids) & adapter.doc_ids)


def describe(embedder_id: str, dimension: int, doc_ids: set[str] | frozenset[str]) -> str:
    """One line for ``guideqa info`` (Japanese: read by the user)."""
    adapter = load_query_adapter(embedder_id, dimension)
    if adapter is None:
        return "質問ベクトルの補正: なし（この埋め込みモデル用の補正ファイルがありません）"
    fitted = f"dev {adapter.trained.get('questions', '?')}問で学習"
    if applies_to(adapter, doc_ids):
        return f"質問ベクトルの補正: 使用中（{fitted}）"
    if applies_within(adapter, doc_ids):
        return f"質問ベクトルの補正: 同梱文書の中の順位づけにのみ使用（{fitted}。最も近い記載が同梱文書にある質問だけ。追加された文書には使いません）"
    return f"質問ベクトルの補正: 不使用（{fitted}。学習に使った文書がインデックスにないため）"
