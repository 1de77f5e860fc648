"""Names only one organisation's document uses point at it (retriever.names)."""

from __future__ import annotations

from guideqa.models import Chunk
from retriever.names import distinctive_names, documents_named


def _chunk(doc: str, text: str) -> Chunk:
    return Chunk(id=f"{doc}-{hash(text)}", doc_id=doc, segment="main", text=text)


# Lines of the added documents in eval/documents (a prefecture, a manufacturer), and of the
# bundled guideline's wording.
CHUNKS = [
    _chunk("pref", "職員が業務で利用できる生成AIは、「みどりAI」及び別表第1に掲げる約款型生成AIサービスに限る。"),
    _chunk("pref", "所属長は、デジタル政策課及びみどり県CSIRTに電話で第一報を行う。「次の文を要約してください。」"),
    _chunk("maker", "Minato-GPT（社内版チャットAI）：全従業員が利用可。Microsoft 365 Copilotは課長職以上。"),
    _chunk("maker-annex", "Minato-GPTの入出力ログは情報システム課が1年間保存する。"),
    _chunk("guideline", "AI利用者は、Microsoft等の提供者が示す「利用上の注意」を確認する。"),
]
FAMILIES = {"pref": {"pref"}, "maker": {"maker", "maker-annex"}, "maker-annex": {"maker", "maker-annex"}}


def test_a_name_one_family_uses_points_at_its_documents():
    names = distinctive_names(CHUNKS, FAMILIES)
    assert names["みどりai"] == {"pref"} and names["csirt"] == {"pref"}
    assert names["minato-gpt"] == {"maker", "maker-annex"}  # a document and its annex are one family
    assert "microsoft" not in names  # several documents use it
    assert "利用上の注意" not in names  # the bundled guideline's quote: not an added document's name
    assert not any("要約して" in n for n in names)  # a quoted sentence (a prompt example) is not a name
    assert documents_named("csirtsの一覧はありますか", names) == set()  # a Latin name as a whole word
    assert documents_named("みどりAIに入れた内容の記録は誰が管理していますか", names) == {"pref"}
    assert documents_named("minato-gptで議事録を要約してもいい？", names) == {"maker", "maker-annex"}
    assert documents_named("生成AIの出力はどう確認すればいい？", names) == set()
