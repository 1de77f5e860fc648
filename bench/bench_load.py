"""Load test (`make bench`): many concurrent clients against `guideqa serve` on loopback.

The real server runs as a subprocess on 127.0.0.1 (a free port, a throw-away feedback
database); N client threads, each with its own keep-alive connection, send POST /ask with the
eval questions and, every fifth answer, POST /feedback for it. Bounded by time and by a total
request cap. Reports requests/s, POST /ask latency p50/p95/p99 (ms), the error count (anything
but 200/201, or a transport error; it must be 0) and the server's RSS (all its processes) when
ready, after a warm-up at full concurrency ("before") and after the measured run ("after").
The client loop is deploy/load.py's, shared with the cluster bench and tests/test_cluster.py.

The per-client rate limit is switched off for the server under test (all clients share one
address; the limiter is tested in tests/test_security.py). Exit status 1 when errors > 0.

    .venv/bin/python bench/bench_load.py --clients 16 --seconds 15 --max-requests 3000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.cluster import free_port, process_tree, stop_process  # noqa: E402
from deploy.load import LoadResult, pct, questions, run_load  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GUIDEQA = Path(sys.executable).parent / "guideqa"
FEEDBACK_EVERY = 5


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes (Linux /proc), in MB."""
    total_kb = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return round(total_kb / 1024, 1)


def summary(result: LoadResult, clients: int) -> dict[str, Any]:
    """The bench's figures of one load run (deploy/load.py records every request)."""
    asks = sorted(o.ms for o in result.outcomes if o.path == "/ask" and o.status == 200)
    feedback = sorted(o.ms for o in result.outcomes if o.path == "/feedback" and o.status == 201)
    errors = result.errors()
    elapsed = result.elapsed
    done = len(asks) + len(feedback)
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(result.outcomes),
        "ask_requests": len(asks),
        "feedback_requests": len(feedback),
        "errors": len(errors),
        "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "ask_per_s": round(len(asks) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(asks, 0.50),  # latencies of POST /ask
        "p95_ms": pct(asks, 0.95),
        "p99_ms": pct(asks, 0.99),
        "max_ms": round(asks[-1], 1) if asks else 0.0,
        "feedback_p95_ms": pct(feedback, 0.95),
        "error_samples": [f"{o.path}: {o.status or 'transport'} {o.detail}" for o in errors[:5]],
    }


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early (status {proc.returncode})")
        try:
            resp = httpx.get(f"{url}/readyz", timeout=2)
            if resp.status_code == 200:
                return
            if resp.status_code == 503:
                raise SystemExit(f"server not ready: {resp.json().get('detail')}")
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready in time")


def bench(clients: int = 16, seconds: float = 15.0, max_requests: int = 3000, workers: int = 1) -> dict[str, Any]:
    """Start the server, warm it up, load it, measure; always stops the server."""
    if not 1 <= clients <= 64 or not 0 < seconds <= 120 or not 1 <= max_requests <= 100_000:
        raise SystemExit("--clients must be 1–64, --seconds at most 120, --max-requests at most 100000")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    qs = questions()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("GUIDEQA_FEEDBACK_DB", "GUIDEQA_RATE_LIMIT_PER_MINUTE")}
        env |= {"GUIDEQA_FEEDBACK_DB": str(Path(tmp) / "feedback.sqlite3"), "GUIDEQA_RATE_LIMIT_PER_MINUTE": "0"}
        cmd = [str(GUIDEQA), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning"]  # fmt: skip
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
            try:
                wait_ready(url, proc, timeout=180)
                ready = rss_mb(proc.pid)
                # Warm-up at full concurrency: the server's thread pool and allocator reach their
                # working size, so "before" and "after" compare steady states.
                run_load(url, clients, 5.0, 400, feedback_every=FEEDBACK_EVERY, qs=qs)
                before = rss_mb(proc.pid)
                result = summary(run_load(url, clients, seconds, max_requests, feedback_every=FEEDBACK_EVERY, qs=qs), clients)
                after = rss_mb(proc.pid)
                result |= {"rss_ready_mb": ready, "rss_before_mb": before, "rss_after_mb": after,
                           "rss_growth_mb": round(after - before, 1)}  # fmt: skip
                server_errors = [ln for ln in log_path.read_text(errors="replace").splitlines() if '"ERROR"' in ln]
                result["server_error_lines"] = len(server_errors)
            finally:
                stop_process(proc, signal.SIGINT, timeout=30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-requests", type=int, default=3000, help="cap on POST /ask requests")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    result = bench(args.clients, args.seconds, args.max_requests, args.workers)
    print("| 項目 | 値 |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    print(json.dumps(result, ensure_ascii=False))
    if result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
