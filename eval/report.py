"""Evaluation report: Markdown, a self-contained HTML page (charts as base64 PNGs) and JSON.

The report is built once as a list of sections (text, tables, charts) and rendered to both
Markdown and HTML, so the two never disagree. Files written under the output folder::

    report.md  report.html  summary.json  per_question.jsonl  answers/<system>.jsonl  charts/*.png
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.runner import ABLATIONS, SYSTEM_LABELS, EvalRun

log = logging.getLogger(__name__)

# (key in the aggregate, column title, kind) — kind picks the number format.
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("hit@1", "hit@1", "rate"),
    ("hit@5", "hit@5", "rate"),
    ("mrr", "MRR", "rate"),
    ("ndcg@10", "nDCG@10", "rate"),
    ("citation_recall", "Cit. R", "rate"),
    ("citation_precision", "Cit. P", "rate"),
    ("hallucination", "Halluc.", "rate"),
    ("refusal_rate", "Refusal (unans.)", "rate"),
    ("refusal_offtopic", "Refusal off-topic", "rate"),
    ("refusal_near_domain", "Refusal near-domain", "rate"),
    ("false_refusal_rate", "False refusal", "rate"),
    ("long_sentences", ">250 chars", "rate"),
    ("kp_coverage", "KP", "rate"),
    ("kp_coverage_soft", "KP soft", "rate"),
    ("answer_chars", "Chars", "int"),
    ("latency_p50_ms", "p50 ms", "ms"),
    ("latency_p95_ms", "p95 ms", "ms"),
)
BREAKDOWN: tuple[tuple[str, str, str], ...] = (
    ("n", "n", "int"),
    ("hit@1", "hit@1", "rate"),
    ("hit@5", "hit@5", "rate"),
    ("mrr", "MRR", "rate"),
    ("citation_precision", "Cit. P", "rate"),
    ("citation_recall", "Cit. R", "rate"),
    ("refusal_rate", "Refusal", "rate"),
    ("false_refusal_rate", "False ref.", "rate"),
    ("kp_coverage", "KP", "rate"),
    ("hallucination", "Halluc.", "rate"),
)
DELTA_KEYS = ("hit@5", "mrr", "ndcg@10", "citation_precision", "citation_recall", "kp_coverage", "refusal_rate")
CHART_KEYS = (
    "hit@1", "hit@5", "mrr", "ndcg@10", "citation_recall", "citation_precision", "kp_coverage", "refusal_rate"
)
WORST_SHOWN = 10
FAILURES_LISTED = 40


def fmt(value: Any, kind: str = "rate") -> str:
    if value is None:
        return "–"
    if kind == "int":
        return f"{value:.0f}"
    if kind == "ms":
        return f"{value:.1f}"
    if kind == "delta":
        return f"{value:+.3f}"
    return f"{value:.3f}"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Chart:
    caption: str
    png: bytes


@dataclass
class Items:
    """A bullet list; each item is a first line plus optional "  - " sub-lines (Markdown)."""

    items: list[str]


Block = str | Table | Chart | Items  # a str is a paragraph


@dataclass
class Section:
    title: str
    level: int = 2
    blocks: list[Block] = field(default_factory=list)

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


# --- failures ---------------------------------------------------------------------------------
def failures(run: EvalRun, system: str = "system") -> list[dict[str, Any]]:
    """Answerable questions with no relevant passage in the top 5, most telling first.

    Order: nothing relevant in the top k at all, then a relevant passage further down; ties
    broken by how many baselines did find it (a failure the baselines avoid is a regression
    of the fusion or priors and the first thing to look at).
    """
    if system not in run.systems:
        return []
    by_q = {q.id: q for q in run.questions}
    others = {name: {r["id"]: r for r in sr.rows} for name, sr in run.systems.items() if name != system}
    out = []
    for r in run.systems[system].rows:
        if r["hit5"] != 0.0:
            continue
        q = by_q[r["id"]]
        baseline_hits = {name: rows[r["id"]]["hit5"] == 1.0 for name, rows in others.items() if r["id"] in rows}
        out.append(
            {
                "id": r["id"],
                "split": r["split"],
                "type": r["type"],
                "role": r["role"],
                "question": q.question,
                "gold_spans": [e.span for e in q.evidence],
                "first_rank": r["first_rank"],
                "refused": r["refused"],
                "top": r["top"],
                "baseline_hit5": baseline_hits,
            }
        )
    out.sort(key=lambda f: (f["first_rank"] is not None, -(f["first_rank"] or 0), -sum(f["baseline_hit5"].values())))
    return out


def _failure_item(f: dict[str, Any]) -> str:
    found = ", ".join(name for name, hit in f["baseline_hit5"].items() if hit) or "none"
    rank = f"first relevant at rank {f['first_rank']}" if f["first_rank"] else "no relevant passage in top k"
    lines = [
        f"**{f['id']}** ({f['split']}, {f['type']}, role={f['role']}) {f['question']}",
        f"  - gold: {' / '.join('「' + s + '」' for s in f['gold_spans'])}; {rank}; "
        f"{'refused' if f['refused'] else 'answered'}; baselines with hit@5: {found}",
    ]
    for i, p in enumerate(f["top"], start=1):
        codes = " ".join(p["item_codes"])
        where = " ".join(x for x in (p["doc_id"], p["section"], codes) if x)
        lines.append(f"  - retrieved #{i}: [{where}] {p['text'][:110]}…")
    return "\n".join(lines)


# --- charts -----------------------------------------------------------------------------------
def _bar_chart(groups: Sequence[str], series: dict[str, list[float | None]], title: str, ylabel: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(series))
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(groups) + 2), 3.6), dpi=110)
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (n - 1) / 2) * width for g in range(len(groups))]
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width=width, label=name)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=30 if len(groups) > 6 else 0, ha="right" if len(groups) > 6 else "center")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


# --- building ---------------------------------------------------------------------------------
def _headline_table(summary: dict[str, Any], scope: str) -> Table:
    rows = []
    for name, data in summary["systems"].items():
        if scope not in data:
            continue
        agg = data[scope]["overall"]
        rows.append([name, str(agg["n"]), *(fmt(agg[key], kind) for key, _, kind in HEADLINE)])
    return Table(["system", "n", *(title for _, title, _ in HEADLINE)], rows)


def _delta_table(summary: dict[str, Any], scope: str) -> Table | None:
    systems = summary["systems"]
    if "system" not in systems or len(systems) < 2:
        return None
    base = systems["system"][scope]["overall"]
    rows = []
    for name, data in systems.items():
        if name == "system":
            continue
        agg = data[scope]["overall"]
        rows.append(
            [f"system − {name}"]
            + [fmt(None if base[k] is None or agg[k] is None else base[k] - agg[k], "delta") for k in DELTA_KEYS]
        )
    return Table(["comparison", *DELTA_KEYS], rows)


ABLATION_KEYS = ("hit@1", "hit@5", "mrr", "ndcg@10", "citation_recall")


def _ablation_table(summary: dict[str, Any], scopes: Sequence[str]) -> Table | None:
    """The system and each ablation side by side: one column per (scope, metric), Δ to the system."""
    systems = summary["systems"]
    names = [n for n in ("system", *ABLATIONS, "dense", "bm25") if n in systems]
    if "system" not in systems or not any(n in ABLATIONS for n in names):
        return None
    headers = ["system", *(f"{key} ({scope})" for scope in scopes for key in ABLATION_KEYS)]
    rows = []
    for name in names:
        cells = [f"`{name}`"]
        for scope in scopes:
            base = systems["system"][scope]["overall"]
            agg = systems[name][scope]["overall"]
            for key in ABLATION_KEYS:
                value = agg[key]
                if name == "system" or value is None or base[key] is None:
                    cells.append(fmt(value))
                else:
                    cells.append(f"{fmt(value)} ({value - base[key]:+.3f})")
        rows.append(cells)
    return Table(headers, rows)


def _breakdown_table(summary: dict[str, Any], scope: str, key: str, system: str = "system") -> Table:
    systems = summary["systems"]
    main = systems[system][scope][key]
    baselines = [n for n in systems if n != system]
    headers = ["group", *(title for _, title, _ in BREAKDOWN), *(f"hit@5 {b}" for b in baselines)]
    rows = []
    for group, agg in main.items():
        cells = [group, *(fmt(agg[k], kind) for k, _, kind in BREAKDOWN)]
        cells += [fmt(systems[b][scope][key].get(group, {}).get("hit@5")) for b in baselines]
        rows.append(cells)
    return Table(headers, rows)


def build_sections(run: EvalRun, summary: dict[str, Any], meta: dict[str, Any]) -> list[Section]:
    scopes: list[str] = summary["splits"]
    ordered = [s for s in ("test", "dev", "all") if s in scopes]
    systems = list(summary["systems"])
    sections: list[Section] = []

    intro = Section("ガイドラインQA 評価レポート / Evaluation report", level=1)
    intro.blocks.append(
        f"Generated {meta.get('generated_at', '')} · generator `{summary['generator']}` · k={summary['k']} · "
        f"index: {meta.get('index', {}).get('embedder', '?')}, {meta.get('index', {}).get('chunks', '?')} chunks "
        f"(built {meta.get('index', {}).get('created_at', '?')})"
    )
    counts = ", ".join(
        f"{s}: {summary['systems'][systems[0]][s]['overall']['n']} questions "
        f"({summary['systems'][systems[0]][s]['overall']['n_unanswerable']} unanswerable)"
        for s in ordered
    ) if systems else ""
    intro.blocks.append(f"Questions — {counts}.")
    intro.blocks.append(
        "Systems: " + "; ".join(f"`{n}` = {SYSTEM_LABELS.get(n, n)}" for n in systems) + ". "
        "Retrieval metrics use the top-k passages of each answer record; a passage is relevant when its "
        "normalised text (NFKC, no whitespace) contains a gold evidence span. Citation recall/precision are "
        "span-based (ALCE-style); hallucination = share of answer sentences not supported by the passages they "
        "cite (containment for extractive answers, char-bigram overlap ≥0.7 for an LLM); refusal = share of "
        "unanswerable questions refused, split into off-topic (types out_of_scope, premise_offtopic) and "
        "near-domain (near_unanswerable); false refusal = share of answerable questions refused; >250 chars = "
        "share of answer sentences longer than 250 characters (readability); KP = share of "
        "key points found verbatim in the answer (KP soft: char-bigram recall ≥0.6). The fixed lead sentence "
        "of a false-premise answer is the answerer's own statement, not a quote: it is counted apart "
        "(`statements` in summary.json), not in hallucination."
    )
    sections.append(intro)

    for scope in ordered:
        sec = Section(f"Headline — {scope} split" if scope != "all" else "Headline — all questions")
        sec.blocks.append(_headline_table(summary, scope))
        delta = _delta_table(summary, scope)
        if delta is not None:
            sec.blocks.append("System minus each baseline (positive = system better; for refusal, higher is better):")
            sec.blocks.append(delta)
        series = {n: [summary["systems"][n][scope]["overall"][k] for k in CHART_KEYS] for n in systems}
        sec.blocks.append(
            Chart(f"Headline metrics ({scope})", _bar_chart(list(CHART_KEYS), series, f"Headline ({scope})", "score"))
        )
        sections.append(sec)

    ablation = _ablation_table(summary, [s for s in ("dev", "test") if s in scopes])
    if ablation is not None:
        sec = Section("Ablation — retrieval components on/off")
        sec.blocks.append(
            "Each row switches one component of the system's retrieval (in brackets: the difference to "
            "`system`); a component is on in `system` only when it helped on the dev split. "
            + "; ".join(f"`{n}` = {SYSTEM_LABELS[n]}" for n in ABLATIONS if n in summary["systems"])
            + "."
        )
        sec.blocks.append(ablation)
        sections.append(sec)

    if "system" in summary["systems"]:
        for scope in ordered:
            for key, label in (("by_type", "type"), ("by_role", "role")):
                sec = Section(f"System by {label} — {scope}", level=3)
                sec.blocks.append(_breakdown_table(summary, scope, key))
                groups = [g for g, agg in summary["systems"]["system"][scope][key].items() if agg["hit@5"] is not None]
                series = {n: [summary["systems"][n][scope][key].get(g, {}).get("hit@5") for g in groups] for n in systems}
                if scope == ordered[0] or scope == "all":
                    caption = f"hit@5 by {label} ({scope})"
                    sec.blocks.append(Chart(caption, _bar_chart(groups, series, caption, "hit@5")))
                sections.append(sec)

        fails = failures(run)
        sec = Section(f"Worst failures — answerable questions with no hit@5 ({len(fails)})")
        sec.blocks.append(
            "For maintainers: the system's answerable questions without a relevant passage in the top 5, "
            "most telling first (nothing relevant in the top k; then by how many baselines did find it)."
        )
        if len(fails) > FAILURES_LISTED:
            sec.blocks.append(f"(first {FAILURES_LISTED} shown; all are in summary.json)")
        sec.blocks.append(Items([_failure_item(f) for f in fails[:FAILURES_LISTED]]))
        sections.append(sec)
    return sections


# --- rendering --------------------------------------------------------------------------------
def _md_table(t: Table) -> str:
    def esc(x: str) -> str:
        return x.replace("|", "\\|")

    lines = ["| " + " | ".join(map(esc, t.headers)) + " |", "|" + "---|" * len(t.headers)]
    lines += ["| " + " | ".join(map(esc, row)) + " |" for row in t.rows]
    return "\n".join(lines)


def render_markdown(sections: Sequence[Section], chart_paths: dict[str, str]) -> str:
    out: list[str] = []
    for sec in sections:
        out.append("#" * sec.level + " " + sec.title + "\n")
        for block in sec.blocks:
            if isinstance(block, str):
                out.append(block + "\n")
            elif isinstance(block, Table):
                out.append(_md_table(block) + "\n")
            elif isinstance(block, Chart):
                if block.caption in chart_paths:
                    out.append(f"![{block.caption}]({chart_paths[block.caption]})\n")
            else:
                out.extend("- " + item for item in block.items)
                out.append("")
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem auto;max-width:1200px;
color:#222;line-height:1.5;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.2rem;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;border:1px solid #eee;margin:.5rem 0}
li{margin-bottom:.6rem} li ul li{margin-bottom:0;color:#444;font-size:.9rem}
code{background:#f3f3f3;padding:0 .2rem}
"""


def _inline(md: str) -> str:
    """The little inline Markdown the report uses: **bold** and `code`."""
    import re

    text = html.escape(md)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def render_html(sections: Sequence[Section]) -> str:
    body: list[str] = []
    for sec in sections:
        body.append(f"<h{sec.level}>{html.escape(sec.title)}</h{sec.level}>")
        for block in sec.blocks:
            if isinstance(block, str):
                body.append(f"<p>{_inline(block)}</p>")
            elif isinstance(block, Table):
                head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
                rows = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif isinstance(block, Chart):
                data = base64.b64encode(block.png).decode("ascii")
                body.append(f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}"></figure>')
            else:
                body.append("<ul>")
                for item in block.items:
                    first, *rest = item.split("\n")
                    sub = "".join(f"<li>{_inline(x.strip().removeprefix('- '))}</li>" for x in rest)
                    body.append(f"<li>{_inline(first)}<ul>{sub}</ul></li>")
                body.append("</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        "<title>ガイドラインQA 評価レポート</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "chart"


def write_report(run: EvalRun, out_dir: Path, meta: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write every report file; return their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), **(meta or {})}
    summary = run.summary()
    sections = build_sections(run, summary, meta)

    charts_dir = out_dir / "charts"
    charts_dir.mkdir(exist_ok=True)
    chart_paths: dict[str, str] = {}
    for sec in sections:
        for chart in sec.charts():
            name = f"{_slug(chart.caption)}.png"
            (charts_dir / name).write_bytes(chart.png)
            chart_paths[chart.caption] = f"charts/{name}"

    paths = {
        "markdown": out_dir / "report.md",
        "html": out_dir / "report.html",
        "json": out_dir / "summary.json",
        "per_question": out_dir / "per_question.jsonl",
    }
    paths["markdown"].write_text(render_markdown(sections, chart_paths), encoding="utf-8")
    paths["html"].write_text(render_html(sections), encoding="utf-8")
    full = {**summary, "meta": meta, "failures": failures(run)}
    paths["json"].write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
    with paths["per_question"].open("w", encoding="utf-8") as fh:
        for name, sr in run.systems.items():
            for row in sr.rows:
                fh.write(json.dumps({"system": name, **row}, ensure_ascii=False) + "\n")
    answers_dir = out_dir / "answers"
    answers_dir.mkdir(exist_ok=True)
    for name, sr in run.systems.items():  # exactly the `guideqa batch` lines
        path = answers_dir / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for record in sr.records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    log.info("report written to %s", out_dir)
    return paths
