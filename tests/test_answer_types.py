"""The answer type a question asks for, on questions written blind by people who saw neither the
corpus nor the code (tests/data/answer_types_*.txt; see the first line of answer_types_a.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retriever.answerability import asked_counter, expected_answer_type, has_answer_type

DATA = Path(__file__).parent / "data"
# A count of a unit of time answers a question of length or date (「何年保存」「何時から」: the
# gate then looks for that counter); a telephone number is a contact.
_TIME_COUNTERS = {"年", "日", "時", "時間", "か月", "週間", "年間"}


def _labelled(name: str) -> list[tuple[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split(" | ", 1)) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def _agrees(label: str, question: str) -> bool:
    got = expected_answer_type(question) or "none"
    if got == label:
        return True
    if label == "contact" and got == "phone":
        return True
    return label in ("duration", "date") and got == "number" and asked_counter(question) in _TIME_COUNTERS


@pytest.mark.parametrize(("name", "typed_floor", "untyped_floor"), [("answer_types_a.txt", 0.93, 1.0), ("answer_types_b.txt", 0.88, 0.95)])
def test_blind_questions_get_their_writers_answer_type(name: str, typed_floor: float, untyped_floor: float) -> None:
    rows = _labelled(name)
    typed = [(label, q) for label, q in rows if label != "none"]
    untyped = [q for label, q in rows if label == "none"]
    assert len(typed) >= 160 and len(untyped) == 60
    typed_ok = sum(_agrees(label, q) for label, q in typed) / len(typed)
    # An open question read as typed is refused unless the text holds that kind of content: the
    # costlier mistake, so the floor is higher.
    untyped_ok = sum(expected_answer_type(q) is None for q in untyped) / len(untyped)
    assert typed_ok >= typed_floor and untyped_ok >= untyped_floor, (typed_ok, untyped_ok)


@pytest.mark.parametrize(
    "question",
    [
        "何人かで一つのアカウントを共有するのはまずいですか？",  # 何人か: several
        "何回も同じ質問をするとAIの答えが変わるのはなぜ？",  # 何回も: many times
        "いくらAIが便利でも、最終判断は人がすべきですよね？",  # いくら…ても: however
        "どこの部署でもAIを使っていいんですか？",  # どこ…でも: any
        "AIってどこでも使えるもの？",
        "いつの間にか無料版のAIに顧客名を入力してた、これってまずい？",
        "期限切れのパスワードのままAIツールを放置するとどんなリスクがある？",
        "手順書をAIに作らせてもいいですか？",  # a document
        "プロンプトのうまい書き方のコツを教えて。",  # not a form to fill in
        "費用対効果が見えないと理事会で通らないんだけど、どう説明すればいい？",
        "AIで作った資料を外に出すとき、誰かに確認してもらうべきですか？",  # 誰か: someone
        "システム障害が起きたときの社内の対応の流れは？",  # what to do, not an administrative procedure
    ],
)
def test_everyday_indefinites_and_compounds_ask_no_type(question: str) -> None:
    assert expected_answer_type(question) is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # Someone else's question, reported (「…か聞かれた」): the asker's own is the main clause.
        ("お客さんに料金はいくらか聞かれたんだけど、AIで見積もりを作っていい？", None),
        ("保護者に何時まで使えるのかと聞かれたら、どう答えればいい？", None),
        ("住民から締切はいつかと問い合わせがあったら、どこに確認すればいい？", "named"),
        # A request to tell is the asker's own question.
        ("申請は何日前までに出せばいいか教えて", "duration"),
    ],
)
def test_a_reported_question_is_not_the_askers(question: str, kind: str | None) -> None:
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("セミナー参加費", "money"),
        ("保守費用は月々どのくらい？", "money"),
        ("研修の修了証の有効期間", "duration"),
        ("議事録のデータってどれくらいの期間残せばいい？", "duration"),
        ("2次募集の受付開始日", "date"),
        ("相談窓口が年末年始で休みになるのは何日から？", "date"),
        ("事務作業の削減率、平均でどれくらい", "rate"),
        ("県内でAIを導入した介護事業所の数", "number"),
        ("ガイドラインのチェックリストって何項目あるんでしたっけ？", "number"),
        ("補助金の申請ってどうやってするんですか？", "procedure"),
        ("補助金の交付手続きの流れを教えてください", "procedure"),
        ("AI戦略会議の事務局はどこですか？", "named"),
        ("補助金の申請先はどこですか", "named"),
        ("AIの不具合で事故が起きた場合の責任を定める法律名", "named"),
        ("IT導入補助金のコールセンターの番号は？", "phone"),
        ("申請ポータルのURLってどこ？", "contact"),
    ],
)
def test_ways_of_asking_for_a_kind_of_answer(question: str, kind: str) -> None:
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    "question",
    [
        "AIで書いたメールは何か問題ありますか",  # メール as the thing written, not a contact asked for
        "お客さんからメールがありました。AIで返信を書いてもいい？",
        "URLがある記事をAIに要約させたい",
        "社員番号がある表をAIで集計してもいい？",
    ],
)
def test_means_of_contact_mentioned_are_not_asked_for(question: str) -> None:
    assert expected_answer_type(question) is None


def _answerer_over(documents: dict[str, dict[str, str]] | None = None):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from retriever.answer import Answerer

    answerer = object.__new__(Answerer)  # only the focus test is asked of it
    answerer.retriever = SimpleNamespace(documents=documents or {})
    answerer.designations = {}
    answerer.idf = {}
    return answerer


def _hit(heading: str):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    return SimpleNamespace(chunk=SimpleNamespace(doc_id="deck", section_path=[heading], text=""))


def test_the_asked_focus_may_stand_in_the_heading_over_a_line_or_by_a_synonym() -> None:
    # A slide's lines are about its title: 「上限：1店舗あたり月2,000円」 under 「組合のAIツール補助制度」
    # answers 「補助って毎月いくらまで？」; a row 「| 10〜12月分 | → | 1月末まで |」 under 「補助の申し込み
    # 方法」 answers 「補助の申請っていつまで？」 (申請 and 申し込み: one synonym group of Sudachi's).
    from retriever.answerability import asked_counter, asked_focus, expected_answer_type

    answerer = _answerer_over()
    for question, sentence, heading, other in (
        ("AIツールの補助って、毎月いくらまで出るの？", "上限：1店舗あたり月2,000円（年間24,000円まで）", "P21 組合のAIツール補助制度", "P24 お店の端末とパスワード"),
        ("10月から12月の分の補助の申請って、いつまでに出せばいい？", "| 10〜12月分 | → | 1月末まで |", "P22 補助の申し込み方法", "P30 今後の勉強会"),
    ):
        kind = expected_answer_type(question)
        assert kind is not None
        counter = asked_counter(question) if kind in ("number", "duration") else None
        focus = asked_focus(question)
        assert answerer._type_found(question, [(0, sentence)], kind, counter, focus, [], [_hit(heading)])
        assert not answerer._type_found(question, [(0, sentence)], kind, counter, focus, [], [_hit(other)])


def test_a_deadline_is_not_answered_by_the_length_of_a_term() -> None:
    # 「試用期間は最長60日」 in the first passage states how long a trial lasts, not by when to file:
    # the exception for a term's statement holds for lengths asked (「どれくらいの期間残る？」) only.
    from retriever.answerability import asked_counter, asked_focus, expected_answer_type

    answerer = _answerer_over()
    sentence = "無料トライアル・試用の場合も申請が必要(試用期間は最長60日)。"
    hits = [_hit("【2/導入前/利用申請の提出】")]
    deadline = "冬タイヤへの交換って、いつまでに営業所に申請すればいい？"
    length = "トライアルってどれくらいの期間使えるの？"
    for question, found in ((deadline, False), (length, True)):
        kind = expected_answer_type(question)
        assert kind == "duration"
        counter = asked_counter(question)
        assert answerer._type_found(question, [(0, sentence)], kind, counter, asked_focus(question), ["冬", "タイヤ", "交換", "営業所", "申請"], hits) is found
    # A term's statement that sets a time by it answers a deadline (「満了する日の30日前までに」).
    renewal = "有効期間が満了する日の30日前までに、改めて申請を行わなければならない。"
    question = "来年度も続けて使いたいときは、いつまでに出し直せばいい？"
    assert answerer._type_found(question, [(0, renewal)], "duration", asked_counter(question), asked_focus(question), ["来年度", "続ける", "使う"], hits)


def test_a_list_line_stating_a_figure_is_read_with_the_line_before_it() -> None:
    # A slide's lines continue each other: 「・利用ログの保存期間は5年間」 states how long what the line
    # before it names (入力内容・出力内容) is kept; alone it names only 期間.
    from types import SimpleNamespace

    from retriever.answerability import content_words, without_type_cue

    answerer = _answerer_over()
    text = (
        "・しんわAIアシスタントの入力内容・出力内容はすべて記録される\n"
        "・利用ログの保存期間は5年間（期間経過後に消去）\n"
        "・内部監査部が四半期ごとに抽出点検を実施"
    )
    hit = SimpleNamespace(chunk=SimpleNamespace(doc_id="deck", section_path=["P17 利用ログの保存と点検"], text=text))
    question = "AIへの入力内容は、どれくらいの期間保管されますか"
    words = content_words(without_type_cue(question))
    assert answerer._states_subject(question, words, hit)
    alone = SimpleNamespace(chunk=SimpleNamespace(doc_id="deck", section_path=["P17 利用ログの保存と点検"], text=text.splitlines()[1]))
    assert not answerer._states_subject(question, words, alone)


def test_quoted_sentences_cover_the_question_with_the_heading_they_are_shown_under() -> None:
    # 「2．気づいてから1時間以内に、ユニットリーダーに口頭で報告します。」 is shown under 【うっかり入力してしまっ
    # たとき】: a reader of the answer sees both, and the question's うっかり入力 is the heading's.
    from types import SimpleNamespace

    from retriever.answer import _covered, _with_heading
    from retriever.answerability import content_words, without_type_cue

    sentence = "2．気づいてから1時間以内に、ユニットリーダーに口頭で報告します。"
    hits = [SimpleNamespace(chunk=SimpleNamespace(section_path=["【うっかり入力してしまったとき】"]))]
    words = content_words(without_type_cue("うっかり入力しちゃったら、いつまでに誰に言う？"))
    assert _covered(words, set(content_words(sentence)), {}) == 0.0
    assert _covered(words, set(content_words(_with_heading(hits, 0, sentence))), {}) > 0.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # Who pays, or whether it costs: answered only by text that speaks of cost.
        ("AIの有料版の利用料って、各課の予算から払うことになるの？", "payment"),
        ("チャットボットって使うのにお金かかる？", "payment"),
        ("研修の受講料って自腹？", "payment"),
        ("利用料はいつまでに払う？", "duration"),  # a deadline for paying is a deadline
        ("費用はいくら？", "money"),
        ("利用料は誰が払うの？", "payment"),
        # A tool called free or paid is described, not asked about.
        ("学園のAI以外の無料のAIとかって、仕事で使っちゃダメ？", None),
        # Paying describes the tool asked about, not what is asked (the ask is the final predicate).
        ("会社がお金払ってくれてるCopilotなら、私物のスマホで使っていい？", None),
        ("自腹で契約してる翻訳サービスがあるんだけど、それで議事録を訳してもいい？", None),
        # Attention paid, a budget drawn up, a payment slip or an expense claim as the material: no one pays.
        ("生成AIを使うときに注意を払うべき点は？", None),
        ("来年度の予算を作るのに生成AIを使っていい？", None),
        ("予算に関する資料を入力していい？", None),
        ("支払伝票の内容をAIに入力してもいい？", None),
        ("経費精算の書類をAIでチェックしていい？", None),
        ("有料版を使いたいときは誰に相談すればいい？", None),
    ],
)
def test_a_question_about_paying_asks_for_text_on_cost(question: str, kind: str | None) -> None:
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # How often or how much in a period: a count per period.
        ("チャットボットって、1か月にどれくらい使われてるの？", "number"),
        ("窓口には1日にどのくらい問い合わせが来るの？", "number"),
        ("1日にどのくらいの時間使っていい？", "duration"),  # a length of time asked
        ("毎日どれくらい使っていい？", None),
    ],
)
def test_a_count_per_period(question: str, kind: str | None) -> None:
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    ("sentence", "speaks_of_cost"),
    [
        # A city's chatbot page (eval/documents, d34) and a town's 要綱 (d33), as they read.
        ("利用料金：無料です（通信料は利用者のご負担となります）", True),
        ("生成AIの利用に係る経費は、各課の予算で負担する。", True),
        ("前項の規定にかかわらず、インターネット上で無料で公開されている生成AIサービスを業務に利用してはならない。", False),
        ("検針業務及び料金徴収業務の受託者には、生成AIの利用を認めないものとする。", False),
        ("職員が業務において利用することができる生成AIは、町が契約した「みずなみAIアシスタント」に限る。", False),
    ],
)
def test_text_on_cost(sentence: str, speaks_of_cost: bool) -> None:
    assert has_answer_type(sentence, "payment") is speaks_of_cost


def test_a_procedure_cue_leaves_the_clause_it_reads() -> None:
    # 「どうやって」 is the cue; the clause before it (「届け出をするには税務署に」) says what the
    # procedure is of, and stays for the tests that read what the question is about.
    from retriever.answerability import content_words, expected_answer_type, without_type_cue

    question = "パン屋です。AIで作ったチラシは税務署に届け出が要るって聞いたけど、どうやって届け出るの？"
    assert expected_answer_type(question) == "procedure"
    rest = without_type_cue(question)
    assert "どうやって" not in rest and {"AI", "税務署"} <= set(content_words(rest))


def test_when_a_recurring_act_is_done_is_answered_by_how_often() -> None:
    # 「いつ見直すの？」 of rules reviewed every year: 「年1回見直しを行う」 says when. From when or until
    # when (「いつから」「いつまでに」) asks for a day, which a frequency does not give.
    from retriever.answerability import has_answer_type

    sentence = "本規程は、情報管理委員会が年1回見直しを行い、理事長の承認を得て改正する。"
    assert has_answer_type(sentence, "date", None, "このルールっていつ見直されるの？")
    assert has_answer_type("点検は四半期ごとに行う。", "date", None, "点検はいつやるんですか")
    assert not has_answer_type(sentence, "date", None, "このルールはいつから使われてるの？")
    assert not has_answer_type(sentence, "date", None, "いつまでに見直すの？")
    assert not has_answer_type("見直しを行い、改正する。", "date", None, "いつ見直されるの？")
    # 「いつも」「いつでも」 are no question of when; 「各年度の予算で」 is no frequency.
    assert not has_answer_type(sentence, "date", None, "いつも使ってるツールの規程、施行日は何月何日？")
    assert not has_answer_type("各年度の予算の範囲内で導入する。", "date", None, "いつ導入するの？")


def test_a_question_asking_where_to_ask_is_searched_with_the_word_for_the_contact_point() -> None:
    from retriever.answer import retrieval_text

    assert retrieval_text("AIのことで分からないことがあったらどこに聞けばいい？").endswith("問い合わせ先")
    assert retrieval_text("操作方法は誰に質問すればいいですか").endswith("問い合わせ先")
    # Whom to consult is often a superior the rules name; a question already saying 問い合わせ is left.
    assert retrieval_text("迷ったら誰に相談すればいい？") == "迷ったら誰に相談すればいい？"
    assert retrieval_text("どなたにお尋ねすればよいでしょうか").endswith("問い合わせ先")
    # A remark that the asker does not know whom to ask, before the question proper.
    question = "どこに聞いたらいいか分からないので、ここで質問します。個人情報をChatGPTに入れていい？"
    assert retrieval_text(question) == question
    assert retrieval_text("問い合わせはどこにすればいい？") == "問い合わせはどこにすればいい？"


def test_a_calendar_deadline_answers_by_when_not_how_long() -> None:
    # 「5月末までに」 is a time limit: it answers 「何日以内に」, not 「何時間くらいあるの？」 (a length).
    from retriever.answerability import asked_counter, expected_answer_type, has_answer_type

    sentence = "4月の研修を欠席した人は、5月末までに録画を視聴してください。"
    for question, answered in (
        ("研修って何時間くらいあるんですか？", False),
        ("申請から使えるようになるまで何日かかる？", False),
        ("欠席したら何日以内に見ればいいの？", True),
    ):
        kind = expected_answer_type(question)
        assert kind == "duration"
        assert has_answer_type(sentence, kind, asked_counter(question), question) is answered, question


def test_a_day_of_the_month_is_a_date_and_a_listed_choice_is_no_name() -> None:
    # 「何日の何時から」「何日に」 ask a day of the month, not a number of days.
    assert expected_answer_type("盆踊りは何日の何時から始まる？") == "date"
    assert expected_answer_type("説明会って何日にやるの？") == "date"
    assert expected_answer_type("保存は何日の間？") == "duration"
    for counted in ("入力した内容は何日のあいだ残る？", "研修は何日に分けてやるの？", "点検は何日に一回？"):
        assert expected_answer_type(counted) == "duration", counted
    assert has_answer_type("■日時 9月3日（日）午前10時～正午", "date")
    # A vendor recommended is a company to name; 「どこか…教えて」 asks a name with an adverb between.
    assert expected_answer_type("小さな会社に向いているおすすめの翻訳AIの業者を教えて") == "product"
    assert expected_answer_type("監査してくれる団体って、どこか具体的に教えてもらえる？") == "named"
    # Not a vendor asked for: one recommended to the asker, or how to choose one.
    assert expected_answer_type("おすすめされた外部の会社に頼むとき、契約で気をつけることは？") is None
    assert expected_answer_type("おすすめの業者の選び方は？") is None
    # 「A・B・Cのどこが」 chooses among the parties the question lists: no name is asked.
    assert expected_answer_type("開発した会社・販売店・うちのどこが説明するべき？") is None
    assert expected_answer_type("説明会は本社と支社のどこでやる？") == "named"
