"""Section kinds of the generic reader, explanation -> article links, and the rank an explanation
passes to its article (ingest.explanations, retriever.rules, retriever.extractive)."""

from __future__ import annotations

import numpy as np
import pytest

from guideqa.models import Chunk, DocumentMeta, LoadedDocument, SourceLine
from ingest.admin_structure import section_kind
from ingest.chunking import build_chunks
from ingest.corpus import load_manifest
from ingest.explanations import families, link_explanations, number
from ingest.loaders import load_document
from ingest.tokenizer import SudachiTokenizer
from retriever.extractive import ExtractiveGenerator, answer_places
from retriever.rules import rules_first
from retriever.search import Hit
from tests.municipal import PDF_NAME, TXT_NAME, write_municipal


def doc(doc_id: str, title: str, text: str) -> LoadedDocument:
    meta = DocumentMeta(doc_id=doc_id, title=title, file=f"{doc_id}.txt")
    return LoadedDocument(meta=meta, lines=[SourceLine(text=t, line=i) for i, t in enumerate(text.split("\n"), 1)], sha256="0")


@pytest.fixture(scope="module")
def municipal(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Chunk], list[DocumentMeta]]:
    corpus = tmp_path_factory.mktemp("municipal")
    write_municipal(corpus)
    metas = load_manifest(corpus)
    chunks = [c for m in metas for c in build_chunks(load_document(corpus / m.file, m))]
    link_explanations(chunks, metas)
    return chunks, metas


def test_section_kinds_from_the_headings_the_reader_writes():
    assert section_kind(["第2章 利用の手続と遵守事項", "第4条（入力禁止情報）"]) == "article"
    assert section_kind(["第一章 総則", "第二条の二"]) == "article"
    assert section_kind(["別紙2 生成AIの利用に関するQ&A", "Q1. 会議の議事録を要約させてもよいですか。"]) == "qa"
    assert section_kind(["【よくある質問】", "問2. 画像も作れますか。"]) == "qa"
    assert section_kind(["別紙1 生成AI利用申請書", "1 申請する所属"]) == "form"
    assert section_kind(["様式1 事故報告"]) == "form"
    assert section_kind(["別表1 入力できる情報の区分"]) == "appendix"
    assert section_kind(["附則"]) == "text" and section_kind(["1. はじめに"]) == "text" and section_kind([]) == "text"


def test_municipal_chunks_carry_their_kind(municipal):
    chunks, _ = municipal
    kind = {c.section: c.kind for c in chunks}
    assert kind["第2章 利用の手続と遵守事項 > 第4条（入力禁止情報）"] == "article"
    assert kind["別紙1 生成AI利用申請書 > 2 利用するサービス"] == "form"
    assert kind["別紙2 生成AIの利用に関するQ&A > Q3. 私用のアカウントで生成AIを業務に使ってもよいですか。"] == "qa"
    assert kind["附則"] == "text"


def test_explanations_link_to_the_articles_they_explain(municipal):
    chunks, _ = municipal
    by_id = {c.id: c for c in chunks}
    explains = {c.section_path[-1]: [by_id[i].section_path[-1] for i in c.explains] for c in chunks}
    # 第5条 names 別紙1 (「別紙1の生成AI利用申請書により」): every part of the form explains it.
    assert explains["1 申請する所属"] == explains["2 利用するサービス"] == ["第5条（利用の申請）"]
    # By shared wording: Q1 (非公開の会議, 個人が特定される発言) -> 第4条 (入力禁止情報).
    assert explains["Q1. 会議の議事録を要約させてもよいですか。"] == ["第4条（入力禁止情報）"]
    # Q2 (事実確認, 既存の著作物, 責任) explains two neighbouring articles.
    assert set(explains["Q2. 生成AIで作った文章を広報紙に載せるときの注意は何ですか。"]) == {
        "第6条（生成物の確認）", "第7条（著作権等への配慮）",
    }  # fmt: skip
    assert "第3条（対象とするサービス）" in explains["Q3. 私用のアカウントで生成AIを業務に使ってもよいですか。"]
    # Articles explain nothing; 附則 is neither.
    assert all(not c.explains for c in chunks if c.kind in ("article", "text"))


def test_an_explicit_article_number_wins_and_links_stay_in_the_family():
    rules = doc("a", "東町 AI利用要綱", "第1条（目的）\nこの要綱は、AIの利用について定める。\n第十二条（研修）\n課長は研修を行う。")
    qa = doc("b", "東町 AI利用要綱 Q&A", "Q1. 研修は必要ですか。\nA. 第12条のとおり、課長が行う研修を受けてください。")
    other = doc("c", "西町 AI利用要綱", "第12条（研修）\n課長は研修を年2回行う。")
    chunks = [c for d in (rules, qa, other) for c in build_chunks(d)]
    link_explanations(chunks, [d.meta for d in (rules, qa, other)])
    entry = next(c for c in chunks if c.kind == "qa")
    article12 = next(c for c in chunks if c.doc_id == "a" and "第十二条" in c.section)
    assert entry.explains == [article12.id]  # not 西町's 第12条: another family
    fam = families([d.meta for d in (rules, qa, other)])
    assert fam["a"] == {"a", "b"} and fam["c"] == {"c"}
    assert (number("12"), number("十二"), number("百三"), number(None)) == (12, 12, 103, 0)


def test_a_document_without_articles_links_its_q_and_a_to_its_numbered_sections():
    # The shape of a town guideline (eval/documents): numbered sections, then a Q&A that refers
    # to one of them as 「2（3）参照」.
    town = doc(
        "town",
        "南町 生成AI利用ガイドライン",
        "1 目的\nこのガイドラインは、職員の生成AIの利用について定める。\n2 適用範囲\n（1）職員に適用する。\n"
        "（3）個人所有の端末から業務のために生成AIを利用することは認めない。\n3 研修\n職員は研修を受ける。\n"
        "11 よくある質問\nQ1. 自宅のパソコンで文章を作らせてもよいですか。\nA. 認めていません（2（3）参照）。",
    )
    chunks = build_chunks(town)
    link_explanations(chunks, [town.meta])
    entry = next(c for c in chunks if c.kind == "qa")
    scope = next(c for c in chunks if c.section_path[0] == "2 適用範囲")
    assert entry.explains == [scope.id]


def _chunk(id_: str, section: str, kind: str = "text", explains: tuple[str, ...] = ()) -> Chunk:
    return Chunk(id=id_, doc_id="d", segment="body", section_path=[section], text=section, kind=kind, explains=list(explains))  # type: ignore[arg-type]


def test_an_explanation_passes_its_rank_to_the_best_scoring_article_it_explains():
    chunks = [
        _chunk("art3", "第3条"), _chunk("art5", "第5条"), _chunk("other", "別の文書"),
        _chunk("q3", "Q3. 私用のアカウント", "qa", ("art5", "art3")),
    ]  # fmt: skip
    by_id = {c.id: i for i, c in enumerate(chunks)}
    scores = np.array([0.02, 0.05, 0.08, 0.10])
    order, lifted = rules_first([3, 2, 1, 0], scores, chunks, by_id, window=10)
    assert order == [1, 3, 2, 0]  # 第5条 (the better match of the two) just before Q3
    assert lifted[1] == lifted[3] == 0.10 and scores[1] == 0.05  # a copy, not in place
    # Nothing to pass on: the same list and scores.
    plain = [_chunk("x", "x"), _chunk("y", "y")]
    same, same_scores = rules_first([1, 0], np.array([0.1, 0.2]), plain, {"x": 0, "y": 1}, 10)
    assert same == [1, 0] and same_scores[1] == 0.2
    # An article already ranked above its explanation stays where it is.
    order, _ = rules_first([1, 3, 2, 0], np.array([0.02, 0.2, 0.08, 0.1]), chunks, by_id, 10)
    assert order == [1, 3, 2, 0]


def test_the_article_leads_and_its_explanation_follows_in_the_answer():
    article = _chunk("art4", "第4条（入力禁止情報）", "article")
    article.text = "職員は、生成AIに次に掲げる情報を入力してはならない。\n(1) 個人情報（住民の氏名、住所等）"
    entry = _chunk("q1", "Q1. 会議の議事録を要約させてもよいですか。", "qa", ("art4",))
    entry.text = "A. 非公開の会議を含む議事録は入力できません。公開済みの会議録であれば要約に利用できます。"
    other = _chunk("o", "別の文書")
    other.text = "会議の運営にAIを使う例が増えている。"
    hits = [Hit(0, article, 0.2, 0.5, 0.0), Hit(1, entry, 0.2, 0.5, 1.0), Hit(2, other, 0.1, 0.4, 0.5)]
    assert answer_places(hits) == [0, 0, 1]
    picked = ExtractiveGenerator(SudachiTokenizer(), {}).select("会議録の要約にAIを使ってもいいですか", hits)
    assert picked[0][0] == 0 and picked[0][1].startswith("職員は、生成AIに")  # the rule first
    assert any(rank == 1 and "会議録" in text for rank, text in picked[1:])  # then the entry


def test_the_municipal_pdf_and_its_besshi_are_one_family(municipal):
    _, metas = municipal
    ids = {m.file: m.doc_id for m in metas}
    assert families(metas)[ids[PDF_NAME]] == {ids[PDF_NAME], ids[TXT_NAME]}

