"""`make bench`: ingest time (cold and with shipped vectors), search/ask latency, RSS, and
the loopback load test of the API server (bench/bench_load.py: requests/s, p50/p95/p99, errors,
server RSS before/after) and the cost of a follow-up question (bench/bench_followup.py).

Measured, never asserted (except that the load test must have no failed request). Prints a
Markdown table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guideqa.config import Settings  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-cold", action="store_true", help="skip the full re-embedding run (~3 min)")
    parser.add_argument("--skip-load", action="store_true", help="skip the API load test (~25 s)")
    args = parser.parse_args()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_cold:
            cold = run_ingest(Settings(index_dir=Path(tmp) / "cold"), use_cache=False)
            results.update(ingest_cold_s=cold.seconds, ingest_cold_chunks=cold.chunks,
                           ingest_cold_chunks_per_s=cold.chunks / cold.seconds)
        settings = Settings(index_dir=Path(tmp) / "warm")
        warm = run_ingest(settings)
        results.update(ingest_shipped_s=warm.seconds, ingest_rss_mb=rss_mb())

        from retriever.answer import Answerer
        from retriever.search import Retriever

        t0 = time.perf_counter()
        answerer = Answerer(Retriever.open(settings))
        results["load_s"] = time.perf_counter() - t0
        questions = [json.loads(x) for x in Path("eval/questions.jsonl").read_text(encoding="utf-8").splitlines()]
        answerer.ask("ウォームアップ")
        search_ms, ask_ms = [], []
        for q in questions:
            text = q["question"][:1000]
            t = time.perf_counter()
            answerer.retriever.search(text, None, 10)
            search_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            with contextlib.suppress(Exception):  # rejected adversarial inputs still count
                answerer.ask(text, role=q.get("role"))
            ask_ms.append((time.perf_counter() - t) * 1000)
        results.update(
            questions=len(questions),
            search_p50_ms=statistics.median(search_ms), search_p95_ms=pct(search_ms, 0.95),
            ask_p50_ms=statistics.median(ask_ms), ask_p95_ms=pct(ask_ms, 0.95),
            peak_rss_mb=rss_mb(),
        )
        from bench_followup import bench as followup_bench  # bench/ is on sys.path when run as a script

        results.update(followup_bench(answerer))
    if not args.skip_load:
        from bench_load import bench as load_bench  # bench/ is on sys.path when run as a script

        load = load_bench(clients=16, seconds=15.0, max_requests=3000)
        results.update({f"load_{k}": v for k, v in load.items() if isinstance(v, int | float)})
    print("| metric | value |\n|---|---|")
    for key, value in results.items():
        print(f"| {key} | {value:.1f} |" if isinstance(value, float) else f"| {key} | {value} |")
    Path("bench/results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if results.get("load_errors"):
        raise SystemExit(f"load test: {results['load_errors']} failed requests")


if __name__ == "__main__":
    main()
