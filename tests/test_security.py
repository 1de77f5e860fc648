"""Secrets, CORS and per-client rate limiting (docs/SERVICE.md refers to these tests)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.logs import JsonFormatter
from api.ratelimit import RateLimiter
from guideqa import config
from guideqa.cli import app as cli_app
from guideqa.config import Settings
from guideqa.redact import MASK
from tests.serve_proc import GUIDEQA, serve

PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"
LLM_KEY = "sk-test-9f8e7d6c5b4a3f2e-llm-key"
EXPORT_TOKEN = "export-1a2b3c4d5e6f7a8b-token"
# Distinctive fragments: a partly masked echo ("sk-test-9f8e…") must not appear either.
FRAGMENTS = ("9f8e7d6c5b4a3f2e", "1a2b3c4d5e6f7a8b", LLM_KEY, EXPORT_TOKEN)


def assert_no_secret(text: str, where: str) -> None:
    for fragment in FRAGMENTS:
        assert fragment not in text, f"secret fragment {fragment!r} found in {where}"


class EchoingUpstream(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that rejects the key and quotes it back (as some do)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {self.headers.get('Authorization')}"}})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode("utf-8"))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingUpstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, real_index_dir: Path, tmp_path: Path, upstream: str) -> dict[str, str]:
    env = {
        "GUIDEQA_LLM_API_KEY": LLM_KEY,
        "GUIDEQA_EXPORT_TOKEN": EXPORT_TOKEN,
        "GUIDEQA_LLM_BASE_URL": upstream,
        "GUIDEQA_LLM_MODEL": "test-model",
        "GUIDEQA_INDEX_DIR": str(real_index_dir),
        "GUIDEQA_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config.get_settings.cache_clear()
    yield env
    config.get_settings.cache_clear()


def test_secrets_come_only_from_the_environment(secret_env: dict[str, str]):
    settings = Settings()
    assert isinstance(settings.llm_api_key, SecretStr) and settings.llm_api_key.get_secret_value() == LLM_KEY
    assert isinstance(settings.export_token, SecretStr) and settings.export_token.get_secret_value() == EXPORT_TOKEN
    assert_no_secret(repr(settings) + str(settings) + settings.model_dump_json(), "the settings' repr")
    assert Settings.model_config.get("env_file") is None  # no .env file is read
    helps = [CliRunner().invoke(cli_app, [cmd, "--help"]).output for cmd in ("ask", "batch", "serve", "ingest")]
    assert not any(word in h.lower() for h in helps for word in ("api-key", "api_key", "--token"))


def test_secrets_never_in_responses_or_logs(secret_env: dict[str, str], caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        assert client.get("/readyz").json()["generators"] == ["extractive", "llm"]
        answer = client.post("/ask", json={"question": PRIVACY_Q, "generator": "llm"})
        assert answer.status_code == 200 and answer.json()["generator"] == "extractive"  # upstream refused: fallback
        responses += [
            answer,
            client.post("/ask", json={"question": PRIVACY_Q}),
            client.get("/readyz"),
            client.get("/docs"),
            client.get("/openapi.json"),
            client.post("/ask", json={"question": ""}),  # 422
            client.post("/ask", content=b"\xff", headers={"Content-Type": "application/json"}),  # 400
            client.get("/nowhere"),  # 404
            client.get("/ask"),  # 405
            client.get("/feedback/export"),  # 403 without a token
            client.get("/feedback/export", headers={"Authorization": "Bearer wrong"}),  # 403
            client.get("/feedback/export", headers={"Authorization": f"Bearer {EXPORT_TOKEN}x"}),  # 403
            client.post("/feedback", json={"answer_id": answer.json()["answer_id"], "rating": 5}),
            client.get("/feedback/export", headers={"Authorization": f"Bearer {EXPORT_TOKEN}"}),  # 200
        ]
    assert responses[-1].status_code == 200
    for resp in responses:
        assert_no_secret(resp.text + str(dict(resp.headers)), f"{resp.request.method} {resp.request.url.path}")
    # Our own log lines never carry a secret; the upstream's 401 quotes the key inside a logged
    # traceback, and the production formatter masks it.
    formatter = JsonFormatter()
    for record in caplog.records:
        if record.name.startswith(("api", "guideqa", "retriever", "ingest")) and not record.exc_info:
            assert_no_secret(record.getMessage() + json.dumps(vars(record), default=str), f"log record {record.name}")
        assert_no_secret(formatter.format(record), f"formatted log line of {record.name}")
    echoed = [r for r in caplog.records if r.name == "retriever.llm" and r.exc_info]
    assert echoed and MASK in formatter.format(echoed[0])  # the case the formatter exists for


def test_cli_verbose_never_prints_secrets(secret_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GUIDEQA_GENERATOR", "llm")  # every answer goes to the (refusing, echoing) upstream first
    config.get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "question": PRIVACY_Q}, ensure_ascii=False) + "\n", encoding="utf-8")
    runner = CliRunner()
    outputs = [
        runner.invoke(cli_app, ["-v", "ask", PRIVACY_Q, "--json"]),
        runner.invoke(cli_app, ["-v", "ask", ""]),
        runner.invoke(cli_app, ["-v", "batch", "--in", str(src), "--out", str(tmp_path / "out.jsonl")]),
        runner.invoke(cli_app, ["-v", "info"]),
    ]
    assert outputs[0].exit_code == 0 and outputs[1].exit_code == 2 and outputs[2].exit_code == 0
    for result in outputs:
        assert_no_secret(result.output, "CLI output")
    assert_no_secret((tmp_path / "out.jsonl").read_text(encoding="utf-8"), "batch output")
    # The real process, with its own log handler: the echoed key is masked on stderr.
    env = {k: v for k, v in os.environ.items()}
    proc = subprocess.run([str(GUIDEQA), "-v", "ask", PRIVACY_Q], env=env, capture_output=True, timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, stderr
    assert "LLM call failed" in stderr and MASK in stderr
    assert_no_secret(stderr + proc.stdout.decode("utf-8", "replace"), "`guideqa -v ask` output")


def test_secrets_never_in_real_server_logs(secret_env: dict[str, str], real_index_dir: Path, tmp_path: Path):
    """`guideqa serve --log-level debug` with the secrets set: its whole log output is clean."""
    with serve(real_index_dir, tmp_path / "server.log", secret_env, log_level="debug") as server, httpx.Client(
        base_url=server.url, timeout=60
    ) as http:
        answer = http.post("/ask", json={"question": PRIVACY_Q, "generator": "llm"}).json()
        for resp in (
            http.get("/readyz"),
            http.get("/openapi.json"),
            http.post("/ask", json={"question": PRIVACY_Q, "k": 0}),
            http.get("/feedback/export", headers={"Authorization": "Bearer nope"}),
            http.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 4}),
            http.get("/feedback/export", headers={"Authorization": f"Bearer {EXPORT_TOKEN}"}),
        ):
            assert resp.status_code < 500
            assert_no_secret(resp.text, resp.request.url.path)
    log = server.log()
    assert '"logger": "api.access"' in log and "LLM call failed" in log  # the log really was written
    assert_no_secret(log, "the server log")


# --- CORS ----------------------------------------------------------------------------------------
def test_cors_closed_by_default(real_settings: Settings, tmp_path: Path):
    settings = real_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3"})
    foreign = {"Origin": "https://evil.example"}
    with TestClient(create_app(settings)) as client:
        preflight = client.options("/ask", headers={**foreign, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers
        for resp in (client.get("/healthz", headers=foreign), client.post("/ask", json={"question": PRIVACY_Q},
                                                                             headers=foreign)):  # fmt: skip
            assert resp.status_code == 200 and "access-control-allow-origin" not in resp.headers
    opened = settings.model_copy(update={"cors_origins": "http://127.0.0.1:8501"})
    with TestClient(create_app(opened)) as client:
        ok = client.get("/healthz", headers={"Origin": "http://127.0.0.1:8501"})
        assert ok.headers["access-control-allow-origin"] == "http://127.0.0.1:8501"
        assert "access-control-allow-origin" not in client.get("/healthz", headers=foreign).headers
        refused = client.options("/ask", headers={**foreign, "Access-Control-Request-Method": "POST"})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


# --- rate limiting -------------------------------------------------------------------------------
@pytest.fixture
def limited(real_settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    settings = real_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3", "rate_limit_per_minute": 5})
    with TestClient(create_app(settings), client=("192.0.2.10", 50000)) as client:
        yield client


def test_rate_limit_per_client_with_retry_after(limited: TestClient):
    for _ in range(5):
        assert limited.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code == 200
    resp = limited.post("/ask", json={"question": PRIVACY_Q, "k": 1})
    assert resp.status_code == 429
    body = resp.json()
    assert body["code"] == "rate_limited" and "待って" in body["detail"]
    assert 1 <= int(resp.headers["retry-after"]) <= 12 and body["request_id"] == resp.headers["x-request-id"]
    # Another client is not affected, and the limited client can still use the rest of the API.
    other = TestClient(limited.app, client=("192.0.2.20", 50000))
    assert other.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code == 200
    assert limited.get("/search", params={"q": "AI", "k": 1}).status_code == 200
    assert limited.get("/readyz").status_code == 200


def test_one_client_cannot_starve_the_others(limited: TestClient):
    greedy = TestClient(limited.app, client=("198.51.100.1", 1))
    polite = TestClient(limited.app, client=("198.51.100.2", 2))

    def hammer(_: int) -> int:
        return greedy.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        flood = pool.map(hammer, range(40))
        polite_statuses = [polite.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code for _ in range(5)]
        statuses = list(flood)
    assert polite_statuses == [200] * 5
    assert statuses.count(200) == 5 and statuses.count(429) == 35


def test_exempt_addresses_are_never_limited(real_settings: Settings, tmp_path: Path):
    settings = real_settings.model_copy(
        update={"feedback_db": tmp_path / "f.sqlite3", "rate_limit_per_minute": 1, "rate_limit_exempt": "192.0.2.99, ::1"}
    )
    with TestClient(create_app(settings), client=("192.0.2.99", 1)) as ui_host:
        assert [ui_host.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code for _ in range(3)] == [200] * 3
        other = TestClient(ui_host.app, client=("192.0.2.1", 1))
        assert [other.post("/ask", json={"question": PRIVACY_Q, "k": 1}).status_code for _ in range(2)] == [200, 429]


def test_token_bucket_refills_prunes_and_is_thread_safe():
    now = [0.0]
    limiter = RateLimiter(60, max_clients=50, clock=lambda: now[0])
    assert [limiter.acquire("a") for _ in range(60)] == [0.0] * 60
    assert limiter.acquire("a") == pytest.approx(1.0)  # one token per second at 60/min
    now[0] += 1.0
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    # Concurrent callers never get more than the bucket holds.
    with ThreadPoolExecutor(max_workers=16) as pool:
        allowed = sum(w == 0.0 for w in pool.map(lambda _: limiter.acquire("b"), range(1000)))
    assert allowed == 60
    # Memory stays bounded however many addresses appear.
    for n in range(500):
        now[0] += 0.01
        limiter.acquire(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) <= 50
    assert RateLimiter(0).acquire("x") == 0.0 and not RateLimiter(0).enabled


def test_x_forwarded_for_is_trusted_only_from_configured_proxies(real_settings: Settings, tmp_path: Path):
    """Behind nginx (GUIDEQA_TRUSTED_PROXIES) the client is the address nginx reports; anyone
    else sending X-Forwarded-For cannot choose (or escape) their bucket."""
    settings = real_settings.model_copy(
        update={"feedback_db": tmp_path / "f.sqlite3", "rate_limit_per_minute": 1, "trusted_proxies": "192.0.2.50"}
    )
    with TestClient(create_app(settings), client=("192.0.2.50", 1)) as proxy:
        ask = {"question": PRIVACY_Q, "k": 1}
        # Two clients behind the proxy: one bucket each.
        assert proxy.post("/ask", json=ask, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 200
        assert proxy.post("/ask", json=ask, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200
        assert proxy.post("/ask", json=ask, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429
        # A direct client's header is ignored: its own address is its bucket.
        direct = TestClient(proxy.app, client=("198.51.100.9", 1))
        assert direct.post("/ask", json=ask, headers={"X-Forwarded-For": "203.0.113.3"}).status_code == 200
        assert direct.post("/ask", json=ask, headers={"X-Forwarded-For": "203.0.113.4"}).status_code == 429
