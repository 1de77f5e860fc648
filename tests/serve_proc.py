"""Test helper: the real ``guideqa serve`` in a child process on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.cluster import free_port, stop_process

REPO = Path(__file__).resolve().parent.parent
GUIDEQA = Path(sys.executable).parent / "guideqa"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(
    index_dir: Path, log_path: Path, env: dict[str, str], *, log_level: str = "info", timeout: float = 120
) -> Iterator[Server]:
    """Start the server, wait until /readyz answers (200 or 503), stop it (SIGINT) on exit."""
    port = free_port()
    cmd = [str(GUIDEQA), "serve", "--host", "127.0.0.1", "--port", str(port), "--index-dir", str(index_dir),
           "--log-level", log_level]  # fmt: skip
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEQA_")} | env
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log_file, stderr=subprocess.STDOUT)
        server = Server(proc, f"http://127.0.0.1:{port}", log_path)
        try:
            deadline = time.monotonic() + timeout
            while True:
                assert proc.poll() is None, f"server exited: {server.log()[-2000:]}"
                assert time.monotonic() < deadline, "server did not start in time"
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{server.url}/readyz", timeout=2).status_code in (200, 503):
                        break
                time.sleep(0.1)
            yield server
        finally:
            stop_process(proc, signal.SIGINT, timeout=30)
