"""Fit the query adapter (:mod:`retriever.query_adapter`) on the dev split, with cross-validation.

    python -m eval.adapter_train [--split dev] [--out retriever/query_adapters] [--dry-run] [--no-follow-ups]
                                 [--synthetic eval/training/synthetic.jsonl [--synthetic-weight W]]

For every answerable dev question with evidence spans (a follow-up: the query the conversation
resolves it to, :func:`conversation_queries`, which is what the retriever is given), the positives are the passages of the index whose text holds a
gold span (the eval's relevance, :func:`eval.metrics.relevance`). A passage's score is the
best of its own cosine and its sentences' (the retriever's dense and sentence channels).
The loss is the softmax cross-entropy of the positives against every passage, plus
``strength × ‖A‖²``, which keeps the map near the identity.

Besides dev, the fit may read written training questions (``--synthetic``, off by default,
:func:`load_synthetic`): questions people would ask, each written from one corpus passage with
the span that answers it (never from an eval question). They join every training fold with
weight ``--synthetic-weight`` and are never held out: the held-out figures are dev questions'.

The strength is chosen by K-fold cross-validation on dev: the held-out MRR@10 of the adapted
dense ranking narrows the grid to its best strength and its neighbours, and among those the
held-out MRR@10 of the system's full ranking (:func:`cross_fitted`) decides. The chosen strength
is refitted on all of dev and written with its provenance.
The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from eval import metrics as m
from eval.fusion_train import query_of, searched_text
from eval.schema import EvalQuestion, load_questions
from guideqa.config import REPO_ROOT, Settings
from guideqa.models import Role
from retriever.query_adapter import ADAPTERS_DIR, QueryAdapter, adapt, save_query_adapter
from retriever.search import Retriever

log = logging.getLogger(__name__)

STRENGTHS: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1)
FOLDS = 5
STEPS = 100
LEARNING_RATE = 1e-3
TEMPERATURE = 0.05
SEED = 0


@dataclass(frozen=True)
class Passages:
    """The corpus side of the training: passage and sentence vectors, each sentence's passage."""

    vectors: np.ndarray
    sentence_vectors: np.ndarray
    owners: np.ndarray

    @classmethod
    def of(cls, retriever: Retriever) -> Passages:
        return cls(retriever.vectors, retriever.sentence_vectors, retriever.sentence_owners)

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """(questions × passages): the best of a passage's cosine and its sentences' (numpy)."""
        out = queries @ self.vectors.T
        if len(self.owners):
            np.maximum.at(out.T, self.owners, (queries @ self.sentence_vectors.T).T)
        return out


@dataclass(frozen=True)
class Extra:
    """Training questions beside the split's (:func:`load_synthetic`): always in the training
    folds, never held out, each weighted ``weight`` against a split question's 1."""

    queries: np.ndarray
    positives: list[list[int]]
    weight: float = 1.0

    @classmethod
    def none(cls) -> Extra:
        return cls(np.zeros((0, 0), dtype=np.float32), [], 0.0)

    def joined(self, queries: np.ndarray, positives: Sequence[Sequence[int]]) -> tuple[np.ndarray, list[Sequence[int]], np.ndarray]:
        """``queries`` and ``positives`` with these appended, and the per-question weights."""
        weights = np.ones(len(positives), dtype=np.float32)
        if not self.positives or self.weight <= 0:
            return queries, list(positives), weights
        extra_w = np.full(len(self.positives), self.weight, dtype=np.float32)
        return np.vstack([queries, self.queries]), [*positives, *self.positives], np.concatenate([weights, extra_w])


def fit_adapter(
    queries: np.ndarray,
    positives: Sequence[Sequence[int]],
    passages: Passages,
    strength: float,
    steps: int = STEPS,
    temperature: float = TEMPERATURE,
    learning_rate: float = LEARNING_RATE,
    extra: Extra | None = None,
) -> np.ndarray:
    """The matrix ``A`` minimising the positives' softmax loss (full batch, Adam, from zero),
    the questions of ``extra`` added with their weight."""
    import torch

    queries, positives, weights = (extra or Extra.none()).joined(queries, positives)

    torch.manual_seed(SEED)
    x = torch.tensor(np.asarray(queries, dtype=np.float32))
    v = torch.tensor(passages.vectors, dtype=torch.float32)
    s = torch.tensor(passages.sentence_vectors, dtype=torch.float32)
    owners = torch.tensor(passages.owners, dtype=torch.int64)
    mask = torch.zeros(len(positives), v.shape[0], dtype=torch.bool)
    for i, pos in enumerate(positives):
        mask[i, list(pos)] = True
    w = torch.tensor(weights / weights.sum())
    a = torch.zeros(v.shape[1], v.shape[1], requires_grad=True)
    opt = torch.optim.Adam([a], lr=learning_rate)
    for _ in range(steps):
        q = x + x @ a
        q = q / q.norm(dim=1, keepdim=True)
        scores = q @ v.T
        if len(owners):
            scores = scores.scatter_reduce(1, owners.expand(len(q), -1), q @ s.T, reduce="amax")
        scores = scores / temperature
        loss = ((torch.logsumexp(scores, 1) - torch.logsumexp(scores.masked_fill(~mask, -1e9), 1)) * w).sum()
        loss = loss + strength * (a**2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return a.detach().numpy().astype(np.float32)


def ranking_mrr(queries: np.ndarray, positives: Sequence[Sequence[int]], passages: Passages, matrix: np.ndarray | None, k: int = 10) -> float:
    """MRR@k of the passages ranked for each (adapted) question."""
    moved = np.array([adapt(q, matrix) for q in queries]) if matrix is not None else queries
    scores = passages.scores(moved)
    rr = []
    for row, pos in zip(scores, positives, strict=True):
        rank = int((row > row[list(pos)].max()).sum()) + 1
        rr.append(1.0 / rank if rank <= k else 0.0)
    return float(np.mean(rr)) if rr else 0.0


def cross_validate(
    queries: np.ndarray,
    positives: Sequence[Sequence[int]],
    passages: Passages,
    strengths: Sequence[float] = STRENGTHS,
    extra: Extra | None = None,
) -> dict[float, float]:
    """Held-out MRR per strength (K folds over questions, fixed seed)."""
    folds = np.random.default_rng(SEED).permutation(len(positives)) % FOLDS
    out: dict[float, float] = {}
    for strength in strengths:
        fold_scores = []
        for f in range(FOLDS):
            train, held = folds != f, folds == f
            matrix = fit_adapter(
                queries[train], [p for p, t in zip(positives, train, strict=True) if t], passages, strength, extra=extra
            )
            fold_scores.append(ranking_mrr(queries[held], [p for p, h in zip(positives, held, strict=True) if h], passages, matrix))
        out[strength] = float(np.mean(fold_scores))
        log.info("strength %s: held-out MRR %.4f", strength, out[strength])
    return out


# id -> (query, role) of the follow-ups, as the conversation resolves them (:func:`conversation_queries`).
_RESOLVED: dict[str, tuple[str, Any]] = {}


def conversation_queries(retriever: Retriever, questions: Sequence[EvalQuestion]) -> dict[str, tuple[str, Any]]:
    """The text and role the retriever is given for each follow-up (a question with a history):
    the earlier turns replayed, the last one resolved in their context
    (:func:`retriever.conversation.resolve`); the question alone when it stands alone."""
    from retriever.answer import Answerer, clean_question
    from retriever.conversation import item_index, known_words, replay, resolve

    answerer = Answerer(retriever)
    items, known = item_index(retriever), known_words(answerer)
    out: dict[str, tuple[str, Any]] = {}
    for q in questions:
        if not q.history or not q.answerable:
            continue
        role = cast(Role | None, q.role)  # validated by the schema
        state = replay(answerer, q.history, role)
        res = resolve(clean_question(q.question), role, state, items, known) if state else None
        if res is None:
            out[q.id] = query_of(q)
        else:
            out[q.id] = (searched_text(res.query), res.role)
    return out


def include_follow_ups(retriever: Retriever, questions: Sequence[EvalQuestion]) -> None:
    """From now on, fit and rank the follow-ups among ``questions`` on the queries their
    conversations resolve them to (:func:`conversation_queries`, made with the adapter off, as
    the training sees the questions)."""
    saved = retriever.config
    retriever.config = replace(saved, query_adapter=False)
    try:
        _RESOLVED.update(conversation_queries(retriever, questions))
    finally:
        retriever.config = saved


def _query_of(q: EvalQuestion) -> tuple[str, Any]:
    return _RESOLVED.get(q.id) or query_of(q)


def collect(retriever: Retriever, questions: Sequence[EvalQuestion]) -> tuple[np.ndarray, list[list[int]], list[str]]:
    """Question vectors, positive passages and ids of the answerable questions with evidence."""
    texts = [c.text for c in retriever.chunks]
    vectors, positives, ids = [], [], []
    for q in questions:
        spans = [e.span for e in q.evidence]
        if not q.answerable or not spans or (q.history and q.id not in _RESOLVED):
            continue
        pos = [i for i, hit in enumerate(m.relevance(texts, spans)) if hit]
        if not pos:
            continue
        text, _ = _query_of(q)
        vectors.append(retriever.query_vector(text))
        positives.append(pos)
        ids.append(q.id)
    return np.array(vectors, dtype=np.float32), positives, ids


SYNTHETIC = REPO_ROOT / "eval" / "training" / "synthetic.jsonl"
SYNTHETIC_WEIGHT = 0.2  # the best of 0.1 / 0.2 / 1.0 on dev cross-validation; off by default (eval/training/README.md)


def load_synthetic(path: Path) -> list[tuple[str, str]]:
    """(question, span) pairs of a training file: one JSON object per line with ``question``
    and ``span`` (a verbatim snippet of the passage it was written from)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record.get("question"), str) or not isinstance(record.get("span"), str):
            raise ValueError(f"{path}:{n}: expected string fields question and span")
        out.append((record["question"], record["span"]))
    return out


def collect_synthetic(retriever: Retriever, pairs: Sequence[tuple[str, str]], weight: float = SYNTHETIC_WEIGHT) -> Extra:
    """The training questions' vectors (searched as the answerer searches them) and the passages
    holding their spans; a pair whose span no passage holds (the corpus changed) is left out."""
    texts = [c.text for c in retriever.chunks]
    vectors, positives = [], []
    for question, span in pairs:
        pos = [i for i, hit in enumerate(m.relevance(texts, [span])) if hit]
        if not pos:
            continue
        vectors.append(retriever.query_vector(searched_text(question)))
        positives.append(pos)
    if len(positives) < len(pairs):
        log.info("training questions: %d of %d spans found in the index", len(positives), len(pairs))
    return Extra(np.array(vectors, dtype=np.float32).reshape(len(vectors), -1), positives, weight)


def train(
    retriever: Retriever, questions: Sequence[EvalQuestion], split: str = "dev", extra: Extra | None = None
) -> tuple[QueryAdapter, dict[str, Any]]:
    queries, positives, ids = collect(retriever, [q for q in questions if q.split == split])
    if len(ids) < FOLDS:
        raise SystemExit(f"too few {split} questions with evidence to train ({len(ids)})")
    passages = Passages.of(retriever)
    cv = cross_validate(queries, positives, passages, extra=extra)
    # The dense ranking's held-out MRR narrows the grid to its best strength and the neighbours;
    # among those, the product's own ranking (fusion with BM25, role and status priors) decides:
    # its held-out MRR with out-of-fold adapters (the same folds).
    grid = sorted(cv)
    i = grid.index(max(cv, key=lambda s: (cv[s], s)))
    candidates = grid[max(0, i - 1) : i + 2]
    system_cv = {
        s: cross_fitted(retriever, questions, s, split, baseline=False, rounded=False, extra=extra)["with"]["mrr"]
        for s in candidates
    }
    for s in candidates:
        log.info("strength %s: held-out MRR of the system's ranking %.4f", s, system_cv[s])
    best = max(system_cv, key=lambda s: (system_cv[s], s))
    matrix = fit_adapter(queries, positives, passages, best, extra=extra)
    doc_ids = sorted(d for d, doc in retriever.documents.items() if doc.get("layout") != "generic")
    trained = {
        "split": split,
        "questions": len(ids),
        "follow_ups": bool(_RESOLVED),
        "training_questions": len(extra.positives) if extra else 0,
        "training_weight": extra.weight if extra else 0.0,
        "strength": best,
        "steps": STEPS,
        "temperature": TEMPERATURE,
        "cv_mrr_by_strength": {str(s): round(v, 4) for s, v in cv.items()},
        "system_cv_mrr_by_strength": {str(s): round(v, 4) for s, v in system_cv.items()},
        "cv_mrr_without": round(ranking_mrr(queries, positives, passages, None), 4),
        "dev_mrr_fitted": round(ranking_mrr(queries, positives, passages, matrix), 4),
        "date": datetime.now(UTC).date().isoformat(),
    }
    return QueryAdapter(retriever.embedder.embedder_id, matrix, frozenset(doc_ids), trained), trained


def fold_adapters(
    retriever: Retriever, questions: Sequence[EvalQuestion], strength: float, split: str = "dev", extra: Extra | None = None
) -> tuple[dict[str, int], dict[int, np.ndarray]]:
    """Each answerable question's fold (the same folds as :func:`cross_validate`) and, per fold,
    the adapter matrix fitted on the other folds."""
    queries, positives, ids = collect(retriever, [q for q in questions if q.split == split])
    passages = Passages.of(retriever)
    folds = dict(zip(ids, (int(f) for f in np.random.default_rng(SEED).permutation(len(ids)) % FOLDS), strict=True))
    matrices = {}
    for f in range(FOLDS):
        train = np.array([folds[i] != f for i in ids])
        matrices[f] = fit_adapter(
            queries[train], [p for p, t in zip(positives, train, strict=True) if t], passages, strength, extra=extra
        )
    return folds, matrices


def cross_fitted(
    retriever: Retriever,
    questions: Sequence[EvalQuestion],
    strength: float,
    split: str = "dev",
    baseline: bool = True,
    rounded: bool = True,
    fitted: tuple[dict[str, int], dict[int, np.ndarray]] | None = None,
    extra: Extra | None = None,
) -> dict[str, dict[str, float]]:
    """Retrieval of the split's questions (the retriever's full ranking, k=10), each ranked by an
    adapter fitted on the other folds (the same folds as :func:`cross_validate`), and (with
    ``baseline``) without an adapter: the held-out estimate of what the adapter adds on dev.
    ``fitted`` passes the folds and matrices of :func:`fold_adapters` made earlier."""
    folds, matrices = fitted or fold_adapters(retriever, questions, strength, split, extra)
    by_id = {q.id: q for q in questions if q.split == split}
    texts = [c.text for c in retriever.chunks]
    saved = retriever.adapter
    ranks: dict[str, list[float]] = {"with": [], "without": []} if baseline else {"with": []}
    try:
        for f in range(FOLDS):
            held = [by_id[i] for i, g in folds.items() if g == f]
            adapted = QueryAdapter(retriever.embedder.embedder_id, matrices[f], frozenset(retriever.documents))
            for name, adapter in (("with", adapted), ("without", None))[: len(ranks)]:
                retriever.adapter = adapter
                for q in held:
                    text, role = _query_of(q)
                    hits = retriever.hits(text, role, 10)
                    relevant = m.relevance([texts[h.index] for h in hits], [e.span for e in q.evidence])
                    ranks[name].append(next((k + 1.0 for k, r in enumerate(relevant) if r), float("inf")))
    finally:
        retriever.adapter = saved

    def figure(value: float) -> float:
        return round(value, 3) if rounded else value

    return {
        name: {
            "questions": len(r),
            "hit@1": figure(float(np.mean([x <= 1 for x in r]))),
            "hit@5": figure(float(np.mean([x <= 5 for x in r]))),
            "mrr": figure(float(np.mean([1 / x for x in r]))),
        }
        for name, r in ranks.items()
    }


def training_questions(retriever: Retriever, path: Path | None, weight: float = SYNTHETIC_WEIGHT) -> Extra | None:
    """The written training questions of ``path`` (none when it is empty or missing)."""
    if path is None or not path.is_file() or weight <= 0:
        return None
    return collect_synthetic(retriever, load_synthetic(path), weight)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--out", type=Path, default=ADAPTERS_DIR)
    parser.add_argument("--dry-run", action="store_true", help="cross-validate and report; write nothing")
    parser.add_argument(
        "--cross-fitted", action="store_true", help="also report the split's retrieval with out-of-fold adapters (slow)"
    )
    parser.add_argument(
        "--follow-ups",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also fit on follow-ups, as their conversations resolve them (default; --no-follow-ups: single questions only)",
    )
    parser.add_argument(
        "--synthetic",
        type=Path,
        default=None,
        help=f"also fit on training questions written from corpus passages (e.g. {SYNTHETIC.relative_to(REPO_ROOT)}; tried, not shipped)",
    )
    parser.add_argument("--synthetic-weight", type=float, default=SYNTHETIC_WEIGHT, help="their weight against a dev question's 1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()
    retriever = Retriever.open(settings)
    retriever.config = replace(retriever.config, query_adapter=False)
    if args.follow_ups:
        include_follow_ups(retriever, [q for q in load_questions(args.questions) if q.split == args.split])
    extra = training_questions(retriever, args.synthetic, args.synthetic_weight)
    adapter, trained = train(retriever, load_questions(args.questions), args.split, extra)
    log.info("trained: %s", trained)
    if args.cross_fitted:
        fitted = cross_fitted(retriever, load_questions(args.questions), trained["strength"], args.split, extra=extra)
        log.info("cross-fitted %s retrieval: %s", args.split, fitted)
    if not args.dry_run:
        log.info("written: %s", save_query_adapter(adapter, args.out))


if __name__ == "__main__":
    main()
