"""Learned fusion: a logistic regression over the retriever's signals, one model per embedder.

A model is a small JSON file, ``retriever/fusion_models/<embedder slug>.json``::

    {"format": 1, "embedder_id": "...", "features": [...], "weights": [...], "bias": b,
     "trained": {...provenance: split, questions, cross-validation figures...}}

It is trained on the eval ``dev`` split only (``python -m eval.fusion_train``, see
eval/README.md) and keyed by the embedder id because two features (``dense_gap``,
``sentence_gap``) are on the embedder's raw cosine scale.

Fallback: an embedder without a model file (e.g. ``st:<model>``), a file for another
embedder or with other features is not used (logged); the retriever then fuses with
reciprocal rank fusion and multiplicative priors, which depend on ranks only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.vector_cache import slug

log = logging.getLogger(__name__)

FORMAT = 1
MODELS_DIR = Path(__file__).with_name("fusion_models")
# Per-chunk features, in this order (see feature_matrix).
FEATURES: tuple[str, ...] = (
    "rrf_dense",
    "rrf_sentence",
    "rrf_bm25",
    "rrf_role",
    "rrf_definition",
    "log_prior",
    "dense_gap",
    "sentence_gap",
    "bm25_rel",
    "log_rrf_score",
)


def rrf_sum(ch: dict[str, np.ndarray]) -> np.ndarray:
    """Sum of the RRF contributions of every channel (> 0 exactly for the candidates)."""
    total = ch["rrf_dense"] + ch["rrf_sentence"] + ch["rrf_bm25"] + ch["rrf_role"] + ch["rrf_definition"]
    for extra in ("rrf_focus", "rrf_heading"):  # conversation focus, own-heading match
        if extra in ch:
            total = total + ch[extra]
    return total


def feature_matrix(ch: dict[str, np.ndarray]) -> np.ndarray:
    """(n_chunks × len(FEATURES)) from :meth:`retriever.search.Retriever.channels` output.

    RRF contributions are multiplied by 100 (about 0–5) to keep weights readable; gaps are
    each cosine minus the query's best cosine (<= 0); ``bm25_rel`` is BM25 over the query's
    best BM25 (0–1).
    """
    dense, sentence, bm25 = ch["dense"], ch["sentence"], ch["bm25"]
    best_bm25 = float(bm25.max()) if len(bm25) else 0.0
    rrf_score = rrf_sum(ch) * ch["prior"]
    cols = [
        100 * ch["rrf_dense"],
        100 * ch["rrf_sentence"],
        100 * ch["rrf_bm25"],
        100 * ch["rrf_role"],
        100 * ch["rrf_definition"],
        np.log(np.maximum(ch["prior"], 1e-6)),
        dense - float(dense.max()),
        sentence - float(sentence.max()),
        bm25 / best_bm25 if best_bm25 > 0 else np.zeros(len(bm25)),
        np.log(np.maximum(100 * rrf_score, 1e-3)),
    ]
    return np.column_stack(cols).astype(np.float64)


@dataclass(frozen=True)
class FusionModel:
    embedder_id: str
    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    trained: dict[str, Any]

    def logits(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weights + self.bias

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "embedder_id": self.embedder_id,
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(float(self.bias), 6),
            "trained": self.trained,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FusionModel:
        return cls(
            embedder_id=str(data["embedder_id"]),
            features=tuple(data["features"]),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            trained=dict(data.get("trained", {})),
        )


def model_path(embedder_id: str, directory: Path = MODELS_DIR) -> Path:
    return directory / f"{slug(embedder_id)}.json"


def load_fusion_model(embedder_id: str, directory: Path = MODELS_DIR) -> FusionModel | None:
    """The trained model for ``embedder_id``, or None (fallback: RRF with priors)."""
    path = model_path(embedder_id, directory)
    if not path.exists():
        log.info("no fusion model for %s; using reciprocal rank fusion", embedder_id)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = FusionModel.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("fusion model %s unreadable; using reciprocal rank fusion", path, exc_info=True)
        return None
    if data.get("format") != FORMAT or model.embedder_id != embedder_id:
        log.warning("fusion model %s is for another embedder or format; ignored", path)
        return None
    if model.features != FEATURES or len(model.weights) != len(FEATURES):
        log.warning("fusion model %s has other features than this retriever; ignored", path)
        return None
    return model


def save_fusion_model(model: FusionModel, directory: Path = MODELS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = model_path(model.embedder_id, directory)
    path.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
