"""Answerability thresholds per embedder: stored, looked up, and fitted (``guideqa calibrate``).

The thresholds live in one JSON file (``Settings.calibration_file``, shipped as
``retriever/calibration.json``)::

    {"default": {"min_coverage": ...},            # used for an embedder without a calibration
     "embedders": {"<embedder id>": {"min_dense": ..., "strong_dense": ..., "min_coverage": ...,
                                     "strong_coverage": ..., "fitted": {...}}}}

An embedder is looked up by its exact id, then by the id without its ``@version``. Without an
entry (e.g. a new ``st:`` model) the *safe default* applies: similarity is not used at all
(cosine scales differ between models), only the coverage of the question's words by the
selected sentences and the answer-type check; ``guideqa info`` says so.

:func:`fit` is pure: it takes the features the answerer computed for each dev question and
searches the thresholds that refuse the most unanswerable questions while penalising each
false refusal twice as much (a wrong refusal hides what the guideline says), among those that
refuse at most :data:`MAX_FALSE_REFUSAL` of the answerable ones.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from retriever.answerability import Features, Thresholds, off_vocabulary

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).with_name("calibration.json")
FALSE_REFUSAL_WEIGHT = 2.0
# Thresholds that refuse more than this share of the answerable dev questions are not chosen
# (the product target is at most 0.08 on held-out questions; the margin absorbs the shift).
MAX_FALSE_REFUSAL = 0.05
GRID = 24  # candidate values per threshold (quantile midpoints of the observed values)
VOCAB_DEFAULT = 0.5  # without premise questions to fit on: half the words must be corpus words


@dataclass(frozen=True)
class Policy:
    thresholds: Thresholds
    source: str  # the embedder id the thresholds were fitted for, or "default"
    fitted: dict[str, Any]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": {}, "embedders": {}}
    return data if isinstance(data, dict) else {"default": {}, "embedders": {}}


def _thresholds(entry: dict[str, Any]) -> Thresholds:
    keys = ("min_coverage", "min_dense", "strong_dense", "strong_coverage", "min_vocab")
    values = {k: entry[k] for k in keys if entry.get(k) is not None}
    values.setdefault("min_coverage", SAFE_MIN_COVERAGE)
    return Thresholds(**values)


# Coverage needed when no calibration exists and the file gives no default: half of the
# question's (idf-weighted) words must appear in the quoted sentences.
SAFE_MIN_COVERAGE = 0.5


def load_policy(embedder_id: str, path: Path = DEFAULT_FILE) -> Policy:
    data = _read(path)
    embedders = data.get("embedders", {})
    for key in (embedder_id, embedder_id.split("@", 1)[0]):
        if key in embedders:
            entry = embedders[key]
            return Policy(_thresholds(entry), key, entry.get("fitted", {}))
    default = data.get("default", {})
    keep = ("min_coverage", "min_vocab")
    return Policy(_thresholds({k: v for k, v in default.items() if k in keep}), "default", default.get("fitted", {}))


def save_policy(path: Path, embedder_id: str | None, thresholds: Thresholds, fitted: dict[str, Any]) -> None:
    """Store thresholds for ``embedder_id`` (None: the uncalibrated default), keeping the others."""
    data = _read(path)
    entry = {k: v for k, v in asdict(thresholds).items() if v is not None}
    entry["fitted"] = fitted
    if embedder_id is None:
        data["default"] = {"min_coverage": thresholds.min_coverage, "min_vocab": thresholds.min_vocab, "fitted": fitted}
    else:
        data.setdefault("embedders", {})[embedder_id] = entry
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def describe(policy: Policy) -> str:
    """One Japanese line for ``guideqa info``."""
    t = policy.thresholds
    if policy.source == "default":
        return (
            "回答可否の判定: この埋め込みモデルは未較正のため、安全側の既定値を使います"
            f"（類似度は使わず、質問語の被覆率 ≥ {t.min_coverage:.2f} と回答の型で判定）。"
            "`guideqa calibrate` で較正できます。"
        )
    when = policy.fitted.get("date", "")
    return (
        f"回答可否の判定: {policy.source} 用に較正済み（{policy.fitted.get('split', 'dev')}、{when}）: "
        f"類似度 ≥ {t.min_dense:.3f}、被覆率 ≥ {t.min_coverage:.2f}"
        + (f"（類似度 ≥ {t.strong_dense:.3f} なら被覆率 ≥ {t.strong_coverage:.2f}）" if t.strong_dense is not None else "")
    )


# --- fitting -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One dev question: the answerer's features and whether it should be answered.

    ``premise`` samples carry, for the question with its premise words removed (on-topic
    check), the similarity in ``features.dense`` and the corpus vocabulary share in ``vocab``.
    """

    features: Features
    should_answer: bool
    premise: bool = False
    vocab: float = 0.0


def _candidates(values: np.ndarray, extra: tuple[float, ...] = ()) -> list[float]:
    uniq = np.unique(values)
    mids = (uniq[:-1] + uniq[1:]) / 2 if len(uniq) > 1 else uniq
    if len(mids) > GRID:
        mids = np.quantile(mids, np.linspace(0, 1, GRID))
    return sorted({float(round(x, 4)) for x in mids} | set(extra))


def _score(answered: np.ndarray, should: np.ndarray) -> tuple[float, float, float]:
    unans = ~should
    refusal = float((~answered[unans]).mean()) if unans.any() else 1.0
    false_refusal = float((~answered[should]).mean()) if should.any() else 0.0
    score = refusal - FALSE_REFUSAL_WEIGHT * false_refusal
    return (score if false_refusal <= MAX_FALSE_REFUSAL else score - 10.0), refusal, false_refusal


def _middle(ties: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of the tied first values, then the middle of the second values there."""
    firsts = sorted({a for a, _ in ties})
    first = firsts[len(firsts) // 2]
    seconds = sorted(b for a, b in ties if a == first)
    return first, seconds[len(seconds) // 2]


def search_pairs(pairs: list[tuple[float, float]], score_of: Any) -> tuple[float, list[tuple[float, float]]]:
    """The best score over ``pairs`` and every pair reaching it."""
    best, ties = float("-inf"), []
    for pair in pairs:
        score = score_of(*pair)[0]
        if score > best + 1e-9:
            best, ties = score, [pair]
        elif abs(score - best) <= 1e-9:
            ties.append(pair)
    return best, ties


def fit(samples: list[Sample], *, use_dense: bool = True) -> tuple[Thresholds, dict[str, float]]:
    """Thresholds maximising refusal − 2 × false refusal on ``samples``.

    First the similarity floor and the coverage floor (ties: the middle of the tied range);
    then a "strong similarity" level that asks for less coverage, kept only if it helps.
    """
    gate = [s for s in samples if not s.premise]
    prem = [s for s in samples if s.premise]
    dense = np.array([s.features.dense for s in gate])
    cov = np.array([s.features.coverage for s in gate])
    typed = np.array(
        [s.features.type_found and not s.features.focus_missing and not s.features.rules_missing and not off_vocabulary(s.features.vocab, s.features.coverage) for s in gate],
        dtype=bool,
    )
    should = np.array([s.should_answer for s in gate] + [s.should_answer for s in prem], dtype=bool)
    p_dense = np.array([s.features.dense for s in prem])
    p_vocab = np.array([s.vocab for s in prem])
    inf = float("inf")

    def evaluate(md: float, mc: float, sd: float = inf, sc: float = 0.0) -> tuple[float, float, float]:
        needed = np.where(dense >= sd, sc, mc)
        answered = typed & (dense >= md) & (cov >= needed)
        on = (p_dense >= md) & (p_vocab >= min_vocab)
        return _score(np.concatenate([answered, on]), should)

    search = search_pairs

    dense_c = _candidates(np.concatenate([dense, p_dense]), (-inf,)) if use_dense else [-inf]
    cov_c = _candidates(cov, (0.0,))
    # The vocabulary floor for premise questions: fitted on them alone (similarity ignored).
    min_vocab = VOCAB_DEFAULT
    if len(prem):
        p_should = np.array([s.should_answer for s in prem], dtype=bool)
        _, vties = search_pairs(
            [(v, 0.0) for v in _candidates(p_vocab, (0.0,))],
            lambda v, _: _score(p_vocab >= v, p_should),
        )
        min_vocab = _middle(vties)[0]
    base, ties = search(list(product(dense_c, cov_c)), evaluate)
    md, mc = _middle(ties)
    sd, sc = inf, 0.0
    if use_dense:
        pairs = [(d, c) for d, c in product(_candidates(dense), cov_c) if d > md and c < mc]
        strong, sties = search(pairs, lambda d, c: evaluate(md, mc, d, c))
        if sties and strong > base + 1e-9:
            sd, sc = _middle(sties)
    _, refusal, false_refusal = evaluate(md, mc, sd, sc)
    thresholds = Thresholds(
        min_vocab=min_vocab,
        min_coverage=mc,
        min_dense=md if md != -inf else None,
        strong_dense=sd if sd != inf else None,
        strong_coverage=sc if sd != inf else None,
    )
    return thresholds, {"refusal": round(refusal, 3), "false_refusal": round(false_refusal, 3)}


def fitted_info(split: str, samples: list[Sample], stats: dict[str, float]) -> dict[str, Any]:
    return {
        "split": split,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "questions": len(samples),
        "unanswerable": sum(1 for s in samples if not s.should_answer),
        **stats,
    }
