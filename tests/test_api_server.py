"""The real server: uvicorn on a free loopback port in a thread, called over HTTP with httpx."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from guideqa.config import Settings

QUESTIONS = [
    "AI利用者として個人情報の扱いで注意することは？",
    "AI開発者は学習データについて何に注意すべき？",
    "AI提供者はサービス規約について何をすべき？",
    "AIガバナンスの構築で経営層がすべきことは？",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = real_settings.model_copy(
        update={"feedback_db": tmp_path_factory.mktemp("srv") / "f.sqlite3", "export_token": SecretStr("tok")}
    )
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_real_server_over_http(base_url: str):
    with httpx.Client(base_url=base_url, timeout=60) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json()["ready"] is True
        resp = http.post("/ask", json={"question": QUESTIONS[0], "role": "user"}, headers={"X-Request-ID": "srv-1"})
        assert resp.status_code == 200 and resp.headers["x-request-id"] == "srv-1"
        answer = resp.json()
        assert any(c["item_codes"] == ["U-4) i."] for c in answer["citations"])
        bad = http.post("/ask", json={"question": "質問", "k": 99})
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_k"
        fb = http.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 5})
        assert fb.status_code == 201
        export = http.get("/feedback/export", headers={"Authorization": "Bearer tok"})
        assert export.status_code == 200 and QUESTIONS[0] in export.content.decode("utf-8")


def test_concurrent_requests_give_the_same_answers(base_url: str):
    def ask(question: str) -> tuple[str, str]:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            resp = http.post("/ask", json={"question": question})
            resp.raise_for_status()
            return question, resp.json()["answer"]

    with httpx.Client(base_url=base_url, timeout=60) as http:
        expected = {q: http.post("/ask", json={"question": q}).json()["answer"] for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, QUESTIONS * 4))
    assert len(results) == 16
    for question, text in results:
        assert text == expected[question]
