"""Golden tests for eval/metrics.py and the per-record scoring, on tiny hand-made examples."""

from __future__ import annotations

import math

import pytest

from eval import metrics as m
from eval.runner import aggregate, score_record
from eval.schema import EvalQuestion, Evidence


def test_normalise_nfkc_and_whitespace():
    assert m.normalise("ＡＩ 事業者\u3000ガイド\nライン") == "AI事業者ガイドライン"


def test_relevance_matches_across_line_breaks_and_any_span():
    passages = ["学習時の\nデータについて、適正に 収集する", "無関係な文書", "データに ノイズ を加えること"]
    assert m.relevance(passages, ["学習時のデータについて"]) == [True, False, False]
    assert m.relevance(passages, ["存在しない", "データにノイズを加える"]) == [False, False, True]
    assert m.relevance(passages, [""]) == [False, False, False]
    assert m.contains_span("ＡＩ開発者", ["AI開発者"])


def test_hit_mrr():
    rels = [False, False, True, False, True]
    assert m.hit_at_k(rels, 1) == 0.0
    assert m.hit_at_k(rels, 3) == 1.0
    assert m.first_relevant_rank(rels) == 3
    assert m.reciprocal_rank(rels) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(rels, k=2) == 0.0
    assert m.reciprocal_rank([]) == 0.0


def test_ndcg_binary():
    assert m.ndcg_at_k([True, False, False], 10) == 1.0
    # one relevant at rank 2: (1/log2 3) / 1
    assert m.ndcg_at_k([False, True], 10) == pytest.approx(1 / math.log2(3))
    # two expected (two gold spans) but only one found at rank 1: 1 / (1 + 1/log2 3)
    assert m.ndcg_at_k([True, False], 10, n_relevant=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # more relevant retrieved than expected never exceeds 1
    assert m.ndcg_at_k([True, True, True], 10, n_relevant=1) == 1.0
    assert m.ndcg_at_k([False, True, True], 10) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    )
    # cut at k
    assert m.ndcg_at_k([False, False, True], 2) == 0.0
    assert m.ndcg_at_k([], 10, n_relevant=1) == 0.0


def test_citation_precision_recall():
    cites = ["…適正に収集する…", "関係ない", "これも関係ない", "適正に 収集する"]
    assert m.citation_recall(cites, ["適正に収集する"]) == 1.0
    assert m.citation_precision(cites, ["適正に収集する"]) == 0.5
    assert m.citation_recall([], ["x"]) == 0.0
    assert m.citation_precision([], ["x"]) is None


def test_strip_label():
    assert m.strip_label("前提について: ガイドラインは非拘束的なソフトローである。") == "ガイドラインは非拘束的なソフトローである。"
    assert m.strip_label("【U-4) i. プライバシー保護】個人情報を入力しない。") == "個人情報を入力しない。"
    assert m.strip_label("【行動目標 6-1【行動目標1-1~1-3の適時の再実施】】なお、見直す。") == "なお、見直す。"
    assert m.strip_label("【閉じない見出し") == "【閉じない見出し"
    assert m.strip_label("- 箇条書きの文。") == "箇条書きの文。"


def test_split_cited_sentences_extractive_layout():
    answer = "【U-4) i.】個人情報を入力しない。 [1]\n前提について: ソフトローである。 [2]"
    assert m.split_cited_sentences(answer) == [
        m.CitedSentence("個人情報を入力しない。", (1,)),
        m.CitedSentence("ソフトローである。", (2,)),
    ]


def test_split_cited_sentences_llm_layouts():
    sents = m.split_cited_sentences("文A[1]。文B。[2][3] 文C。文D。[1, 2]\n根拠のない文。")
    assert sents == [
        m.CitedSentence("文A", (1,)),
        m.CitedSentence("文B。", (2, 3)),
        m.CitedSentence("文C。", (1, 2)),
        m.CitedSentence("文D。", (1, 2)),
        m.CitedSentence("根拠のない文。", ()),
    ]
    assert m.split_cited_sentences("文A。[1] 文B。[1][2]\n[3]") == [
        m.CitedSentence("文A。", (1,)),
        m.CitedSentence("文B。", (1, 2, 3)),
    ]
    assert m.split_cited_sentences("") == []
    assert m.split_cited_sentences("［１］") == []


def test_contained_support_and_unsupported_rate():
    cites = {1: "AI利用者は、\n個人情報を 不適切に入力しない。", 2: "別の文書。"}
    ok = m.CitedSentence("個人情報を不適切に入力しない。", (1,))
    wrong_cite = m.CitedSentence("個人情報を不適切に入力しない。", (2,))
    invented = m.CitedSentence("罰金は100万円である。", (1,))
    uncited = m.CitedSentence("個人情報を不適切に入力しない。", ())
    unknown = m.CitedSentence("個人情報を不適切に入力しない。", (9,))
    assert m.unsupported_flags([ok, wrong_cite, invented, uncited, unknown], cites) == [False, True, True, True, True]
    assert m.unsupported_rate([ok, invented], cites) == 0.5
    assert m.unsupported_rate([], cites) is None
    assert m.contained_support("【U-4) i.】個人情報を不適切に入力しない。", [cites[1]])


def test_overlap_support_for_paraphrases():
    passage = "AI利用者は個人情報を不適切に入力しないよう注意する。"
    assert m.token_overlap("個人情報を不適切に入力しない", [passage]) == 1.0
    assert m.overlap_support("利用者は個人情報を不適切に入力しないよう注意", [passage])
    assert not m.overlap_support("罰金は百万円と定められている", [passage])
    assert not m.overlap_support("個人情報", [])
    assert m.support_check_for("extractive") is m.contained_support
    assert m.support_check_for("llm") is m.overlap_support


def test_key_point_coverage():
    answer = "学習時のデータについて、適正に 収集する。 [1]"
    kps = ["適正に収集する", "法令に従って適切に扱う"]
    assert m.key_point_coverage(kps, answer) == 0.5
    assert m.key_point_coverage([], answer) is None
    # soft: 「適正な収集」 shares 適正 / 収集 bigrams only partly; 「適正に収集」 fully
    assert m.bigram_recall("適正に収集", answer) == 1.0
    assert m.bigram_recall("全く別の話題", answer) == 0.0
    assert m.key_point_coverage_soft(["データを適正に収集"], answer) == 1.0
    assert m.key_point_coverage_soft(["全く別の話題"], answer) == 0.0


def test_mean_percentile():
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None
    assert m.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.95) == 5.0
    assert m.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert m.percentile([], 0.5) is None


def _question(**kw) -> EvalQuestion:
    base = dict(id="q1", question="問い", role=None, type="definition", answerable=True,
                evidence=[Evidence(doc_id="guideline", span="適正に収集する")], key_points=["適正に収集"], split="dev")
    base.update(kw)
    return EvalQuestion(**base)


def _record(answer: str, citations: list[str], passages: list[str], refused: bool = False) -> dict:
    return {
        "id": "q1", "refused": refused, "answer": answer, "generator": "extractive",
        "citations": [{"number": i + 1, "text": t} for i, t in enumerate(citations)],
        "passages": [{"id": f"p{i}", "doc_id": "guideline", "section": "", "item_codes": [], "text": t}
                     for i, t in enumerate(passages)],
    }


def test_score_record_answered():
    rec = _record("データを適正に収集する。 [1]\n無関係の文。 [2]", ["データを適正に収集する。", "無関係の文。"],
                  ["無関係の文。", "データを適正に収集する。"])
    row = score_record(_question(), rec)
    assert (row["hit1"], row["hit5"], row["mrr"], row["first_rank"]) == (0.0, 1.0, 0.5, 2)
    assert row["cit_recall"] == 1.0 and row["cit_precision"] == 0.5
    assert row["n_sentences"] == 2 and row["n_unsupported"] == 0
    assert row["kp_exact"] == 1.0 and row["answer_chars"] == len(rec["answer"])


def test_score_record_refusals_and_aggregate():
    unans = _question(id="q2", type="out_of_scope", answerable=False, evidence=[], key_points=[])
    refused = score_record(unans, _record("ガイドラインには該当する記載が見当たりません。", [], ["x"], refused=True))
    assert refused["hit5"] is None and refused["cit_precision"] is None and refused["n_sentences"] == 0
    false_refusal = score_record(_question(), _record("見当たりません。", [], ["適正に収集する"], refused=True))
    assert false_refusal["cit_recall"] == 0.0 and false_refusal["cit_precision"] is None
    assert false_refusal["kp_exact"] == 0.0 and false_refusal["hit1"] == 1.0
    invented = score_record(_question(id="q3"), _record("罰金は百万円。 [1]", ["適正に収集する"], ["適正に収集する"]))
    rows = [refused, false_refusal, invented]
    for r in rows:
        r["latency_ms"] = 10.0
    agg = aggregate(rows)
    assert agg["refusal_rate"] == 1.0
    assert agg["false_refusal_rate"] == 0.5
    assert agg["hallucination"] == 1.0  # the only answer sentence is invented
    assert agg["hit@1"] == 1.0 and agg["citation_precision"] == 1.0
    assert agg["latency_p50_ms"] == 10.0
