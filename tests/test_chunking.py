"""Golden tests of structure detection and chunking on the real corpus."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from guideqa.models import Chunk, DocumentMeta, LoadedDocument, SourceLine
from guideqa.text import match_key
from ingest.chunking import build_chunks, pack
from ingest.corpus import load_manifest
from ingest.loaders import load_document
from ingest.text import canonical_item_code, join_fragments

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@cache
def corpus_chunks() -> dict[str, list[Chunk]]:
    out = {}
    for meta in load_manifest(CORPUS):
        out[meta.doc_id] = build_chunks(load_document(CORPUS / meta.file, meta))
    return out


def containing(doc_id: str, span: str) -> list[Chunk]:
    key = match_key(span)
    return [c for c in corpus_chunks()[doc_id] if key in match_key(c.text)]


def test_user_item_u4_is_tagged_in_main_and_overview_copy_is_not():
    main = [c for c in containing("guideline", "AIシステム・サービスへ個人情報を不適切に入力することがないよう注意を払う")
            if c.segment == "main"]
    assert len(main) == 1
    assert main[0].roles == ["user"]
    assert main[0].item_codes == ["U-4) i."]
    assert main[0].section_path[:2] == ["本編", "第5部 AI利用者に関する事項"]
    overview = containing("guideline", "AIシステム・サービスへ個人情報を不適切に入力しないよう注意を払う")
    assert overview and all(c.segment == "overview" and c.item_codes == [] for c in overview)


def test_annex_copy_of_item_carries_item_and_role():
    annex = [c for c in containing("guideline", "個人情報を不適切に入力することがないよう注意を払う") if c.segment == "annex"]
    assert annex and annex[0].item_codes == ["U-4) i."] and annex[0].roles == ["user"]
    assert "別添5. AI利用者向け" in annex[0].section_path


@pytest.mark.parametrize(
    ("span", "code", "role"),
    [
        ("プライバシー・バイ・デザイン等を通じて、学習時のデータについて、適正に収集する", "D-2) i.", "developer"),
        ("AI提供者が定めたサービス規約を遵守する", "U-7) ii.", "user"),
    ],
)
def test_items_in_main_text(span: str, code: str, role: str):
    main = [c for c in containing("guideline", span) if c.segment == "main"]
    assert main, span
    assert main[0].item_codes == [code]
    assert main[0].roles == [role]


def test_provider_annex_items_are_provider_even_before_chapter_title():
    # In the extraction 「別添4. AI提供者向け」 comes after P-2) i.; the item still belongs to 別添4.
    chunks = [c for c in corpus_chunks()["guideline"] if c.item_codes == ["P-2) i."] and c.segment == "annex"]
    assert chunks and all(c.roles == ["provider"] for c in chunks)
    assert all("別添4. AI提供者向け" in c.section_path for c in chunks)


def test_common_guidelines_are_common_with_principle_in_path():
    chunks = containing("guideline", "各主体においてアカウンタビリティを果たす責任者を設定する")
    main = [c for c in chunks if c.segment == "main"]
    assert main and main[0].roles == ["common"]
    assert "C. 共通の指針" in main[0].section_path and "7) アカウンタビリティ" in main[0].section_path


def test_update_slides_take_the_role_they_are_labelled_for():
    # 令和7年度更新内容: 「④留意すべき事項の追加 (AI利用者)」 lists what AI利用者 must add; the slides
    # are not the items themselves, so their role comes from the label and the items they mention.
    logs = containing("update2026", "利用過程におけるログ")
    assert logs and all(c.roles == ["user"] for c in logs)
    risks = containing("update2026", "損害賠償請求など金銭的な責任を問われる")
    assert risks and all(c.roles == ["common"] for c in risks)  # the risks, for everyone


def test_chunks_never_mix_items_and_stay_in_size():
    for doc_id, chunks in corpus_chunks().items():
        for c in chunks:
            assert len(c.item_codes) <= 1
            assert len(c.text) <= 900, (doc_id, c.id, len(c.text))
    sizes = [len(c.text) for cs in corpus_chunks().values() for c in cs]
    assert 250 <= sorted(sizes)[len(sizes) // 2] <= 600  # median within the target band


def test_chunk_ids_are_stable_and_unique():
    again = build_chunks(load_document(CORPUS / "ai_network_kongo_no_torikumi.txt", load_manifest(CORPUS)[-1]))
    first = corpus_chunks()["aines2020"]
    assert [c.id for c in again] == [c.id for c in first]
    all_ids = [c.id for cs in corpus_chunks().values() for c in cs]
    assert len(all_ids) == len(set(all_ids))


def test_page_furniture_is_dropped_and_lines_are_joined():
    for c in corpus_chunks()["guideline"]:
        assert "本編 別添" not in c.text
    chunk = containing("guideline", "これらの主体は事業者（又は各者内の部門）を想定しており")[0]
    assert "これらの主体は事業者（又は各者内の部門）を想定しており" in chunk.text  # joined across the break


def test_report_headings_give_section_paths():
    chunks = containing("interim2025", "ソフトロー")
    assert any("(2) 法令の適用とソフトローの活用" in c.section_path for c in chunks)


def test_item_code_forms():
    assert canonical_item_code("U", "4", "ⅰ") == "U-4) i."
    assert canonical_item_code("d", "１０", "i") == "D-10) i."


def test_full_width_and_spaced_item_headings():
    lines = ["第５部 AI利用者に関する事項", "", "➢ U－４） ⅱ. テスト項目", "", " 項目の本文である。"]
    meta = DocumentMeta(doc_id="t", title="t", file="t.txt", layout="guideline")
    doc = LoadedDocument(meta=meta, sha256="x", lines=[SourceLine(text=" はじめに ", line=0)]
                         + [SourceLine(text=t, line=i + 1) for i, t in enumerate(lines)])
    chunks = build_chunks(doc)
    assert chunks[-1].item_codes == ["U-4) ii."] and chunks[-1].roles == ["user"]


def test_join_fragments_keeps_ascii_word_space():
    assert join_fragments("AI Safety", "Institute") == "AI Safety Institute"
    assert join_fragments("個人情報を不適切に入", "力する") == "個人情報を不適切に入力する"


def test_pack_respects_max_and_merges_small_tail():
    groups = pack(["あ" * 300, "い" * 300, "う" * 50], max_chars=500, min_chars=200)
    assert [sum(map(len, g)) for g in groups] == [300, 350]
