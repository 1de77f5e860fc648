"""``guideqa serve``: the HTTP API (FastAPI on uvicorn). Registered in guideqa/cli.py."""

from __future__ import annotations

import errno
import os
import socket
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
) -> None:
    """API サーバーを起動します（説明は http://<host>:<port>/docs）。"""
    import uvicorn

    from api.logs import log_config

    if log_level.lower() not in ("debug", "info", "warning", "error"):
        typer.echo("エラー: --log-level は debug / info / warning / error のいずれかを指定してください。", err=True)
        raise typer.Exit(2)
    if index_dir is not None:
        # Through the environment, so that every worker process sees it.
        os.environ["GUIDEQA_INDEX_DIR"] = str(index_dir)
        get_settings.cache_clear()
    problem = _port_free(host, port)
    if problem is not None:
        why = "他のプログラムが使用中です" if problem.errno == errno.EADDRINUSE else f"使用できません（{problem.strerror}）"
        typer.echo(f"エラー: {host}:{port} で待ち受けできません。{why}。--port で別の番号を指定してください。", err=True)
        raise typer.Exit(1)
    typer.echo(f"API を起動します: http://{host}:{port}/docs （終了は Ctrl+C）", err=True)
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
