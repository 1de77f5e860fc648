"""The chat keeps the conversation (AppTest against the real API): follow-ups, 「新しい話題」 and
「この項目について質問する」 from the topic menu and the checklist."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guideqa.config import Settings
from tests.live_api import running_api
from tests.test_ui_app import TAB_CHECKLIST, TAB_TOPICS, start
from ui import chat

PRIVACY_Q = "AI利用者として個人情報の扱いで注意することは？"


@pytest.fixture(scope="module")
def api_url(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = real_settings.model_copy(update={"feedback_db": tmp_path_factory.mktemp("ui-conv") / "f.sqlite3"})
    with running_api(settings) as live:
        yield live.url


def captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_follow_up_questions_continue_the_conversation(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="user")
    at.chat_input[0].set_value(PRIVACY_Q).run()
    cid = at.session_state[chat.CONVERSATION_KEY]
    assert cid
    at.chat_input[0].set_value("具体例は？").run()
    assert not at.exception
    second = at.session_state["turns"][1].answer
    assert second.conversation_id == cid and second.context is not None and second.context.kind == "examples"
    assert "前の質問（AI利用者として個人情報の扱いで注意することは？）の続きとして" in captions(at)
    # 「新しい話題」: the next question stands alone
    at.button(key="new-topic").click().run()
    assert at.session_state[chat.CONVERSATION_KEY] is None
    at.chat_input[0].set_value("具体例は？").run()
    third = at.session_state["turns"][2].answer
    assert third.context is None and third.refused and third.conversation_id != cid
    assert f"―― {chat.NEW_TOPIC} ――" in captions(at)


def test_expired_conversation_is_restarted_as_a_new_topic(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="user")
    at.session_state[chat.CONVERSATION_KEY] = "expired-or-unknown"
    at.chat_input[0].set_value(PRIVACY_Q).run()
    turn = at.session_state["turns"][0]
    assert turn.error is None and turn.restarted and turn.answer is not None and not turn.answer.refused
    assert chat.RESTARTED in captions(at)
    assert at.session_state[chat.CONVERSATION_KEY] == turn.answer.conversation_id


def test_ask_about_a_topic_starts_a_conversation(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="user", tab=TAB_TOPICS)
    at.selectbox(key="topic-user").set_value("item-U-4-i").run()
    at.button(key="ask-topic-item-U-4-i").click().run()
    assert not at.exception
    turns = at.session_state["turns"]
    assert len(turns) == 1 and "U-4) i." in turns[0].question and turns[0].answer is not None
    assert not turns[0].answer.refused and at.session_state[chat.CONVERSATION_KEY]
    at.chat_input[0].set_value("具体例は？").run()
    follow = at.session_state["turns"][1].answer
    assert follow.context is not None and follow.context.item_codes == ["U-4) i."]


def test_checklist_items_offer_a_question_button(monkeypatch: pytest.MonkeyPatch, api_url: str):
    at = start(monkeypatch, api_url, role="user", tab=TAB_CHECKLIST)
    at.button(key="ask-user-U-4) i.").click().run()
    assert not at.exception
    turns = at.session_state["turns"]
    assert turns[-1].question == "「U-4) i. 個人情報の不適切入力とプライバシー侵害への対策」について教えてください"
    assert turns[-1].answer is not None and not turns[-1].answer.refused
