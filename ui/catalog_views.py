"""The 「項目から探す」 (topic menu) and 「チェックリスト」 tabs: guided lookup without typing."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from guideqa.records import Checklist, ChecklistItem, Topic
from ui import chat
from ui import components as c
from ui import render as r
from ui.client import UIError

PAGE = 6  # passages shown per topic before 「さらに表示」
# Our own fixed stylesheet (no user or corpus text): checklist item titles in bold, a little larger.
CHECKLIST_CSS = "<style>.st-key-checklist [data-testid=stCheckbox] p{font-weight:700;font-size:1rem}</style>"
GUIDELINE_TITLE = "AI事業者ガイドライン"
ASK_ABOUT = "この項目について質問する"


# --- topics ---------------------------------------------------------------------------
def _topic_list(base_url: str, role: str | None) -> list[Topic]:
    menu = c.topics(base_url, role)
    if role is None:
        return r.merge_topic_menu(menu)
    return [t for rt in menu.roles if rt.role == role for t in rt.topics]


def _more(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, PAGE) + PAGE


def render_topics(base_url: str, role: str | None) -> None:
    st.markdown("確認したい事項を選ぶと、ガイドラインの該当箇所を出典付きで表示します。")
    try:
        topic_list = _topic_list(base_url, role)
    except UIError as err:
        c.error_box(err, key="retry-topics")
        return
    if role is None:
        st.caption("上で主体を選ぶと、その主体に関係する項目に絞り込めます。")
    by_id = {t.id: t for t in topic_list}
    choice = st.selectbox(
        "確認したい事項",
        options=list(by_id),
        index=None,
        format_func=lambda tid: r.topic_label(by_id[tid]),
        placeholder="選んでください（例: 4) プライバシー保護）",
        key=f"topic-{role or 'none'}",
    )
    if choice is None:
        return
    topic = by_id[choice]
    if topic.description:
        st.caption(r.escape_markdown(topic.description))
    st.button(
        ASK_ABOUT,
        key=f"ask-topic-{choice}",
        on_click=chat.ask_about,
        args=(topic.label, role),
        icon=":material/chat:",
        help="「質問する」に移り、この項目についての会話を始めます。続けて「具体例は？」などと質問できます。",
    )
    more_key = f"topic-more-{role}-{choice}"
    shown = st.session_state.get(more_key, PAGE)
    st.markdown(f"**該当箇所: {len(topic.passages)}件**")
    # The menu carries each passage's text: no request per passage.
    for i, p in enumerate(topic.passages[:shown], 1):
        with st.container(border=True):
            c.source_header(p, number=i)
            st.html(r.passage_block_html(p.text))
            st.button("前後の文脈を見る", key=f"tp-{choice}-{i}", on_click=c.open_passage, args=(base_url, p.id))
    if len(topic.passages) > shown:
        rest = len(topic.passages) - shown
        st.button(f"さらに表示（残り{rest}件）", key=f"more-{choice}", on_click=_more, args=(more_key,))


# --- checklist ------------------------------------------------------------------------
def _doc_title(base_url: str, doc_id: str) -> str:
    try:
        docs = c.documents(base_url)
    except UIError:
        return GUIDELINE_TITLE
    return next((d.title for d in docs.documents if d.doc_id == doc_id), GUIDELINE_TITLE)


def _link_base() -> str:
    try:
        url = str(st.context.url or "")
    except Exception:  # noqa: BLE001 - older runtimes / tests without a browser context
        url = ""
    return url.split("?")[0].split("#")[0].rstrip("/")


def _check_key(role: str, item: ChecklistItem) -> str:
    return f"chk-{role}-{item.code}"


def _downloads(cl: Checklist, role: str, title: str) -> None:
    base = _link_base()

    def link(pid: str) -> str:
        return f"{base}/?passage={pid}" if base else f"?passage={pid}"

    def checked(item: ChecklistItem) -> bool:
        return bool(st.session_state.get(_check_key(role, item)))

    stamp = dt.date.today().isoformat()
    csv_text = r.checklist_csv(cl, link=link, doc_title=title, checked=checked)
    md_text = r.checklist_markdown(cl, link=link, doc_title=title, checked=checked)
    cols = st.columns(2)
    cols[0].download_button(
        "CSVで保存（Excel可）",
        data=csv_text.encode("utf-8-sig"),
        file_name=f"checklist-{role}-{stamp}.csv",
        mime="text/csv",
        key=f"dl-csv-{role}",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
    cols[1].download_button(
        "Markdownで保存",
        data=md_text.encode("utf-8"),
        file_name=f"checklist-{role}-{stamp}.md",
        mime="text/markdown",
        key=f"dl-md-{role}",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )


def _item(base_url: str, role: str, item: ChecklistItem) -> None:
    # Plain label (it is also the aria-label); CHECKLIST_CSS makes it read as the item's title.
    st.checkbox(r.escape_label(f"{item.code} {item.title}"), key=_check_key(role, item))
    if item.phases:
        st.caption(r.escape_markdown("・".join(item.phases)))
    st.markdown(r.md_lines(item.text))
    if item.points:
        points = "\n".join(f"- {r.escape_markdown(' '.join(p.split()))}" for p in item.points)
        st.caption(f"**別添のポイント**\n\n{points}")
    lines = tuple(x for x in item.text.split("\n") if x.strip())
    with st.container(horizontal=True, gap="small"):
        st.button(
            "本編の原文",
            key=f"src-{role}-{item.code}",
            on_click=c.open_passage,
            args=(base_url, item.source_passage_id, lines),
            icon=":material/description:",
            type="tertiary",
        )
        if item.annex_passage_id:
            st.button(
                "別添の解説",
                key=f"annex-{role}-{item.code}",
                on_click=c.open_passage,
                args=(base_url, item.annex_passage_id),
                icon=":material/attach_file:",
                type="tertiary",
            )
        st.button(
            ASK_ABOUT,
            key=f"ask-{role}-{item.code}",
            on_click=chat.ask_about,
            args=(f"{item.code} {item.title}", role),
            icon=":material/chat:",
            type="tertiary",
        )


def _groups(cl: Checklist, label: str) -> list[tuple[str, list[ChecklistItem]]]:
    """共通の指針 by principle (1)〜10)), then the role's own items."""
    groups: dict[str, list[ChecklistItem]] = {}
    for item in cl.items:
        if item.kind == "role_item":
            name = f"{label}の項目"
        else:
            head = next((i for i in cl.items if i.kind == "principle" and i.principle == item.principle), item)
            name = f"{head.code} {head.title}"
        groups.setdefault(name, []).append(item)
    return list(groups.items())


def render_checklist(base_url: str, role: str | None) -> None:
    if role is None:
        st.info("チェックリストを作るには、上の「主体」で AI開発者・AI提供者・AI利用者 のいずれかを選んでください。", icon=":material/info:")
        return
    try:
        cl = c.checklist(base_url, role)
    except UIError as err:
        c.error_box(err, key="retry-checklist")
        return
    if not cl.items:
        st.info(cl.note or "この主体に当てはまる項目はありません。", icon=":material/info:")
        return
    title = _doc_title(base_url, cl.doc_id)
    common = sum(1 for i in cl.items if i.kind != "role_item")
    own = len(cl.items) - common
    label = cl.role_label or r.role_label(role)
    done = sum(1 for i in cl.items if st.session_state.get(_check_key(role, i)))
    st.markdown(
        f"**{r.escape_markdown(label)}** が確認する項目: **{len(cl.items)}件**"
        f"（共通の指針 {common}件・{r.escape_markdown(label)}の項目 {own}件）　確認済み {done}件"
    )
    st.caption("チェックは保存ファイルの「確認」列に反映されます。各項目に原文へのリンクが付きます。"
               + r.escape_markdown(cl.note))
    _downloads(cl, role, title)
    st.html(CHECKLIST_CSS)
    groups = _groups(cl, label)
    with st.container(key="checklist"):
        for name, items in groups[-1:] + groups[:-1]:  # the role's own items first
            checked = sum(1 for i in items if st.session_state.get(_check_key(role, i)))
            own_group = items[0].kind == "role_item"
            with st.expander(f"{r.escape_label(name)}（{len(items)}項目・確認済み {checked}）", expanded=own_group):
                for n, item in enumerate(items):
                    if n:
                        st.divider()
                    _item(base_url, role, item)
