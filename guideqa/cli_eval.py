"""``guideqa eval``: run the system and the baselines over the question set and write a report.

Registered in :mod:`guideqa.cli` (``app.command("eval")(eval_command)``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from guideqa.config import REPO_ROOT, Settings, get_settings
from guideqa.errors import GuideQAError

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"
DEFAULT_OUT = REPO_ROOT / "eval" / "reports"
DEFAULT_SYSTEMS = "system,system-nohistory,bm25,dense,naive"
_SHOWN = ("hit@1", "hit@5", "mrr", "ndcg@10", "citation_precision", "citation_recall", "hallucination",
          "refusal_rate", "refusal_offtopic", "refusal_near_domain", "false_refusal_rate", "long_sentences",
          "kp_coverage")


def _settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    base = get_settings()
    return base.model_copy(update=values) if values else base


def _index_meta(settings: Settings) -> dict[str, Any]:
    from ingest.index_store import read_manifest

    try:
        manifest = read_manifest(settings.index_dir)
    except GuideQAError:
        return {}
    return {
        "index": {
            "embedder": manifest.get("embedder", {}).get("id"),
            "chunks": manifest.get("chunk_count"),
            "created_at": manifest.get("created_at"),
        }
    }


def eval_command(
    split: Annotated[str, typer.Option("--split", help="dev | test | all")] = "all",
    systems: Annotated[str, typer.Option("--systems", help="カンマ区切り: system,system-nohistory,bm25,dense,naive（ほかに system-nosent など）")] = DEFAULT_SYSTEMS,
    out: Annotated[Path, typer.Option("--out", help="レポートの出力フォルダ")] = DEFAULT_OUT,
    generator: Annotated[str, typer.Option("--generator", help="回答生成器: extractive（既定）| llm（GUIDEQA_LLM_* の設定が必要）")] = "extractive",
    questions: Annotated[Path, typer.Option("--questions", help="評価用の質問 JSONL")] = DEFAULT_QUESTIONS,
    k: Annotated[int, typer.Option("--k", help="検索する文書片の数（検索指標は上位 k 件で計算）")] = 10,
    index_dir: Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")] = None,
    ablation: Annotated[bool, typer.Option("--ablation", help="検索の各要素を1つずつ外したシステムも比較する")] = False,
) -> None:
    """評価セットでシステムとベースラインを比較し、レポート（Markdown / HTML / JSON）を書き出します。"""
    from eval.report import write_report
    from eval.runner import ABLATIONS, SYSTEMS, generator_names, run_eval
    from eval.schema import load_questions
    from guideqa.service import check_k

    names = [s.strip() for s in systems.split(",") if s.strip()]
    if ablation:
        names += [n for n in ABLATIONS if n not in names]
    bad = [n for n in names if n not in SYSTEMS]
    if bad or not names:
        typer.echo(f"エラー: 不明なシステム {bad or systems!r}（選択肢: {', '.join(SYSTEMS)}）", err=True)
        raise typer.Exit(2)
    if split not in ("dev", "test", "all"):
        typer.echo(f"エラー: --split は dev / test / all のいずれかです（{split!r}）", err=True)
        raise typer.Exit(2)
    if generator not in generator_names():
        typer.echo(f"エラー: 生成器「{generator}」は使えません（利用可能: {', '.join(generator_names())}）", err=True)
        raise typer.Exit(2)
    try:
        check_k(k)
        qs = load_questions(questions)
    except GuideQAError as err:
        typer.echo(f"エラー: {err.message}", err=True)
        raise typer.Exit(2) from None
    except (OSError, ValueError) as exc:
        typer.echo(f"エラー: 質問ファイルを読み込めません（{questions}）: {exc}", err=True)
        raise typer.Exit(2) from None

    settings = _settings(index_dir=index_dir)
    show = sys.stderr.isatty()

    def progress(name: str, i: int, n: int) -> None:
        if show and (i == n or i % 20 == 0):
            typer.echo(f"  {name}: {i}/{n}", err=True)

    typer.echo(f"評価: split={split}, systems={','.join(names)}, generator={generator}", err=True)
    if "naive" in names:
        typer.echo("  naive ベースラインのベクトルは初回のみ計算します（数分）。", err=True)
    try:
        run = run_eval(settings, qs, split=split, systems=names, generator=generator, k=k, progress=progress)
    except GuideQAError as err:
        typer.echo(f"エラー: {err.message}", err=True)
        raise typer.Exit(1) from None
    paths = write_report(run, out, meta=_index_meta(settings))

    summary = run.summary()
    for scope in summary["splits"]:
        typer.echo(f"\n[{scope}]")
        typer.echo(f"{'system':<14} " + " ".join(f"{key:>10}" for key in _SHOWN))
        for name, data in summary["systems"].items():
            agg = data[scope]["overall"]
            cells = " ".join(f"{agg[key]:>10.3f}" if agg[key] is not None else f"{'-':>10}" for key in _SHOWN)
            typer.echo(f"{name:<14} {cells}")
    typer.echo(f"\nレポート: {paths['markdown']} / {paths['html']} / {paths['json']}")
