"""ガイドラインQA — the Streamlit front end (``streamlit run ui/app.py``).

A client of the HTTP API (GUIDEQA_API_URL): choose the actor (主体) once for the
conversation, then look items up from the menu, ask freely, or build the role's checklist.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

import streamlit as st

from ui import catalog_views, chat
from ui import components as c
from ui import render as r
from ui.client import UIError

log = logging.getLogger("guideqa.ui")

ROLE_OPTIONS: tuple[str, ...] = ("developer", "provider", "user", "none")
TABS = (":material/chat: 質問する", ":material/list_alt: 項目から探す", ":material/checklist: チェックリスト")
UNEXPECTED = "画面の表示中に予期しないエラーが発生しました。再試行しても直らない場合は、ページを再読み込みしてください。"
DISCLAIMER = (
    "回答は「AI事業者ガイドライン」と関連資料からの抜粋です。法的な助言ではありません。"
    "判断の際は、出典の原文と最新の公表資料をご確認ください。"
)


def _role_selector() -> str | None:
    choice = st.pills(
        "主体（あなたの立場）",
        options=ROLE_OPTIONS,
        default="none",
        format_func=lambda o: r.role_label(None if o == "none" else o),
        key="role",
        required=True,
        help="選んだ主体は会話の間ずっと使われます。AIを業務で使うだけなら「AI利用者」です。",
    )
    return None if choice in (None, "none") else str(choice)


def _about(base_url: str) -> None:
    with st.expander("このサービスと対象の文書について"):
        st.caption(DISCLAIMER)
        try:
            docs = c.documents(base_url, c.ready(base_url).index_version)
        except UIError as err:
            st.caption(r.escape_markdown(err.message))
            return
        st.markdown(f"**対象の文書**（{len(docs.documents)}件、文書片 {docs.chunk_count}件）")
        for d in docs.documents:
            st.markdown(r.document_line_md(d, d.chunks))
        for bad in docs.errors:
            name = PurePath(str(bad.get("file", ""))).name
            st.caption(r.escape_markdown(f"取り込めなかった文書: {name}（{bad.get('cause', '')}）"))


def _deep_link(base_url: str) -> None:
    """``?passage=<id>`` (the checklist exports link here) opens that passage once."""
    pid = st.query_params.get("passage")
    if pid and st.session_state.get("deep_link_done") != pid:
        st.session_state["deep_link_done"] = pid
        c.open_passage(base_url, pid)


def main() -> None:
    st.set_page_config(page_title="ガイドラインQA", page_icon=":material/menu_book:", layout="centered", initial_sidebar_state="collapsed")
    base_url = c.api_url()
    st.title("ガイドラインQA", anchor=False)
    st.caption("AI事業者ガイドラインについて、主体と確認したい事項を選ぶか、自由に質問してください。")
    try:
        c.ready(base_url)
    except UIError as err:
        c.error_box(err, key="retry-ready")
        st.stop()
    role = _role_selector()
    if st.session_state.pop("goto_chat", False):  # 「この項目について質問する」 was pressed
        st.session_state["tab"] = TABS[0]
    tab_chat, tab_topics, tab_checklist = st.tabs(TABS, key="tab", on_change="rerun")
    if tab_chat.open is not False:
        with tab_chat:
            chat.render(base_url, role)
    if tab_topics.open:
        with tab_topics:
            catalog_views.render_topics(base_url, role)
    if tab_checklist.open:
        with tab_checklist:
            catalog_views.render_checklist(base_url, role)
    st.divider()
    _about(base_url)
    _deep_link(base_url)
    c.show_pending_dialog(base_url)


def run() -> None:
    """The page, with a last-resort guard: the user sees a Japanese message, never a traceback.

    (st.stop / st.rerun raise BaseException subclasses, which pass through.)
    """
    try:
        main()
    except Exception:
        log.exception("the page failed")
        st.error(UNEXPECTED, icon=":material/error:")
        st.button("再試行", key="retry-page", icon=":material/refresh:")


run()
