"""Sections an organisation's document addresses to one group of people (retriever/audience.py).

Headings and questions below were written for this test in the styles organisations use (a
university's 「…の皆さんへ」 chapters, a hospital's 【職種】 blocks); none is an eval question.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from retriever.audience import chunk_audiences, heading_audience, stated_audience
from retriever.search import Retriever, SearchConfig


@pytest.mark.parametrize(
    ("heading", "audience"),
    [
        ("2．学生の皆さんへ", "学生"),
        ("第3章　教職員の皆様へ", "教職員"),
        ("第三章　教職員の皆様へ", "教職員"),
        ("（２）教員の皆様へ", "教員"),
        ("Ⅱ．学生の皆さんへ", "学生"),
        ("本学の学生の皆さんへ", "学生"),  # a qualifier before the group
        ("学生・教員の皆さんへ", None),  # several groups together: no one group's
        ("保護者の方へ", "保護者"),
        ("■6-1. 【医師】", "医師"),
        ("【看護師】", "看護師"),
        ("【事務職員】", "事務職員"),
        ("【共通】", None),  # not a kind of person
        ("【退職】", None),  # ends in 職 but names an act (a サ変 noun)
        ("【管理職】", "管理職"),
        ("【営業部】", "営業部"),  # a unit of the organisation: its staff
        ("【品質保証課】", "品質保証課"),
        ("【外部】", None),
        ("【第1部】", None),
        ("【対象者】", None),  # the document's scope, not one group
        ("別添3. AI開発者向け", None),
        ("4. 入力してはいけない情報", None),
    ],
)
def test_a_heading_addressed_to_a_group(heading: str, audience: str | None) -> None:
    assert heading_audience(heading) == audience


def test_audiences_count_only_in_a_document_divided_by_them() -> None:
    paths = [
        ["1．共通事項"],
        ["2．学生の皆さんへ", "（1）課題での利用"],
        ["3．教員の皆様へ", "（2）成績評価"],
        ["保護者の方へ"],  # another document's only addressed section: its whole readership
    ]
    docs = ["univ", "univ", "univ", "school"]
    assert chunk_audiences(paths, docs) == [None, "学生", "教員", None]


@pytest.mark.parametrize(
    ("question", "audience"),
    [
        ("教員なんですが、期末レポートの講評をAIで下書きしてもいい？", "教員"),
        ("先生がAIで採点するのはあり？", "教員"),  # a synonym (Sudachi's thesaurus)
        ("事務の仕事でAIに議事録をまとめさせたい", "事務職員"),  # the head of the compound
        ("教員ですけど、学生の提出物をAIに読ませていい？", "教員"),  # the asker among two named
        ("学生にAIを使わせるときの注意は？", None),  # named as the recipient, not the asker
        ("教員をしていますが、学生に使わせたい", "教員"),  # the asker says so, beside a recipient
        ("教員にはどんな制限がある？", "教員"),  # a topic, not a recipient
        ("AIに成績を入れていい？", None),
    ],
)
def test_the_asker_group_a_question_states(question: str, audience: str | None) -> None:
    assert stated_audience(question, ["学生", "教員", "事務職員"]) == audience


@pytest.mark.parametrize(
    ("question", "audience"),
    [
        ("歯科医師です。問診票の要約にAIを使ってもいい？", "歯科医師"),  # not also the 医師 inside it
        ("医師ですが、紹介状の下書きをAIに頼んでいい？", "医師"),
    ],
)
def test_a_group_named_inside_another_is_not_named_twice(question: str, audience: str) -> None:
    assert stated_audience(question, ["医師", "歯科医師", "看護師"]) == audience


def test_the_asker_group_sections_come_first_and_the_other_groups_after() -> None:
    chunks = [SimpleNamespace(doc_id="univ", segment="", item_codes=(), roles=()) for _ in range(3)]
    fake = SimpleNamespace(
        config=SearchConfig(),
        chunks=chunks,
        documents={"univ": {"status": "current"}},
        _section_weight=np.ones(3),
        _audiences=[None, "学生", "教員"],
    )
    cfg = fake.config
    weights = Retriever._priors(fake, None, set(), "教員")  # type: ignore[arg-type]
    assert weights.tolist() == pytest.approx([1.0, cfg.other_role_penalty, cfg.own_role_bonus])
    assert Retriever._priors(fake, None, set(), None).tolist() == [1.0, 1.0, 1.0]  # type: ignore[arg-type]
