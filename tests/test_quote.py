"""Which passages an extractive answer cites (issue 13: fewer, better citations).

Real passages of the bundled guideline (the 本編 items U-4) i. and U-5) i. of AI利用者), with
the retrieval signals set by hand: the rule compares how closely each passage's best sentence
matches the question, whatever the embedder's scale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guideqa.models import Chunk
from ingest.index_store import load_index
from ingest.tokenizer import SudachiTokenizer
from retriever.answer import search_text
from retriever.extractive import ExtractiveGenerator, closeness, matches_as_closely
from retriever.search import Hit

# Worded from the item's own heading (U-4) i. 個人情報の不適切入力とプライバシー侵害への対策).
QUESTION = "AIサービスへの個人情報の不適切な入力を防ぐには"


@pytest.fixture(scope="module")
def items(real_index_dir: Path) -> dict[str, Chunk]:
    """The 本編 wording of U-4) i. (privacy) and U-5) i. (security)."""
    chunks = load_index(real_index_dir).chunks
    return {
        code: next(c for c in chunks if c.segment == "main" and c.item_codes == [code])
        for code in ("U-4) i.", "U-5) i.")
    }


@pytest.fixture(scope="module")
def generator() -> ExtractiveGenerator:
    generator = ExtractiveGenerator(SudachiTokenizer(), {})
    generator.closest_passages = True  # the rule under test (off by default)
    return generator


def _hits(items: dict[str, Chunk], privacy_sentence: float, security_sentence: float) -> list[Hit]:
    return [
        Hit(0, items["U-4) i."], 0.05, 0.90, 3.0, privacy_sentence),
        Hit(1, items["U-5) i."], 0.04, 0.89, 1.0, security_sentence),
    ]


def test_closeness_is_the_best_sentence_cosine_or_the_chunk_cosine(items: dict[str, Chunk]) -> None:
    privacy = items["U-4) i."]
    assert closeness(Hit(0, privacy, 0.1, 0.88, 1.0, 0.91)) == 0.91
    # The sentence channel switched off: the chunk's own cosine stands in.
    assert closeness(Hit(0, privacy, 0.1, 0.88, 1.0)) == 0.88
    lead = Hit(0, privacy, 0.1, 0.88, 1.0, 0.91)
    assert matches_as_closely(Hit(1, items["U-5) i."], 0.1, 0.80, 1.0, 0.91), lead)
    assert not matches_as_closely(Hit(1, items["U-5) i."], 0.1, 0.95, 1.0, 0.90), lead)


def test_a_passage_less_close_than_the_lead_is_not_cited(items: dict[str, Chunk], generator: ExtractiveGenerator) -> None:
    hits = _hits(items, privacy_sentence=0.92, security_sentence=0.90)
    quoted = generator.quote(QUESTION, hits)
    assert {rank for rank, _ in quoted} == {0}
    assert quoted[0][1].startswith("AIシステム・サービスへ個人情報を不適切に入力することがないよう")


def test_a_passage_as_close_as_the_lead_is_cited_with_its_own_sentence(
    items: dict[str, Chunk], generator: ExtractiveGenerator
) -> None:
    hits = _hits(items, privacy_sentence=0.90, security_sentence=0.92)
    quoted = generator.quote(QUESTION, hits)
    assert [rank for rank, _ in quoted][0] == 0  # the most direct sentence still leads
    assert (1, "AI提供者によるセキュリティ上の留意点を遵守する（「5）セキュリティ確保」）") in quoted
    # Every quoted sentence is a verbatim part of the passage it cites.
    assert all(text in hits[rank].chunk.text for rank, text in quoted)


def test_the_first_retrieved_passage_and_a_focused_one_are_cited_however_close(
    items: dict[str, Chunk], generator: ExtractiveGenerator
) -> None:
    # The most direct sentence is the second passage's (its words are the question's)...
    question = "AI提供者によるセキュリティ上の留意点を遵守するには"
    hits = _hits(items, privacy_sentence=0.90, security_sentence=0.92)
    quoted = generator.quote(question, hits)
    assert quoted[0][0] == 1
    # ...and the first passage in retrieval order is cited beside it.
    assert {rank for rank, _ in quoted} == {0, 1}
    # A passage the conversation points at is cited though less close than the first one.
    focused = [hits[0], Hit(1, items["U-5) i."], 0.04, 0.89, 1.0, 0.80, focused=True)]
    assert {rank for rank, _ in generator.quote(QUESTION, focused)} == {0, 1}
    assert {rank for rank, _ in generator.quote(QUESTION, [focused[0], Hit(1, items["U-5) i."], 0.04, 0.89, 1.0, 0.80)])} == {0}


def test_script_elements_are_not_searched() -> None:
    assert search_text("<script>alert('x')</script>AI利用者の責務は？") == "AI利用者の責務は？"
    assert search_text("<b>AI利用者</b>の責務は？") == "AI利用者 の責務は？"


def test_without_the_closeness_rule_the_gate_selection_is_quoted(items: dict[str, Chunk]) -> None:
    generator = ExtractiveGenerator(SudachiTokenizer(), {})
    generator.closest_passages = False
    hits = _hits(items, privacy_sentence=0.92, security_sentence=0.90)
    assert generator.quote(QUESTION, hits) == generator.select(QUESTION, hits)


def test_an_answer_from_one_added_document_quotes_no_other_organisations(items: dict[str, Chunk]) -> None:
    # Two added documents of two organisations (eval/documents), both about training.
    docs = Path(__file__).resolve().parent.parent / "eval" / "documents"
    town_line = next(
        line for line in (docs / "あおば町_生成AI利用ガイドライン.txt").read_text("utf-8").splitlines() if "更新研修" in line
    )
    company_line = next(
        line for line in (docs / "株式会社ひかり製作所_AI利用ポリシー.md").read_text("utf-8").splitlines() if "毎年10月" in line
    )
    base = items["U-4) i."]
    town = base.model_copy(update={"doc_id": "town", "text": town_line, "item_codes": [], "section_path": ["8 研修"]})
    company = base.model_copy(update={"doc_id": "company", "text": company_line.lstrip("- "), "item_codes": [], "section_path": ["9. 研修"]})
    hits = [Hit(0, town, 0.05, 0.90, 3.0, 0.90), Hit(1, company, 0.04, 0.89, 3.0, 0.89)]
    question = "職員の更新研修は毎年何月に受けることになっていますか"
    generator = ExtractiveGenerator(SudachiTokenizer(), {})
    assert {rank for rank, _ in generator.select(question, hits)} == {0, 1}  # one corpus, no families known
    generator.families = {"town": {"town"}, "company": {"company"}}
    assert {rank for rank, _ in generator.select(question, hits)} == {0}  # the town's rules only
    # Nor a bundled paper's sentence, however many of the question's words it holds: the town's
    # rule ranked first is the answer to the town's staff.
    # A worked example of the 別添, as the corpus has it (研修 …).
    example = "それと並行して AI に関する全社的な研修の一部に AI 倫理や品質を追加することで AI 倫理や品質に対する理解を高めていくことを狙っている。"
    paper = Hit(2, base.model_copy(update={"text": example}), 0.045, 0.895, 3.0, 0.895)
    generator.families = {}
    assert 1 in {rank for rank, _ in generator.select(question, [hits[0], paper, hits[1]])}
    generator.families = {"town": {"town"}, "company": {"company"}}
    assert {rank for rank, _ in generator.select(question, [hits[0], paper, hits[1]])} == {0}
    # The paper ranked first: no organisation's answer, the selection is as without families.
    first = generator.select(question, [paper, hits[0]])
    generator.families = {}
    assert generator.select(question, [paper, hits[0]]) == first


def test_a_word_the_corpus_never_uses_counts_in_the_compound_that_holds_it() -> None:
    # A town newsletter's festival notice (the wording of an organisation's own document).
    chunk = Chunk(
        id="news-1",
        doc_id="news",
        segment="body",
        section_path=["第38回あじさい夏まつり"],
        text="今年も夏まつりを開催します。家族でお楽しみください。\n■会場町民グラウンド\n■雨天の場合翌日に順延します。",
    )
    idf = dict.fromkeys(["今年", "夏祭り", "開催", "家族", "楽しむ", "会場", "町民", "グラウンド", "雨天", "場合", "翌日", "順延"], 2.0)
    generator = ExtractiveGenerator(SudachiTokenizer(), idf)
    candidates = generator.candidates("夏まつりの日が雨だったらどうなるの？", [Hit(0, chunk, 0.05, 0.9, 1.0)])
    assert max(candidates, key=lambda c: c.score).text.endswith("順延します。")
