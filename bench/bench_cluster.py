"""`make cluster-bench`: a bounded loopback load through nginx to N replicas sharing PostgreSQL.

For each replica count: start the cluster (deploy/cluster.py), warm up, then run the load
(deploy/load.py; every client from its own loopback address, so every /ask goes through the
shared PostgreSQL rate limit with a limit no client reaches), then check that every feedback
answered 201 is in the database. Prints per configuration the CPU seconds used by the
replicas, PostgreSQL, nginx and the load generator itself, the CPU cost per request, and the
throughput as a ratio to the first configuration of the same run. The last lines are one per
configuration:

    replicas=N rps=… p50=… p95=… errors=… feedback_lost=…

    .venv/bin/python bench/bench_cluster.py --replicas 1,2,4 --clients 16 --seconds 20
    .venv/bin/python bench/bench_cluster.py --replicas 3 --kill-after 8    # one replica SIGKILLed mid-run
Exit status 1 when a configuration has lost feedback or errors other than requests in flight
on a killed replica (those are counted and reported: `killed=1 in_flight_errors=…`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.feedback import FeedbackStore  # noqa: E402
from deploy.cluster import REPO, Cluster, cpu_seconds, process_tree, running_cluster  # noqa: E402
from deploy.load import client_addresses, questions, run_load  # noqa: E402
from guideqa.config import Settings  # noqa: E402

RATE_LIMIT = 100_000  # per client and minute: the limiter runs on every /ask, no client reaches it


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _cpu(cluster: Cluster) -> dict[str, float]:
    return {name: cpu_seconds(pids) for name, pids in cluster.pids().items()} | {"load_generator": _self_cpu()}


def bench_one(
    replicas: int, clients: int, seconds: float, max_requests: int, index_dir: Path, kill_after: float | None = None
) -> dict[str, Any]:
    qs = questions()
    sources = client_addresses(clients)
    with running_cluster(replicas_wanted=replicas, index_dir=index_dir, rate_limit_per_minute=RATE_LIMIT) as cluster:
        run_load(cluster.url, clients, 4.0, 300, sources=sources, qs=qs)  # warm-up: pools, allocators
        killer = None
        victim_cpu = [0.0]  # CPU the killed replica used during the run (read just before the kill)

        def kill_first() -> None:
            victim_cpu[0] = cpu_seconds(process_tree(cluster.replicas[0].proc.pid))
            cluster.kill(cluster.replicas[0])

        if kill_after is not None and replicas > 1:
            # SIGKILL the first replica mid-run: only requests in flight on it may fail.
            killer = threading.Timer(kill_after, kill_first)
        before = _cpu(cluster)
        if killer:
            killer.start()
        result = run_load(cluster.url, clients, seconds, max_requests, sources=sources, qs=qs)
        if killer:
            killer.join()
        after = _cpu(cluster)
        after["replicas"] += victim_cpu[0]
        store = FeedbackStore(Settings(database_url=SecretStr(cluster.database_url)))
        try:
            stored = store.feedback_ids()
        finally:
            store.close()
    summary = result.summary()
    victim = cluster.replicas[0].address
    ok = summary["requests"] - summary["errors"]
    cpu = {name: round(after[name] - before[name], 2) for name in after}
    server_cpu = cpu["replicas"] + cpu["postgres"] + cpu["nginx"]
    return summary | {
        "replicas": replicas,
        "clients": clients,
        "seconds": round(result.elapsed, 1),
        "feedback_lost": len(result.acked_feedback - stored),
        "cpu_s": cpu,
        # CPU per successful request (an /ask or a /feedback), all server processes together.
        "cpu_ms_per_request": round(1000 * server_cpu / ok, 2) if ok else 0.0,
        "replica_cpu_ms_per_request": round(1000 * cpu["replicas"] / ok, 2) if ok else 0.0,
        "error_samples": [f"{o.path} {o.status} {o.upstream} {o.detail}" for o in result.errors()[:5]],
        "killed": 1 if killer else 0,
        # Failures of requests that were on the killed replica (nginx 502 naming it).
        "in_flight_errors": sum(1 for o in result.errors() if killer and o.status == 502 and victim in o.upstream),
    }


def line(r: dict[str, Any]) -> str:
    out = (f"replicas={r['replicas']} rps={r['rps']} p50={r['p50']} p95={r['p95']} errors={r['errors']} "
           f"feedback_lost={r['feedback_lost']}")  # fmt: skip
    if r["killed"]:
        out += f" killed=1 in_flight_errors={r['in_flight_errors']}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", default="3", help="レプリカ数（カンマ区切りで複数、例: 1,2,4）")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=5000, help="cap on POST /ask requests per configuration")
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--kill-after", type=float, default=None,
                        help="この秒数後に1つ目のレプリカを SIGKILL（2レプリカ以上のとき）")  # fmt: skip
    args = parser.parse_args()
    counts = [int(x) for x in args.replicas.split(",") if x.strip()]
    if not counts or not all(1 <= n <= 8 for n in counts):
        raise SystemExit("--replicas は 1〜8 の整数（カンマ区切り）で指定してください。")
    if not 1 <= args.clients <= 64 or not 0 < args.seconds <= 120:
        raise SystemExit("--clients は 1〜64、--seconds は 120 以下で指定してください。")
    results: list[dict[str, Any]] = []
    for n in counts:
        started = time.monotonic()
        r = bench_one(n, args.clients, args.seconds, args.max_requests, args.index_dir, args.kill_after)
        r["ratio_rps"] = round(r["rps"] / results[0]["rps"], 2) if results and results[0]["rps"] else 1.0
        r["wall_s"] = round(time.monotonic() - started, 1)
        results.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
    print("| replicas | rps | ratio | p50 ms | p95 ms | CPU ms/request (all servers) | CPU ms/request (replicas) | errors | feedback_lost |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['replicas']} | {r['rps']} | {r['ratio_rps']} | {r['p50']} | {r['p95']} | {r['cpu_ms_per_request']} "
              f"| {r['replica_cpu_ms_per_request']} | {r['errors']} | {r['feedback_lost']} |")  # fmt: skip
    for r in results:
        print(line(r))
    # Requests in flight on a killed replica may fail (reported); anything else is a failure.
    if any(r["errors"] - r["in_flight_errors"] or r["feedback_lost"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
