"""The Streamlit app's logic without a browser (streamlit.testing AppTest) against the real API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from guideqa.config import Settings
from tests.live_api import free_port, running_api
from ui import app as ui_app
from ui import chat
from ui.client import ApiClient

APP = str(Path(ui_app.__file__).resolve())
TAB_TOPICS, TAB_CHECKLIST = ui_app.TABS[1], ui_app.TABS[2]


@pytest.fixture(scope="module")
def api_url(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = real_settings.model_copy(update={"feedback_db": tmp_path_factory.mktemp("ui-app") / "f.sqlite3"})
    with running_api(settings) as live:
        yield live.url


def start(monkeypatch: pytest.MonkeyPatch, url: str, *, role: str | None = None, tab: str | None = None) -> AppTest:
    monkeypatch.setenv("GUIDEQA_API_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    if tab:
        at.session_state["tab"] = tab
    at.run()
    if role:
        at.get("button_group")[0].set_value(role).run()  # type: ignore[union-attr]
    assert not at.exception
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_api_down_shows_a_japanese_error_and_a_retry_button(monkeypatch: pytest.MonkeyPatch):
    at = start(monkeypatch, f"http://127.0.0.1:{free_port()}")
    assert [e.value for e in at.error] == ["回答サーバー（API）に接続できません。サーバーが起動しているか確認し、しばらくしてから再試行してください。"]
    assert [b.label for b in at.button] == ["再試行"]
    at.button[0].click().run()  # still down: the same message, no traceback
    assert not at.exception and len(at.error) == 1


def test_chat_keeps_history_and_numbers_citations(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="user")
    at.chat_input[0].set_value("AI利用者として個人情報の扱いで注意することは？").run()
    assert not at.exception
    text = markdown_text(at)
    assert "個人情報" in text and ":blue-badge[1]" in text
    cites = [b for b in at.button if b.label.startswith("\\[1\\]")]
    assert cites and "U-4) i." in cites[0].label
    assert "評価を送信" in [b.label for b in at.button]
    at.chat_input[0].set_value("AI提供者はサービス規約について何をすべき？").run()
    turns = at.session_state["turns"]
    assert [t.role for t in turns] == ["user", "user"]  # the role stays for the conversation
    assert all(t.answer is not None and not t.answer.refused for t in turns)
    cites[0].click().run()  # opens the source dialog
    assert not at.exception


def test_refusal_offers_the_closest_passages(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url)
    at.chat_input[0].set_value("明日の東京の天気は？").run()
    assert any("該当する記載が見当たりません" in w.value for w in at.warning)
    assert "近い記載（参考）" in markdown_text(at)
    assert sum(b.label == "原文を見る" for b in at.button) >= 1


def test_user_text_is_escaped(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url)
    at.chat_input[0].set_value("<script>alert(1)</script> [x](javascript:alert(1)) :red[赤]").run()
    echoed = at.markdown[0].value
    assert echoed == "\\<script>alert(1)\\</script> \\[x\\](javascript:alert(1)) :red\\[赤\\]"


def test_feedback_that_cannot_be_stored_is_shown(monkeypatch: pytest.MonkeyPatch, real_settings: Settings, tmp_path: Path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")  # the feedback database cannot be created under a file
    settings = real_settings.model_copy(update={"feedback_db": blocker / "f.sqlite3"})
    with running_api(settings) as live:
        at = start(monkeypatch, live.url, role="user")
        at.chat_input[0].set_value("AI利用者として個人情報の扱いで注意することは？").run()
    assert not at.exception
    (turn,) = at.session_state["turns"]
    assert turn.answer is not None and not turn.answer.refused and turn.answer.feedback_stored is False
    assert chat.FEEDBACK_NOT_STORED in [w.value for w in at.warning]
    assert "評価を送信" not in [b.label for b in at.button]  # no form that could only fail


def test_topic_menu_shows_the_items_with_citations(monkeypatch: pytest.MonkeyPatch, api_url: str):
    paths: list[str] = []
    request = ApiClient._request

    def recording(self: ApiClient, method: str, path: str, *args, **kwargs):
        paths.append(path)
        return request(self, method, path, *args, **kwargs)

    monkeypatch.setattr(ApiClient, "_request", recording)
    at = start(monkeypatch, api_url, role="user", tab=TAB_TOPICS)
    box = at.selectbox(key="topic-user")
    assert "item-U-4-i" in box.options or any("U-4) i." in o for o in box.options)
    paths.clear()
    box.set_value("item-U-4-i").run()
    assert not at.exception
    # The menu carries the passages' text: showing a topic fetches no passage (at most the menu).
    assert not [p for p in paths if p.startswith("/passages/")] and paths.count("/topics") <= 1
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "gq-passage" in html and "個人情報を不適切に入力" in html
    assert ":green-badge[現行]" in markdown_text(at)


def test_checklist_has_every_item_and_counts_ticks(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="developer", tab=TAB_CHECKLIST)
    labels = [c.label for c in at.checkbox]
    assert any(label.startswith("D-2) i.") for label in labels) and "1) 人間中心" in labels
    assert f"**{len(labels)}件**" in markdown_text(at)
    at.checkbox[0].check().run()
    assert "確認済み 1件" in markdown_text(at)
    assert len(at.get("download_button")) == 2


def test_checklist_asks_for_a_role(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, tab=TAB_CHECKLIST)
    assert any("主体" in i.value for i in at.info)
    assert len(at.checkbox) == 0


def test_topic_menu_without_a_role_offers_every_role(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, tab=TAB_TOPICS)
    options = at.selectbox(key="topic-none").options
    assert any("D-2) i." in o for o in options) and any("U-4) i." in o for o in options)
    assert any(o.startswith("【共通の指針】1)") for o in options)
