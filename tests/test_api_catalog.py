"""retriever/catalog.py: golden tests on the real index, plus the PDF-noise rules on synthetic chunks."""

from __future__ import annotations

from collections import Counter

import pytest

from guideqa.config import Settings
from guideqa.guideline import GUIDELINE_DOC, PRINCIPLES
from guideqa.models import Chunk
from ingest.index_store import load_index, read_manifest
from retriever.catalog import checklist, common_items, topic_menu

SUB_ITEMS = {1: 6, 2: 3, 3: 2, 4: 1, 5: 2, 6: 4, 7: 6, 8: 3, 9: 0, 10: 3}


@pytest.fixture(scope="module")
def chunks(real_settings: Settings) -> list[Chunk]:
    return load_index(real_settings.index_dir).chunks


def _codes(cl) -> list[str]:
    return [i.code for i in cl.items]


def test_user_checklist_golden(chunks):
    cl = checklist(chunks, "user")
    codes = _codes(cl)
    u4 = next(i for i in cl.items if i.code == "U-4) i.")
    assert "個人情報を不適切に入力" in u4.text and u4.title == "個人情報の不適切入力とプライバシー侵害への対策"
    assert u4.phases == ["AIシステム・サービス利用時"]
    assert u4.annex_passage_id and any("個人情報" in p for p in u4.points)
    principles = [i for i in cl.items if i.kind == "principle"]
    assert [p.code for p in principles] == [f"{n})" for n in range(1, 11)]
    assert [p.title for p in principles] == list(PRINCIPLES)
    assert not any(c.startswith(("D-", "P-")) for c in codes)
    # Common items first (guideline order), then the role's own items.
    kinds = [i.kind for i in cl.items]
    assert kinds.index("role_item") > max(k for k, x in enumerate(kinds) if x != "role_item")
    assert [c for c in codes if c.startswith("U-")] == [
        "U-2) i.", "U-3) i.", "U-4) i.", "U-5) i.", "U-6) i.", "U-7) i.", "U-7) ii.",
    ]  # fmt: skip


def test_sub_items_are_complete_and_in_order(chunks):
    cl = checklist(chunks, "user")
    subs = [i for i in cl.items if i.kind == "sub_item"]
    assert Counter(i.principle for i in subs) == Counter({n: c for n, c in SUB_ITEMS.items() if c})
    for n in range(1, 11):
        marks = [i.code.split()[1] for i in subs if i.principle == n]
        assert marks == list("①②③④⑤⑥⑦⑧⑨⑩"[: SUB_ITEMS[n]])
    by_code = {i.code: i for i in cl.items}
    # A heading containing 「、」 shares its line with the body in the PDF text.
    assert by_code["2) ①"].title == "人間の生命・身体・財産、精神及び環境への配慮"
    assert by_code["2) ①"].text.startswith("AIの出力の正確性を含め")
    assert by_code["2) ③"].title == "適正学習"  # footnote marker 13 removed
    # The flattened 表1 after principle 10 is not read as more sub-items.
    assert "表1" not in by_code["10) ③"].text


def test_every_item_points_at_real_passages(chunks):
    by_id = {c.id: c for c in chunks}
    for role in ("developer", "provider", "user"):
        for item in checklist(chunks, role).items:
            src = by_id[item.source_passage_id]
            assert src.doc_id == "guideline" and src.segment == "main", item.code
            assert item.text.strip(), item.code
            for pid in item.annex_passage_ids:
                assert by_id[pid].segment == "annex"


def test_developer_and_provider_checklists(chunks):
    dev = _codes(checklist(chunks, "developer"))
    assert "D-2) i." in dev and not any(c.startswith(("P-", "U-")) for c in dev)
    first_seen = list(dict.fromkeys(code for c in chunks if c.segment == "main" for code in c.item_codes))
    assert [c for c in dev if c.startswith("D-")] == [c for c in first_seen if c.startswith("D-")]
    prov = {i.code: i for i in checklist(chunks, "provider").items}
    assert prov["P-2) ii."].phases == ["AIシステム実装時", "AIシステム・サービス提供後"]
    assert "定期的に検証" in prov["P-2) ii."].text and prov["P-2) ii."].points


def test_topic_menu(chunks, real_settings: Settings):
    by_id = {c.id: c for c in chunks}
    documents = {d["doc_id"]: d for d in read_manifest(real_settings.index_dir)["documents"]}
    menu = topic_menu(chunks, documents)
    assert [r.role for r in menu.roles] == ["developer", "provider", "user"]
    for rt in menu.roles:
        ids = [t.id for t in rt.topics]
        assert ids[:10] == [f"principle-{n}" for n in range(1, 11)]
        assert [t.label for t in rt.topics[:10]] == [f"{n}) {p}" for n, p in enumerate(PRINCIPLES, 1)]
        assert {"governance", "advanced-ai", "ai-agent", "physical-ai"} <= set(ids)
        letter = {"developer": "D", "provider": "P", "user": "U"}[rt.role]
        items = [t for t in rt.topics if t.group == "role_item"]
        assert items and all(t.item_codes[0].startswith(f"{letter}-") for t in items)
        for t in rt.topics:
            assert t.passages, t.id
        gov = next(t for t in rt.topics if t.id == "governance")
        assert any("行動目標 1-1" in p.item_codes for p in gov.passages)
        assert any("E. AIガバナンスの構築" in p.section for p in gov.passages)
    user = {t.id: t for t in menu.roles[2].topics}
    assert any("U-4) i." in p.item_codes for p in user["principle-4"].passages)
    for tid, word in (("ai-agent", "AIエージェント"), ("physical-ai", "フィジカルAI")):
        passages = user[tid].passages
        assert all(p.doc_id == "update2026" for p in passages)
        assert all(word.replace("AI", "") in by_id[p.id].text for p in passages)
        assert sum(word in by_id[p.id].text for p in passages) >= 10
    # Each passage carries its text and its document's title and status (no lookup per passage).
    for p in user["item-U-4-i"].passages:
        assert p.text == by_id[p.id].text and p.title == documents[p.doc_id]["title"] and p.status == "current"


def _chunk(n: int, path: list[str], text: str) -> Chunk:
    base = ["本編", "第2部 AIにより目指すべき社会と各主体が取り組む事項", "C. 共通の指針"]
    return Chunk(id=f"guideline-{n:04d}", doc_id="guideline", segment="main", section_path=base + path, text=text)


def test_numbering_restart_closes_a_principle_and_inline_headings_split():
    chunks = [
        _chunk(1, ["2) 安全性"], "2) 安全性\n各主体は…すべきである。\n①人の生命、財産への配慮本文です"),
        _chunk(2, ["2) 安全性", "②適正利用"], "②適正利用\n適正に利用する"),
        _chunk(3, ["10) イノベーション"], "10) イノベーション\n貢献に努める。"),
        _chunk(4, ["10) イノベーション", "①推進"], "①推進\n推進する"),
        _chunk(5, ["10) イノベーション", "②相互運用性"], "②相互運用性\n準拠する"),
        # 表1 flattened: the numbering restarts, so this is not a third sub-item of 10).
        _chunk(6, ["10) イノベーション", "②AIによる"], "②AIによる\n①人の生命、財産への配慮\n表のセル"),
        _chunk(7, ["10) イノベーション", "③適正学習"], "③適正学習\n表のセル"),
    ]
    blocks = common_items(chunks, frozenset({GUIDELINE_DOC}))
    assert [(b.code, b.title) for b in blocks] == [
        ("2)", "安全性"),
        ("2) ①", "人の生命、財産への配慮"),
        ("2) ②", "適正利用"),
        ("10)", "イノベーション"),
        ("10) ①", "推進"),
        ("10) ②", "相互運用性"),
    ]
    assert blocks[1].lines == ["本文です"]
    ids = {pid for b in blocks for pid in b.passage_ids}
    assert "guideline-0006" not in ids and "guideline-0007" not in ids
