"""The real deployment: PostgreSQL + 3 replicas of `guideqa serve` + nginx (deploy/cluster.py).

Debian's postgresql and nginx are installed by `make deploy-deps` (a prerequisite of
`make test`); the cluster is started here, once for the module, on loopback ports. The test
that SIGKILLs a replica runs last.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api import db
from api.feedback import FeedbackStore
from api.ratelimit import DatabaseRateLimiter
from deploy.cluster import Cluster, running_cluster
from deploy.load import LoadResult, run_load
from guideqa.config import Settings

LIMIT = 12  # /ask per client and minute
TOKEN = "cluster-export-token"
QUESTION = "AI利用者として個人情報の扱いで注意することは？"


@pytest.fixture(scope="module")
def cluster(real_index_dir: Path) -> Iterator[Cluster]:
    with running_cluster(
        replicas_wanted=3,
        index_dir=real_index_dir,
        rate_limit_per_minute=LIMIT,
        rate_limit_exempt="127.0.0.1",  # the load below; the limit test is another client (127.0.0.2)
        extra_env={"GUIDEQA_EXPORT_TOKEN": TOKEN},
        access_log=True,
    ) as running:
        yield running


def client_from(address: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def test_every_replica_serves_the_same_published_index(cluster: Cluster):
    ready = [httpx.get(f"{r.url}/readyz", timeout=10).json() for r in cluster.replicas]
    versions = {r["index_version"] for r in ready}
    assert len(versions) == 1 and "" not in versions, ready
    assert all(r["database"] == "postgresql" and r["rate_limit"] == "shared" for r in ready)
    through_nginx = httpx.get(f"{cluster.url}/readyz", timeout=10).json()
    assert through_nginx["index_version"] in versions


def test_feedback_written_through_one_replica_is_read_back_through_another(cluster: Cluster):
    first, second, third = cluster.replicas
    answer = httpx.post(f"{first.url}/ask", json={"question": QUESTION, "k": 3}, timeout=60).json()
    assert answer["feedback_stored"] is True
    comment = f"別のレプリカから送った評価 {answer['answer_id'][:8]}"
    resp = httpx.post(f"{second.url}/feedback", json={"answer_id": answer["answer_id"], "rating": 4, "comment": comment})
    assert resp.status_code == 201, resp.text
    export = httpx.get(f"{third.url}/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert export.status_code == 200
    rows = [row for row in export.content.decode("utf-8").splitlines() if comment in row]
    assert len(rows) == 1 and QUESTION in rows[0] and answer["answer_id"] in rows[0]


def test_rate_limit_holds_across_replicas(cluster: Cluster):
    """One client through nginx: the replicas share its bucket (per-process buckets would let
    all 2 × LIMIT requests through, LIMIT on each of the 3 replicas)."""
    statuses: list[int] = []
    upstreams: set[str] = set()
    retry_after: list[int] = []
    started = time.monotonic()
    with client_from("127.0.0.2", cluster.url) as http:
        for _ in range(2 * LIMIT):
            resp = http.post("/ask", json={"question": QUESTION, "k": 1})
            statuses.append(resp.status_code)
            if resp.status_code == 200:
                upstreams.add(resp.headers["x-upstream"])
            elif resp.status_code == 429:
                assert resp.json()["code"] == "rate_limited"
                retry_after.append(int(resp.headers["retry-after"]))
    elapsed = time.monotonic() - started
    allowed = statuses.count(200)
    refilled = elapsed * LIMIT / 60
    assert set(statuses) == {200, 429}, statuses
    assert LIMIT <= allowed <= LIMIT + refilled + 1, (allowed, elapsed)
    assert len(upstreams) >= 2, upstreams  # the allowed requests were spread over replicas
    assert retry_after and all(1 <= s <= 60 / LIMIT + 1 for s in retry_after)
    # Per client: another client still has its whole bucket.
    with client_from("127.0.0.3", cluster.url) as other:
        assert other.post("/ask", json={"question": QUESTION, "k": 1}).status_code == 200


def test_postgresql_rate_limit_is_atomic_under_concurrency(cluster: Cluster):
    """20 simultaneous requests of one client against a bucket of 5: exactly 5 pass (one atomic
    upsert each, no lost update), and the wait of the others is one refill interval."""
    engine = db.make_engine(Settings(database_url=SecretStr(cluster.database_url)))
    try:
        limiter = DatabaseRateLimiter(engine, per_minute=5)
        waits: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(20)

        def take() -> None:
            barrier.wait()
            wait = limiter.acquire("198.51.100.7")
            with lock:
                waits.append(wait)

        threads = [threading.Thread(target=take) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert waits.count(0.0) == 5
        assert all(11.0 < w <= 12.0 for w in waits if w)  # 60 / 5 s until the next token
    finally:
        engine.dispose()


def test_sigkill_of_a_replica_mid_load_loses_no_feedback(cluster: Cluster, record_property):
    victim = cluster.replicas[0]
    # An answer given by the victim before it dies: its feedback must still be accepted after.
    before = httpx.post(f"{victim.url}/ask", json={"question": QUESTION, "k": 3}, timeout=60).json()
    results: list[LoadResult] = []
    load = threading.Thread(target=lambda: results.append(run_load(cluster.url, 6, 14.0, 600, feedback_every=2)))
    load.start()
    time.sleep(4.0)
    cluster.kill(victim)  # returns once the process is gone
    killed_at = time.monotonic()
    load.join()
    result = results[0]
    assert not victim.alive()

    errors = result.errors()
    record_property("in_flight_errors", len(errors))
    print(f"\nSIGKILL mid-load: {len(result.outcomes)} requests, {len(errors)} errors (in flight on the victim)")
    # Errors only for requests already sent to the victim when it died: 502 from nginx, naming it.
    for err in errors:
        assert err.status == 502 and victim.address in err.upstream and err.started < killed_at, err
    assert len(errors) <= 6  # at most one in flight per client
    after = [o for o in result.outcomes if o.started > killed_at]
    assert after and all(o.status in (200, 201) for o in after)
    # nginx routed around it: after the kill no answer comes from the victim.
    assert all(o.upstream.split(", ")[-1] != victim.address for o in after)
    assert any(o.started < killed_at and victim.address in o.upstream for o in result.outcomes)

    # Every feedback answered 201 is stored.
    store = FeedbackStore(Settings(database_url=SecretStr(cluster.database_url)))
    try:
        stored = store.feedback_ids()
    finally:
        store.close()
    acked = result.acked_feedback
    assert acked and acked <= stored
    # The victim's answer lives in PostgreSQL: another replica accepts feedback for it.
    resp = httpx.post(f"{cluster.url}/feedback", json={"answer_id": before["answer_id"], "rating": 5}, timeout=30)
    assert resp.status_code == 201 and victim.address not in resp.headers["x-upstream"].split(", ")[-1]
