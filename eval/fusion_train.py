"""Train the learned fusion (:mod:`retriever.fusion`) on the dev split, with cross-validation.

    python -m eval.fusion_train [--split dev] [--out retriever/fusion_models] [--dry-run]

For every answerable dev question with evidence spans, the retriever's channels are
computed (with RRF fusion, i.e. without any learned model), every candidate chunk (one that
some channel ranks) becomes a row of :func:`retriever.fusion.feature_matrix`, labelled 1
when its text holds a gold span (the eval's relevance, :func:`eval.metrics.relevance`).

A logistic regression (scikit-learn) is fitted for several regularisation strengths C;
each is scored by grouped K-fold cross-validation (folds never split a question) on the
held-out questions' MRR@10 of the candidates ranked by the model. The best C is refitted on
all of dev and written, with its provenance, as ``<embedder slug>.json``. The test split is
never read.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eval import metrics as m
from eval.schema import EvalQuestion, load_questions
from guideqa.config import REPO_ROOT, Settings
from retriever.fusion import FEATURES, MODELS_DIR, FusionModel, feature_matrix, rrf_sum, save_fusion_model
from retriever.roles import detect_role
from retriever.search import Retriever

log = logging.getLogger(__name__)

C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
FOLDS = 5


@dataclass
class QuestionData:
    qid: str
    x: np.ndarray  # candidate features
    y: np.ndarray  # candidate relevance (0/1)
    n_relevant: int


def searched_text(question: str) -> str:
    """What the retriever is given for ``question`` (see retriever.answer.Answerer.ask)."""
    from retriever.answer import clean_question, retrieval_text, search_text

    return retrieval_text(search_text(clean_question(question)))


def query_of(q: EvalQuestion) -> tuple[str, Any]:
    """The text and role the answerer would search with (see retriever.answer.Answerer.ask)."""
    from retriever.answer import clean_question, retrieval_text, search_text

    text = search_text(clean_question(q.question))
    return retrieval_text(text), q.role or detect_role(text)


def collect(retriever: Retriever, questions: Sequence[EvalQuestion]) -> list[QuestionData]:
    """Candidate features and labels per answerable question with evidence spans."""
    out: list[QuestionData] = []
    for q in questions:
        spans = [e.span for e in q.evidence]
        if not q.answerable or not spans:
            continue
        text, role = query_of(q)
        ch = retriever.channels(text, role)
        cand = np.flatnonzero(rrf_sum(ch) > 0)
        x = feature_matrix(ch)[cand]
        y = np.array(m.relevance([retriever.chunks[i].text for i in cand], spans), dtype=np.int64)
        out.append(QuestionData(q.id, x, y, len(spans)))
    return out


def ranking_mrr(data: Sequence[QuestionData], weights: np.ndarray, bias: float, k: int = 10) -> float:
    """Mean reciprocal rank@k of the candidates ranked by the linear model (no de-duplication)."""
    rr = []
    for d in data:
        order = np.argsort(-(d.x @ weights + bias), kind="stable")
        rr.append(m.reciprocal_rank([bool(v) for v in d.y[order]], k))
    return float(np.mean(rr)) if rr else 0.0


def fit(data: Sequence[QuestionData], c: float) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features; weights returned on the raw scale."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([d.x for d in data])
    y = np.concatenate([d.y for d in data])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(x), y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scale))
    return weights, bias


def cross_validate(data: Sequence[QuestionData], cs: Sequence[float] = C_GRID, folds: int = FOLDS) -> dict[float, float]:
    """Held-out MRR per C (grouped K-fold: one question never spans folds)."""
    from sklearn.model_selection import GroupKFold

    groups = np.arange(len(data))
    scores: dict[float, float] = {}
    for c in cs:
        fold_scores = []
        for train_idx, test_idx in GroupKFold(n_splits=folds).split(groups, groups=groups):
            w, b = fit([data[i] for i in train_idx], c)
            fold_scores.append(ranking_mrr([data[i] for i in test_idx], w, b))
        scores[c] = float(np.mean(fold_scores))
    return scores


def train(retriever: Retriever, questions: Sequence[EvalQuestion], split: str = "dev") -> tuple[FusionModel, dict[str, Any]]:
    chosen = [q for q in questions if q.split == split]
    data = collect(retriever, chosen)
    if len(data) < FOLDS:
        raise SystemExit(f"too few {split} questions with evidence to train ({len(data)})")
    cv = cross_validate(data)
    best_c = max(cv, key=lambda c: (cv[c], -c))
    weights, bias = fit(data, best_c)
    rrf_mrr = ranking_mrr(data, _rrf_weights(), 0.0)
    trained = {
        "split": split,
        "questions": len(data),
        "candidates": int(sum(len(d.y) for d in data)),
        "C": best_c,
        "cv_mrr_by_C": {str(c): round(v, 4) for c, v in cv.items()},
        "rrf_mrr_same_candidates": round(rrf_mrr, 4),
        "library": _sklearn_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }
    model = FusionModel(retriever.embedder.embedder_id, FEATURES, weights, bias, trained)
    return model, trained


def _rrf_weights() -> np.ndarray:
    """The fallback fusion expressed on the features (log of RRF sum × priors): the reference."""
    w = np.zeros(len(FEATURES))
    w[FEATURES.index("log_rrf_score")] = 1.0
    return w


def _sklearn_version() -> str:
    import sklearn

    return f"scikit-learn {sklearn.__version__}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", choices=["dev"], help="training split (dev only: test is for reporting)")
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--dry-run", action="store_true", help="print the model, do not write it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings() if args.index_dir is None else Settings(index_dir=args.index_dir)
    base = Retriever.open(settings)
    retriever = Retriever(base.index, base.embedder, base.tokenizer, replace(base.config, learned_fusion=False))
    model, trained = train(retriever, load_questions(args.questions), args.split)
    log.info("trained: %s", trained)
    log.info("weights: %s", dict(zip(FEATURES, np.round(model.weights, 4).tolist(), strict=True)))
    if not args.dry_run:
        log.info("written %s", save_fusion_model(model, args.out))


if __name__ == "__main__":
    main()
