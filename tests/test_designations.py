"""A document's defined terms and what they stand for (retriever.designations): the shapes of
Japanese legal drafting, read from passages as the index holds them (the space between a listed
term and its meaning lost)."""

from __future__ import annotations

from retriever.designations import designations

# Passages of a 要綱 as the chunker joins them (written for this test).
YOKO = [
    "この要綱において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n"
    "（１）生成AI利用者の指示に基づき文章等を生成するサービスをいう。\n"
    "（２）所属長職員が所属する課の課長又は施設の長をいう。\n"
    "（３）情報管理者　総務課長をいう。",
    "本会に生成AI管理責任者（以下「管理責任者」という。）を置き、事務局長をもって充てる。",
    "推進員は、情報システム係長をもって充てる。",
    "所属長は、毎月末日に利用記録簿を確認し、翌月10日までに管理責任者に提出する。",
    "職員は、生成AIを利用するときは、所属長の承認を受ける。",
    "情報管理者は、申請を受理した日から7日以内に承認の可否を決定する。",
    "生成AIの出力は、職員が確認する。",
    "生成AIに個人情報を入力してはならない。",
]


def test_terms_are_read_from_the_shapes_of_legal_drafting() -> None:
    terms = designations({"yoko": YOKO})["yoko"]
    assert terms["所属長"].startswith("職員が所属する課の課長")  # the longest head the document uses again
    assert terms["情報管理者"] == "総務課長"  # a space kept: that split
    assert "生成AI管理責任者" in terms["管理責任者"] and "事務局長" in terms["管理責任者"]
    assert terms["推進員"] == "情報システム係長"


def test_a_term_nearly_every_passage_uses_names_no_subject() -> None:
    # 生成AI is defined too, but stands in most passages: what it means would be held by all of them.
    assert "生成AI" not in designations({"yoko": YOKO})["yoko"]


def test_each_documents_terms_are_its_own() -> None:
    other = ["この規程において「所属長」とは、部長をいう。", "所属長は、毎年度報告する。", "職員は研修を受ける。", "記録は1年保存する。"]
    found = designations({"yoko": YOKO, "other": other})
    assert found["other"]["所属長"] == "部長" and found["yoko"]["所属長"].startswith("職員が所属する課の課長")


def test_numbers_of_articles_and_clauses_before_a_term_are_not_part_of_it() -> None:
    passages = [
        "第5条　推進責任者は、情報政策課長をもって充てる。",
        "この規程は、当社の役員、正社員、契約社員及び派遣社員（以下「社員等」という。）に適用する。",
        "（３）管理台帳管理する台帳をいう。",
        "推進責任者は研修を行う。",
        "社員等は申請する。",
        "記録は1年保存する。",
        "端末は貸与する。",
    ]
    terms = designations({"rules": passages})["rules"]
    assert terms["推進責任者"] == "情報政策課長"
    assert terms["社員等"].startswith("当社の役員")  # the whole list, from after the topic
    assert "管理" not in terms and "管理台帳" not in terms  # used nowhere beyond its definition


def test_the_subject_test_counts_what_a_term_of_the_same_document_stands_for() -> None:
    from types import SimpleNamespace

    from retriever.answer import Answerer, _covered

    answerer = object.__new__(Answerer)  # only the words a sentence holds are asked of it
    answerer.designations = designations({"yoko": YOKO})
    answerer.retriever = SimpleNamespace(documents={})
    sentence = "所属長は、毎月末日に利用記録簿を確認し、翌月10日までに管理責任者に提出する。"
    own = [SimpleNamespace(chunk=SimpleNamespace(doc_id="yoko", section_path=["第9条（利用の記録）"]))]
    other = [SimpleNamespace(chunk=SimpleNamespace(doc_id="another", section_path=["第9条（利用の記録）"]))]
    held = answerer._held("課長ですが、記録簿はいつまでに事務局長に出せばいい？", own, 0, sentence)  # type: ignore[arg-type]
    assert {"課長", "事務局長"} <= held
    words = ["課長", "記録", "事務局長"]
    idf = dict.fromkeys(words, 1.0)
    assert _covered(words, held, idf) == 1.0
    elsewhere = answerer._held("課長ですが、記録簿はいつまでに事務局長に出せばいい？", other, 0, sentence)  # type: ignore[arg-type]
    assert "課長" not in elsewhere and "事務局長" not in elsewhere  # another document's 所属長 is not this one's
