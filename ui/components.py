"""Streamlit building blocks shared by the tabs: cached API calls, error box, source viewer.

Every text from the corpus or the user goes through ui.render's escaping before it reaches
st.markdown / a widget label, or through highlight_html before st.html.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from guideqa.models import Citation, Passage
from guideqa.records import Checklist, DocumentsResponse, PassageContext, ReadyResponse, TopicMenu
from ui import render as r
from ui.client import ApiClient, UIError, default_api_url


def api_url() -> str:
    return default_api_url()


@st.cache_resource(show_spinner=False)
def client(base_url: str) -> ApiClient:
    return ApiClient(base_url)


# Failures raise and are never cached; successes are reused for a while.
@st.cache_data(ttl=30, show_spinner=False)
def ready(base_url: str) -> ReadyResponse:
    return client(base_url).ready()


@st.cache_data(ttl=600, show_spinner=False)
def passage(base_url: str, passage_id: str, span: int) -> PassageContext:
    return client(base_url).passage(passage_id, span=span)


@st.cache_data(ttl=600, show_spinner=False)
def topics(base_url: str, role: str | None) -> TopicMenu:
    return client(base_url).topics(role)


@st.cache_data(ttl=600, show_spinner=False)
def checklist(base_url: str, role: str) -> Checklist:
    return client(base_url).checklist(role)


@st.cache_data(ttl=600, show_spinner=False)
def documents(base_url: str, build: str = "") -> DocumentsResponse:
    """Cached per index build: a server that reloads a new index shows its documents at once."""
    return client(base_url).documents()


def error_box(err: UIError, *, key: str, on_retry: Callable[..., Any] | None = None, args: Sequence[Any] = ()) -> None:
    """The Japanese message and, when it may help, a retry button (a click reruns the page)."""
    st.error(r.escape_markdown(err.message), icon=":material/error:")
    if err.retryable:
        st.button("再試行", key=key, icon=":material/refresh:", on_click=on_retry, args=tuple(args))


def source_header(src: Citation | Passage, *, number: int | None = None) -> None:
    """Document title with its status badge, version/date, section path, item code and location."""
    prefix = f"**\\[{number}\\]** " if number is not None else ""
    st.markdown(f"{prefix}{r.status_badge_md(src.status)} **{r.escape_markdown(src.title)}**")
    meta = [r.date_version(src.version, src.date), src.section, r.where_label(src)]
    st.caption(r.escape_markdown(" ／ ".join(m for m in meta if m)))


@st.dialog("出典の原文", width="large")
def passage_dialog(base_url: str, passage_id: str, quotes: Sequence[str] = (), note: str = "") -> None:
    try:
        ctx = passage(base_url, passage_id, 1)
    except UIError as err:
        st.error(r.escape_markdown(err.message), icon=":material/error:")
        st.caption("閉じてから、もう一度お試しください。")
        return
    p = ctx.passage
    st.markdown(f"{r.status_badge_md(p.status)} **{r.escape_markdown(p.title)}**")
    rows = [
        ("版・日付", r.date_version(p.version, p.date)),
        ("章節", p.section),
        ("項目コード", " ".join(p.item_codes)),
        ("位置", p.location),
    ]
    st.markdown("  \n".join(f"**{k}**: {r.escape_markdown(v)}" for k, v in rows if v))
    for b in ctx.before:
        st.html(r.passage_block_html(r.snippet_tail(b.text, 120), muted=True, label="（前の文脈）"))
    label = note or ("該当箇所（黄色は回答で引用された文）" if quotes else "該当箇所")
    st.html(r.passage_block_html(p.text, quotes, label=label))
    for a in ctx.after:
        st.html(r.passage_block_html(r.snippet(a.text, 200), muted=True, label="（後の文脈）"))
    if p.status != "current":
        st.caption(f"この資料の状態は「{r.status_label(p.status)}」です。現行のガイドラインと併せてご確認ください。")


def open_passage(base_url: str, passage_id: str, quotes: Sequence[str] = (), note: str = "") -> None:
    """Button callback: remember which passage to show; the dialog opens on this rerun."""
    st.session_state["open_passage"] = (passage_id, tuple(quotes), note)


def show_pending_dialog(base_url: str) -> None:
    """Opens the dialog requested by a button click (once)."""
    req = st.session_state.pop("open_passage", None)
    if req:
        passage_dialog(base_url, *req)
