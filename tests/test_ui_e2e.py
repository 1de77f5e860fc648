"""End to end in a real browser: the API (uvicorn) + the Streamlit UI + Debian's chromium via Playwright.

The flow a municipality's staff member follows: choose the role, pick a topic from the menu,
ask a free question, open a citation, rate the answer, download the checklist; then a
refusal, an injection attempt, a phone-width page, and the API going away.
Screenshots go to tests/screenshots/ (gitignored). Deselect with ``-m "not e2e"``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from guideqa.config import Settings
from tests.live_api import LiveServer, free_port, running_api
from ui.launch import start_ui, stop_ui

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("GUIDEQA_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(__file__).resolve().parent / "screenshots"
# Without these, chromium keeps trying to reach the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTION = "AI利用者として個人情報の扱いで注意することは？"
TIMEOUT_MS = 60_000  # a wait bound, not a speed check: a loaded 2-core CI machine rerenders slowly

# Both come with `make test` (the dev extra and `make browser`); under CI=true these skips fail the run.
if not CHROMIUM.exists():
    pytest.skip(f"chromium not found at {CHROMIUM} (run `make browser`, i.e. apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install: the dev extra)")


@dataclass
class Stack:
    api: LiveServer
    ui_url: str
    feedback_db: Path
    ui_log: Path


def _wait_for_ui(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).text.strip() == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not start in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def stack(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    settings = real_settings.model_copy(update={"feedback_db": tmp / "feedback.sqlite3"})
    with running_api(settings) as api:
        port = free_port()
        log_path = tmp / "streamlit.log"
        with log_path.open("wb") as log:
            proc = start_ui(port, api.url, stdout=log, stderr=subprocess.STDOUT)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_for_ui(url, proc, log_path)
                yield Stack(api, url, settings.feedback_db, log_path)
            finally:
                stop_ui(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_dialog(dialog: Any) -> None:  # alert()/confirm() would mean injected script ran
        errors.append(f"js dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.js_errors = errors
    return page


def shot(page: Any, name: str) -> Path:
    """Full-height screenshot (Streamlit scrolls inside its own container, so grow the viewport)."""
    settle(page)
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
            ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
                .map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 10_000)})
    page.wait_for_timeout(300)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def open_app(page: Any, stack: Stack) -> None:
    page.goto(stack.ui_url)
    page.get_by_role("heading", name="ガイドラインQA").wait_for()
    page.get_by_role("radiogroup", name="主体（あなたの立場）").wait_for()


def choose_role(page: Any, label: str) -> None:
    page.get_by_role("radiogroup", name="主体（あなたの立場）").get_by_role("radio", name=label).click()
    page.wait_for_function(
        """label => [...document.querySelectorAll('[role=radiogroup] [role=radio]')]
            .some(b => b.getAttribute('aria-checked') === 'true' && b.innerText.trim() === label)""",
        arg=label,
    )


def ask(page: Any, question: str) -> Any:
    """Type a question, send it, and return the last assistant message once it has finished."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.get_by_test_id("stChatMessage").filter(has_text=question).first.wait_for()
    last = page.get_by_test_id("stChatMessage").last
    last.get_by_role("button", name=re.compile("Markdownで保存")).wait_for()
    return last


def settle(page: Any) -> None:
    """Wait until Streamlit has finished the current run (no status widget, no stale elements)."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(300)


def test_desktop_flow(stack: Stack, browser: Any):
    started = time.monotonic()
    page = new_page(browser, DESKTOP)
    open_app(page, stack)
    choose_role(page, "AI利用者")
    shot(page, "desktop-01-start")

    # Guided lookup: the topic menu for AI利用者, no typing.
    page.get_by_role("tab", name=re.compile("項目から探す")).click()
    page.get_by_text("確認したい事項を選ぶと").wait_for()
    page.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=re.compile(r"U-4\) i\. 個人情報の不適切入力")).click()
    page.get_by_text(re.compile(r"該当箇所: \d+件")).wait_for()
    page.locator(".gq-passage").first.wait_for()
    assert "個人情報を不適切に入力することがないよう注意を払う" in "".join(page.locator(".gq-passage").all_inner_texts())
    assert page.get_by_text("AI事業者ガイドライン（第1.0版）").count() >= 1
    assert page.get_by_text("現行").count() >= 1
    shot(page, "desktop-02-topic")

    # Free question: the answer, its numbered citations.
    page.get_by_role("tab", name=re.compile("質問する")).click()
    answer = ask(page, QUESTION)
    assert "個人情報" in answer.inner_text()
    cite = answer.get_by_role("button", name=re.compile(r"^\S*\s*\[1\] U-4\) i\."))
    cite.wait_for()
    # One button per citation the answer's sentences carry (the answerer cites few, precise passages).
    cited = set(re.findall(r"\[(\d+)\]", answer.inner_text()))
    assert cited and answer.get_by_role("button", name=re.compile(r"\[\d+\]")).count() == len(cited)
    shot(page, "desktop-03-answer")

    # Open citation [1]: title, status badge, version/date, section, item code, highlighted quote, context.
    cite.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("該当箇所（黄色は回答で引用された文）").wait_for()
    text = dialog.inner_text()
    for expected in ("AI事業者ガイドライン（第1.0版）", "現行", "第1.0版（2024年）・2024-04-19", "章節", " > ",
                     "項目コード", "U-4) i.", "行", "（前の文脈）", "（後の文脈）"):  # fmt: skip
        assert expected in text, expected
    marks = dialog.locator("mark.gq-quote")
    assert marks.count() >= 1
    assert "個人情報を不適切に入力することがないよう注意を払う" in marks.first.inner_text()
    page.screenshot(path=str(SHOTS / "desktop-04-citation.png"))
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")

    # Download the answer as Markdown.
    with page.expect_download() as dl:
        answer.get_by_role("button", name=re.compile("Markdownで保存")).click()
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# ガイドラインQA の回答") and "## 出典" in md and "U-4) i." in md

    # Feedback: thumbs up with a comment reaches POST /feedback (👍 = 5).
    answer.get_by_role("radio", name="Thumbs up").click()
    answer.get_by_label("コメント（任意）").fill("出典がすぐ確認できて便利です")
    answer.get_by_role("button", name="評価を送信").click()
    page.get_by_text("評価を送信しました").wait_for()
    with sqlite3.connect(stack.feedback_db) as db:
        rows = db.execute("SELECT rating, comment, question FROM feedback").fetchall()
    assert rows == [(5, "出典がすぐ確認できて便利です", QUESTION)]
    shot(page, "desktop-05-feedback")

    # A refusal is shown as such, with the closest passages.
    refused = ask(page, "明日の東京の天気は？")
    assert "ガイドラインには該当する記載が見当たりません" in refused.inner_text()
    assert "近い記載（参考）" in refused.inner_text()
    assert refused.get_by_role("button", name="原文を見る").count() >= 1

    # Injection attempt: the question is echoed as text, nothing runs or links.
    attack = '<img src=x onerror="window.__xss=1"> [x](javascript:window.__xss=2) <script>window.__xss=3</script> **太字**'
    ask(page, attack)
    user_msg = page.get_by_test_id("stChatMessage").filter(has_text="<img src=x").first
    assert "<script>window.__xss=3</script>" in user_msg.inner_text() and "**太字**" in user_msg.inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert user_msg.locator("strong").count() == 0
    shot(page, "desktop-06-refusal-and-injection")

    # The role's checklist, downloadable as CSV (Excel: BOM) with links to the sources.
    page.get_by_role("tab", name=re.compile("チェックリスト")).click()
    page.get_by_text(re.compile(r"AI利用者 が確認する項目: \d+件")).wait_for()
    item = page.get_by_role("checkbox", name="U-4) i. 個人情報の不適切入力とプライバシー侵害への対策")
    item.wait_for()
    item.locator("xpath=ancestor::label").click()  # tick it
    page.get_by_text("確認済み 1件").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("CSVで保存")).click()
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_text = raw.decode("utf-8-sig")
    assert "U-4) i." in csv_text and "別添のポイント" in csv_text and f"{stack.ui_url}/?passage=guideline-" in csv_text
    assert re.search(r'\d+,済,U-4\) i\.', csv_text)
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("Markdownで保存")).click()
    assert "- [x] **U-4) i." in Path(dl.value.path()).read_text(encoding="utf-8")
    shot(page, "desktop-07-checklist")

    # The checklist's link opens the passage directly.
    link = re.search(rf"{re.escape(stack.ui_url)}/\?passage=[\w-]+", csv_text)
    assert link
    page.goto(link.group(0))
    page.get_by_role("dialog").get_by_text("該当箇所").wait_for()
    assert page.js_errors == []
    page.context.close()
    assert time.monotonic() - started < 90


def test_phone_width(stack: Stack, browser: Any):
    page = new_page(browser, PHONE)
    open_app(page, stack)
    choose_role(page, "AI提供者")
    answer = ask(page, "AI提供者はサービス規約について何をすべき？")
    assert answer.get_by_role("button", name=re.compile(r"\[1\]")).count() == 1
    settle(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    # the role pills and the three tabs stay on screen
    for name in ("AI開発者", "指定しない"):
        box = page.get_by_role("radio", name=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(page, "phone-01-answer")
    answer.get_by_role("button", name=re.compile(r"\[1\]")).click()
    page.get_by_role("dialog").get_by_text("該当箇所").wait_for()
    page.screenshot(path=str(SHOTS / "phone-02-citation.png"))
    page.keyboard.press("Escape")
    page.get_by_role("tab", name=re.compile("チェックリスト")).click()
    page.get_by_text(re.compile(r"AI提供者 が確認する項目: \d+件")).wait_for()
    shot(page, "phone-03-checklist")
    assert page.js_errors == []
    page.context.close()


def test_api_down_shows_a_japanese_message_and_retry(stack: Stack, browser: Any):
    page = new_page(browser, DESKTOP)
    open_app(page, stack)
    stack.api.stop()  # the last test of the module: the API goes away mid-session
    alert = ask_without_answer(page, "AIガバナンスとは？")
    # The question's own call fails inside the chat, or (once the cached readiness probe of
    # the page has expired, ttl 30 s) the page's probe fails first and says so above the tabs:
    # either way one Japanese message and one retry button, never a traceback.
    assert "回答サーバー（API）に接続できません" in alert.inner_text()
    retry = page.get_by_role("button", name=re.compile("再試行"))
    assert retry.count() == 1
    assert "Traceback" not in page.content()
    shot(page, "desktop-08-api-down")
    retry.click()
    page.get_by_text("回答サーバー（API）に接続できません").first.wait_for()
    page.context.close()


def ask_without_answer(page: Any, question: str) -> Any:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    alert = page.get_by_test_id("stAlert").filter(has_text="回答サーバー（API）に接続できません").last
    alert.wait_for()
    return alert
