"""ui.client: typed results from the real API over HTTP, and one Japanese UIError for every failure."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from guideqa.config import Settings
from guideqa.records import AskResponse, Checklist, FeedbackCreated, PassageContext, TopicMenu
from tests.live_api import free_port, running_api
from ui import client as ui_client
from ui.client import ApiClient, UIError

JAPANESE = re.compile(r"[ぁ-んァ-ン一-龥]")


@pytest.fixture(scope="module")
def api(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    settings = real_settings.model_copy(update={"feedback_db": tmp_path_factory.mktemp("ui-client") / "f.sqlite3"})
    with running_api(settings) as live, ApiClient(live.url) as client:
        yield client


def assert_japanese(err: UIError) -> None:
    assert JAPANESE.search(err.message), err.message
    assert "Traceback" not in err.message and "httpx" not in err.message


# --- the real API -----------------------------------------------------------------------
def test_ask_passage_and_feedback_round_trip(api: ApiClient):
    assert api.ready().ready is True
    answer = api.ask("AI利用者として個人情報の扱いで注意することは？", "user")
    assert isinstance(answer, AskResponse) and not answer.refused and answer.answer_id
    first = answer.citations[0]
    assert first.quotes and first.item_codes == ["U-4) i."]
    ctx = api.passage(first.id, span=1)
    assert isinstance(ctx, PassageContext) and ctx.passage.id == first.id and (ctx.before or ctx.after)
    created = api.feedback(answer.answer_id, 5, "  出典が分かりやすい  ")
    assert isinstance(created, FeedbackCreated) and created.answer_id == answer.answer_id


def test_refusal_comes_back_as_an_answer(api: ApiClient):
    answer = api.ask("明日の東京の天気は？")
    assert answer.refused and answer.passages and not answer.citations


def test_catalog_endpoints(api: ApiClient):
    menu = api.topics("user")
    assert isinstance(menu, TopicMenu) and [r.role for r in menu.roles] == ["user"]
    u4 = next(t for t in menu.roles[0].topics if t.id == "item-U-4-i")
    assert any("個人情報を不適切に入力" in p.text for p in u4.passages)  # the passages come with their text
    assert len(api.topics(None).roles) == 3
    checklist = api.checklist("developer")
    assert isinstance(checklist, Checklist) and checklist.role == "developer"
    assert any(i.code.startswith("D-") for i in checklist.items) and any(i.kind == "principle" for i in checklist.items)
    assert {d.doc_id for d in api.documents().documents} >= {"guideline", "update2026"}


def test_api_errors_keep_the_api_message(api: ApiClient):
    with pytest.raises(UIError) as missing:
        api.passage("guideline-does-not-exist")
    assert missing.value.status == 404 and missing.value.code == "passage_not_found" and not missing.value.retryable
    assert_japanese(missing.value)
    with pytest.raises(UIError) as unknown:
        api.feedback("no-such-answer", 5)
    assert unknown.value.status == 404 and not unknown.value.retryable
    assert_japanese(unknown.value)
    with pytest.raises(UIError) as odd:
        api.passage("a/../../readyz?x=1")  # quoted into one path segment, never another route
    assert odd.value.status == 404


# --- failures ---------------------------------------------------------------------------
def test_api_down_is_a_japanese_retryable_error():
    with ApiClient(f"http://127.0.0.1:{free_port()}") as client, pytest.raises(UIError) as err:
        client.ready()
    assert err.value.code == "unreachable" and err.value.retryable
    assert err.value.message == ui_client.MSG_DOWN
    assert_japanese(err.value)


def test_slow_api_times_out():
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        client = ApiClient(f"http://127.0.0.1:{port}", timeout=httpx.Timeout(0.3, connect=1.0))
        with client, pytest.raises(UIError) as err:
            client.ask("質問")
    assert err.value.code == "timeout" and err.value.message == ui_client.MSG_TIMEOUT


def mock(handler) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient("http://api.test", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("response", "code", "status", "expected"),
    [
        (httpx.Response(503, json={"detail": "インデックスがありません。", "code": "index_missing"}), "index_missing", 503,
         "インデックスがありません。"),
        (httpx.Response(503, text="<html>Service Unavailable</html>"), "not_ready", 503, ui_client.MSG_NOT_READY),
        (httpx.Response(500, json={"detail": "内部", "code": "internal_error"}), "internal_error", 500, ui_client.MSG_SERVER),
        (httpx.Response(502, text="Bad Gateway"), "server_error", 502, ui_client.MSG_SERVER),
        (httpx.Response(422, json={"detail": "質問が空です。", "code": "empty_question"}), "empty_question", 422, "質問が空です。"),
        (httpx.Response(418, text="teapot"), "http_error", 418, "HTTP 418"),
        (httpx.Response(200, text="not json"), "bad_response", 200, ui_client.MSG_BAD_RESPONSE),
        (httpx.Response(200, json={"unexpected": True}), "bad_response", 200, ui_client.MSG_BAD_RESPONSE),
    ],
)  # fmt: skip
def test_error_statuses_and_bad_bodies(response: httpx.Response, code: str, status: int, expected: str):
    with mock(lambda request: response) as client, pytest.raises(UIError) as err:
        client.ask("質問")
    assert err.value.code == code and err.value.status == status
    assert expected in err.value.message
    assert err.value.retryable == (status >= 500 or code == "bad_response")
    assert_japanese(err.value)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.RemoteProtocolError("eof"), "unreachable"),
        (RuntimeError("boom"), "unexpected"),
    ],
)
def test_transport_exceptions_become_ui_errors(exc: Exception, code: str):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with mock(handler) as client, pytest.raises(UIError) as err:
        client.checklist("user")
    assert err.value.code == code and err.value.retryable
    assert "boom" not in err.value.message
    assert_japanese(err.value)


def test_requests_carry_role_and_trimmed_comment():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"feedback_id": 1, "answer_id": "a", "created_at": "t", "stored": True})

    with mock(handler) as client:
        client.feedback("a", 1, "   ")
        client.feedback("a", 5, " よい ")
    assert seen[0].read() == b'{"answer_id":"a","rating":1}'
    assert '"comment":"よい"' in seen[1].read().decode("utf-8")


def test_default_url_comes_from_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GUIDEQA_API_URL", "http://example.invalid:9/")
    with ApiClient() as client:
        assert client.base_url == "http://example.invalid:9"


def test_server_error_quotes_the_request_id_for_support():
    resp = httpx.Response(500, json={"detail": "x", "code": "internal_error"}, headers={"X-Request-ID": "abc123"})
    with mock(lambda request: resp) as client, pytest.raises(UIError) as err:
        client.ready()
    assert err.value.message.startswith(ui_client.MSG_SERVER) and "abc123" in err.value.message
    odd = httpx.Response(500, text="x", headers={"X-Request-ID": "<script>"})
    with mock(lambda request: odd) as client, pytest.raises(UIError) as err:
        client.ready()
    assert err.value.message == ui_client.MSG_SERVER
