"""``guideqa serve --with-ui``: one command starts the API and the UI, and stopping it stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from guideqa.config import Settings
from tests.live_api import free_port


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode("utf-8", "replace") if proc.stderr else "exited"
        try:
            resp = httpx.get(url, timeout=2)
            if resp.status_code == 200:
                return resp
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.may_skip
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the UI child process in /proc")
def test_serve_with_ui_starts_and_stops_both(real_settings: Settings, tmp_path: Path):
    api_port, ui_port = free_port(), free_port()
    env = dict(os.environ, GUIDEQA_FEEDBACK_DB=str(tmp_path / "f.sqlite3"))
    cmd = [sys.executable, "-m", "guideqa.cli", "serve", "--port", str(api_port), "--with-ui", "--ui-port", str(ui_port),
           "--index-dir", str(real_settings.index_dir), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(f"http://127.0.0.1:{api_port}/readyz", proc).json()["ready"] is True
        assert _wait(f"http://127.0.0.1:{ui_port}/_stcore/health", proc).text.strip() == "ok"
        ui_pids = _children(proc.pid)
        assert ui_pids, "the UI runs as a child process"
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = err.decode("utf-8", "replace")
    assert f"画面を起動します: http://127.0.0.1:{ui_port}" in stderr
    assert f"API を起動します: http://127.0.0.1:{api_port}/docs" in stderr
    for pid in ui_pids:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists(), "the UI outlived the API"


def test_serve_rejects_the_same_port_for_both():
    from typer.testing import CliRunner

    from guideqa.cli import app

    result = CliRunner().invoke(app, ["serve", "--port", "8600", "--with-ui", "--ui-port", "8600"])
    assert result.exit_code == 2 and "--ui-port" in result.output


def test_ui_port_in_use_is_a_japanese_error(tmp_path: Path):
    import socket

    from typer.testing import CliRunner

    from guideqa.cli import app

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(free_port()), "--with-ui", "--ui-port", str(port)])
    assert result.exit_code == 1 and "画面用" in result.output and "--ui-port" in result.output
