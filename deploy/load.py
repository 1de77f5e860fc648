"""A bounded loopback load through the balancer, recording every request (bench and tests).

N client threads, each with its own keep-alive connection and, optionally, its own loopback
source address (127.0.0.0/8 is all loopback on Linux: each client is then a different
client for the per-client rate limit behind nginx). Each sends POST /ask and, every
``feedback_every``-th answer, POST /feedback for it. Bounded by time and by a request cap.
Nothing is retried: every failure is recorded with the replica nginx names in X-Upstream.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    path: str
    status: int  # 0 = transport error (no HTTP response)
    ms: float
    started: float  # time.monotonic() when sent
    upstream: str = ""  # X-Upstream: the replica(s) nginx tried, "a, b" after a retry
    detail: str = ""


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    acked_feedback: set[int] = field(default_factory=set)  # feedback ids answered 201
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome, feedback_id: int | None = None) -> None:
        with self.lock:
            self.outcomes.append(outcome)
            if feedback_id is not None:
                self.acked_feedback.add(feedback_id)

    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status not in (200, 201)]

    def summary(self) -> dict[str, Any]:
        asks = sorted(o.ms for o in self.outcomes if o.path == "/ask" and o.status == 200)
        ok = sum(1 for o in self.outcomes if o.status in (200, 201))
        return {
            "requests": len(self.outcomes),
            "rps": round(ok / self.elapsed, 1) if self.elapsed else 0.0,
            "p50": pct(asks, 0.50),
            "p95": pct(asks, 0.95),
            "errors": len(self.errors()),
            "feedback_acked": len(self.acked_feedback),
        }


def pct(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of sorted values, in ms."""
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))], 1)


def questions() -> list[dict[str, Any]]:
    out = []
    for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append({"question": item["question"][:1000], "role": item.get("role")})
    return out


def client_addresses(n: int) -> list[str]:
    """One loopback source address per client: 127.0.1.1, 127.0.1.2, …"""
    return [f"127.0.1.{i + 1}" for i in range(n)]


def run_load(
    url: str,
    clients: int,
    seconds: float,
    max_requests: int,
    *,
    sources: list[str] | None = None,
    feedback_every: int = 5,
    qs: list[dict[str, Any]] | None = None,
) -> LoadResult:
    qs = qs or questions()
    result = LoadResult()
    budget = iter(range(max_requests))
    budget_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def post(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        started = time.monotonic()
        try:
            resp = http.post(path, json=body)
        except httpx.HTTPError as exc:
            result.add(Outcome(path, 0, (time.monotonic() - started) * 1000, started, "", type(exc).__name__))
            return None
        ms = (time.monotonic() - started) * 1000
        upstream = resp.headers.get("x-upstream", "")
        ok = resp.status_code == (201 if path == "/feedback" else 200)
        data: dict[str, Any] | None = resp.json() if ok else None
        feedback_id = int(data["feedback_id"]) if ok and path == "/feedback" and data else None
        result.add(Outcome(path, resp.status_code, ms, started, upstream, "" if ok else resp.text[:120]), feedback_id)
        return data

    def client(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=sources[n % len(sources)]) if sources else None
        with httpx.Client(base_url=url, timeout=60, transport=transport) as http:
            sent = 0
            while time.monotonic() < stop_at:
                with budget_lock:
                    i = next(budget, None)
                if i is None:
                    return
                answer = post(http, "/ask", qs[(i * 7 + n) % len(qs)])
                if answer is None:
                    continue
                sent += 1
                if sent % feedback_every == 0:
                    post(http, "/feedback", {"answer_id": answer["answer_id"], "rating": 1 + i % 5, "comment": f"負荷試験 {n}-{sent}"})

    threads = [threading.Thread(target=client, args=(n,), name=f"load-{n}") for n in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.monotonic() - start
    return result
