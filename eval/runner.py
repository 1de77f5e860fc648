"""Runs systems over the question set and scores them.

Every system answers through the ``guideqa batch`` record format
(:func:`guideqa.service.ask_line` / :func:`guideqa.service.answer_record`), and scoring reads
only those records (:func:`score_record`), so what is measured is exactly what a consumer
of ``guideqa batch`` receives. Any batch output file can be scored the same way.

Systems: ``system`` (the product), ``system-nohistory`` (the product asked every question on its
own, to measure what conversation history adds), ``bm25`` and ``dense`` (single-signal retrieval with the
same answerer) and ``naive`` (tutorial RAG); see :mod:`eval.baselines`.

Generators: ``extractive`` (default) and ``llm`` (the product's optional LLM generator,
``retriever.llm``; needs ``GUIDEQA_LLM_BASE_URL`` / ``GUIDEQA_LLM_MODEL``). Others plug in
through :func:`register_generator` with a factory ``settings -> Generator``. Scoring reads
the generator from each record, so answers the LLM generator produced are checked with
token overlap and its extractive fallbacks with containment
(:func:`eval.metrics.support_check_for`). The naive baseline keeps its own answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eval import metrics as m
from eval.schema import EvalQuestion
from guideqa.config import Settings
from guideqa.errors import GuideQAError
from guideqa.models import Answer, Role
from guideqa.service import answer_record, ask_line, build_answerer, error_record
from retriever.answer import Answerer, Generator
from retriever.roles import parse_role

log = logging.getLogger(__name__)

# Ablations: the system with one retrieval component switched (SearchConfig overrides).
# Components that did not help on dev are off in the system and measured here switched on.
ABLATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "system-nosent": ("system without the sentence max-sim channel", {"sentence_weight": 0.0}),
    "system-nosyn": ("system without Sudachi synonyms on the BM25 side", {"bm25_synonyms": False}),
    "system-prf": ("system plus pseudo-relevance feedback on BM25 (5 passages, 10 terms)", {"prf_docs": 5}),
    "system-learned": (
        "system with the learned fusion (logistic regression trained on dev) instead of RRF + priors",
        {"learned_fusion": True},
    ),
    "system-noadapter": (
        "system without the query adapter (the question's vector as embedded)",
        {"query_adapter": False},
    ),
}
SYSTEMS: tuple[str, ...] = ("system", "system-nohistory", "bm25", "dense", "naive", *ABLATIONS)
SYSTEM_LABELS = {
    "system": "system (hybrid + roles + refusal)",
    "system-nohistory": "system without history (every question alone)",
    "bm25": "BM25 only",
    "dense": "dense only",
    "naive": "naive RAG (1000/200, dense top-k)",
    **{name: label for name, (label, _) in ABLATIONS.items()},
}
SPLITS: tuple[str, ...] = ("dev", "test")
DEFAULT_K = 10
# Warm-up lines (not scored): lazy loads on the plain, role and false-premise paths.
WARMUP_LINES: tuple[dict[str, Any], ...] = (
    {"id": "warmup-1", "question": "AIガバナンスとは何ですか？"},
    {"id": "warmup-2", "question": "学習データについて何に注意すべき？", "role": "developer"},
    {"id": "warmup-3", "question": "ガイドラインに違反した場合の罰金は？", "role": "user"},
)
NO_ROLE = "none"
# Unanswerable question types, for the refusal breakdown: far off-topic questions (also those
# dressed up with a legal-force premise) vs near-domain ones that sound in scope.
OFF_TOPIC_TYPES = frozenset({"out_of_scope", "premise_offtopic"})
NEAR_DOMAIN_TYPES = frozenset({"near_unanswerable"})

GeneratorFactory = Callable[[Settings], Generator]


def _llm_generator(settings: Settings) -> Generator:
    """The product's optional LLM generator; raises ``llm_not_configured`` without an endpoint."""
    from retriever.llm import LLMGenerator, chat_model_from_settings

    return LLMGenerator(chat_model_from_settings(settings))


# None: the answerer's built-in extractive generator.
_GENERATORS: dict[str, GeneratorFactory | None] = {"extractive": None, "llm": _llm_generator}


def register_generator(name: str, factory: GeneratorFactory) -> None:
    """Make ``--generator <name>`` available; ``factory(settings)`` returns the generator."""
    _GENERATORS[name] = factory


def generator_names() -> list[str]:
    return list(_GENERATORS)


class UnknownGeneratorError(GuideQAError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"生成器「{name}」は使えません（利用可能: {', '.join(generator_names())}）。", code="unknown_generator"
        )


def make_generator(name: str, settings: Settings) -> Generator | None:
    """The generator for ``name`` (None = extractive); fails before any index is loaded."""
    if name not in _GENERATORS:
        raise UnknownGeneratorError(name)
    factory = _GENERATORS[name]
    return None if factory is None else factory(settings)


class Asker(Protocol):
    """What the runner needs from a system: a question in, a batch record out."""

    def __call__(self, line: dict[str, Any], k: int) -> dict[str, Any]: ...


def answerer_asker(answerer: Answerer) -> Asker:
    def ask(line: dict[str, Any], k: int) -> dict[str, Any]:
        return ask_line(answerer, line, k)

    return ask


def without_history(asker: Asker) -> Asker:
    """The same system, asked every question on its own (the line's ``history`` is dropped)."""

    def ask(line: dict[str, Any], k: int) -> dict[str, Any]:
        return asker({key: value for key, value in line.items() if key != "history"}, k)

    return ask


def plain_asker(ask_fn: Callable[[str, Role | None, int], Answer]) -> Asker:
    """For systems that are not an :class:`Answerer` (the naive baseline)."""

    def ask(line: dict[str, Any], k: int) -> dict[str, Any]:
        role = parse_role(line.get("role"))
        return answer_record(line.get("id"), ask_fn(str(line.get("question", "")), role, k))

    return ask


def build_systems(settings: Settings, names: Sequence[str], generator: str = "extractive") -> dict[str, Asker]:
    """Load each requested system once (the system's index is shared by bm25/dense)."""
    from eval import baselines

    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown systems {unknown}; choose from {list(SYSTEMS)}")
    gen = make_generator(generator, settings)  # unknown / unconfigured: fail fast
    out: dict[str, Asker] = {}
    system: Answerer | None = None
    if any(n in names for n in ("system", "bm25", "dense", *ABLATIONS)):
        # The generator is chosen here, not by GUIDEQA_GENERATOR: build the extractive stack
        # and swap the generator in (bm25/dense copy it, so all three use the same one).
        system = build_answerer(settings.model_copy(update={"generator": "extractive"}))
        if gen is not None:
            system.generator = gen
    for name in names:
        if name == "system":
            assert system is not None
            out[name] = answerer_asker(system)
        elif name == "system-nohistory":
            assert system is not None
            out[name] = without_history(answerer_asker(system))
        elif name == "bm25":
            assert system is not None
            out[name] = answerer_asker(baselines.bm25_answerer(system))
        elif name == "dense":
            assert system is not None
            out[name] = answerer_asker(baselines.dense_answerer(system))
        elif name in ABLATIONS:
            assert system is not None
            out[name] = answerer_asker(baselines.config_answerer(system, **ABLATIONS[name][1]))
        elif name == "naive":
            out[name] = plain_asker(baselines.NaiveRAG.build(settings).ask)
    return out


# --- scoring ----------------------------------------------------------------------------------
def _cited_texts(record: dict[str, Any]) -> dict[int, str]:
    return {int(c["number"]): str(c.get("text", "")) for c in record.get("citations") or [] if "number" in c}


def score_record(question: EvalQuestion, record: dict[str, Any], *, k: int = DEFAULT_K) -> dict[str, Any]:
    """Per-question metrics from one ``guideqa batch`` record (pure; no I/O)."""
    spans = [e.span for e in question.evidence]
    passages = [str(p.get("text", "")) for p in record.get("passages") or []][:k]
    citations = _cited_texts(record)
    refused = bool(record.get("refused"))
    answer = "" if refused else str(record.get("answer") or "")
    generator = str(record.get("generator") or "extractive")
    row: dict[str, Any] = {
        "id": question.id,
        "split": question.split,
        "type": question.type,
        "role": question.role or NO_ROLE,
        "answerable": question.answerable,
        "refused": refused,
        "error": (record.get("error") or {}).get("code"),
        "generator": generator,
    }
    rels = m.relevance(passages, spans) if spans else []
    if question.answerable and spans:
        row.update(
            first_rank=m.first_relevant_rank(rels),
            hit1=m.hit_at_k(rels, 1),
            hit5=m.hit_at_k(rels, 5),
            mrr=m.reciprocal_rank(rels, k),
            ndcg10=m.ndcg_at_k(rels, 10, n_relevant=len(spans)),
        )
    else:
        row.update(first_rank=None, hit1=None, hit5=None, mrr=None, ndcg10=None)

    cited = list(citations.values())
    row["n_citations"] = len(cited)
    if question.answerable and spans:
        row["cit_recall"] = m.citation_recall(cited, spans)
        row["cit_precision"] = m.citation_precision(cited, spans) if not refused else None
    else:
        row["cit_recall"] = row["cit_precision"] = None

    sentences = m.split_cited_sentences(answer) if answer else []
    # The answerer's own fixed statements (a false-premise lead) are not quotes: counted apart.
    fixed = {m.normalise(s.get("text", "")) for s in record.get("sentences") or [] if s.get("statement")}
    statements = [s for s in sentences if m.normalise(s.text) in fixed]
    sentences = [s for s in sentences if m.normalise(s.text) not in fixed]
    flags = m.unsupported_flags(sentences, citations, m.support_check_for(generator))
    row["n_sentences"] = len(sentences)
    row["n_statements"] = len(statements)
    row["n_long"] = sum(1 for s in sentences if len(s.text) > m.LONG_SENTENCE_CHARS)
    row["n_unsupported"] = sum(flags)
    row["unsupported"] = [s.text for s, bad in zip(sentences, flags, strict=True) if bad]

    if question.answerable and question.key_points:
        row["kp_exact"] = m.key_point_coverage(question.key_points, answer)
        row["kp_soft"] = m.key_point_coverage_soft(question.key_points, answer)
    else:
        row["kp_exact"] = row["kp_soft"] = None
    row["answer_chars"] = len(answer) if not refused else None
    row["top"] = [
        {
            "id": p.get("id"),
            "doc_id": p.get("doc_id"),
            "section": p.get("section", ""),
            "item_codes": p.get("item_codes", []),
            "relevant": rel,
            "text": " ".join(str(p.get("text", "")).split())[:160],
        }
        for p, rel in zip((record.get("passages") or [])[:3], rels[:3] or [False] * 3, strict=False)
    ]
    return row


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics over per-question rows (None where a metric has no question)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r["refused"]]
    sentences = sum(r["n_sentences"] for r in answered)
    unsupported = sum(r["n_unsupported"] for r in answered)
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "errors": sum(1 for r in rows if r["error"]),
        "hit@1": m.mean(r["hit1"] for r in rows),
        "hit@5": m.mean(r["hit5"] for r in rows),
        "mrr": m.mean(r["mrr"] for r in rows),
        "ndcg@10": m.mean(r["ndcg10"] for r in rows),
        "citation_recall": m.mean(r["cit_recall"] for r in rows),
        "citation_precision": m.mean(r["cit_precision"] for r in rows),
        "hallucination": unsupported / sentences if sentences else None,
        "answers_with_unsupported": (
            sum(1 for r in answered if r["n_unsupported"]) / len(answered) if answered else None
        ),
        "refusal_rate": m.mean(1.0 if r["refused"] else 0.0 for r in unanswerable),
        "refusal_offtopic": m.mean(1.0 if r["refused"] else 0.0 for r in unanswerable if r["type"] in OFF_TOPIC_TYPES),
        "refusal_near_domain": m.mean(
            1.0 if r["refused"] else 0.0 for r in unanswerable if r["type"] in NEAR_DOMAIN_TYPES
        ),
        "long_sentences": sum(r.get("n_long", 0) for r in answered) / sentences if sentences else None,
        "statements": sum(r.get("n_statements", 0) for r in answered),
        "false_refusal_rate": m.mean(1.0 if r["refused"] else 0.0 for r in answerable),
        "kp_coverage": m.mean(r["kp_exact"] for r in rows),
        "kp_coverage_soft": m.mean(r["kp_soft"] for r in rows),
        "answer_chars": m.mean(r["answer_chars"] for r in rows),
        "latency_p50_ms": m.median(latencies),
        "latency_p95_ms": m.percentile(latencies, 0.95),
    }


def breakdown(rows: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(str(r[key]), []).append(r)
    return {name: aggregate(group) for name, group in sorted(groups.items())}


# --- running ----------------------------------------------------------------------------------
@dataclass
class SystemRun:
    name: str
    records: list[dict[str, Any]] = field(default_factory=list)  # guideqa batch lines
    rows: list[dict[str, Any]] = field(default_factory=list)  # per-question metrics
    seconds: float = 0.0


@dataclass
class EvalRun:
    splits: list[str]
    generator: str
    k: int
    questions: list[EvalQuestion]
    systems: dict[str, SystemRun]

    def rows(self, system: str, split: str | None = None) -> list[dict[str, Any]]:
        rows = self.systems[system].rows
        return [r for r in rows if split in (None, "all") or r["split"] == split]

    def summary(self) -> dict[str, Any]:
        """Aggregates per system and split (plus "all" when several splits ran), with breakdowns."""
        scopes = [*self.splits, "all"] if len(self.splits) > 1 else list(self.splits)
        out: dict[str, Any] = {"generator": self.generator, "k": self.k, "splits": scopes, "systems": {}}
        for name, run in self.systems.items():
            per_split = {}
            for scope in scopes:
                rows = self.rows(name, scope)
                per_split[scope] = {
                    "overall": aggregate(rows),
                    "by_type": breakdown(rows, "type"),
                    "by_role": breakdown(rows, "role"),
                }
            out["systems"][name] = {"label": SYSTEM_LABELS.get(name, name), "seconds": run.seconds, **per_split}
        return out


def batch_line(question: EvalQuestion) -> dict[str, Any]:
    """The ``guideqa batch`` input line for a question; ``history`` only for conversations."""
    line: dict[str, Any] = {"id": question.id, "question": question.question, "role": question.role}
    if question.history:
        line["history"] = list(question.history)
    return line


def select_questions(questions: Iterable[EvalQuestion], split: str) -> list[EvalQuestion]:
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose dev, test or all")
    return [q for q in questions if q.split == split]


def run_system(
    name: str,
    asker: Asker,
    questions: Sequence[EvalQuestion],
    *,
    k: int = DEFAULT_K,
    progress: Callable[[str, int, int], None] | None = None,
) -> SystemRun:
    run = SystemRun(name)
    start = time.perf_counter()
    for line in WARMUP_LINES:  # lazy loads must not count as the first questions' latency
        try:
            asker(dict(line), k)
        except GuideQAError:
            log.warning("%s: warm-up question failed", name, exc_info=True)
    for i, q in enumerate(questions, start=1):
        line = batch_line(q)
        t0 = time.perf_counter()
        try:
            record = asker(line, k)
        except GuideQAError as err:  # the batch command turns these into error lines too
            record = error_record(q.id, err)
        latency_ms = (time.perf_counter() - t0) * 1000
        row = score_record(q, record, k=k)
        row["latency_ms"] = round(latency_ms, 2)
        run.records.append(record)
        run.rows.append(row)
        if progress is not None:
            progress(name, i, len(questions))
    run.seconds = time.perf_counter() - start
    log.info("%s: %d questions in %.1fs", name, len(questions), run.seconds)
    return run


def run_eval(
    settings: Settings,
    questions: Sequence[EvalQuestion],
    *,
    split: str = "all",
    systems: Sequence[str] = SYSTEMS,
    generator: str = "extractive",
    k: int = DEFAULT_K,
    progress: Callable[[str, int, int], None] | None = None,
) -> EvalRun:
    chosen = select_questions(questions, split)
    askers = build_systems(settings, systems, generator)
    runs = {name: run_system(name, asker, chosen, k=k, progress=progress) for name, asker in askers.items()}
    splits = [s for s in SPLITS if any(q.split == s for q in chosen)]
    return EvalRun(splits=splits, generator=generator, k=k, questions=list(chosen), systems=runs)
