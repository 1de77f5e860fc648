"""The 「質問する」 tab: free-text questions with the session's history, citations and feedback."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import streamlit as st

from guideqa.records import MAX_QUESTION_CHARS, AskResponse
from ui import components as c
from ui import render as r
from ui.client import UIError

EXAMPLES: dict[str | None, tuple[str, ...]] = {
    None: ("AIを業務で使うときに気をつけることは？", "ガイドラインに違反したら罰則はある？"),
    "user": ("生成AIに個人情報を入力してもよい？", "AIの出力を業務でそのまま使ってよい？"),
    "provider": ("AIサービスの利用者にどんな説明が必要？", "AI提供者はサービス規約で何をすべき？"),
    "developer": ("学習データについて何に注意すべき？", "AIモデルの安全性をどう確認する？"),
}
NEAR_PASSAGES = 5
CONVERSATION_KEY = "conversation_id"  # the API's id of the conversation the next question continues
BREAKS_KEY = "topic_breaks"  # indexes of the turns that start a new topic
NEW_TOPIC = "新しい話題"
RESTARTED = "前の会話の保存期間が過ぎたため、新しい話題としてお答えしました。"
FEEDBACK_NOT_STORED = (
    "この回答はサーバーに保存できなかったため、評価（フィードバック）を送信できません。"
    "回答の内容はそのままお使いいただけます。"
)


@dataclass
class Turn:
    question: str
    role: str | None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    answer: AskResponse | None = None
    error: UIError | None = None
    pending: bool = True
    rating: int | None = None  # sent feedback
    feedback_error: UIError | None = None
    restarted: bool = False  # the conversation had expired: answered as a new topic


def turns() -> list[Turn]:
    return st.session_state.setdefault("turns", [])


def _find(turn_id: str) -> Turn | None:
    return next((t for t in turns() if t.id == turn_id), None)


# --- callbacks (run before the page is drawn) ------------------------------------------
def add_question(question: str, role: str | None) -> None:
    question = question.strip()
    if question:
        turns().append(Turn(question=question, role=role))


def _submitted(role: str | None) -> None:
    add_question(st.session_state.get("chat_q") or "", role)


def _retry(turn_id: str) -> None:
    t = _find(turn_id)
    if t is not None:
        t.error, t.pending = None, True


def _clear() -> None:
    st.session_state["turns"] = []
    new_topic()


def new_topic() -> None:
    """The next question starts a new conversation (the earlier turns stay on screen)."""
    st.session_state[CONVERSATION_KEY] = None
    breaks: list[int] = st.session_state.setdefault(BREAKS_KEY, [])
    if turns() and len(turns()) not in breaks:
        breaks.append(len(turns()))


def about_question(label: str) -> str:
    """The question a 「この項目について質問する」 button asks (the item's code and title)."""
    return f"「{' '.join(label.split())}」について教えてください"


def ask_about(label: str, role: str | None) -> None:
    """Start a conversation about one item of the topic menu or the checklist, in the chat tab."""
    new_topic()
    add_question(about_question(label), role)
    st.session_state["goto_chat"] = True


def _send_feedback(base_url: str, turn_id: str) -> None:
    t = _find(turn_id)
    if t is None or t.answer is None:
        return
    thumbs = st.session_state.get(f"fb-{turn_id}")
    if thumbs is None:
        t.feedback_error = UIError("「役に立った」か「役に立たなかった」（親指のアイコン）を選んでから送信してください。", code="no_rating", retryable=False)
        return
    rating = 5 if thumbs == 1 else 1
    try:
        c.client(base_url).feedback(t.answer.answer_id, rating, st.session_state.get(f"fbc-{turn_id}") or None)
    except UIError as err:
        t.feedback_error = err
        return
    t.rating, t.feedback_error = rating, None


# --- drawing ---------------------------------------------------------------------------
def _resolve(base_url: str, t: Turn) -> None:
    api = c.client(base_url)
    with st.spinner("ガイドラインを確認しています…"):
        try:
            try:
                t.answer = api.ask(t.question, t.role, conversation_id=st.session_state.get(CONVERSATION_KEY))
            except UIError as err:
                if err.code != "conversation_not_found":
                    raise
                t.restarted = True  # expired on the server: ask again as a new topic
                t.answer = api.ask(t.question, t.role)
            st.session_state[CONVERSATION_KEY] = t.answer.conversation_id
        except UIError as err:
            t.error = err
        finally:
            t.pending = False


def _refusal(base_url: str, t: Turn, a: AskResponse) -> None:
    head, _, related = a.answer.partition("\n")
    if a.citations and related:  # near-domain: the closest passages are quoted and cited
        st.warning(r.md_lines(head), icon=":material/search_off:")
        st.markdown("\n\n".join(r.answer_line_md(line) for line in related.split("\n") if line.strip()))
        _citations(base_url, t, a)
        return
    st.warning(r.md_lines(a.answer), icon=":material/search_off:")
    if not a.passages:
        return
    st.markdown("**近い記載（参考）**")
    for i, p in enumerate(a.passages[:NEAR_PASSAGES], 1):
        with st.container(border=True):
            c.source_header(p, number=i)
            st.markdown(r.escape_markdown(r.snippet(p.text, 140)))
            st.button("原文を見る", key=f"near-{t.id}-{i}", on_click=c.open_passage, args=(base_url, p.id))


def _citations(base_url: str, t: Turn, a: AskResponse) -> None:
    st.markdown("**出典**（押すと原文を表示します）")
    for cit in a.citations:
        with st.container(border=True, gap="small"):
            st.button(
                r.escape_label(r.citation_button_label(cit)),
                key=f"cite-{t.id}-{cit.number}",
                on_click=c.open_passage,
                args=(base_url, cit.id, tuple(cit.quotes)),
                icon=":material/description:",
                type="tertiary",
                help="原文を表示",
            )
            meta = r.escape_markdown(" ／ ".join(m for m in (cit.title, r.date_version(cit.version, cit.date), cit.location) if m))
            st.caption(f"{r.status_badge_md(cit.status)} {meta}")


def _actions(t: Turn, a: AskResponse) -> None:
    md = r.answer_markdown(a, role=t.role)
    st.download_button(
        "Markdownで保存",
        data=md.encode("utf-8"),
        file_name=f"guideqa-answer-{t.id}.md",
        mime="text/markdown",
        key=f"dl-{t.id}",
        icon=":material/download:",
        on_click="ignore",
    )
    with st.expander("回答をコピー（Markdown）"):
        st.code(md, language="markdown", wrap_lines=True)


def _feedback(base_url: str, t: Turn) -> None:
    if t.answer is not None and not t.answer.feedback_stored:  # the API could not keep the answer
        st.warning(FEEDBACK_NOT_STORED, icon=":material/warning:")
        return
    if t.rating is not None:
        st.success("評価を送信しました。ご協力ありがとうございました。", icon=":material/check_circle:")
        return
    with st.form(key=f"fbform-{t.id}", border=False):
        st.caption("この回答は役に立ちましたか？")
        st.feedback("thumbs", key=f"fb-{t.id}")
        st.text_input("コメント（任意）", key=f"fbc-{t.id}", max_chars=2000, placeholder="よかった点・足りない点など")
        st.form_submit_button("評価を送信", on_click=_send_feedback, args=(base_url, t.id))
    if t.feedback_error is not None:
        c.error_box(t.feedback_error, key=f"fbretry-{t.id}", on_retry=_send_feedback, args=(base_url, t.id))


def _turn(base_url: str, t: Turn) -> None:
    with st.chat_message("user"):
        st.markdown(r.md_lines(t.question))
        st.caption(f"主体: {r.role_label(t.role)}")
    with st.chat_message("assistant"):
        if t.pending:
            _resolve(base_url, t)
        if t.error is not None:
            c.error_box(t.error, key=f"retry-{t.id}", on_retry=_retry, args=(t.id,))
            return
        a = t.answer
        if a is None:
            return
        if t.restarted:
            st.caption(RESTARTED)
        if a.context is not None:
            st.caption(f":material/forum: {r.escape_markdown(a.context.note)}")
        if a.refused:
            _refusal(base_url, t, a)
        else:
            st.markdown("\n\n".join(r.answer_line_md(line) for line in a.answer.split("\n") if line.strip()))
            for note in a.notes:
                if a.context is None or note != a.context.note:
                    st.caption(r.escape_markdown(note))
            _citations(base_url, t, a)
        _actions(t, a)
        _feedback(base_url, t)


def render(base_url: str, role: str | None) -> None:
    history = turns()
    if not history:
        st.markdown("ガイドラインについて自由に質問できます。回答の各文には出典番号が付き、押すと原文を確認できます。")
        st.caption("例をクリックすると、そのまま質問します。")
        for i, q in enumerate(EXAMPLES.get(role, EXAMPLES[None])):
            st.button(q, key=f"example-{i}", on_click=add_question, args=(q, role), type="tertiary", icon=":material/chat_bubble:")
    breaks = st.session_state.get(BREAKS_KEY, [])
    for n, t in enumerate(history):
        if n and n in breaks:
            st.caption(f"―― {NEW_TOPIC} ――")
        _turn(base_url, t)
    st.chat_input(
        "ここに質問を入力してください",
        key="chat_q",
        on_submit=_submitted,
        args=(role,),
        max_chars=MAX_QUESTION_CHARS,
    )
    if history:
        with st.container(horizontal=True, gap="small"):
            st.button(
                NEW_TOPIC,
                key="new-topic",
                on_click=new_topic,
                type="tertiary",
                icon=":material/add_comment:",
                help="次の質問を、これまでの会話とは関係のない新しい質問として答えます。",
            )
            st.button("会話を消去", key="clear-chat", on_click=_clear, type="tertiary", icon=":material/delete:")
