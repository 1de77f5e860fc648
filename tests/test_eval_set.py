"""Tests for the evaluation question set (eval/questions.jsonl) and its validator."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.runner import batch_line
from eval.schema import (
    CONVERSATION_TYPES,
    QUESTION_TYPES,
    EvalQuestion,
    Evidence,
    load_questions,
    normalize_for_match,
    validate,
)

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "eval" / "questions.jsonl"
CORPUS = REPO / "corpus"
MANIFEST = CORPUS / "manifest.yaml"

MIN_TOTAL = 440
MIN_PER_TYPE = {
    "role_obligation": 40,
    "update": 15,
    "other_docs": 20,
    "paraphrase": 15,
    "multi_passage": 10,
    "out_of_scope": 15,
    "false_premise": 8,
    "adversarial": 10,
    "definition": 5,
    "principle": 5,
    "governance": 5,
    # Everyday-words set (issues 12, 13, 15).
    "everyday": 50,
    "cross_role": 25,
    "what_says": 25,
    "near_unanswerable": 40,
    "premise_offtopic": 5,
    "followup": 30,
    "topic_change": 8,
}
EVERYDAY_TYPES = ("everyday", "cross_role", "what_says")


@pytest.fixture(scope="module")
def questions() -> list[EvalQuestion]:
    return load_questions(QUESTIONS)


def test_question_set_validates(questions: list[EvalQuestion]) -> None:
    assert validate(questions, CORPUS, MANIFEST) == []


def test_enough_questions(questions: list[EvalQuestion]) -> None:
    assert len(questions) >= MIN_TOTAL


def test_every_type_in_both_splits(questions: list[EvalQuestion]) -> None:
    seen = {(q.type, q.split) for q in questions}
    missing = [(t, s) for t in QUESTION_TYPES for s in ("dev", "test") if (t, s) not in seen]
    assert missing == []


def test_split_is_roughly_40_60(questions: list[EvalQuestion]) -> None:
    dev = sum(q.split == "dev" for q in questions)
    assert 0.3 <= dev / len(questions) <= 0.5


def test_type_minimums(questions: list[EvalQuestion]) -> None:
    counts = Counter(q.type for q in questions)
    short = {t: (counts[t], n) for t, n in MIN_PER_TYPE.items() if counts[t] < n}
    assert short == {}


def test_role_obligations_have_a_role(questions: list[EvalQuestion]) -> None:
    role_qs = [q for q in questions if q.type == "role_obligation"]
    assert all(q.role is not None for q in role_qs)
    per_role = Counter(q.role for q in role_qs)
    assert all(per_role[r] >= 10 for r in ("developer", "provider", "user")), per_role


def test_out_of_scope_is_unanswerable(questions: list[EvalQuestion]) -> None:
    for q in questions:
        if q.type == "out_of_scope":
            assert not q.answerable and q.evidence == [], q.id


def test_false_premises_are_answered_with_evidence(questions: list[EvalQuestion]) -> None:
    for q in questions:
        if q.type == "false_premise":
            assert q.answerable and q.evidence, q.id


def test_near_domain_and_offtopic_penalty_questions_are_unanswerable(questions: list[EvalQuestion]) -> None:
    for q in questions:
        if q.type in ("near_unanswerable", "premise_offtopic"):
            assert not q.answerable and q.evidence == [], q.id


def test_enough_false_premises(questions: list[EvalQuestion]) -> None:
    assert sum(q.type == "false_premise" for q in questions) >= 25


def test_everyday_questions_cover_all_documents(questions: list[EvalQuestion]) -> None:
    everyday = [q for q in questions if q.type in (*EVERYDAY_TYPES, "multi_passage") and int(q.id[1:]) > 198]
    assert sum(q.answerable for q in everyday) >= 120
    docs = {ev.doc_id for q in everyday for ev in q.evidence}
    assert docs == {"guideline", "update2026", "draft2023", "interim2025", "aines2020"}
    roles = Counter(q.role for q in everyday)
    assert roles[None] > 0 and all(roles[r] > 0 for r in ("developer", "provider", "user")), roles


def test_conversations(questions: list[EvalQuestion]) -> None:
    convs = [q for q in questions if q.history]
    assert len(convs) >= 40
    assert all(q.type in CONVERSATION_TYPES for q in convs)
    assert all(1 <= len(q.history) <= 2 for q in convs)  # two- and three-turn conversations
    assert any(len(q.history) == 2 for q in convs)
    changes = [q for q in convs if q.type == "topic_change"]
    assert len(changes) >= 8
    # A topic change is either answered from its own evidence or refused.
    assert any(q.answerable for q in changes) and any(not q.answerable for q in changes)
    assert {q.split for q in convs} == {"dev", "test"}


def test_batch_line_passes_history(questions: list[EvalQuestion]) -> None:
    conv = next(q for q in questions if q.history)
    line = batch_line(conv)
    assert line == {"id": conv.id, "question": conv.question, "role": conv.role, "history": conv.history}
    single = next(q for q in questions if not q.history)
    assert "history" not in batch_line(single)


def test_multi_passage_needs_two_evidence(questions: list[EvalQuestion]) -> None:
    for q in questions:
        if q.type == "multi_passage":
            assert len(q.evidence) >= 2, q.id


def test_adversarial_mixes_answerable_and_not(questions: list[EvalQuestion]) -> None:
    adversarial = [q for q in questions if q.type == "adversarial"]
    assert any(q.answerable for q in adversarial)
    assert any(not q.answerable for q in adversarial)


def test_other_docs_cover_each_other_paper(questions: list[EvalQuestion]) -> None:
    docs = {ev.doc_id for q in questions if q.type == "other_docs" for ev in q.evidence}
    assert {"interim2025", "aines2020", "draft2023"} <= docs


def test_key_points_are_short_and_present(questions: list[EvalQuestion]) -> None:
    for q in questions:
        assert 1 <= len(q.key_points) <= 3, q.id


def test_normalize_for_match() -> None:
    assert normalize_for_match("ＡＩ　提供者\n\n が （AI）") == "AI提供者が(AI)"
    assert normalize_for_match(" \t\u3000\n") == ""


def _q(**overrides: object) -> EvalQuestion:
    data: dict[str, object] = {
        "id": "x001",
        "question": "AIガバナンスとは？",
        "role": None,
        "type": "definition",
        "answerable": True,
        "evidence": [Evidence(doc_id="guideline", span="受容可能な水準で管理しつつ")],
        "key_points": ["受容可能な水準で管理"],
        "split": "dev",
    }
    data.update(overrides)
    return EvalQuestion.model_validate(data)


def test_validator_accepts_a_good_question() -> None:
    assert validate([_q()], CORPUS, MANIFEST) == []


def test_validator_accepts_span_across_line_break() -> None:
    # In the raw text this sentence is broken after "危" by a newline and a blank line.
    span = "ステークホルダーの生命・身体・財産に危害を及ぼすことがないようにすべき"
    raw = (CORPUS / "ai_jigyosha_guideline_2024.txt").read_text(encoding="utf-8")
    assert span not in raw
    q = _q(evidence=[Evidence(doc_id="guideline", span=span)])
    assert validate([q], CORPUS, MANIFEST) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"evidence": [Evidence(doc_id="nope", span="受容可能な水準で管理しつつ")]}, "unknown doc_id"),
        ({"evidence": [Evidence(doc_id="guideline", span="この文はどこにも書かれていない文章です")]}, "span not found"),
        ({"evidence": []}, "answerable but has no evidence"),
        ({"answerable": False}, "unanswerable but has evidence"),
        ({"split": "train"}, "bad split"),
        ({"type": "trivia"}, "bad type"),
        ({"role": "admin"}, "bad role"),
    ],
)
def test_validator_reports_errors(overrides: dict[str, object], fragment: str) -> None:
    errors = validate([_q(**overrides)], CORPUS, MANIFEST)
    assert any(fragment in e for e in errors), errors


def test_validator_accepts_a_conversation() -> None:
    q = _q(type="followup", history=["AIガバナンスとは？"], question="具体例は？")
    assert validate([q], CORPUS, MANIFEST) == []
    assert q.history == ["AIガバナンスとは？"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"type": "followup"}, "needs a history"),
        ({"type": "topic_change"}, "needs a history"),
        ({"history": ["AIガバナンスとは？"]}, "history on a 'definition' question"),
        ({"type": "followup", "history": ["  "]}, "empty history turn"),
        ({"type": "near_unanswerable"}, "must be unanswerable"),
    ],
)
def test_validator_checks_history_and_types(overrides: dict[str, object], fragment: str) -> None:
    errors = validate([_q(**overrides)], CORPUS, MANIFEST)
    assert any(fragment in e for e in errors), errors


def test_history_must_be_a_list_of_strings(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    bad = _q(type="followup", history=["前の質問"]).model_dump()
    bad["history"] = "前の質問"
    path.write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":1:"):
        load_questions(path)


def test_validator_reports_duplicate_ids() -> None:
    errors = validate([_q(), _q()], CORPUS, MANIFEST)
    assert any("duplicate id" in e for e in errors), errors


def test_load_questions_reports_line_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    good = _q().model_dump()
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        load_questions(path)
