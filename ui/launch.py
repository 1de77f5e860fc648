"""Starting the Streamlit UI as a child process (``guideqa serve --with-ui`` and the e2e test)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

APP_PATH = Path(__file__).resolve().parent / "app.py"


def streamlit_command(port: int, *, address: str = "127.0.0.1") -> list[str]:
    """``streamlit run ui/app.py`` with production flags (no file watcher, no telemetry, no browser)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "none",
        "--theme.base", "light",
    ]  # fmt: skip


def ui_env(api_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["GUIDEQA_API_URL"] = api_url
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the UI gets SIGTERM if the API process dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_ui(
    port: int,
    api_url: str,
    *,
    address: str = "127.0.0.1",
    stdout: int | IO[bytes] | None = None,
    stderr: int | IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Streamlit in a child process; by default it shares this process's stdout/stderr."""
    cmd = streamlit_command(port, address=address)
    log.info("starting the UI on port %d (API %s)", port, api_url)
    return subprocess.Popen(
        cmd,
        env=ui_env(api_url),
        stdout=stdout,
        stderr=stderr,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_ui(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("the UI did not stop in %.0f s; killing it", timeout)
        proc.kill()
        proc.wait(timeout=timeout)
