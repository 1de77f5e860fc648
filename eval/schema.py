"""Schema, loader and validator for the evaluation question set (``eval/questions.jsonl``).

One JSON object per line::

    {"id": "q001", "question": "...", "role": "user" | "developer" | "provider" | null,
     "type": "role_obligation", "answerable": true,
     "evidence": [{"doc_id": "guideline", "span": "..."}],
     "key_points": ["..."], "split": "dev" | "test",
     "history": ["earlier question", ...]}   # optional

``history`` holds the earlier questions of the same conversation, oldest first; ``question``
is the last turn, and ``evidence`` / ``answerable`` are about that last turn. It is passed
through unchanged in the ``guideqa batch`` line the runner sends (key ``history``).

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
    # Everyday-words set (issues 12, 13, 15): questions drafted before looking up evidence.
    "everyday",  # paraphrase in a clerk's / shop owner's words
    "cross_role",  # compares what two roles must do, or asks which role one is
    "what_says",  # "what does the guideline / paper say about X"
    "near_unanswerable",  # sounds in scope, asks for a specific the corpus does not hold
    "premise_offtopic",  # off-topic question that mentions a penalty: must be refused
    "followup",  # last turn of a conversation that builds on the earlier turns
    "topic_change",  # last turn changes the subject: must not carry the earlier context
)
# Types whose records are conversations (``history`` required); no other type may have one.
CONVERSATION_TYPES: tuple[str, ...] = ("followup", "topic_change")
# Types that must be refused, whatever else holds.
UNANSWERABLE_TYPES: tuple[str, ...] = ("out_of_scope", "near_unanswerable", "premise_offtopic")
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
    history: list[str] = Field(default_factory=list)


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
    unknown ``doc_id``, spans too short/long, spans not found in their document, empty
    ``history`` turns, conversation types without ``history`` (and ``history`` on other
    types), and answerable questions of an always-unanswerable type.
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
        if any(not turn.strip() for turn in q.history):
            errors.append(f"{where}: empty history turn")
        if q.type in CONVERSATION_TYPES and not q.history:
            errors.append(f"{where}: type {q.type!r} needs a history")
        if q.history and q.type not in CONVERSATION_TYPES:
            errors.append(f"{where}: history on a {q.type!r} question")
        if q.type in UNANSWERABLE_TYPES and q.answerable:
            errors.append(f"{where}: type {q.type!r} must be unanswerable")

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
