"""Loopback load test of the API: `guideqa serve` in a subprocess, N concurrent clients on /ask.

Bounded in time and count, 127.0.0.1 only. Prints requests/s and latency percentiles; never
asserts. Example::

    .venv/bin/python bench/bench_api.py --clients 8 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
GUIDEQA = Path(sys.executable).parent / "guideqa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def questions() -> list[str]:
    lines = (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x)["question"][:1000] for x in lines if x.strip()]


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
                raise SystemExit(f"server not ready: {resp.json()}")
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready in time")


def run_load(url: str, clients: int, seconds: float, max_requests: int, qs: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(max_requests))
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    ok = http.post("/ask", json={"question": qs[(i * 7 + n) % len(qs)]}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt) if ok else None
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(pct(latencies, 0.95), 1) if latencies else 0.0,
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    if not 1 <= args.clients <= 64 or not 0 < args.seconds <= 120:
        raise SystemExit("--clients must be 1–64 and --seconds at most 120")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GUIDEQA_FEEDBACK_DB=str(Path(tmp) / "feedback.sqlite3"))
        cmd = [str(GUIDEQA), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
               "--log-level", "warning"]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_ready(url, proc, timeout=180)
            qs = questions()
            run_load(url, 2, 2.0, 50, qs)  # warm every worker thread
            result = run_load(url, args.clients, args.seconds, args.max_requests, qs)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print("| 項目 | 値 |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
