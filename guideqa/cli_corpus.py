"""``guideqa add`` / ``guideqa remove``: put a document into the corpus or take one out.

Registered in guideqa/cli.py. Both re-index at once; a running ``guideqa serve`` picks the
new index up by itself (live reload).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from guideqa.errors import GuideQAError
from guideqa.models import Status

STATUS_HELP = "状態: current（現行）/ update（更新内容）/ draft（案）/ older（旧資料）"
STATUSES: tuple[Status, ...] = ("current", "update", "draft", "older")


def _settings(**overrides: Any) -> Any:
    from guideqa.cli import _settings as settings_of

    return settings_of(**overrides)


def _fail(err: GuideQAError) -> None:
    from guideqa.cli import _fail as fail

    code = 2 if err.code in ("document_error", "corpus_error") else 1
    fail(err, code)


def add(
    files: Annotated[list[Path], typer.Argument(help="追加するファイル（.pdf / .txt / .md / .csv / .tsv など、複数可）")],
    title: Annotated[str | None, typer.Option("--title", help="題名（ファイルが1つのとき。省略時は文書の1行目かファイル名）")] = None,
    status: Annotated[str, typer.Option("--status", help=STATUS_HELP)] = "current",
    date: Annotated[str, typer.Option("--date", help="日付（例: 2025-04-01）")] = "",
    publisher: Annotated[str, typer.Option("--publisher", help="発行者")] = "",
    supersedes: Annotated[list[str] | None, typer.Option("--supersedes", help="この文書が置き換える文書の doc_id（複数可。ファイルが1つのとき）")] = None,
    doc_id: Annotated[str | None, typer.Option("--doc-id", help="doc_id（ファイルが1つのとき。省略時はファイル名から自動で決めます）")] = None,
    corpus_dir: Annotated[Path | None, typer.Option("--corpus-dir", help="コーパスのフォルダ")] = None,
    index_dir: Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")] = None,
) -> None:
    """文書をコーパスに追加し、インデックスを作り直します（複数のファイルは1回の作り直しで追加。失敗しても以前の状態のままです）。"""
    from ingest.corpus_edit import add_documents

    if status not in STATUSES:
        typer.echo(f"エラー: --status は {' / '.join(STATUSES)} のいずれかを指定してください（{STATUS_HELP}）。", err=True)
        raise typer.Exit(2)
    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    try:
        metas, report = add_documents(
            settings, files, title=title, status=status, date=date, publisher=publisher,  # type: ignore[arg-type]
            supersedes=supersedes or [], doc_id=doc_id,
        )  # fmt: skip
    except GuideQAError as err:
        _fail(err)
        return
    _echo_report(report)
    for meta in metas:
        chunks = _chunks_of(settings, meta.doc_id)
        typer.echo(f"追加しました: {meta.doc_id}（{meta.title}、{chunks}チャンク）→ {settings.corpus_dir / meta.file}")


def remove(
    doc_id: Annotated[str, typer.Argument(help="外す文書の doc_id（`guideqa info` で確認できます）")],
    corpus_dir: Annotated[Path | None, typer.Option("--corpus-dir", help="コーパスのフォルダ")] = None,
    index_dir: Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")] = None,
) -> None:
    """文書をコーパスから外し、インデックスを作り直します（ファイルは corpus/.removed/ に移します）。"""
    from ingest.corpus_edit import REMOVED_DIR, remove_document

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    try:
        meta, report = remove_document(settings, doc_id)
    except GuideQAError as err:
        _fail(err)
        return
    _echo_report(report)
    typer.echo(f"外しました: {meta.doc_id}（{meta.title}）。ファイルは {settings.corpus_dir / REMOVED_DIR} に移しました。")


def _echo_report(report: Any) -> None:
    for err in report.errors:
        typer.echo(f"警告: {err.path}: {err.cause}", err=True)
    typer.echo(report.summary())


def _chunks_of(settings: Any, doc_id: str) -> int:
    from ingest.index_store import read_manifest

    docs = read_manifest(settings.index_dir).get("documents", [])
    return next((int(d.get("chunks", 0)) for d in docs if d.get("doc_id") == doc_id), 0)
