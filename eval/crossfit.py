"""Cross-fitted dev retrieval: how to judge a retrieval change on dev while an adapter ships.

    python -m eval.crossfit [--set sentence_weight=1.0 --set rrf_k=10 ...] [--split dev]

The shipped query adapter was fitted on the dev questions, so a plain dev run ranks every dev
question with an adapter that has seen it (fitted MRR about 0.9; held out about 0.55). A fusion
weight tuned on that run is tuned to the adapter's memory. Here each dev question is ranked by
the system (the retriever's full ranking, k=10, standalone questions) with an adapter fitted on
the other folds, at the shipped adapter's strength: the held-out figure to tune on. ``--set``
overrides fields of :class:`retriever.search.SearchConfig` for the run. The fold adapters are
cached under ``eval/reports/crossfit/`` (keyed by embedder, strength and the questions), so a
second run costs only the ranking (about 30 s). The test split is never read.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.adapter_train import SYNTHETIC, cross_fitted, fold_adapters, include_follow_ups, training_questions
from eval.schema import load_questions
from guideqa.config import REPO_ROOT, Settings
from retriever.search import Retriever, SearchConfig

log = logging.getLogger(__name__)

CACHE_DIR = REPO_ROOT / "eval" / "reports" / "crossfit"


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs for :class:`SearchConfig` (values as Python literals)."""
    known = {f.name for f in fields(SearchConfig)}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in known:
            raise SystemExit(f"--set {pair!r}: expected KEY=VALUE with KEY one of {sorted(known)}")
        out[key] = ast.literal_eval(value)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    overrides = parse_overrides(args.overrides)
    retriever = Retriever.open(Settings())
    if retriever.adapter is None or "strength" not in retriever.adapter.trained:
        raise SystemExit("no query adapter with a recorded strength ships for this embedder and index")
    strength = float(retriever.adapter.trained["strength"])
    questions = load_questions(args.questions)
    # The shipped adapter was fitted on the follow-ups too (as their conversations resolve them):
    # the folds hold the same questions, and a follow-up is ranked on its resolved query.
    follow_ups = bool(retriever.adapter.trained.get("follow_ups", True))
    if follow_ups:
        include_follow_ups(retriever, [q for q in questions if q.split == args.split])
    # So were the written training questions, when it records them (same file, same weight).
    weight = float(retriever.adapter.trained.get("training_weight", 0.0))
    synthetic = SYNTHETIC.read_bytes() if weight > 0 and SYNTHETIC.is_file() else b""
    key = hashlib.sha256(
        f"{retriever.embedder.embedder_id}|{strength}|{args.split}|{follow_ups}|{weight}|".encode()
        + args.questions.read_bytes()
        + synthetic
    ).hexdigest()[:16]
    cache = CACHE_DIR / f"{key}.npz"
    if cache.exists():
        data = np.load(cache)
        fitted = (json.loads(str(data["folds"])), {int(k[1:]): data[k] for k in data.files if k.startswith("m")})
    else:
        retriever.config = replace(retriever.config, query_adapter=False)  # question vectors as embedded
        extra = training_questions(retriever, SYNTHETIC, weight) if synthetic else None
        fitted = fold_adapters(retriever, questions, strength, args.split, extra)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {f"m{f}": mat for f, mat in fitted[1].items()}
        np.savez(cache, folds=np.array(json.dumps(fitted[0])), **arrays)
    retriever.config = replace(retriever.config, query_adapter=True, **overrides)
    figures = cross_fitted(retriever, questions, strength, args.split, baseline=False, fitted=fitted)["with"]
    log.info("cross-fitted %s %s: %s", args.split, overrides or "(shipped config)", figures)


if __name__ == "__main__":
    main()
