"""Cost of a follow-up question (`make bench`, part of bench/run_all.py).

Each seed question (the first answerable ones of eval/questions.jsonl) is followed by general
follow-ups (「具体例は？」…). Measured: query embeddings and latency of the follow-up asked
(a) on its own, (b) with ``history`` as text (batch / POST /ask ``history``: the previous
question is answered again) and (c) with the stored state of the previous turn (POST /ask
``conversation_id``); also (d) the last turn of a three-turn conversation sent as ``history``.
``followup_extra_embeddings_max`` is the most query embeddings any follow-up cost beyond the one
a self-contained question costs (the issue's budget: at most 1). Never asserted.

Run on its own: ``PYTHONPATH=. python bench/bench_followup.py``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from guideqa.service import ask_line
from retriever.answer import Answerer
from retriever.conversation import ask_in_context, turn_state

FOLLOW_UPS = ("具体例は？", "もっと詳しく", "それは提供者にも当てはまりますか？", "他には？")
SEEDS = 10


class _Counting:
    def __init__(self, inner: Any) -> None:
        self.inner, self.queries = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_query_np(self, text: str) -> Any:
        self.queries += 1
        return self.inner.embed_query_np(text)


def _seeds(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if r.get("answerable") and not r.get("history")][:SEEDS]


def bench(answerer: Answerer, questions: Path = Path("eval/questions.jsonl")) -> dict[str, float]:
    retriever = answerer.retriever
    counter = _Counting(retriever.embedder)
    retriever.embedder = counter  # type: ignore[assignment]
    runs: dict[str, list[tuple[float, int]]] = {"alone": [], "history": [], "stored": [], "three_turns": []}
    try:
        for seed in _seeds(questions):
            role = seed.get("role")
            state = turn_state(answerer.ask(seed["question"], role=role), answerer)
            for follow in FOLLOW_UPS:
                for mode in runs:
                    counter.queries = 0
                    t = time.perf_counter()
                    if mode == "alone":
                        answerer.ask(follow, role=role)
                    elif mode == "history":
                        ask_line(answerer, {"question": follow, "role": role, "history": [seed["question"]]}, 10)
                    elif mode == "three_turns":
                        history = [seed["question"], FOLLOW_UPS[0]]
                        ask_line(answerer, {"question": follow, "role": role, "history": history}, 10)
                    else:
                        ask_in_context(answerer, follow, role, 10, state)
                    runs[mode].append(((time.perf_counter() - t) * 1000, counter.queries))
    finally:
        retriever.embedder = counter.inner
    out: dict[str, float] = {}
    for mode, values in runs.items():
        out[f"followup_{mode}_p50_ms"] = statistics.median(v[0] for v in values)
        out[f"followup_{mode}_embeddings"] = statistics.mean(v[1] for v in values)
    out["followup_extra_embeddings_max"] = max(v[1] for mode in ("history", "stored", "three_turns") for v in runs[mode]) - 1
    return out


if __name__ == "__main__":
    from guideqa.config import Settings
    from guideqa.service import build_answerer

    for key, value in bench(build_answerer(Settings())).items():
        print(f"{key}\t{value:.2f}")
