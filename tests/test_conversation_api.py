"""Conversations over HTTP: POST /ask with ``history`` and ``conversation_id`` (TestClient), and the
conversation table of the store (bounds and expiry)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import feedback as fb
from api.app import create_app
from api.feedback import FeedbackStore
from guideqa.config import Settings
from guideqa.models import TurnState

PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"


@pytest.fixture(scope="module")
def client(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("conv") / "feedback.sqlite3"
    with TestClient(create_app(real_settings.model_copy(update={"feedback_db": db}))) as c:
        yield c


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and not body["detail"].isascii()
    return body


def test_a_conversation_continues_server_side(client: TestClient):
    first = client.post("/ask", json={"question": PRIVACY_Q, "role": "user"}).json()
    cid = first["conversation_id"]
    assert cid and first["context"] is None
    second = client.post("/ask", json={"question": "具体例は？", "role": "user", "conversation_id": cid}).json()
    assert second["conversation_id"] == cid and not second["refused"]
    # the cited item first (then the units of the best passages that cover the question)
    assert second["context"]["kind"] == "examples" and second["context"]["item_codes"][0] == "U-4) i."
    assert second["notes"][0].startswith("前の質問（AI利用者として個人情報の扱いで注意することは？）の続きとして")
    third = client.post("/ask", json={"question": "それは提供者にも当てはまりますか？", "role": "user", "conversation_id": cid})
    body = third.json()
    assert body["role"] == "provider" and body["context"]["kind"] == "role_switch"
    assert any(code.startswith("P-4)") for p in body["passages"][:5] for code in p["item_codes"])
    # a new question without the id starts a new conversation
    other = client.post("/ask", json={"question": "具体例は？", "role": "user"}).json()
    assert other["conversation_id"] != cid and other["context"] is None and other["refused"]


def test_history_in_the_request_gives_the_same_follow_up(client: TestClient):
    body = {"question": "具体例は？", "role": "user", "history": [PRIVACY_Q]}
    data = client.post("/ask", json=body).json()
    assert data["context"]["kind"] == "examples" and data["context"]["previous_question"] == PRIVACY_Q
    # and the returned id continues from there
    more = client.post("/ask", json={"question": "AI開発者の場合は？", "conversation_id": data["conversation_id"]}).json()
    assert more["context"]["kind"] == "role_switch" and more["role"] == "developer"


def test_a_topic_change_is_answered_on_its_own(client: TestClient):
    cid = client.post("/ask", json={"question": PRIVACY_Q, "role": "user"}).json()["conversation_id"]
    data = client.post("/ask", json={"question": "ところで、明日の天気は？", "role": "user", "conversation_id": cid}).json()
    assert data["refused"] and data["context"] is None


def test_unknown_conversation_is_a_japanese_404(client: TestClient):
    resp = client.post("/ask", json={"question": "具体例は？", "conversation_id": "no-such-conversation"})
    body = assert_error(resp, 404, "conversation_not_found")
    assert "新しい話題" in body["detail"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"history": "AI利用者として"}, "invalid_history"),
        ({"history": [PRIVACY_Q, 3]}, "invalid_history"),
        ({"history": ["   "]}, "empty_question"),
        ({"history": ["q"] * 51}, "invalid_history"),
        ({"conversation_id": "x" * 65}, "invalid_conversation_id"),
        ({"conversation_id": 12}, "invalid_conversation_id"),
        ({"history": [PRIVACY_Q], "conversation_id": "abc"}, "history_and_conversation"),
    ],
)
def test_bad_conversation_inputs_are_422(client: TestClient, extra: dict, code: str):
    assert_error(client.post("/ask", json={"question": "具体例は？", **extra}), 422, code)


def test_conversation_id_is_documented(client: TestClient):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/ask"]["post"]
    assert "404" in op["responses"]
    props = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert {"history", "conversation_id"} <= set(props)


# --- the store's conversation table ---------------------------------------------------------
def _state(n: int) -> str:
    return TurnState(question=f"q{n}", query=f"q{n}", role="user", item_codes=["U-4) i."]).model_dump_json()


def test_conversations_expire(tmp_path: Path):
    store = FeedbackStore(Settings(feedback_db=tmp_path / "f.sqlite3", conversation_ttl=60))
    store.save_conversation("c1", _state(1), 1, now=1000.0)
    found = store.load_conversation("c1", now=1059.0)
    assert found is not None and json.loads(found[0])["question"] == "q1" and found[1] == 1
    assert store.load_conversation("c1", now=1061.0) is None
    assert store.load_conversation("unknown", now=1000.0) is None


def test_conversations_are_bounded(tmp_path: Path):
    store = FeedbackStore(Settings(feedback_db=tmp_path / "f.sqlite3", conversations_keep=3))
    for n in range(fb.PRUNE_EVERY):
        store.save_conversation(f"c{n}", _state(n), 1, now=1000.0 + n)
    last = 1000.0 + fb.PRUNE_EVERY
    assert store.load_conversation("c0", now=last) is None
    assert store.load_conversation(f"c{fb.PRUNE_EVERY - 1}", now=last) is not None
    # the conversation table is separate from the answers kept for feedback
    assert store.get_answer("c0") is None and store.count_feedback() == 0


def test_expired_conversation_over_http(real_settings: Settings, tmp_path: Path):
    settings = real_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3", "conversation_ttl": 1})
    with TestClient(create_app(settings)) as c:
        cid = c.post("/ask", json={"question": PRIVACY_Q}).json()["conversation_id"]
        store = FeedbackStore(settings)
        found = store.load_conversation(cid)
        assert found is not None
        store.save_conversation(cid, found[0], found[1], now=0.0)  # as if the last question were long ago
        assert_error(c.post("/ask", json={"question": "具体例は？", "conversation_id": cid}), 404, "conversation_not_found")
