"""The HTTP API through TestClient: every endpoint, every error shape, logging and CORS."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.feedback import FeedbackStore
from guideqa.cli import app as cli_app
from guideqa.config import Settings

TOKEN = "t0ken-for-tests"
BATCH_KEYS = {"id", "question", "role", "refused", "answer", "sentences", "citations", "passages", "notes", "generator"}
PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"


@pytest.fixture(scope="module")
def settings(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    db = tmp_path_factory.mktemp("api") / "feedback.sqlite3"
    return real_settings.model_copy(update={"feedback_db": db, "export_token": SecretStr(TOKEN)})


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def down(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A service whose index is missing, sharing the feedback database; export not configured."""
    empty = tmp_path_factory.mktemp("no-index")
    broken = settings.model_copy(update={"index_dir": empty, "export_token": None})
    with TestClient(create_app(broken), raise_server_exceptions=False) as c:
        yield c


def ask(client: TestClient, **body):
    return client.post("/ask", json={"question": PRIVACY_Q, **body})


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and body["detail"], body
    assert not body["detail"].isascii(), "detail must be Japanese"
    assert body["request_id"] == resp.headers["x-request-id"]
    return body


# --- /ask ---------------------------------------------------------------------------------
def test_ask_returns_a_batch_record_plus_answer_id(client):
    resp = ask(client, role="U", k=5)
    assert resp.status_code == 200
    data = resp.json()
    assert set(data) >= BATCH_KEYS and data["answer_id"] and data["id"] == data["answer_id"]
    assert data["role"] == "user" and not data["refused"] and len(data["passages"]) == 5
    assert any(c["item_codes"] == ["U-4) i."] for c in data["citations"])
    assert resp.headers["x-request-id"]


def test_ask_echoes_client_id_and_request_id(client):
    resp = ask(client, id="q-17", role="AI利用者", generator="extractive")
    assert resp.status_code == 200 and resp.json()["id"] == "q-17"
    resp = client.post("/ask", json={"question": PRIVACY_Q}, headers={"X-Request-ID": "req-abc.1"})
    assert resp.headers["x-request-id"] == "req-abc.1"
    bad = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert bad.headers["x-request-id"] != "bad id with spaces" and len(bad.headers["x-request-id"]) == 32


def test_ask_out_of_scope_is_refused(client):
    data = client.post("/ask", json={"question": "明日の東京の天気は？"}).json()
    assert data["refused"] and not data["citations"] and data["passages"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question": "   "}, "empty_question"),
        ({}, "empty_question"),
        ({"question": "あ" * 1001}, "question_too_long"),
        ({"question": "あ" * 20001}, "question_too_long"),
        ({"question": 12}, "invalid_query"),
        ({"question": "質問", "role": "boss"}, "unknown_role"),
        ({"question": "質問", "role": 3}, "unknown_role"),
        ({"question": "質問", "k": 0}, "invalid_k"),
        ({"question": "質問", "k": 51}, "invalid_k"),
        ({"question": "質問", "k": "5"}, "invalid_k"),
        ({"question": "質問", "k": True}, "invalid_k"),
        ({"question": "質問", "k": 2.5}, "invalid_k"),
        ({"question": "質問", "id": False}, "invalid_id"),
        ({"question": "質問", "generator": "llm"}, "unknown_generator"),  # not configured on this server
        ({"question": "質問", "generator": "gpt-9"}, "unknown_generator"),
        ([1, 2], "invalid_body"),
    ],
)
def test_ask_rejects_bad_input_with_japanese_422(client, body, code):
    assert_error(client.post("/ask", json=body), 422, code)


def test_ask_question_length_counts_after_trimming(client):
    resp = client.post("/ask", json={"question": "  " + "ガバナンス" * 200 + "\n  ", "k": 1})
    assert resp.status_code == 200, resp.text


def test_malformed_json_is_a_422(client):
    resp = client.post("/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert_error(resp, 422, "invalid_json")


# --- /search, /passages ---------------------------------------------------------------------
def test_search_ranks_passages(client):
    resp = client.get("/search", params={"q": "生成AIの偽情報への対策", "k": 4, "role": "provider"})
    data = resp.json()
    assert resp.status_code == 200 and data["role"] == "provider" and data["k"] == 4
    scores = [p["score"] for p in data["passages"]]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True)
    assert {"id", "doc_id", "title", "section", "item_codes", "roles", "location", "text"} <= set(data["passages"][0])


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, "empty_question"), ({"q": " "}, "empty_question"), ({"q": "a", "k": 0}, "invalid_k"),
     ({"q": "a", "k": "x"}, "invalid_k"), ({"q": "a", "role": "admin"}, "unknown_role")],
)  # fmt: skip
def test_search_errors(client, params, code):
    assert_error(client.get("/search", params=params), 422, code)


def test_passage_with_neighbours(client):
    pid = client.get("/search", params={"q": "個人情報を不適切に入力", "k": 1}).json()["passages"][0]["id"]
    data = client.get(f"/passages/{pid}", params={"span": 2}).json()
    assert data["passage"]["id"] == pid
    assert 1 <= len(data["before"]) <= 2 and len(data["after"]) <= 2
    assert all(p["doc_id"] == data["passage"]["doc_id"] for p in data["before"] + data["after"])
    alone = client.get(f"/passages/{pid}", params={"span": 0}).json()
    assert alone["before"] == [] and alone["after"] == []
    assert_error(client.get("/passages/guideline-doesnotexist"), 404, "passage_not_found")
    assert_error(client.get(f"/passages/{pid}", params={"span": 9}), 422, "invalid_span")


# --- corpus and catalog ----------------------------------------------------------------------
def test_documents(client):
    data = client.get("/documents").json()
    docs = {d["doc_id"]: d for d in data["documents"]}
    assert set(docs) == {"guideline", "update2026", "draft2023", "interim2025", "aines2020"}
    assert sum(d["chunks"] for d in docs.values()) == data["chunk_count"]
    assert docs["guideline"]["status"] == "current" and docs["guideline"]["roles"]["user"] > 0


def test_topics(client):
    data = client.get("/topics").json()
    assert [r["role"] for r in data["roles"]] == ["developer", "provider", "user"]
    only = client.get("/topics", params={"role": "U"}).json()["roles"]
    assert len(only) == 1 and only[0]["role_label"] == "AI利用者"
    topics = {t["id"]: t for t in only[0]["topics"]}
    assert topics["principle-1"]["label"] == "1) 人間中心" and "item-U-4-i" in topics
    assert all(p["doc_id"] == "update2026" for p in topics["ai-agent"]["passages"])
    assert any("個人情報を不適切に入力" in p["text"] for p in topics["item-U-4-i"]["passages"])
    assert_error(client.get("/topics", params={"role": "manager"}), 422, "unknown_role")


def test_checklist(client):
    data = client.get("/checklist", params={"role": "user"}).json()
    codes = [i["code"] for i in data["items"]]
    assert codes[0] == "1)" and "U-4) i." in codes and not any(c.startswith(("D-", "P-")) for c in codes)
    assert "D-2) i." in [i["code"] for i in client.get("/checklist", params={"role": "D"}).json()["items"]]
    assert_error(client.get("/checklist"), 422, "role_required")
    assert_error(client.get("/checklist", params={"role": "指定しない"}), 422, "role_required")
    assert_error(client.get("/checklist", params={"role": "common"}), 422, "unknown_role")


# --- feedback ----------------------------------------------------------------------------------
def test_feedback_is_stored_durably_and_exported(client, down, settings):
    answer = ask(client, role="user").json()
    resp = client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 4, "comment": " 出典が的確 "})
    assert resp.status_code == 201 and resp.json()["stored"] is True
    # Committed and readable by a fresh connection (another process after a restart).
    with sqlite3.connect(settings.feedback_db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        row = conn.execute("SELECT rating, comment, question, citations FROM feedback WHERE feedback_id = ?",
                           (resp.json()["feedback_id"],)).fetchone()  # fmt: skip
    assert row[0] == 4 and row[1] == "出典が的確" and row[2] == PRIVACY_Q and "U-4) i." in row[3]
    # A restarted service (here: one without an index) still accepts feedback on that answer.
    again = down.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 1})
    assert again.status_code == 201
    csv_resp = client.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"})
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    text = csv_resp.content.decode("utf-8")
    assert text.startswith("\ufefffeedback_id,created_at,answer_id,rating")
    assert PRIVACY_Q in text and "出典が的確" in text
    formula = client.post("/feedback", json={"answer_id": answer["answer_id"], "rating": 2, "comment": "=HYPERLINK(1)"})
    assert formula.status_code == 201
    text = client.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode("utf-8")
    assert ",'=HYPERLINK(1)," in text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"answer_id": "0" * 32, "rating": 5}, 404, "answer_not_found"),
        ({"answer_id": "x", "rating": 6}, 422, "invalid_rating"),
        ({"answer_id": "x", "rating": "5"}, 422, "invalid_rating"),
        ({"answer_id": "x", "rating": 3, "comment": "あ" * 2001}, 422, "invalid_comment"),
        ({"answer_id": "", "rating": 3}, 422, "invalid_answer_id"),
        ({"rating": 3}, 422, "invalid_answer_id"),
    ],
)
def test_feedback_errors(client, body, status, code):
    assert_error(client.post("/feedback", json=body), status, code)


def test_export_needs_the_token(client, down):
    assert_error(client.get("/feedback/export"), 403, "forbidden")
    assert_error(client.get("/feedback/export", headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    assert_error(client.get("/feedback/export", headers={"Authorization": TOKEN}), 403, "forbidden")
    assert_error(down.get("/feedback/export", headers={"Authorization": f"Bearer {TOKEN}"}), 404, "export_disabled")


def test_answers_are_pruned_to_the_configured_count(tmp_path: Path):
    from api import feedback as fb
    from guideqa.models import Answer

    store = FeedbackStore(Settings(feedback_db=tmp_path / "f.sqlite3", answers_keep=3))
    for n in range(fb.PRUNE_EVERY):
        store.save_answer(f"a{n}", Answer(question=f"q{n}", refused=True, answer=""))
    assert store.get_answer("a0") is None and store.get_answer(f"a{fb.PRUNE_EVERY - 1}") is not None


# --- health, readiness, not-ready service -------------------------------------------------------
def test_health_and_ready(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["chunks"] > 800 and ready["generators"] == ["extractive"]
    assert ready["feedback"] == "ok"


def test_missing_index_starts_but_is_not_ready(down):
    assert down.get("/healthz").status_code == 200
    body = assert_error(down.get("/readyz"), 503, "index_missing")
    assert "インデックスがありません" in body["detail"]
    assert_error(down.post("/ask", json={"question": PRIVACY_Q}), 503, "index_missing")
    assert_error(down.get("/search", params={"q": "AI"}), 503, "index_missing")
    for path in ("/documents", "/topics", "/checklist?role=user", "/passages/guideline-x"):
        assert_error(down.get(path), 503, "index_missing")


def test_corrupt_index_is_reported(settings, tmp_path: Path):
    (tmp_path / "idx" / "current").mkdir(parents=True)
    (tmp_path / "idx" / "current" / "manifest.json").write_text("{not json", encoding="utf-8")
    bad = settings.model_copy(update={"index_dir": tmp_path / "idx", "feedback_db": tmp_path / "f.sqlite3"})
    with TestClient(create_app(bad)) as c:
        assert_error(c.get("/readyz"), 503, "index_corrupt")
        assert_error(c.post("/ask", json={"question": PRIVACY_Q}), 503, "index_corrupt")


def test_unexpected_errors_are_generic_and_logged(down, caplog):
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    down.app.add_api_route("/boom-for-test", boom)
    with caplog.at_level(logging.ERROR):
        resp = down.get("/boom-for-test")
    body = assert_error(resp, 500, "internal_error")
    assert "secret" not in resp.text and "Traceback" not in resp.text and "RuntimeError" not in resp.text
    assert "サーバー内部" in body["detail"]
    assert any(r.exc_info and "secret internal detail" in str(r.exc_info[1]) for r in caplog.records)


def test_unknown_route_and_method(client):
    assert_error(client.get("/no-such-page"), 404, "not_found")
    assert_error(client.get("/ask"), 405, "method_not_allowed")


# --- logging, CORS, OpenAPI, CLI -------------------------------------------------------------------
def _log_text(caplog) -> str:
    return "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)


def test_questions_are_not_logged_unless_enabled(client, caplog):
    state = client.app.state.guideqa
    marker = "ログ確認用のとても珍しい質問文ですか"
    with caplog.at_level(logging.INFO):
        client.post("/ask", json={"question": marker, "k": 1})
        client.get("/search", params={"q": marker, "k": 1})
    text = _log_text(caplog)
    assert marker not in text
    access = [r for r in caplog.records if r.name == "api.access"]
    assert access and all(hasattr(r, "latency_ms") and r.request_id != "-" for r in access)
    caplog.clear()
    original = state.settings
    state.settings = original.model_copy(update={"log_questions": True})
    try:
        with caplog.at_level(logging.INFO):
            client.post("/ask", json={"question": marker, "k": 1})
    finally:
        state.settings = original
    assert marker in _log_text(caplog)


def test_cors_is_closed_by_default_and_configurable(settings, tmp_path: Path):
    origin = "http://localhost:8501"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    closed = settings.model_copy(update={"index_dir": tmp_path, "feedback_db": tmp_path / "f.sqlite3"})
    with TestClient(create_app(closed)) as c:
        assert "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": origin}).headers
    opened = closed.model_copy(update={"cors_origins": f"{origin}, https://qa.example.jp"})
    with TestClient(create_app(opened)) as c:
        resp = c.options("/ask", headers=preflight)
        assert resp.status_code == 200 and resp.headers["access-control-allow-origin"] == origin
        assert c.get("/healthz", headers={"Origin": "https://evil.example"}).headers.get(
            "access-control-allow-origin"
        ) is None


def test_openapi_has_japanese_docs(client):
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "ガイドラインQA API"
    for path in ("/ask", "/search", "/passages/{passage_id}", "/documents", "/topics", "/checklist",
                 "/feedback", "/feedback/export", "/healthz", "/readyz"):  # fmt: skip
        assert path in spec["paths"], path
    ask_schema = spec["components"]["schemas"]["AskRequest"]
    assert "個人情報" in str(ask_schema["examples"])
    assert spec["paths"]["/ask"]["post"]["summary"] == "質問に答える"


def test_serve_command_is_registered_and_checks_the_port():
    import socket

    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", "--port", str(port)])
    assert result.exit_code == 1 and "待ち受けできません" in result.output


def test_json_integers_and_documented_names_are_accepted(client):
    """What the schema allows is accepted: 3.0 is an integer in JSON Schema; every documented
    role name; 指定しない where a role is optional."""
    resp = ask(client, k=3.0, id=7.0, role="AI利用者")
    assert resp.status_code == 200 and len(resp.json()["passages"]) == 3 and resp.json()["id"] == 7
    assert ask(client, role="指定しない", k=1).status_code == 200
    assert client.get("/topics", params={"role": "指定しない"}).status_code == 200
    for name in ("developer", "D", "AI開発者", "P", "U"):
        assert client.get("/checklist", params={"role": name}).status_code == 200, name
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]["properties"]
    assert schema["generator"]["anyOf"][0]["enum"] == ["extractive"]  # no LLM endpoint configured here
