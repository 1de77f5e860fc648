"""``guideqa serve``: the HTTP API (FastAPI on uvicorn), optionally with the Streamlit UI.

Registered in guideqa/cli.py. With ``--with-ui`` the UI runs as a child process pointed at
this API and is stopped when the API stops.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from guideqa.config import get_settings


def _port_free(host: str, port: int) -> OSError | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
    return None


def serve(
    host: Annotated[str, typer.Option("--host", help="待ち受けるアドレス（既定はこのコンピューターのみ）")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="ポート番号")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="プロセス数（各プロセスがインデックスを読み込みます）")] = 1,
    index_dir: Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="ログの詳しさ: debug / info / warning / error")] = "info",
    with_ui: Annotated[bool, typer.Option("--with-ui", help="画面（Streamlit）も起動します")] = False,
    ui_port: Annotated[int, typer.Option("--ui-port", min=1, max=65535, help="画面のポート番号（--with-ui のとき）")] = 8501,
) -> None:
    """API サーバーを起動します（説明は http://<host>:<port>/docs）。--with-ui で画面も起動します。"""
    import uvicorn

    from api.logs import log_config

    if log_level.lower() not in ("debug", "info", "warning", "error"):
        typer.echo("エラー: --log-level は debug / info / warning / error のいずれかを指定してください。", err=True)
        raise typer.Exit(2)
    if index_dir is not None:
        # Through the environment, so that every worker process sees it.
        os.environ["GUIDEQA_INDEX_DIR"] = str(index_dir)
        get_settings.cache_clear()
    if with_ui and ui_port == port:
        typer.echo("エラー: --ui-port には --port と別の番号を指定してください。", err=True)
        raise typer.Exit(2)
    checks = [("API", "--port", port)] + ([("画面", "--ui-port", ui_port)] if with_ui else [])
    for label, option, number in checks:
        problem = _port_free(host, number)
        if problem is not None:
            why = "他のプログラムが使用中です" if problem.errno == errno.EADDRINUSE else f"使用できません（{problem.strerror}）"
            typer.echo(f"エラー: {label}用の {host}:{number} で待ち受けできません。{why}。{option} で別の番号を指定してください。", err=True)
            raise typer.Exit(1)
    ui_proc = None
    if with_ui:
        from ui.launch import start_ui

        # Streamlit's banner (stdout) would repeat the address with "localhost"; its errors (stderr) stay.
        ui_proc = start_ui(ui_port, _api_url(host, port), address=host, stdout=subprocess.DEVNULL)
        typer.echo(f"画面を起動します: http://{_display_host(host)}:{ui_port}", err=True)
    typer.echo(f"API を起動します: http://{_display_host(host)}:{port}/docs （終了は Ctrl+C）", err=True)
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(log_level),
            log_level=log_level.lower(),
            access_log=False,  # api.middleware writes one structured line per request
            proxy_headers=False,
        )
    finally:
        if ui_proc is not None:
            from ui.launch import stop_ui

            stop_ui(ui_proc)


def _display_host(host: str) -> str:
    """A host a browser on this machine can open (0.0.0.0 / :: listen everywhere)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _api_url(host: str, port: int) -> str:
    """Where the UI child process reaches this API."""
    return f"http://{_display_host(host)}:{port}"
