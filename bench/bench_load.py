"""Load test (`make bench`): many concurrent clients against `guideqa serve` on loopback.

The real server runs as a subprocess on 127.0.0.1 (a free port, a throw-away feedback
database); N client threads, each with its own keep-alive connection, send POST /ask with the
eval questions and, every fifth answer, POST /feedback for it. Bounded by time and by a total
request cap. Reports requests/s, POST /ask latency p50/p95/p99 (ms), the error count (anything
but 200/201, or a transport error; it must be 0) and the server's RSS (all its processes) when
ready, after a warm-up at full concurrency ("before") and after the measured run ("after").

The per-client rate limit is switched off for the server under test (all clients share one
address; the limiter is tested in tests/test_security.py). Exit status 1 when errors > 0.

    .venv/bin/python bench/bench_load.py --clients 16 --seconds 15 --max-requests 3000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
GUIDEQA = Path(sys.executable).parent / "guideqa"
FEEDBACK_EVERY = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes (Linux /proc), in MB."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                pids.append(int(entry.name))
    total_kb = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return round(total_kb / 1024, 1)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))], 1)


def questions() -> list[dict[str, Any]]:
    out = []
    for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append({"question": item["question"][:1000], "role": item.get("role")})
    return out


@dataclass
class Tally:
    ask_ms: list[float] = field(default_factory=list)
    feedback_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, path: str, ms: float) -> None:
        with self.lock:
            (self.ask_ms if path == "/ask" else self.feedback_ms).append(ms)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(message)


def run_load(url: str, clients: int, seconds: float, max_requests: int, qs: list[dict[str, Any]]) -> dict[str, Any]:
    tally = Tally()
    budget = iter(range(max_requests))
    budget_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def post(http: httpx.Client, path: str, body: dict[str, Any], ok: int) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        try:
            resp = http.post(path, json=body)
        except httpx.HTTPError as exc:
            tally.error(f"{path}: {type(exc).__name__}")
            return None
        if resp.status_code != ok:
            tally.error(f"{path}: {resp.status_code} {resp.text[:120]}")
            return None
        tally.ok(path, (time.perf_counter() - t0) * 1000)
        data: dict[str, Any] = resp.json()
        return data

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            sent = 0
            while time.monotonic() < stop_at:
                with budget_lock:
                    i = next(budget, None)
                if i is None:
                    return
                answer = post(http, "/ask", qs[(i * 7 + n) % len(qs)], 200)
                if answer is None:
                    continue
                sent += 1
                if sent % FEEDBACK_EVERY == 0:
                    fb = {"answer_id": answer["answer_id"], "rating": 1 + i % 5, "comment": f"負荷試験 {n}-{sent}"}
                    post(http, "/feedback", fb, 201)

    threads = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    asks, feedback = tally.ask_ms, tally.feedback_ms
    done = len(asks) + len(feedback)
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": done + tally.errors,
        "ask_requests": len(asks),
        "feedback_requests": len(feedback),
        "errors": tally.errors,
        "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "ask_per_s": round(len(asks) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(asks, 0.50),  # latencies of POST /ask
        "p95_ms": pct(asks, 0.95),
        "p99_ms": pct(asks, 0.99),
        "max_ms": round(max(asks), 1) if asks else 0.0,
        "feedback_p95_ms": pct(feedback, 0.95),
        "error_samples": tally.error_samples,
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
                run_load(url, clients, 5.0, 400, qs)
                before = rss_mb(proc.pid)
                result = run_load(url, clients, seconds, max_requests, qs)
                after = rss_mb(proc.pid)
                result |= {"rss_ready_mb": ready, "rss_before_mb": before, "rss_after_mb": after,
                           "rss_growth_mb": round(after - before, 1)}  # fmt: skip
                server_errors = [ln for ln in log_path.read_text(errors="replace").splitlines() if '"ERROR"' in ln]
                result["server_error_lines"] = len(server_errors)
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
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
