"""The unseen-documents probe: its data is consistent and its scoring is right."""

from __future__ import annotations

import json

from eval.documents import DOCUMENTS_DIR, SUFFIXES, _batch_line, _key, score
from guideqa.text import match_key


def _questions() -> list[dict]:
    return [json.loads(line) for line in (DOCUMENTS_DIR / "questions.jsonl").read_text("utf-8").splitlines() if line.strip()]


def test_every_span_is_in_its_document_and_both_splits_are_used():
    docs = {p.name: _key(p.read_text("utf-8")) for p in DOCUMENTS_DIR.iterdir() if p.suffix in SUFFIXES}
    questions = _questions()
    assert len(docs) == 6 and len(questions) == 129
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
