"""A municipality drops its guideline (PDF) and its 別紙 (forms, Q&A) into the bundled corpus.

Issue 14's targets, on the real default embedder and the real bundled corpus beside the two
municipal files: questions hit the right article in the top 5, and the first citation names
the article (第N条) — the normative text leads, the Q&A entry that explains it is cited second.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace

import numpy as np
import pytest

from guideqa.config import Settings
from ingest.pipeline import run_ingest
from retriever.answer import Answerer
from retriever.conversation import _about, ask_in_context, replay
from retriever.search import Retriever
from tests.conftest import CORPUS
from tests.municipal import CLERK_QUESTIONS, QUESTIONS, write_municipal

TARGET = 5 / 6


@pytest.fixture(scope="module")
def answerer(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The bundled corpus plus the two municipal files, dropped in without manifest entries."""
    corpus = tmp_path_factory.mktemp("corpus-municipal")
    for path in CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, corpus / path.name)
    write_municipal(corpus)
    index = tmp_path_factory.mktemp("index-municipal")
    # The bundled corpus' vectors come from the session index's cache (or the shipped ones).
    shutil.copytree(real_settings.index_dir / "cache", index / "cache")
    settings = Settings(corpus_dir=corpus, index_dir=index, embed_threads=1)
    report = run_ingest(settings)
    assert report.documents == 7 and not report.errors
    return Answerer(Retriever.open(settings))


def _needed(questions: list[tuple[str, str]]) -> int:
    return math.ceil(TARGET * len(questions))


@pytest.mark.parametrize("questions", [QUESTIONS, CLERK_QUESTIONS], ids=["staff", "clerk"])
def test_the_right_article_is_in_the_top_5(answerer: Answerer, questions: list[tuple[str, str]]):
    found = [q for q, article in questions if any(article in h.chunk.section for h in answerer.retriever.hits(q, None, 5))]
    assert len(found) >= _needed(questions), sorted(set(q for q, _ in questions) - set(found))


@pytest.mark.parametrize("questions", [QUESTIONS, CLERK_QUESTIONS], ids=["staff", "clerk"])
def test_the_first_citation_names_the_article(answerer: Answerer, questions: list[tuple[str, str]]):
    firsts = {q: answerer.ask(q).citations for q, _ in questions}
    led = [q for q, article in questions if firsts[q] and article in firsts[q][0].section]
    missed = {q: firsts[q][0].section if firsts[q] else None for q, _ in questions if q not in led}
    assert len(led) >= _needed(questions), missed


def test_a_q_and_a_entry_is_cited_after_the_article_it_explains(answerer: Answerer):
    # 「会議録の要約」 is Q1 of 別紙2 in other words; Q1 explains 第4条 (入力禁止情報).
    answer = answerer.ask("会議録の要約にAIを使ってもいいですか")
    assert not answer.refused
    sections = [c.section for c in answer.citations]
    assert "第4条（入力禁止情報）" in sections[0]
    assert any("Q1. 会議の議事録を要約させてもよいですか。" in s for s in sections[1:])
    assert answer.answer.splitlines()[0].endswith("[1]")
    # Each quote says which article or question it comes from: 「利用できます」 alone would not.
    assert answer.answer.startswith("【第4条（入力禁止情報）】")
    assert "【Q1. 会議の議事録を要約させてもよいですか。】" in answer.answer


def test_the_bundled_documents_are_untouched(answerer: Answerer):
    """Only the generic reader's documents get section kinds and links."""
    generic = {d for d, doc in answerer.retriever.documents.items() if doc.get("layout") == "generic"}
    assert len(generic) == 2
    bundled = [c for c in answerer.retriever.chunks if c.doc_id not in generic]
    assert bundled and all(c.kind == "text" and not c.explains for c in bundled)
    kinds = {c.kind for c in answerer.retriever.chunks if c.doc_id in generic}
    assert kinds == {"article", "qa", "form", "text"}



def test_a_duty_in_the_organisations_own_rules_is_answered_not_corrected(answerer: Answerer):
    # The city's rules do require an application (第5条): asked about them, the question is
    # answered from them, not corrected with the national guideline's "non-binding" statement.
    ans = answerer.ask("うちの課で新しく生成AIを使い始めるには、事前に申請しなきゃいけないの？")
    assert not ans.refused and not any(s.statement for s in ans.sentences)
    assert "第5条" in ans.citations[0].section
    # A legal-force premise about the guideline itself, or about the law of the land, is still corrected.
    for question in ("AI事業者ガイドラインに違反すると罰金はありますか", "市役所で生成AIを使うには、法律で国への届出が必要なんですよね？"):
        corrected = answerer.ask(question)
        assert corrected.sentences and corrected.sentences[0].statement, question


def test_a_breach_of_rules_that_call_themselves_a_guideline_is_not_corrected_with_soft_law(answerer: Answerer):
    # The city's rules are titled 「…ガイドライン」 and state no sanction: 「ガイドライン」 unqualified may
    # mean them, so the national guideline's soft-law statement would not answer. Nothing in
    # them says what follows a breach: refused, not answered with their other duties.
    for question in ("このガイドラインに違反したら処分されますか？", "ガイドラインを破ってAIを使ったら罰則はありますか"):
        ans = answerer.ask(question)
        assert ans.refused and not any(s.statement for s in ans.sentences), (question, ans.answer)
    # Named, the national guideline is still corrected (see the test above).
    named = answerer.ask("AI事業者ガイドラインを守らないと罰則はありますか")
    assert named.sentences and named.sentences[0].statement


def test_a_date_of_the_rules_themselves_is_answered_from_their_caption_and_title(answerer: Answerer):
    # 「第10条（見直し）」 names the act as a noun, the clerk asks with the verb (見直す), and the
    # article (「毎年4月に内容を見直し」) leaves what it reviews to the document's title (「みどり市
    # 生成AI利用ガイドライン」), which 「この…」 points at: the date it gives answers the question.
    answer = answerer.ask("このガイドラインは、いつ見直すの？")
    assert not answer.refused, answer.answer
    assert "第10条（見直し）" in answer.citations[0].section
    assert "毎年4月" in answer.answer


def test_a_follow_up_asking_a_figure_leads_with_the_sentence_that_states_it(answerer: Answerer):
    # The second turn asks a deadline of its own subject (報告書): the passage stating one about
    # it leads, though its sentence shares no word with the first turn's question.
    state = replay(answerer, ["住民の個人情報をAIに入れてしまったら、どうすればいい？"])
    answer = ask_in_context(answerer, "報告書はいつまでに出すの？", state=state)
    assert not answer.refused, answer.answer
    assert "第9条（事故時の対応）" in answer.citations[0].section
    assert "3開庁日以内" in answer.answer.splitlines()[0]


def test_the_query_adapter_orders_only_the_documents_it_was_fitted_on(answerer: Answerer) -> None:
    """Fitted on questions about the bundled documents, it would draw the city's questions to them:
    beside the city's rules it reorders the bundled chunks only, at their own raw scores, so every
    city chunk keeps the rank it has without the adapter."""
    retriever = answerer.retriever
    assert retriever.config.query_adapter and retriever.adapter is not None
    fitted = retriever._fitted
    assert fitted is not None and fitted.any() and not fitted.all()
    plain = Retriever(retriever.index, retriever.embedder, retriever.tokenizer, replace(retriever.config, query_adapter=False))
    query = "AIを使うと電気代や環境への負担が気になるのですが"
    on, off = retriever.channels(query), plain.channels(query)
    assert np.array_equal(on["dense"], off["dense"])  # the gate reads the raw cosines
    assert np.array_equal(on["rrf_dense"][~fitted], off["rrf_dense"][~fitted])
    assert not np.array_equal(on["rrf_dense"][fitted], off["rrf_dense"][fitted])
    # A question whose nearest passage is the city's own is about the city's rules: ranked as embedded.
    query = "このガイドラインは、いつ見直すの？"
    on, off = retriever.channels(query), plain.channels(query)
    assert not fitted[int(np.argmax(on["dense"]))]
    assert all(np.array_equal(on[key], off[key]) for key in ("rrf_dense", "rrf_sentence"))


def test_the_sentence_stating_the_asked_figure_leads_the_selection(answerer: Answerer) -> None:
    """A follow-up asking a deadline with few words of its own (「書類も出すの？いつまで？」): the
    sentences nearest its words (「報告しなければならない」) state no deadline; the passage's
    sentence stating one, about the conversation's subject, leads what the gate weighs."""
    from retriever.search import Hit

    chunks = answerer.retriever.chunks
    article = next(i for i, c in enumerate(chunks) if "第9条" in c.section)
    hits = [Hit(article, chunks[article], 1.0, 0.9, 1.0)]
    with answerer.own_turn("書類も出すの？いつまで？"):
        assessment = answerer.assess("入力禁止情報を誤って入力してしまったら、どうすればいい？ 書類も出すの?いつまで?", hits)
        typed = answerer._typed_sentence("入力禁止情報を誤って入力してしまったら？ 書類も出すの?いつまで?", hits, "duration")
    assert assessment.features.type_found
    assert any("3開庁日以内" in sentence for _, sentence in assessment.selection)
    assert typed is not None and "3開庁日以内" in typed[1]
    # Without the conversation, a figure about something else is not taken for the one asked.
    assert not answerer.assess("補助金の申請はいつまでですか", hits).features.type_found


def test_a_follow_up_is_asked_of_the_document_the_conversation_is_about(answerer: Answerer) -> None:
    # After an answer led by the city's rules, a follow-up naming no document is asked of them and of
    # their 別紙 (the named-document prior); after one led by the guideline, of no document in particular.
    retriever = answerer.retriever
    city = replay(answerer, ["住民の個人情報をAIに入れてしまったら、どうすればいい？"])
    assert city is not None
    about = _about(answerer, city)
    assert len(about) == 2 and all(retriever.documents[d]["layout"] == "generic" for d in about)
    guideline = replay(answerer, ["AI利用者が個人情報の扱いで注意することは？"])
    assert guideline is not None and _about(answerer, guideline) == set()
    query = "研修はどのくらいの頻度で受けるの？"
    plain = [h.chunk.doc_id for h in retriever.hits(query, None, 10)]
    with retriever.about_documents(about):
        asked = [h.chunk.doc_id for h in retriever.hits(query, None, 10)]
    assert asked[0] in about
    assert sum(d in about for d in asked[:5]) >= sum(d in about for d in plain[:5])


def test_the_supplementary_provisions_rank_below_the_rules_unless_the_changeover_is_asked(answerer: Answerer) -> None:
    # The 附則 (「このガイドラインは、令和7年4月1日から施行する。」) qualifies the rules for the
    # changeover: a question about a duty weighs it less, one about when the rules take effect does not.
    # (The priors of two questions compared: without the affinity prior, which differs by their words.)
    base = answerer.retriever
    retriever = Retriever(base.index, base.embedder, base.tokenizer, replace(base.config, affinity_weight=0.0))
    supplementary = [i for i, c in enumerate(retriever.chunks) if c.section_path and c.section_path[0] == "附則"]
    assert supplementary
    duty = retriever.channels("研修は毎年受けないといけないの？")["prior"][supplementary]
    changeover = retriever.channels("このガイドラインはいつから施行されていますか")["prior"][supplementary]
    assert np.allclose(duty, changeover * retriever.config.supplementary_weight)
    answer = answerer.ask("このガイドラインはいつから施行されていますか")
    assert not answer.refused and "令和7年4月1日" in answer.answer


def test_when_the_rules_take_effect_is_found_in_the_supplementary_provisions_whatever_they_are_called(answerer: Answerer) -> None:
    # The document calls itself a ガイドライン and says 施行; the clerk says ルール and 適用. The
    # 附則 stating the date is ranked among the 附則 passages beside the other channels.
    hits = answerer.retriever.hits("このAIのルールっていつから適用されるの？", None, 5)
    assert hits[0].chunk.section_path[0] == "附則", [h.chunk.section for h in hits]
    ch = answerer.retriever.channels("研修は毎年受けないといけないの？")
    supplementary = [i for i, c in enumerate(answerer.retriever.chunks) if c.section_path and c.section_path[0] == "附則"]
    assert not ch["rrf_definition"][supplementary].any()  # a question of a duty is not asked of the 附則
    from retriever.search import ASKS_EFFECTIVE_DATE

    for other in ("ガイドラインの研修はいつから始まりますか", "ルールの見直しはいつから？", "施行規則はある？", "規程は派遣社員にも効力がある？"):
        assert not ASKS_EFFECTIVE_DATE.search(other), other
    assert ASKS_EFFECTIVE_DATE.search("規程の施行日は？") and ASKS_EFFECTIVE_DATE.search("新しいルールっていつからなの？")
    assert ASKS_EFFECTIVE_DATE.search("この要領って、いつから有効？") and ASKS_EFFECTIVE_DATE.search("新ルールの適用はいつからですか")
    assert not ASKS_EFFECTIVE_DATE.search("経過措置の適用は、いつまで？")


def test_a_question_asking_a_figure_is_answered_first_by_the_sentence_stating_it(answerer: Answerer) -> None:
    """第9条's first sentence says to report at once; its third states the report's deadline. Asked
    for the deadline, the answer leads with the third; asked what to do, the order stays."""
    from retriever.search import Hit

    chunks = answerer.retriever.chunks
    article = next(i for i, c in enumerate(chunks) if "第9条" in c.section)
    hits = [Hit(article, chunks[article], 1.0, 0.9, 1.0)]
    sentences = [s for s in chunks[article].text.replace("\n", "").split("。") if s]
    quoted = [(0, sentences[0] + "。"), (0, next(s for s in sentences if "開庁日以内" in s) + "。")]
    deadline = "入力禁止情報を誤って入力したら、事故報告書はいつまでに出せばいいですか？"
    first = answerer._figure_first(deadline, hits, quoted, answerer.features(deadline, hits, quoted))
    assert "3開庁日以内" in first[0][1] and first[1] == quoted[0]
    what = "入力禁止情報を誤って入力したら、どうすればいいですか？"
    assert answerer._figure_first(what, hits, quoted, answerer.features(what, hits, quoted)) == quoted


def test_a_sentence_naming_its_subject_by_the_list_below_is_read_with_that_list(answerer: Answerer) -> None:
    """「次に掲げる情報を入力してはならない」 says which information by its 各号 list: the subject test
    reads the sentence with the items (1)…(4), not with the next paragraph 「2 前項の規定にかかわらず…」."""
    from retriever.answer import _with_antecedent
    from retriever.extractive import sentences_of
    from retriever.search import Hit

    chunks = answerer.retriever.chunks
    article = next(i for i, c in enumerate(chunks) if "第4条" in c.section)
    hits = [Hit(article, chunks[article], 1.0, 0.9, 1.0)]
    units = sentences_of(chunks[article].text, tuple(chunks[article].section_path))
    lead = next(u for u in units if "次に掲げる" in u)
    read = _with_antecedent(hits, 0, lead)
    assert "パスワード" in read and "マイナンバー" in read and "前項の規定にかかわらず" not in read


def test_only_the_list_a_sentence_announces_is_read_with_it() -> None:
    from retriever.answer import _list_after

    lead = "職員は、次に掲げる情報を入力してはならない。"
    units = [lead, "1. 個人情報", "2. 非公開の行政情報", "２　前項の規定にかかわらず、加工した情報は入力できる。"]
    assert _list_after(units, 0) == units[1:3]  # the next 項 is no item of the list
    report = ["職員は、直ちに報告しなければならない。", "２　前項の報告を受けた課長は、措置を講ずる。", "３　市長は、公表する。"]
    assert _list_after(report, 0) == []


def test_a_deadline_stated_with_the_noun_of_the_asked_act_answers_it(answerer: Answerer) -> None:
    # 「受ければ」 is stated 「受講しなければならない」: leaving the verb out of the subject test must
    # not make it stricter than counting it by the noun of the same stem.
    answer = answerer.ask("新しく入った職員さんは、AIの研修をいつまでに受ければいいですか？")
    assert not answer.refused
    assert "1か月以内" in answer.answer


def test_a_question_in_everyday_words_about_the_citys_procedure_leans_to_its_rules(answerer: Answerer):
    # 申し込み is the city's 申請 in everyday words (a Sudachi synonym); the bundled guideline speaks of
    # 開発者 and 透明性, not of applying to use AI.
    retriever = answerer.retriever
    procedure = "うちの課でもAIを使いたいんだけど、申し込みってどうすればいいの？"
    guideline = "AI開発者は透明性の確保のために何をすべきですか"
    assert retriever.added_affinity(retriever.tokenizer.tokenize(procedure)) > 0
    assert retriever.added_affinity(retriever.tokenizer.tokenize(guideline)) <= 0

    def rank(r: Retriever) -> int:
        sections = [h.chunk.section for h in r.hits(procedure, None, 10)]
        return next((n for n, s in enumerate(sections) if "第5条（利用の申請）" in s), 99)

    plain = Retriever(retriever.index, retriever.embedder, retriever.tokenizer, replace(retriever.config, affinity_weight=0.0))
    assert rank(retriever) < 5 and rank(retriever) <= rank(plain)
    # A question about the guideline ranks as before.
    assert [h.index for h in retriever.hits(guideline, None, 5)] == [h.index for h in plain.hits(guideline, None, 5)]


def test_an_articles_caption_names_the_subject_of_its_figure(answerer: Answerer) -> None:
    """第8条（研修）: 「着任後1か月以内に…受講しなければならない」. Asked in everyday words (異動してきた,
    受ける, 期間) the sentence shares little with the question; the caption names what it rules on, and
    the article the question names by it and ranks first states the figure asked."""
    answer = answerer.ask("異動してきたばかりなんですが、研修ってどれくらいの期間のうちに受ければいいですか？")
    assert not answer.refused, answer.answer
    assert answer.citations and "第8条" in answer.citations[0].section
    assert "1か月以内" in answer.answer


def test_an_entry_asked_by_its_number_is_answered_from_that_entry(answerer: Answerer) -> None:
    """The Q&A 別紙 numbers its questions (Q1.–Q3.); a clerk asks 「Q&Aの2番って何？」: nothing of the
    question's words is in the entry, its number names it."""
    answer = answerer.ask("Q&Aの2番って何て書いてある？")
    assert not answer.refused, answer.answer
    # (The article the entry explains may be quoted beside it: the 別紙's Q&A explains 第6条.)
    assert any(c.section.endswith("Q2. 生成AIで作った文章を広報紙に載せるときの注意は何ですか。") for c in answer.citations)
    assert "【Q2. 生成AIで作った文章を広報紙に載せるときの注意は何ですか。】" in answer.answer
    assert any(h.chunk.section_path[-1].startswith("Q2. ") for h in answerer.retriever.hits("Q&Aの2番って何て書いてある？", None, 2))
