"""Schema, loader and validator for the evaluation question set (``eval/questions.jsonl``).

One JSON object per line::

    {"id": "q001", "question": "...", "role": "user" | "developer" | "provider" | null,
     "type": "role_obligation", "answerable": true,
     "evidence": [{"doc_id": "guideline", "span": "..."}],
     "key_points": ["..."], "split": "dev" | "test"}

``evidence[].span`` is a verbatim snippet of the document.  Because the corpus texts are
PDF extractions (sentences broken across lines, stray spaces), spans are matched after
:func:`normalize_for_match` is applied to both the span and the document text.

``role``, ``type`` and ``split`` are kept as plain strings in the model so that
:func:`validate` can report every bad value in one pass instead of failing on the
first malformed line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from guideqa.guideline import ACTOR_ROLES
from guideqa.text import match_key

QUESTION_TYPES: tuple[str, ...] = (
    "role_obligation",
    "definition",
    "principle",
    "governance",
    "update",
    "other_docs",
    "paraphrase",
    "multi_passage",
    "out_of_scope",
    "false_premise",
    "adversarial",
)
ROLES: tuple[str, ...] = ACTOR_ROLES
SPLITS: tuple[str, ...] = ("dev", "test")

# Normalised length bounds for an evidence span (short, but long enough to be specific).
SPAN_MIN_CHARS = 8
SPAN_MAX_CHARS = 80


class Evidence(BaseModel):
    """A verbatim snippet of one corpus document that supports the answer."""

    doc_id: str
    span: str


class EvalQuestion(BaseModel):
    """One evaluation question."""

    id: str
    question: str
    role: str | None = None
    type: str
    answerable: bool
    evidence: list[Evidence] = Field(default_factory=list)
    key_points: list[str] = Field(default_factory=list)
    split: str


def normalize_for_match(text: str) -> str:
    """NFKC-normalise, then remove every whitespace character (incl. U+3000 and newlines)."""
    return match_key(text)


def load_questions(path: str | Path) -> list[EvalQuestion]:
    """Read a JSONL file of questions; blank lines are skipped.

    Raises ``ValueError`` naming the line number if a line is not valid JSON or does not
    fit the model.
    """
    questions: list[EvalQuestion] = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
            try:
                questions.append(EvalQuestion.model_validate(data))
            except ValidationError as exc:
                raise ValueError(f"{path}:{lineno}: invalid question: {exc}") from exc
    return questions


def load_manifest(manifest_path: str | Path) -> dict[str, str]:
    """Map ``doc_id`` to the file name given in the corpus manifest."""
    with Path(manifest_path).open(encoding="utf-8") as fh:
        manifest = yaml.safe_load(fh) or {}
    return {str(d["doc_id"]): str(d["file"]) for d in manifest.get("documents", [])}


def load_normalized_corpus(corpus_dir: str | Path, manifest_path: str | Path) -> dict[str, str]:
    """Map ``doc_id`` to the normalised full text of the document."""
    corpus_dir = Path(corpus_dir)
    return {
        doc_id: normalize_for_match((corpus_dir / file).read_text(encoding="utf-8"))
        for doc_id, file in load_manifest(manifest_path).items()
    }


def validate(
    questions: Iterable[EvalQuestion],
    corpus_dir: str | Path,
    manifest_path: str | Path,
) -> list[str]:
    """Check the question set against the corpus; return error messages (empty = valid).

    Checks: duplicate ids, empty question text, bad ``type`` / ``role`` / ``split``,
    answerable questions without evidence, unanswerable questions with evidence,
    unknown ``doc_id``, spans too short/long, and spans not found in their document.
    """
    questions = list(questions)
    docs = load_normalized_corpus(corpus_dir, manifest_path)
    errors: list[str] = []

    counts = Counter(q.id for q in questions)
    for qid, n in sorted(counts.items()):
        if n > 1:
            errors.append(f"{qid}: duplicate id ({n} times)")

    for q in questions:
        where = q.id or "<no id>"
        if not q.question.strip():
            errors.append(f"{where}: empty question")
        if q.type not in QUESTION_TYPES:
            errors.append(f"{where}: bad type {q.type!r}")
        if q.role is not None and q.role not in ROLES:
            errors.append(f"{where}: bad role {q.role!r}")
        if q.split not in SPLITS:
            errors.append(f"{where}: bad split {q.split!r}")
        if q.answerable and not q.evidence:
            errors.append(f"{where}: answerable but has no evidence")
        if not q.answerable and q.evidence:
            errors.append(f"{where}: unanswerable but has evidence")
        if any(not kp.strip() for kp in q.key_points):
            errors.append(f"{where}: empty key point")

        for i, ev in enumerate(q.evidence):
            label = f"{where}: evidence[{i}]"
            if ev.doc_id not in docs:
                errors.append(f"{label}: unknown doc_id {ev.doc_id!r}")
                continue
            span = normalize_for_match(ev.span)
            if not SPAN_MIN_CHARS <= len(span) <= SPAN_MAX_CHARS:
                errors.append(
                    f"{label}: span length {len(span)} outside "
                    f"{SPAN_MIN_CHARS}-{SPAN_MAX_CHARS} (normalised): {ev.span!r}"
                )
            if not span or span not in docs[ev.doc_id]:
                errors.append(f"{label}: span not found in {ev.doc_id!r}: {ev.span!r}")
    return errors
