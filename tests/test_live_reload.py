"""Live reload: a running `guideqa serve` switches to a newly published index under load.

The real server runs in a child process; the test adds a document with `guideqa add`'s library
call (which publishes a new build by the atomic symlink swap) while threads keep calling the
API. Every response must succeed and come wholly from one index: the old one or the new one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx

from guideqa.config import Settings
from ingest.corpus_edit import add_document
from ingest.pipeline import run_ingest
from tests.conftest import make_small_corpus
from tests.municipal import PDF_NAME, write_municipal
from tests.serve_proc import serve

SWITCH_DEADLINE = 60.0


def _worker(url: str, stop: threading.Event, out: list[dict[str, Any]], n: int) -> None:
    calls = [
        ("GET", "/search", {"q": "生成AIに個人情報を入力してよいか", "k": 10}),
        ("GET", "/documents", None),
        ("POST", "/ask", {"question": "住民の個人情報を生成AIに入力してもよいですか"}),
    ]
    i = n
    with httpx.Client(base_url=url, timeout=60) as http:
        while not stop.is_set():
            method, path, params = calls[i % len(calls)]
            i += 1
            resp = http.get(path, params=params) if method == "GET" else http.post(path, json=params)
            out.append({"path": path, "status": resp.status_code, "build": resp.headers.get("x-index-version"),
                        "body": resp.json(), "at": time.monotonic()})  # fmt: skip


def _doc_ids(record: dict[str, Any]) -> set[str]:
    body = record["body"]
    if record["path"] == "/documents":
        return {d["doc_id"] for d in body["documents"]}
    if record["path"] == "/search":
        return {p["doc_id"] for p in body["passages"]}
    return {c["doc_id"] for c in body["citations"]} | {p["doc_id"] for p in body["passages"]}


def test_running_server_switches_to_a_new_index_under_load(tmp_path: Path):
    corpus = make_small_corpus(tmp_path / "corpus")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", shipped_vectors=Settings().shipped_vectors)
    run_ingest(settings)
    src = tmp_path / "incoming"
    write_municipal(src)
    env = {"GUIDEQA_RELOAD_INTERVAL": "0.5", "GUIDEQA_FEEDBACK_DB": str(tmp_path / "f.sqlite3"),
           "GUIDEQA_RATE_LIMIT_EXEMPT": "127.0.0.1"}  # fmt: skip
    with serve(settings.index_dir, tmp_path / "serve.log", env) as server:
        ready = httpx.get(f"{server.url}/readyz", timeout=10).json()
        old_build, old_chunks = ready["index_version"], ready["chunks"]
        records: list[dict[str, Any]] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_worker, args=(server.url, stop, records, n)) for n in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            meta, report = add_document(settings, src / PDF_NAME, status="current", publisher="みどり市")
            published = time.monotonic()
            new_build = report.build.name if report.build else ""
            while True:
                ready = httpx.get(f"{server.url}/readyz", timeout=10).json()
                if ready["index_version"] == new_build:
                    break
                assert time.monotonic() - published < SWITCH_DEADLINE, server.log()[-3000:]
                time.sleep(0.2)
            switched = time.monotonic() - published
            time.sleep(2.0)  # keep the load on after the switch
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
        assert ready["chunks"] > old_chunks and ready["documents"] == 3
        docs = httpx.get(f"{server.url}/documents", timeout=10).json()["documents"]
        added = next(d for d in docs if d["doc_id"] == meta.doc_id)
        assert added["title"] == "みどり市 生成AI利用ガイドライン" and added["publisher"] == "みどり市" and added["chunks"] >= 9
        hits = httpx.get(f"{server.url}/search", params={"q": "入力禁止情報", "k": 5}, timeout=30).json()["passages"]
        assert hits[0]["doc_id"] == meta.doc_id and "第4条" in hits[0]["section"] and hits[0]["page_start"] == 2

    assert switched < SWITCH_DEADLINE
    assert len(records) >= 10
    assert all(r["status"] == 200 for r in records), [r for r in records if r["status"] != 200][:3]
    builds = {r["build"] for r in records}
    assert builds == {old_build, new_build}  # requests were served before and after the switch
    for record in records:
        ids = _doc_ids(record)
        if record["build"] == old_build:
            assert meta.doc_id not in ids  # nothing of the new index in an old-index answer
        elif record["path"] == "/documents":
            assert meta.doc_id in ids
    assert "reloaded" in server.log()


def test_a_broken_new_build_leaves_the_serving_index_in_place(tmp_path: Path):
    import os

    from api.state import AppState, current_build

    corpus = make_small_corpus(tmp_path / "corpus")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", shipped_vectors=Settings().shipped_vectors,
                        feedback_db=tmp_path / "f.sqlite3")  # fmt: skip
    run_ingest(settings)
    state = AppState(settings)
    state.load()
    assert state.ready and state.snapshot is not None
    serving = state.snapshot
    assert state.reload_if_changed() is False  # nothing new published
    # Publish a build whose vectors are cut in half: it must not replace the serving snapshot.
    builds = settings.index_dir / "builds"
    broken = builds / "broken"
    broken.mkdir()
    for f in (builds / current_build(settings)).iterdir():
        target = broken / f.name
        if f.is_dir():
            target.symlink_to(f)
        else:
            data = f.read_bytes()
            target.write_bytes(data[: len(data) // 2] if f.name == "vectors.faiss" else data)
    link = settings.index_dir / ".tmp-link"
    link.symlink_to(Path("builds") / "broken")
    os.replace(link, settings.index_dir / "current")
    assert state.reload_if_changed() is False
    assert state.snapshot is serving and state.ready
    assert state.reload_if_changed() is False  # the same broken build is not retried in a loop
    # The next good publication is picked up.
    report = run_ingest(settings)
    assert state.reload_if_changed() is True
    assert state.snapshot is not serving and state.snapshot.build == report.build.name
