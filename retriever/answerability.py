"""Does the selected text answer *this* question? Pure functions, no index and no model.

Three signals, combined by :func:`decide` with thresholds fitted by ``guideqa calibrate``
(:mod:`retriever.calibration`):

* **dense**: the best cosine similarity of the top passages (meaningful only for the embedder
  the thresholds were fitted for);
* **coverage**: the idf-weighted share of the question's content words (SudachiPy normalised
  forms of nouns, verbs, adjectives) found in the *selected sentences*; a caller may pass
  ``bridges`` (question word -> corpus words it stands for) built from the corpus itself (the
  hand-written synonym list was removed: it was derived from evaluation questions);
* **answer type**: a question asking for an amount of money, a duration or deadline, a date,
  a count or rate, a procedure or a named organisation/product/law is answered only by text
  holding that kind of content (:func:`has_answer_type`).

The cue words below are general Japanese (interrogatives, counters, currency and time units),
not taken from any evaluation question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from guideqa.text import is_own, match_key, nfkc
from ingest.tokenizer import is_verbal_noun, split_mode_a, thread_tokenizer
from retriever.premise import SANCTION_OR_BREACH
from retriever.roles import asks_where_responsibility_lies

AnswerType = Literal[
    "money", "duration", "date", "number", "rate", "phone", "contact", "product", "procedure", "named", "form",
    "consequence", "payment",
]

# Nouns of the things a shop or an office buys and names by brand (a product or its maker).
_PRODUCT_NOUNS = r"(?:製品|商品|サービス|ツール|アプリ|ソフト(?:ウェア)?|チャットボット|メーカー|ベンダー)"
# 何日 as a day of the month: 「何日の何時から」「何日の午後」「何日に開催」; not a count of days,
# 「何日のあいだ」「何日に分けて」「何日にわたって」「何日に一回」「何日にち」.
_DAY_OF_MONTH = r"の(?=何時|朝|午前|午後|夜|昼|夕方)|に(?!ち|分け|わた|一|1|１|何回|も|つき)"
# Charges, pay and charges for use: nouns whose amount is a price (年収・給与・時給… are prices too).
_CHARGES = (
    r"(?:金額|料金|費用|価格|値段|手数料|報酬|補償額|賠償額|予算|コスト|年収|給与|給料|月給|時給|賃金|単価|利用料|使用料|代金)"
)
# 「何という」 in its spoken forms (なんていう, 何て言う): what something is called.
# (Not the particle なんて, 「生成AIなんていうと」, nor how to say something: 「なんていうふうに」「なんて
# 言うべき」「なんていう意味」.)
_WHAT_CALLED = (
    r"(?:^|(?<=[はをにがも、,\s])|(?<=って))(?:何|なん)(?:という|ていう|て言う|と言う|てゆう)"
    r"(?!か|ふう|風|意味|べき|と|の?は)"
)
# A company asked for (「どこの会社ですか」「業者の名前は」): answered by a company's name, not by a
# unit of one's own organisation or a law.
_ASKS_COMPANY = re.compile(
    r"(?:どこの|どの|" + _WHAT_CALLED + r")(?:会社|企業|メーカー|業者|事業者|ベンダー)"
    r"|(?:会社|企業|メーカー|業者|事業者|ベンダー)(?:名|の名前)"
)
# Order matters: the first matching type wins (いつまでに is a deadline, not a date).
_QUESTION_TYPES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    # いくら / 何円 / 何ドル: the interrogatives of price; 金額・料金・費用… (or their 相場・目安:
    # the usual level of a price) + an interrogative of degree, before or after the noun.
    # Pay (年収・給与・時給…) and charges for use (利用料・使用料) are prices too; 「…はどれくらいが相場」
    # asks the usual price whatever it is of.
    # (「いくら…ても」「いくらでも」 concede: "however much", not a price.)
    ("money", re.compile(r"いくら(?![^、。？?]*?[てで]も)|何(?:円|ドル|ユーロ|万円|億円)|" + _CHARGES +
                         r"(?:の(?:相場|目安|総額|水準))?(?:は|が|って)?\s*(?:いくら|どれ(?:くらい|ぐらい)|どの(?:くらい|程度))"
                         r"|(?:どれ|どの)(?:くらい|ぐらい|程度)の(?:金額|料金|費用|価格|値段|手数料|報酬|予算|コスト|お金)"
                         r"|(?:どれ|どの)(?:くらい|ぐらい|程度)が相場|相場(?:は|って)\s*(?:いくら|どれ|どの)"
                         # The going price of a charge (「費用の相場は？」「導入費用の相場を知りたい」) asked for
                         # without an interrogative (not 「保存期間の相場」「為替相場」).
                         + "|" + _CHARGES + r"の?相場感?(?:は|って|を|が|について)"
                         # An amount (…額: 上限額・補助額・賠償額) asked for.
                         r"|[^\s、。？?]{0,6}額(?:は|を|も|が|って)?\s*(?:いくら|どれ|どの|知りたい|教えて|[?？])"
                         # A charge asked for by name (「価格を教えて」「受講料が知りたい」).
                         + "|" + _CHARGES + r"(?:を|が)\s*(?:教え|知り)")),
    # Durations and deadlines: 何日/何週間/何か月/何年間, いつまで, 期限, 期間は.
    # (「何月何日」 is a date: 何日 after 月 is not a duration; nor is 「何日の何時から」「何日に開催」,
    # a day of the month, see _DAY_OF_MONTH.)
    # A length asked by degree (「どのくらいの期間」「日数はどれくらい」「…まで(に)どのくらい待つ」「どれくらい
    # 時間がかかる」) or asked for by name (「保存期間を教えて」「保存年限は」); 「期限切れ」 is a state. (In
    # 「どのくらいの期間残る」 the cue is the interrogative: 期間 stays a word of the question, which the
    # sentence stating the term holds, 「保存期間は1年間です」.)
    ("duration", re.compile(r"(?<!月)何日(?!から|" + _DAY_OF_MONTH + r")(?:間|以内|前|後)?|何(?:時間|週間|か月|ヶ月|カ月|箇月|年間)(?:以内|前|後)?|いつまで|期限(?!切れ)|締め?切り?|〆切り?"
                            r"|(?:期間|猶予|年限|日数)(?:は|が|って|を\s*(?:教え|知り))"
                            r"|(?:どれ|どの)(?:くらい|ぐらい|程度)の(?=期間|間(?!隔)|日数|年数|時間)"
                            # A lead time (「どれくらい前から」「どのくらい前までに」).
                            r"|(?:どれ|どの)(?:くらい|ぐらい|程度)前(?:から|まで)|何分(?:間|以内|前)"
                            r"|(?:期間|日数|年数|時間|年限)(?:は|が|って)?\s*(?:どれ|どの)(?:くらい|ぐらい|程度)"
                            r"|まで(?:に|は)?\s*(?:どれ|どの)(?:くらい|ぐらい)|(?:どれ|どの)(?:くらい|ぐらい)(?:の)?時間(?:が|を)?\s*(?:かか|要)")),
    # Dates: いつ, 何年 + に/から, 何月 (which month; 「何か月」 is a duration), 日付. (「いつの段階で」 asks for a stage of work, not a date.)
    # A day named by its event (「開催日」「施行日」「公表日を教えて」: a verbal noun of two characters and 日;
    # 平日・当日・毎日 are one character and 日, 曜日 a weekday); 何年度 asks which fiscal year.
    ("date", re.compile(r"いつ(?!も|でも|か(?!ら)|まで|の(?:間|段階|工程|フェーズ|局面))|何年(?:何月)?(?:に(?!な)|から)|何年度|何月|何日(?:から|" + _DAY_OF_MONTH + r")|日付(?:は|って|を\s*(?:教え|知り)|が\s*(?:知り|わか|分か))|年月日"
                        r"|[\u4e00-\u9fff]{2}(?<!曜)日(?:は|って|を\s*(?:教え|知り)|が\s*(?:知り|わか|分か))")),
    # Rates: 何割/何%/何パーセント/何分の…, or a ratio noun (割合・比率・…率) asked about, with or
    # without a particle (「補助率は何割」「助成率どのくらい」).
    ("rate", re.compile(r"何(?:割|%|％|パーセント)|何分の|(?:割合|比率|(?<![効能統])率)(?:(?:は|が|って)?[、,]?\s*(?:何|どれ|どの|いくら|いくつ)"
                        r"|(?:は|が|って)\s*(?:[?？]|$)|(?:を|が|って)?\s*(?:教え|知り|わか|分か)|の(?:上限|下限)(?:は|って|を))")),
    # Contact details asked for: a telephone number, or any way of reaching someone.
    # (A number asked for is a telephone number: 「コールセンターの番号は？」「相談ダイヤルって何番？」.)
    # (A bare 番号 only when asked for: 「社員番号がある表」 asks nothing.)
    # (「電話って何時まで？」 asks the hours of the line: 何 before a counter is a count, below.)
    ("phone", re.compile(r"(?:電話|ファックス|FAX|fax|内線)(?:番号)?(?:は|を|が|って|も)?\s*(?:何(?![時分曜日週月年回人件])|どこ|どれ|わか|分か|教え|知り|あ[るり]|[?？]|$)"
                         r"|(?:番号|ダイヤル)(?:は|を|って)?[、,]?\s*(?:何|教え|知り|わか|分か|[?？]|$)|何番")),
    # Any way of reaching someone or a page to open (「申請ポータルのURLってどこ？」「リンクを貼って」).
    # (メール, URL and リンク only when asked for: 「メールは何に気をつければ」「URLがある記事」 ask nothing.)
    ("contact", re.compile(r"(?:(?:メール)?アドレス|メアド|連絡先|問い?合わ?せ先|宛先)(?:は|を|が|って|も)?[、,]?\s*"
                           r"(?:何|どこ|どれ|どちら|わか|分か|教え|知り|知っ|あ[るり]|貼って(?:もらえ|ください|くれ|ほしい)|[?？]|$)"
                           r"|(?:メール|URL|url|リンク)(?:は|を|って)?[、,]?\s*(?:どこ|教え|知り|知っ|貼って(?:もらえ|ください|くれ|ほしい)|[?？]\s*$)")),
    # A count asked for by name or by いくつ (「自治体の数を教えて」「相談件数ってどれくらい」「文字数の上限は」
    # 「いくつありますか」; いくつか is "some").
    # How often or how much in a period (「1か月にどれくらい使われてる」「1日にどのくらい来る」): a count per period.
    ("number", re.compile(r"(?:[件人回台社字]?数)(?:は|が|って)?\s*(?:どれ|どの|いくつ|何)|(?<![\u4e00-\u9fff])数を\s*(?:教え|知り)"
                          r"|(?<![\u4e00-\u9fff])(?:[0-9０-９一二三四五六七八九十]+\s*)?(?:日|週|週間|か月|ヶ月|カ月|月|年|年間|年度)(?:に|で|あたり|当たり)\s*(?:どれ|どの)(?:くらい|ぐらい|程度)(?!の?(?:期間|時間|日数))"
                          r"|(?:件|人|回|台|社|字)数を\s*(?:教え|知り)|数の(?:上限|下限)(?:は|って|を)|いくつ(?!か|も|でも)")),
    # Counts: 何 + any counter (何人・何件・何時・何センチ…), found by part of speech (asked_counter),
    # take precedence over the types below (「窓口の受付は何時から」 asks a time, not a name).
    # Products and makers by name: which one to buy or choose, a recommended one, their names or list.
    # (The maker or the model inside a product: 「中身はどこの会社のAI？」「どのAIモデルを使ってる？」.)
    # A recommended one is asked for where the product noun ends what is asked about (「おすすめの
    # ツールはありますか」), not where it heads a compound (「おすすめ商品の表示をAIで」).
    ("product", re.compile(r"(?:おすすめ|お勧め|オススメ)(?:の|する)?[^\s、。？?]{0,6}?" + _PRODUCT_NOUNS
                           + r"(?![一-龥ァ-ヶー]|の(?!名前|一覧|リスト))"
                           # A vendor recommended (「おすすめのAIチャットの会社」): a company to name.
                           + r"|(?:おすすめ|お勧め|オススメ)(?:の|する)?(?![^\s、。？?]*?され)[^\s、。？?]{0,10}?(?:会社|業者|企業)"
                           + r"(?:(?:とか|や|など)[^\s、。？?]{0,8}?)?(?:を|は|って|が)?[、,]?\s*(?:具体的に\s*)?(?:教え|知り|あり|ある|どこ|[?？]|$)"
                           + r"|(?:どの|どこの)" + _PRODUCT_NOUNS + "|" + _PRODUCT_NOUNS + r"(?:名|の名前|の一覧|のリスト|一覧)"
                           # 「…アプリはどれですか」「使いやすいツールってどこの？」: one to choose.
                           + "|" + _PRODUCT_NOUNS + r"(?:は|って)\s*(?:どれ(?:です|でしょう|が|\s*[?？]|$)|どこの(?:会社|メーカー|製品|もの))"
                           + r"|(?:どの|どこの)(?:会社|企業)の(?:AI|モデル|技術|製品)|(?:どの|どこの)(?:生成)?(?:AI)?モデル"
                           # 「なんという名前のサービス」「何ていうアプリ」: its name.
                           + r"|" + _WHAT_CALLED + r"(?:名前|名称)?の?(?:AI)?" + _PRODUCT_NOUNS)),
    # Procedures: 手順/手続き/申請/届出/登録/設定 + the way of doing it.
    # The steps asked for (「手続きは？」「手順を教えて」「どんな手順で」「ステップごとに教えて」「まず何をして、
    # 次に…」), or how to carry out an administrative act (申請・届出・登録・設定・報告・提出・取得…): its 流れ or
    # 方法, or asked with どうやって or …するには＋どう (「補助金の申請ってどうやってするんですか」「申し込むには
    # どうしたら」). The 流れ of anything else (「トラブル時の対応の流れは？」) is what to do, which the guideline
    # states without numbered steps. (A 手順書 is a document; 「手続きを簡単にする方法」 asks no steps.)
    ("procedure", re.compile(r"手続き?の(?:流れ|方法|仕方|やり方)|(?:手順|手続き?)(?!書)(?:は|って|を[、,]?\s*(?:ざっくり|簡単に|詳しく|ざっと)?\s*(?:教え|知り|踏)|が\s*(?:知り|わか|分か)|で\s*進め)"
                             r"|(?:どんな|どういう|どのような)(?:手順|手続|ステップ)|ステップごと|順番に\s*教え|順を追って|まず何を[^。？?]*次に"
                             # Where in a product's settings to go (「設定画面のどこを開いてどれをオフに」): the steps of a setting.
                             r"|設定(?:画面|メニュー|ページ)?(?:の|で)[^。？?、]{0,6}?(?:どこ|どれ)を"
                             # (「…設定って、画面のどこから変えるんですか」: where on a product's screen.)
                             # (Not 「画面のどこかに表示する必要は」, 「どこで変えたかを記録する」.)
                             r"|画面の(?:どこ|どれ)(?!か)|設定[^。？?]{0,16}?どこ(?:から|で)(?:変え|変更|切り?替え|オフ|オン|外)(?!たか|た記録)"
                             r"|(?:申請|届出|届け出|登録|設定|申込|申し込み?|報告|提出|取得|発行|請求|解約|解除|ダウンロード)"
                             r"(?:の|する|をする)?(?:方法|仕方|しかた|やり方|流れ)"
                             # (Only the cue, group ``how``, is what :func:`without_type_cue` drops: the words
                             # before it say what is asked about — 「AIを使うには国に登録…どうやって」.)
                             r"|(?=[^。？?]*(?:申請|届け?出|登録|設定|申込|申し込|報告|提出|取得|発行|請求|解約|解除|ダウンロード|依頼))[^。？?]*?"
                             r"(?P<how>どうやって|どうやる|どうやれば|どうやったら|(?:する|む|う|す)には\s*どう(?:すれば|したら|やって))")),
    # Named entities: which body/law, by name (「窓口はどこ」 is caught by どこ).
    # (「どこの部署でも」「どこでも」 are universal: "any".) Which body: 「審査してくれるのはどこ？」「団体名を
    # 教えて」「根拠の法律は何ですか」. (「…って誰？」 is left open: an organisation's rules answer it with a
    # post, 「取締役設計部長とする」, in words the question need not share.)
    ("named", re.compile(r"どこ(?:が|に|で(?!も)|の|へ)(?![^、。？?]*?でも)|どの(?:機関|団体|組織|会社|企業|法律|法令|省庁|省|窓口|部署|部門|担当|枠組み)"
                         r"|" + _WHAT_CALLED + r"|名称|(?:は|って)[、,]?\s*どこ(?:か[、,]?\s*(?:具体的に|いくつか|一つ|ひとつ)?\s*(?:知り|わか|分か|教え)|です|でしょう|なの|だっけ|でした|\s*[?？]|$)"
                         # Where to file or report (「申請先はどこ」「報告する先」).
                         r"|(?:申請|提出|報告|届出|申込|送付|通報|相談)(?:する)?先"
                         r"|(?:名前|団体名|機関名|組織名|会社名|社名)(?:を|は|って|が)\s*(?:教え|知り|何|なん|わか|分か)"
                         r"|(?:機関|団体|組織|窓口|部署|省庁|事務局)(?:は|って|を)\s*(?:どこ|教え|知り)|(?:法律|法令)(?:は|って)\s*(?:何|なん)")),
    # A form or template to fill in, or how to fill one in (「報告の様式」「申請書の書き方」).
    # (書き方 of a document to file: 「申請書の書き方」「届の書き方」, not 「プロンプトの書き方」.)
    ("form", re.compile(r"様式|書式|ひな形|雛形|テンプレート|記入例|(?:書|届|票|用紙)の?書き方|記入(?:の)?(?:方法|仕方)")),
    # What follows a breach (「違反したら」「罰金は」「懲戒処分される？」; the vocabulary of
    # retriever.premise): asked of rules that bind their reader (an organisation's own), it is
    # answered only by text stating a consequence or a breach, not by the rules' other duties.
    ("consequence", SANCTION_OR_BREACH),
    # Who pays, or whether it costs (「利用料って各課の予算から払うの？」「使うのにお金かかる？」「自腹？」):
    # answered only by text that speaks of cost (a charge, a budget, a burden, free or paid), not by the
    # rules on the thing paid for. (A tool called 無料 or 有料 is described, not asked about.)
    # (Paying attention, 「注意を払う」, pays nothing; a budget or an expense drawn up or a payment slip
    # entered into a tool, 「予算を作る」「支払伝票を入力」, is the material, not who pays.)
    # The cue is what the question asks, at its end (「…予算から払うの？」「自腹？」), not a description of
    # the tool it asks about (「自分でお金払ってるChatGPT使ってもいい？」「自腹で入ってるAIがあるんだけど、…」).
    ("payment", re.compile(
        r"(?:(?<![注敬意心慮])(?<!注意を|敬意を|関心を|配慮を|努力を|犠牲を)(?:支)?払(?:う|わ|い|え|っ|お)"
        r"|(?:費用|料金|利用料|使用料|コスト|経費)(?:は|を|って|の)?\s*(?:負担|持ち|自己負担)|予算(?:から|で)(?:払|支払|出|賄|まかな|負担|買|購入|契約)"
        r"|経費(?:で(?!す|しょ)(?:払|落|出|買|購入|精算)|として(?:払|落|出|認め)|扱い)|自腹|立て?替え"
        r"|(?:お金|費用|料金|利用料|使用料|コスト)(?:が|は|って)?\s*(?:かか|掛か|いる|要る|必要|発生))"
        r"(?=[^、。,?？]{0,14}(?:[?？]|$))(?![^?？]*(?:てもいい|ていい|てもよ|ても大丈夫|使え|使っ))"
    )),
)
# A question asked by naming the quantity alone (「セミナー参加費」「研修の修了証の有効期間」「保守費用は月々どのくらい？」
# 「適合率の目安が知りたい」「部署の名前」): the head of its noun compound (the last unit: 参加+費, 有効+期間) names the
# kind of answer, and the question either ends there or follows it with nothing but adverbials (月々, 平均で, 一事業所
# あたり) before an interrogative of degree or a verb of wanting to know. The heads are the general nouns of each
# kind of quantity; 資料・無料・有料 are not charges, 効率 no rate, 複数・多数・関数 no count, 匿名・仮名・件名 no name.
_HEAD_NOUNS: tuple[tuple[AnswerType, str], ...] = (
    ("money", r"費用|料金|価格|値段|代金|予算|コスト|手数料|謝金|(?<![資材原無有燃肥飲塗香調])料|(?<![消浪])費|(?<=[\u4e00-\u9fff])額"),
    ("duration", r"期間|期限|年限|日数|年数|納期|猶予"),
    ("date", r"[\u4e00-\u9fff]{2}(?<!曜)日|日程|日時"),
    ("rate", r"割合|比率|シェア|(?<![効能統])率"),
    ("number", r"(?<![多少複半変関係指])数|定員"),
    ("procedure", r"手順|ステップ"),
    ("named", r"名前|名称|(?<![匿仮有無署指実記除件題本])名"),
    ("phone", r"電話番号|番号"),
    ("contact", r"URL|アドレス|連絡先|メアド|宛先"),
)
_ADVERBIAL = r"(?:[\u4e00-\u9fff々\u30a1-\u30faーA-Za-z0-9]|あたり|だいたい|およそ|おおよそ|ざっくり|って|で|の|は)"
_HEAD_ASK = (
    r"(?:の(?:目安|相場|上限|下限|平均|見込み))?(?:\s*[?？]*\s*$"
    r"|(?:は|って|が|を|、|,)\s*" + _ADVERBIAL + r"{0,12}?(?:(?:どれ|どの)(?:くらい|ぐらい|程度)|いくら|いくつ)"
    r"|(?:が|を|は)?\s*(?:知りたい|教え|知って(?:る|ます|い)|(?:わか|分か)(?:ります|る)(?:か|\s*[?？])))"
)
_BY_HEAD = tuple((kind, re.compile(r"(?:" + head + r")" + _HEAD_ASK)) for kind, head in _HEAD_NOUNS)


def _type_by_head(text: str) -> tuple[AnswerType | None, str]:
    for kind, pattern in _BY_HEAD:
        m = pattern.search(text)
        if m:
            return kind, m.group(0)
    return None, ""


# Types a counted question (「何人」「何時」) overrides: a count is the more specific ask.
_BELOW_COUNTS: frozenset[str] = frozenset({"product", "procedure", "named", "form"})


# A question someone else asked, reported (間接疑問): a clause ending in 「か」 under a verb of being asked
# (「農薬を何倍に薄めればいいか聞かれたんだけど、…伝えていい？」). Its interrogative is that person's,
# not the asker's: the asker's question is the main clause.
_REPORTED_QUESTION = re.compile(
    r"[^、。?？]*?(?:か|のか|かと|のかと|かって)\s*(?:聞かれ|訊かれ|きかれ|尋ねられ|たずねられ|質問され|問われ|相談され"
    r"|問い?合わ?せ(?:が(?:あ|来|き)|を受け))"
)


# A worry stated as an indirect question beside the question asked (「…確認しといたほうがいいことって
# ありますか？撮った動画がどこに行くのかも気になってます。」): the clause says what the asker is uneasy
# about, the kind of answer is the direct question's.
_STATED_WORRY = re.compile(r"[^、。?？]*?(?:のか|か)(?:も|が|は)?\s*(?:気にな|心配|不安|気がかり)[^。?？]*[。?？]?")


@lru_cache(maxsize=1024)  # asked by several features of one answer
def _question_type(question: str) -> tuple[AnswerType | None, str]:
    """(the kind of content the question asks for, the words stating it), or (None, '')."""
    text = _REPORTED_QUESTION.sub(" ", nfkc(question))
    rest = _STATED_WORRY.sub(" ", text)
    if rest != text and re.search(r"[?？]", rest) and content_words(rest):
        text = rest  # (not when the direct question only asks to be told: 「…いつなのか気になってます。教えてもらえますか？」)
    for kind, pattern in _QUESTION_TYPES:
        m = pattern.search(text)
        if m:
            if kind == "named" and asks_where_responsibility_lies(text):
                continue  # 「責任はA、B、Cのどこにある？」 chooses among the parties it names
            if kind in _BELOW_COUNTS and (counter := asked_counter(text)):
                return "number", "何" + counter
            if kind == "phone" and (counter := asked_counter(text)) and counter != "番":
                return "number", "何" + counter  # 「ダイヤルは何時まで」「FAXは何枚まで」: a count
            # (Of a cue that reads its clause, the cue proper: :func:`_drop_cue`.)
            return kind, m.group("how") if m.groupdict().get("how") is not None else m.group(0)
    counter = asked_counter(text)
    if counter:
        return "number", "何" + counter
    return _type_by_head(text)


def type_cue(question: str) -> str:
    """The words of the question that state its answer type (「割合は」「何パーセント」), or ''."""
    return _question_type(question)[1]


def in_type_cue(word: str, cue: str) -> bool:
    """Is ``word`` (a surface or the dictionary's normalised form: 締切 → 締め切り) part of the
    question's answer-type cue ``cue``?"""
    return bool(cue) and (word in cue or word in _cue_words(cue))


@lru_cache(maxsize=1024)
def _cue_words(cue: str) -> frozenset[str]:
    return frozenset(content_words(cue))


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of content the question asks for, or None for an open question."""
    return _question_type(question)[0]


_CLOCK_PARTICLES = ("から", "まで", "に", "頃", "ごろ", "で", "です", "でしょう")


@lru_cache(maxsize=1024)
def asked_counter(question: str) -> str | None:
    """The counter of a 「何＋助数詞」 question (「何人」→「人」, 「何センチ」→「センチ」), or None.

    Found by part of speech (SudachiPy, short units): 何 as a numeral followed by a noun or a
    nominal suffix (the counter), so any counter is recognised, not a list of them.
    """
    from sudachipy import SplitMode

    toks = list(thread_tokenizer().tokenize(nfkc(question)[:4000], SplitMode.A))
    for i, (m, nxt) in enumerate(zip(toks, toks[1:], strict=False)):
        # 「何時から」 is one word in the dictionary (a pronoun or a noun): a clock time, counted in 時.
        if m.surface() == "何時" and nxt.surface() in _CLOCK_PARTICLES:
            return "時"
        if m.surface() != "何":
            continue
        pos = nxt.part_of_speech()
        # 何 as a numeral before a counter (「何人」「何回」), or as a pronoun right before a common
        # noun that then counts (「何項目」「何種類」「何文字」: the dictionary has no counter reading).
        counts = m.part_of_speech()[1] == "数詞" and pos[0] in ("名詞", "接尾辞") and pos[1] != "数詞"
        counts = counts or (m.part_of_speech()[0] == "代名詞" and (pos[0], pos[1]) in (("名詞", "普通名詞"), ("接尾辞", "名詞的")))
        if counts and not _indefinite(toks[i + 2 : i + 4]):
            return nxt.surface()
    return None


def _indefinite(after: list) -> bool:  # type: ignore[type-arg]
    """「何人か」「何回も」「何年でも」: a count followed by the particle か or も (or で＋も) is an
    indefinite or universal quantity ("several", "many times", "any number"), not a question."""
    if not after or after[0].part_of_speech()[0] not in ("助詞", "助動詞"):
        return False
    first = after[0].surface()
    return first in ("か", "も") or (first == "で" and len(after) > 1 and after[1].surface() == "も")


@lru_cache(maxsize=1024)
def counted_noun(question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a 「何＋助数詞」 question counts, when it names it: the head of the noun run before the
    particle that precedes the count (「従業員が何人以上」→ 従業員, 「職員は最低何人」→ 職員) or
    right after it (「何人の職員」→ 職員). Same shape as :func:`asked_focus`; empty when unnamed."""
    from sudachipy import SplitMode

    toks = list(thread_tokenizer().tokenize(nfkc(question)[:4000]))
    for i, m in enumerate(toks):
        parts = list(m.split(SplitMode.A)) or [m]
        if parts[0].surface() != "何" or parts[0].part_of_speech()[1] != "数詞":
            continue
        end = i + 1 if len(parts) > 1 else i + 2  # 「何人」 is one long unit; 「何」「社」 two
        j = i - 1
        while j >= 0 and (toks[j].part_of_speech()[2] in ("副詞可能", "形状詞可能") or toks[j].surface() in ("、", ",")):  # 最低・およそ…
            j -= 1
        run: list = []  # type: ignore[type-arg]
        if j >= 0 and toks[j].part_of_speech()[0] == "助詞" and toks[j].surface() in ("が", "は", "って", "も", "の"):
            k = j
            while k > 0 and _is_noun(toks[k - 1]):
                k -= 1
            run = toks[k:j]
        elif end + 1 < len(toks) and toks[end].surface() == "の":  # 「何人の職員」
            k = end + 1
            while k < len(toks) and _is_noun(toks[k]):
                k += 1
            run = toks[end + 1 : k]
        # The head of a Japanese noun compound is its last noun (「AI倫理委員会」: 委員会); a head of one
        # character is a suffix, named with the noun it closes (「利用記録簿」: 記録簿, not 簿).
        formal = _formal_nouns()
        kept = [t for t in run if t.normalized_form() not in formal]
        if len(kept) >= 2 and len(kept[-1].surface()) == 1:
            pair = kept[-2:]
            return (("".join(t.normalized_form() for t in pair), tuple(t.normalized_form() for t in pair)),)
        return tuple((t.normalized_form(), tuple(p.normalized_form() for p in t.split(SplitMode.A))) for t in kept[-1:])
    return ()


# Counters written in more than one way (a general fact of Japanese notation).
_COUNTER_FORMS = {
    "パーセント": "%|％|パーセント",
    "人": "人|名",
    "名": "人|名",
    "か月": "か月|ヶ月|カ月|箇月",
    "ヶ月": "か月|ヶ月|カ月|箇月",
    "カ月": "か月|ヶ月|カ月|箇月",
    "日": "日|営業日|開庁日|稼働日",  # working days count as days (「10営業日以内」)
    # A score to pass is given in points, as a share or as a count of questions right
    # (「8割以上（10問中8問以上）の正答で合格」).
    "点": "点|割|%|％|パーセント|問",
    "センチ": "センチ|cm",
    "メートル": "メートル|m",
}


# A clock time in figures (「8:30」「17:15」), counted in 時.
_CLOCK = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-4])\s*:\s*[0-5]\d(?![\d:])")


def has_counter(text: str, counter: str) -> bool:
    """True when ``text`` holds a number with ``counter`` (a 4-digit year is not a count of 年)."""
    forms = _COUNTER_FORMS.get(counter, re.escape(counter))
    num = _NUM
    if counter == "年":  # 「2024年」 is a calendar year
        num = r"(?<!\d)\d{1,3}(?:[,.]\d+)?"
    elif counter == "日":  # 「4月1日」 is a calendar day
        num = r"(?<![月\d])\d{1,3}"
    if counter == "時" and _CLOCK.search(nfkc(text)):  # 「8:30〜17:15」: a clock time, counted in 時
        return True
    return bool(re.search(num + r"\s*(?:" + forms + ")", nfkc(text)))


# The means of reaching someone (電話・内線・メール…): in a question asking a contact
# (「内線何番にかければいい？」「電話で聞きたい」) they say how, not about what. One that is the
# subject of its clause (「怪しいメールが来た」「変な電話がかかってきた」) is what happened: the topic.
_CONTACT_MEANS = re.compile(
    r"(?:(?:電話|内線|ファックス|FAX|fax)(?:番号)?+|メール(?:アドレス)?+|アドレス)(?!が)|(?<![\u4e00-\u9fff])番号?|メアド|連絡先?|問い?合わ?せ先?"
)


def without_type_cue(question: str) -> str:
    """The question without its answer-type cue (「何円」「いつまで」「何人」…): what it is about.
    A contact question loses its words for the means of contact too, unless nothing else is
    left (「問い合わせ先を教えて」 asks for the document's own contact)."""
    text = _without_cue(nfkc(question))
    kind, cue = _question_type(question)
    # 「どこに電話すれば」「どこへ問い合わせたら」 ask whom to reach: a contact question too.
    if kind in ("phone", "contact") or cue in ("どこに", "どこへ"):
        rest = _without_cue(_CONTACT_MEANS.sub(" ", nfkc(question)))
        if content_words(rest):
            return rest
    return text


def _drop_cue(m: re.Match[str]) -> str:
    """A matched type cue dropped; of a cue that reads its clause (group ``how``), only the cue."""
    if m.groupdict().get("how") is None:
        return " "
    return m.group(0)[: m.start("how") - m.start()] + " "


def _without_cue(text: str) -> str:
    for _, pattern in _QUESTION_TYPES:
        text = pattern.sub(_drop_cue, text)
    while counter := asked_counter(text):
        text = text.replace("何" + counter, " ")
    return text


# --- answer type (text side) ---------------------------------------------------------------
_NUM = r"(?:\d[\d,.]*|[一二三四五六七八九十百千万億半数]+)"
# A telephone or fax number (「03-1234-5678」「(03)1234-5678」) or an extension (「内線2145」).
_PHONE = r"(?<!\d)(?:0\d{1,4}[-‐－−]\d{1,4}[-‐－−]\d{3,4}|\(0\d{1,4}\)\s*\d{1,4}[-‐－−]\d{3,4})(?!\d)|内線\s*[:：]?\s*\d{2,6}"
_CALENDAR_DEADLINE = (
    # (A weekday may follow the day: 「5月16日(金)まで」.)
    r"(?:\d+\s*|前|翌|当|毎|同)月\s*(?:\d+\s*日(?:\s*\([月火水木金土日](?:曜日?)?\))?|末日?|上旬|中旬|下旬)\s*まで|当日中|同日中|本日中|その日のうちに|即日"
    # A deadline relative to the day of the event: 「翌日の勤務終了までに」「翌営業日まで」.
    r"|(?:翌|当|同|前)(?:営業日|開庁日|日|週)[^。、]{0,10}?まで"
)
# A length of time in figures: any unit answers a question asked in another (「何日以内」 is
# answered by 「48時間以内」); 「速やかに」 is not a figure, nor 「4月1日」 (a calendar day), nor
# 「十分」「半分」 (minutes only in digits).
_TIME_SPAN = re.compile(
    r"(?<![月\d.,])(?:" + _NUM + r"\s*(?:営業日|開庁日|日|週間|か月|ヶ月|カ月|箇月|時間|年間|年以内)|\d+\s*分)"
)
_CALENDAR_DEADLINE_RE = re.compile(_CALENDAR_DEADLINE)
_TIME_COUNTERS = {"日", "週間", "週", "か月", "ヶ月", "カ月", "箇月", "時間", "分", "年", "年間", "営業日", "日間", "分間"}
_TEXT_TYPES: dict[str, re.Pattern[str]] = {  # "product": names_a_product
    # Currency units after a number.
    "money": re.compile(_NUM + r"\s*(?:円|ドル|ユーロ|万円|億円|兆円)|[$¥€]\s*\d"),
    # A number with a unit of time (counters of days, weeks, months, years, hours).
    # (A year count needs 間/以内/…: 「2024年」 is a date, not a duration.)
    "duration": re.compile(
        # (Minutes only in digits: 「十分に」「半分」 are no length of time.)
        r"(?:" + _NUM + r"\s*(?:営業日|開庁日|日|週間|か月|ヶ月|カ月|箇月|時間)|\d+\s*分)(?:以内|間|まで|以上|後|前|ごと)?|"
        r"[一二三四五六七八九十]+分(?:以内|間|後|ごと|おき)|"
        + _NUM
        + r"\s*年(?:間|以内|以上|ごと|後)|期限|期日|速やかに|遅滞なく|"
        # A calendar deadline: 「4月末日までに」「3月31日まで」「前月25日までに」「当日中」.
        + _CALENDAR_DEADLINE
    ),
    # Calendar dates: western or era years, months, days.
    "date": re.compile(r"\d{4}\s*年|(?:令和|平成|昭和|大正|明治)\s*(?:\d+|元)\s*年|\d+\s*月\s*\d*\s*日?|\d{4}[/-]\d{1,2}"),
    # Any number with a counter or percentage (a question naming its counter needs that
    # counter: :func:`has_counter`).
    "number": re.compile(_NUM + r"\s*(?:%|％|パーセント|割|倍|人|名|件|社|個|回|つ|項目|か国|カ国)"),
    # A share: percent, 割 (tenths), …分の….
    "rate": re.compile(_NUM + r"\s*(?:%|％|パーセント|割)|[一二三四五六七八九十\d]+分の[一二三四五六七八九十\d]+"),
    # A breach and what follows it: discipline, sanctions, measures taken, use stopped or withdrawn.
    "consequence": re.compile(
        r"違反|懲戒|処分|罰|制裁|責任を問|解雇|減給|停職|出勤停止|けん責|譴責|戒告|訓告|注意指導"
        r"|(?:利用|使用|権限|アカウント)(?:を|の)?(?:停止|禁止|制限|取り消|取消|剥奪|はく奪)"
    ),
    # Sequences and steps.
    "procedure": re.compile(
        r"手順|手続|ステップ|段階|プロセス|フロー|流れ|まず|次に|最後に|[①②③④⑤]|\(\d\)|（\d）|第[一二三1-3]に"
    ),
    # Names: bodies (省・庁・委員会…), laws (…法・法律・条約・規則), quoted titles, Latin names.
    # (A quoted numbered heading, 「2）安全性」, is a cross-reference to a section, not a name.)
    # An organisation's own units count as names too (「総務部に提出」「情報政策課」「事務局」「ヘルプデスク」):
    # the 部・課・係 of a company or a local government, after a word (「一部」「外部」「各部門」「学部」
    # 「関係」「課題」「日課」 are not units; 室 and 局 are left out: 会議室, 教室, 薬局, 当局).
    "named": re.compile(
        r"[\u4e00-\u9fff\u30a1-\u30fa\u30fc]{1,15}(?:(?<![一全内外細上下頭幹各他自同該間前後学])部(?![分品位材屋門署])"
        r"|(?<![日放賦])課(?![題税金程後])|(?<![関連])係(?![るりらわれっ])|事務局|窓口|デスク)|"
        r"[^\s、。]{1,20}(?:省|庁|委員会|機構|本部|会議|協会|法人|研究所|センター|大学|株式会社|法律|条約|規則|指令|条例)|"
        # A company named with its kind first (「株式会社ほしぞらシステム」).
        r"(?:株式会社|有限会社|合同会社)[^\s、。]{1,20}|"
        # A post (「情報政策課長」「副市長」「座長」「利用責任者」): who someone is, by office.
        r"[\u4e00-\u9fff]{0,12}(?:(?:部|課|局|室|所|校|院|市|町|村|区|県|社|会|班|係|座|署|理事|議)長|責任者|担当者|管理者|統括者)|[^\s、。]{1,19}(?<![方手用文作技論寸製説話療違適不合脱算解])法(?![人的])|「(?![\d０-９]+[)）.])[^」]{2,40}」|[A-Za-z][A-Za-z0-9.\-]{2,}"
    ),
    # A form named or shown (「様式第4号」「別記様式」「記入例」).
    "form": re.compile(r"様式|書式|ひな形|雛形|テンプレート|記入例"),
    "phone": re.compile(_PHONE),
    # Cost spoken of: a charge, a budget or an expense, a burden, paying, an amount, or a thing said to
    # be free or paid (「無料です」; not 「無料で公開されているサービス」, which names a kind of tool, nor a
    # utility's 「料金徴収業務」, a line of business).
    "payment": re.compile(
        r"費用|料金(?!徴収|収納)|利用料|使用料|手数料|経費|予算|支払|払[うわいえっ]|負担|\d\s*円|コスト|公費|契約料|ライセンス料"
        r"|[無有]料(?:です|でした|となり|とな[るっ]|で(?:ご)?(?:利用|使え|使用|受講))"
    ),
    # A way of reaching someone: a telephone number, an e-mail address or a web address.
    "contact": re.compile(_PHONE + r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://"),
}


# A date asked of the future (「次の会合はいつ」「改訂の予定はいつ頃」) and the sentences that state
# a plan or an expectation rather than what happened (「…を開催した」 answers when it was held).
_ASKS_FUTURE = re.compile(r"次の|次回|今後の|予定|見込み|見通し")
_STATES_FUTURE = re.compile(r"予定|見込|目途|めど|目処|今後|以降|年度中|までに|を目指|方針")


def asks_future(question: str) -> bool:
    """Does the question ask when something will happen?"""
    return bool(_ASKS_FUTURE.search(nfkc(question)))


def states_future(sentence: str) -> bool:
    """Does the sentence state a plan, an expectation or a time to come?"""
    return bool(_STATES_FUTURE.search(nfkc(sentence)))


# A time limit asked (「何日前までに」「何日以内に」「期限は何日」), not a length.
# (「…使えるようになるまで何日かかる？」 asks a length: まで there ends the span, not a limit.)
_ASKS_BY_WHEN = re.compile(r"までに|以内|期限|締め?切|猶予|いつまで|前まで")
# How often a recurring act is done (「年1回」「毎年4月」「四半期ごと」「月に2回」): when it is done.
_FREQUENCY = re.compile(
    r"毎(?:年度?|月|週|日|四半期|学期)|(?:年度?|月|週|日)(?:に)?\s*(?:\d+|[一二三四五六七八九十]+)\s*回|(?:四半期|半期|年度|学期)(?:ごと|毎)"
)
# 「いつ見直されるの？」 asks when, not from or until when (「いつから」「いつまでに」 want a day).
_ASKS_WHEN = re.compile(r"いつ(?!から|まで|頃から|ごろから|頃まで|ごろまで|も|でも|か|以降|以来|の間)")


def has_answer_type(text: str, kind: AnswerType, counter: str | None = None, asked: str = "") -> bool:
    """True when ``text`` holds content of the expected kind; a count asked with a counter
    (「何人」) needs a number with that counter, a duration asked with one (「何日以内」) a length
    of time in figures or a calendar deadline (「速やかに」 is not 「何日」); a product or a maker
    one that the question ``asked`` does not name itself. 「いつ」 of an act that recurs is
    answered by how often it is done (「年1回見直しを行う」)."""
    if kind == "date" and _ASKS_WHEN.search(nfkc(asked)) and _FREQUENCY.search(nfkc(text)):
        return True
    if kind == "duration" and counter in _TIME_COUNTERS:
        # 「何日以内」 is answered by 「48時間以内」; 「何日までに」 by a calendar deadline, which does not
        # say how long something lasts or takes (「研修って何時間くらい？」「何日かかる？」).
        norm = nfkc(text)
        if _TIME_SPAN.search(norm):
            return True
        return bool(_CALENDAR_DEADLINE_RE.search(norm)) and (not asked or bool(_ASKS_BY_WHEN.search(nfkc(asked))))
    if kind in ("number", "duration") and counter:
        return has_counter(text, counter)
    if kind == "product":
        return names_a_product(text, besides=asked)
    if kind == "named" and _ASKS_COMPANY.search(nfkc(asked)):
        return names_a_product(text, besides=asked)
    if kind == "named" and asked:
        # A name the question itself gives (「ほしぞらAI案内って、どこの会社が作ってる？」 against
        # 「チャットボット「ほしぞらAI案内」を公開」) is what it asks about, not an answer.
        own = match_key(asked)
        return any(match_key(m.group(0)).strip("「」") not in own for m in _TEXT_TYPES[kind].finditer(nfkc(text)))
    return bool(_TEXT_TYPES[kind].search(nfkc(text)))


_ACRONYM = re.compile(r"[A-Z0-9&.\-]+")
# The names of the Japanese calendar's eras, which the dictionary tags as proper nouns (「令和7年」).
_ERA_NAMES = frozenset({"明治", "大正", "昭和", "平成", "令和"})


def names_a_product(text: str, besides: str = "") -> bool:
    """Could the text name a product, a service or a company? SudachiPy tags brand and company
    names as general proper nouns (「ChatGPT」「kintone」「パナソニック」); places and people are
    not products, and all-capital acronyms name bodies and standards (OECD, NIST, ISO). Other
    bodies (「国連」) are general proper nouns too: the check is that some name is quoted at all,
    which the guideline's generic sentences (「…を適切に選択する」) never do. A name in
    ``besides`` (the question's own: 「Minato-GPTの中身はどのモデル？」) is not an answer."""
    asked = nfkc(besides)
    if "株式会社" in text and "株式会社" not in asked:
        return True
    for m in thread_tokenizer().tokenize(nfkc(text)[:4000]):
        pos = m.part_of_speech()
        if (
            pos[0] == "名詞"
            and pos[1] == "固有名詞"
            and pos[2] == "一般"
            and not _ACRONYM.fullmatch(m.surface())
            and m.surface() not in _ERA_NAMES
            and m.surface() not in asked
        ):
            return True
    return False


# --- content words ----------------------------------------------------------------------------
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
_SKIP_SUBPOS = {"数詞", "非自立可能", "助動詞語幹"}  # 助動詞語幹: みたい・よう・そう (「…みたいなもの」)
# Words of asking and knowing (how a question is phrased, not what it is about; 「…って本当？」
# asks whether a claim is true).
FRAMING = {"教える", "知る", "分かる", "思う", "言う", "聞く", "伺う", "尋ねる", "幾ら", "何", "質問", "場合", "本当"}


def content_words(text: str) -> list[str]:
    """Normalised forms of the content words (and of the parts of compounds), deduplicated.

    The forms are those of :class:`ingest.tokenizer.SudachiTokenizer`, so they can be looked
    up in the BM25 vocabulary (idf).
    """
    tok = thread_tokenizer()
    out: dict[str, None] = {}
    # Formal nouns and light verbs (こと・もの・為る…) are never indexed: not words of the topic.
    formal = _formal_nouns()
    for m in tok.tokenize(nfkc(text).lower()[:4000]):
        pos = m.part_of_speech()
        if pos[0] not in _CONTENT_POS or pos[1] in _SKIP_SUBPOS:
            continue
        form = m.normalized_form()
        if form in FRAMING or form in formal or len(form.strip()) == 0:
            continue
        out[form] = None
        parts = m.split(split_mode_a())
        if len(parts) > 1:
            for p in parts:
                if p.part_of_speech()[0] in _CONTENT_POS and p.part_of_speech()[1] not in _SKIP_SUBPOS and p.normalized_form() not in formal:
                    out.setdefault(p.normalized_form(), None)
    return list(out)


def coverage(
    question_words: Iterable[str],
    sentence_words: set[str],
    idf: Mapping[str, float],
    bridges: Mapping[str, set[str]] | None = None,
) -> float:
    """idf-weighted share of question words present in the sentences (directly or bridged).

    ``bridges`` maps a question word to the words that stand for it (Sudachi's synonyms, the
    nouns of an everyday verb's act); the word is covered when any of them is in
    ``sentence_words``. Words unknown to the corpus weigh as the rarest corpus word.
    """
    words = list(dict.fromkeys(question_words))
    if not words:
        return 0.0
    default = max(idf.values(), default=1.0)
    bridges = bridges or {}
    total = covered = 0.0
    for w in words:
        weight = idf.get(w, default)
        total += weight
        if w in sentence_words or bridges.get(w, set()) & sentence_words:
            covered += weight
    return covered / total if total else 0.0


_KANGO = re.compile(r"[\u4e00-\u9fff]{2,}")
_VERB_END = re.compile(r"^[\u4e00-\u9fff][\u3041-\u3093]*[うくぐすつぬぶむる]$")


def last_verb(question: str) -> str | None:
    """The normalised form of the question's last verb of content (not a light or auxiliary one:
    ある・いる・する・なる): in 「打ち込んだ内容って、どれくらいの期間残るの？」 the event whose length is
    asked (残る), which a sentence stating the term says in its own words (「１年間保存する」). A verbal
    noun with する is that act (「何時間以内に報告しなきゃ」: 報告)."""
    last = None
    toks = list(thread_tokenizer().tokenize(nfkc(question)[:4000]))
    for i, m in enumerate(toks):
        pos = m.part_of_speech()
        verb = pos[0] == "動詞" and pos[1] != "非自立可能"
        if verb or (pos[2] == "サ変可能" and i + 1 < len(toks) and toks[i + 1].normalized_form() == "為る"):
            last = m.normalized_form()
    return last


def verb_stem_bridges(question_words: Iterable[str], passage_words: Iterable[str]) -> dict[str, set[str]]:
    """Each question verb of one kanji stem (入れる, 申し込む, 出す, 使う, 動く) bridged to the
    Sino-Japanese nouns of the passage written with that kanji (入力, 申請, 提出, 使用, 動作): an
    everyday question asks with the verb what a rule states with the noun of the same act. Only a
    noun of an act (:func:`ingest.tokenizer.is_verbal_noun`) is one: 使う is not bridged to 大使館."""
    kango = [w for w in passage_words if _KANGO.fullmatch(w) and is_verbal_noun(w)]
    out: dict[str, set[str]] = {}
    for w in question_words:
        if _VERB_END.match(w):
            stem = w[0]
            held = {k for k in kango if stem in k}
            if held:
                out[w] = held
    return out


# --- the focus of the question ------------------------------------------------------------------
# Particles that mark what a question asks about (「XXは？」「XXって何」「XXとは」「XXを教えて」).
_ASK_PARTICLES = ("は", "って", "とは", "を")
# Verbs that ask whether the text holds a thing (「Xは載っていますか」「Xも書いてありますか」「Xには
# 触れていますか」): like 「Xはありますか」, the noun is what is asked about; the place may be named
# (「ガイドラインに」). 「Xも」 asks so only with these verbs.
_IN_TEXT_VERBS = ("載る", "乗る", "書く", "記載", "触れる", "有る", "居る")  # 乗る: Sudachi's form of 載る; 居る: 〜ている
_IN_TEXT_PARTICLES = ("も",)
# Determiners asking for one instance of a kind (「どの様式」「何という制度」).
_WH_DETERMINERS = ("どの", "何という", "いかなる")
_WH = ("何", "どこ", "いつ", "いくら", "幾ら", "いくつ", "幾つ", "どれ", "どう", "誰", "どちら", "どんな", "どの")
# Coordination before a focus (「AやBは」「A・Bは」).
_COORDINATORS = ("や", "と", "か", "・", "、", "及び", "および", "又は", "または")
# A word the corpus uses in at most this many passages is "rare": if the question asks about
# it and none of the retrieved passages holds it, the corpus has nothing on it.
RARE_DF = 1


def _is_noun(m) -> bool:  # type: ignore[no-untyped-def]
    p = m.part_of_speech()
    return (p[0] == "名詞" and p[1] != "数詞") or p[0] == "接頭辞" or (p[0] == "接尾辞" and p[1] == "名詞的")


def _frame_only(m) -> bool:  # type: ignore[no-untyped-def]
    """A token of the question's frame after its focus (verbs, particles, interrogatives…)."""
    p = m.part_of_speech()
    if p[0] != "名詞" or p[1] == "数詞" or p[2] in ("形状詞可能", "副詞可能", "サ変可能", "助数詞可能"):
        return True
    return m.surface().startswith(_WH) or m.normalized_form() in _formal_nouns()


# Nouns standing for the matter under discussion (「話は別ですか」「その件は」): they name no subject.
_MATTER_NOUNS = ("話", "件")


@lru_cache(maxsize=1)
def _formal_nouns() -> frozenset[str]:
    from ingest.tokenizer import _STOP

    return frozenset(_STOP) | frozenset(_MATTER_NOUNS)


@lru_cache(maxsize=1024)
def asked_focus(question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The noun phrase the question asks about, as (normalised form, its short-unit parts).

    Japanese marks it syntactically: the noun run before the last は/って/とは that only an
    interrogative frame follows (「費用の相場は？」「職員は何人いますか」), before を教えて
    (「窓口の電話番号を教えてください」), or after どの/何という (「どの様式を使えば」). A
    question without such a frame has no focus (empty list). Formal nouns (こと・もの…) and
    interrogatives are not a focus.
    """
    from sudachipy import SplitMode

    toks = list(thread_tokenizer().tokenize(nfkc(question)[:4000]))
    found: list = []  # type: ignore[type-arg]
    for i, m in enumerate(toks):
        surface = m.surface()
        if surface in _WH_DETERMINERS:
            j = i + 1
            while j < len(toks) and _is_noun(toks[j]):
                j += 1
            # 「どのSlackチャンネル？」: the last noun names the kind of thing the answer is (a
            # channel: 「#ai-help」 need not say チャンネル); the nouns before it, what it is of.
            run = toks[i + 1 : j]
            found = (run[:-1] if len(run) > 1 else run) or found
            continue
        if m.part_of_speech()[0] != "助詞" or surface not in (*_ASK_PARTICLES, *_IN_TEXT_PARTICLES):
            continue
        rest = toks[i + 1 :]
        if surface == "って" and rest and rest[0].normalized_form() in ("事", "こと", "意味"):
            # 「…もダメってこと？」「…って意味？」: って quotes a proposition to be confirmed; what
            # precedes it is a clause's predicate, not a thing asked about.
            continue
        in_text = _asks_in_text(rest)
        if not in_text and (surface in _IN_TEXT_PARTICLES or not all(_frame_only(t) or _asked_quantity(rest, k) for k, t in enumerate(rest))):
            continue
        asks = any(t.surface().startswith(_WH) for t in rest)
        if surface == "を" and not any(t.normalized_form() in ("教える", "知る") for t in rest):
            continue
        # 「…は受けるべきですか」 asks yes/no about the clause, not the noun; 「…はありますか」
        # 「…は(ガイドラインに)書いてありますか」 ask whether the noun exists (in the text): the noun
        # is what is asked about (after a clause, 「…べきとは書いてありますか」, there is no noun).
        verbs = [t for t in rest if t.part_of_speech()[0] == "動詞"]
        exists = bool(verbs) and (in_text or all(t.normalized_form() == "有る" for t in verbs))
        if surface != "を" and not asks and verbs and not exists:
            continue
        j = i
        while j > 0 and _is_noun(toks[j - 1]):
            j -= 1
        if j > 0 and toks[j - 1].surface() in _COORDINATORS and (
            toks[j - 1].surface() not in ("、", ",") or (j > 1 and _is_noun(toks[j - 2]))
        ):
            # 「進め方やスケジュールは」: one of several things asked about; no single focus. (A comma
            # after a clause, 「…取りたいんですが、書類は」, ends the clause: it coordinates nothing.)
            found = []
            continue
        found = toks[j:i] or found
    formal = _formal_nouns()
    out: list[tuple[str, tuple[str, ...]]] = []
    for m in found:
        form = m.normalized_form()
        # 「全部は無理」「今は」: a noun used as an adverb (副詞可能) quantifies or dates the clause;
        # it is not a thing asked about.
        if form in formal or form.startswith(_WH) or m.part_of_speech()[2] == "副詞可能":
            continue
        out.append((form, tuple(p.normalized_form() for p in m.split(SplitMode.A))))
    return tuple(out)


def _asked_quantity(rest: list, k: int) -> bool:  # type: ignore[type-arg]
    """``rest[k]`` is the noun of an interrogative predicate 「どのくらいの割合（ですか）」「何の会議
    （ですか）」: the kind of quantity or thing asked, part of the question's frame (the focus is
    what it is asked of: 「中小企業って、今どのくらいの割合？」 asks a share of 中小企業). Before a
    verb the phrase is an adverbial of the act (「内容って、どれくらいの期間残るの？」 asks how long
    the act lasts, which :func:`asked_focus` leaves without a focus)."""
    if k < 2 or rest[k - 1].surface() != "の" or rest[k].part_of_speech()[0] != "名詞":
        return False
    if any(t.part_of_speech()[0] == "動詞" for t in rest[k + 1 :]):
        return False
    before = rest[k - 2].surface()
    if before.startswith(_WH):
        return True
    return before in ("くらい", "ぐらい", "位", "程度") and k >= 3 and rest[k - 3].surface().startswith(_WH)


def _asks_in_text(rest: list) -> bool:  # type: ignore[type-arg]
    """The frame asks whether the text holds the noun before it: an in-text verb (載る・書く・
    記載…) is its only verb, and its only nouns name the place, before に／には／で."""
    verbs = [t for t in rest if t.part_of_speech()[0] == "動詞" or t.normalized_form() == "記載"]
    if not verbs or not all(t.normalized_form() in _IN_TEXT_VERBS for t in verbs):
        return False
    for k, t in enumerate(rest):
        if _frame_only(t):  # 記載 (サ変可能) is frame too
            continue
        after = rest[k + 1] if k + 1 < len(rest) else None
        if not (_is_noun(t) and after is not None and (_is_noun(after) or after.surface() in ("に", "で"))):
            return False
    return True


_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.+\-]*")


def _names_with_particle(text: str) -> list[tuple[str, str, str]]:
    """(surface, normalised form, the particle after it) of each name in ``text`` (no particle:
    the name is the predicate)."""
    norm = nfkc(text)[:4000]
    toks = list(thread_tokenizer().tokenize(norm))
    intro = _asker_introduction(norm)
    out: list[tuple[str, str, str]] = []
    for i, m in enumerate(toks):
        p = m.part_of_speech()
        if p[0] != "名詞" or not (p[1] == "固有名詞" or _LATIN_NAME.fullmatch(m.surface())):
            continue
        if m.begin() < intro:  # the asker's own setting (「SaaSのスタートアップでPMをしてます。」)
            continue
        if i + 1 < len(toks) and toks[i + 1].part_of_speech()[0] == "助詞":
            out.append((m.surface(), m.normalized_form(), _phrase_particle(toks, i + 1)))
        elif (
            _ends_clause(toks, i + 1)
            and (p[1] == "固有名詞" or m.is_oov())
            and len(m.surface()) >= 2
            and not _introduces_asker(toks, i)
        ):
            # A nominal predicate (「中身はClaude？」「担当はGeminiです。」「ChatGPT？」): a proper noun
            # or a name the dictionary does not know (not 「OK？」「NGです」).
            out.append((m.surface(), m.normalized_form(), ""))
    return out


# A sentence stating what the asker does for a living (「…でPMをしてます。」「…を経営しています。」
# 「…に勤めています。」「…で働いてます。」「農機具を売ってます。」), which more text follows: it sets the
# scene of the question. (A job done somewhere, 「…で事務をしています」, a place worked at or run, or
# the goods of a trade; not 「…を導入しています」, what the organisation does with AI, which the
# question may be about, nor 「ChatGPTで議事録を作ってます。」, a means of the work.)
_OCCUPATION = re.compile(
    r"(?:で[^。.、,]{1,20}?を(?:して|やって)|で(?:働いて|勤めて)|に勤めて|を(?:経営して|営んで|運営して)"
    r"|^[^。.、,で]{1,12}を(?:売って|販売して|扱って|作って|製造して|育てて|栽培して))"
    r"(?:い|お)?(?:ます|る)[。.!！]$"
)
_GREETING = re.compile(r"^(?:はじめまして|初めまして|こんにちは|こんばんは|お世話になって(?:おり|い)ます|お疲れ様です)[。.!！]$")


def _asker_introduction(text: str) -> int:
    """The end of the opening sentences that introduce the asker by their work (0 when none; a
    greeting before them is passed over): a name in them is where the asker works, not what the
    question asks about."""
    end = 0
    for m in re.finditer(r"[^。.!?！？]*[。.!?！？]", text):
        sentence = m.group(0).strip()
        if not text[m.end() :].strip() or not (_OCCUPATION.search(sentence) or (_GREETING.match(sentence) and end == m.start())):
            break
        end = m.end()
    return end if end and not _GREETING.match(text[:end].strip()) else 0


def without_introduction(text: str) -> str:
    """The question without the opening sentences that introduce the asker by their work
    (「動物病院で受付をしています。」): they say who asks, not what is asked."""
    norm = nfkc(text)
    return norm[_asker_introduction(norm) :]


def _introduces_asker(toks: list, i: int) -> bool:  # type: ignore[type-arg]
    """「観光DMOです。…」「弊社は株式会社ABCです。…」: the name ``toks[i]`` is stated (です/だ and a
    full stop, more text after it) of no topic or of the asker's own organisation: the sentence
    introduces the asker, it asks nothing about the name."""
    if not (i + 2 < len(toks) and toks[i + 1].normalized_form() in ("です", "だ")):
        return False
    stop = toks[i + 2].part_of_speech()
    if not (stop[0] == "補助記号" and stop[1] == "句点" and toks[i + 2].surface() in ("。", ".")) or i + 3 >= len(toks):
        return False
    for j in range(i - 1, -1, -1):
        t = toks[j]
        pos = t.part_of_speech()
        if pos[0] == "補助記号" and pos[1] == "句点":
            return True
        if pos[0] == "助詞" and t.surface() in ("は", "って", "が", "も"):
            return j > 0 and is_own(toks[j - 1].surface())
    return True


def _ends_clause(toks: list, i: int) -> bool:  # type: ignore[type-arg]
    """The sentence ends at ``toks[i]``: the end of the text, a sentence-final mark (？。！), or a
    copula (です・だ, not a condition: 「Copilotだと」「…なら」) that the end, a final mark or a
    sentence-final particle follows."""
    if i >= len(toks):
        return True
    p = toks[i].part_of_speech()
    if p[0] == "補助記号" and p[1] == "句点":
        return True
    if toks[i].normalized_form() in ("です", "だ") and not p[5].startswith("仮定形"):
        after = toks[i + 1].part_of_speech() if i + 1 < len(toks) else None
        return after is None or (after[0] == "補助記号" and after[1] == "句点") or after[1] == "終助詞"
    return False


def _phrase_particle(toks: list, i: int) -> str:  # type: ignore[type-arg]
    """The particle ``toks[i]`` after a name, read with a following は, も or の: a case particle
    so followed makes the phrase the topic (「横浜市では」 is a は phrase) or a modifier of what
    follows (「ChatGPTでの設定」 is an の phrase). An の phrase is read with the particle of the noun
    phrase it makes the name modify: 「ChatGPTのアカウントで」 is written 「ので」 (:func:`_modified_end`)."""
    if i + 1 < len(toks) and toks[i + 1].surface() in ("は", "も", "の") and toks[i + 1].part_of_speech()[0] == "助詞":
        return str(toks[i + 1].surface())
    if toks[i].surface() == "の":
        j = _modified_end(toks, i)
        if j is not None:
            return "の" + str(toks[j].surface())
    return str(toks[i].surface())


def _modified_end(toks: list, i: int) -> int | None:  # type: ignore[type-arg]
    """After the の at ``toks[i]``: the index of the case particle (of :data:`_CASE_OF_ACT`) that
    ends the noun phrase it makes the name modify (「ChatGPTの無料版に」), or None."""
    j = i + 1
    while j < len(toks) and j <= i + 4 and toks[j].part_of_speech()[0] in ("名詞", "接尾辞", "接頭辞"):
        j += 1
    if not (i + 1 < j < len(toks)) or toks[j].part_of_speech()[1] != "格助詞" or toks[j].surface() not in _CASE_OF_ACT:
        return None
    following = toks[j + 1].surface() if j + 1 < len(toks) else ""
    return None if following in ("は", "も", "の") else j


def _modified_noun(text: str, surface: str) -> tuple[str, tuple[str, ...]]:
    """The noun phrase the name ``surface`` modifies with の in ``text`` (「ChatGPTのアカウントで」 →
    アカウント), in normalised form, with its parts when it is a compound."""
    toks = list(thread_tokenizer().tokenize(nfkc(text)[:4000]))
    for i, m in enumerate(toks[:-1]):
        if m.surface() == surface and toks[i + 1].surface() == "の":
            j = _modified_end(toks, i + 1)
            if j is not None:
                parts = tuple(str(t.normalized_form()) for t in toks[i + 2 : j])
                return "".join(parts), parts if len(parts) > 1 else ()
    return "", ()


def name_phrases(text: str) -> list[tuple[str, str]]:
    """(surface, normalised form) of the names in ``text``: proper nouns (SudachiPy 固有名詞) and
    Latin-script names (products, services: 「ChatGPTで」「Copilotの」) used as a phrase of the
    sentence, i.e. followed by a particle, or ending it as its predicate (「中身はClaude？」); code or
    markup around a word is not a phrase (「DROP TABLE」)."""
    return [(surface, form) for surface, form, _ in _names_with_particle(text)]


# Case particles that make a name the instrument, place or partner of the act asked about
# (「ChatGPTに入れて大丈夫？」「Copilotで作った文書」「ChatGPTを使うだけ」), not its subject, as they
# do a noun the name modifies (「ChatGPTのアカウントで作っても大丈夫？」). Otherwise の makes
# what follows a part or attribute of the name (「Copilotの管理画面」「ChatGPTのAPI」), and は, って and
# も make it the topic (「Claudeって…」「横浜市では」): the question is then about the name.
_CASE_OF_ACT = frozenset({"に", "で", "を", "が", "と", "から", "へ", "より"})


# Nouns that ask what to mind or do (「注意点を教えて」「責任は？」): the nominal form of 「何に気を
# つければいい？」「何をすべき？」, which asks about the act, not a thing of a name it mentions.
# (The guideline labels its own advice so: [ポイント], 留意点, 留意事項.)
ADVICE_NOUNS = frozenset({"注意点", "留意点", "注意事項", "留意事項", "ポイント", "心構え", "心得", "コツ", "責任", "義務", "役割"})


# 「AとBのどちらが…」: the answer is one of the names, so the names are what is asked about.
_CHOICE = re.compile(r"(?:どちら|どっち|いずれ)(?:が|の方|のほう|を)")


def asks_a_choice(question: str) -> bool:
    return bool(_CHOICE.search(nfkc(question)))


def asks_advice(focus: Iterable[tuple[str, tuple[str, ...]]]) -> bool:
    """The asked focus only names advice (:data:`ADVICE_NOUNS`)."""
    forms = [form for form, _ in focus]
    return bool(forms) and all(form in ADVICE_NOUNS for form in forms)


def named_things(
    question: str, asks_a_thing: bool = True, rare: Callable[[str], bool] | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """Names the question is about (:func:`name_phrases`), in normalised form. When the question
    asks for no particular thing (``asks_a_thing`` False: no asked focus, as in 「…に入れても
    大丈夫？」「…何に気をつければいい？」), a name in a case phrase of the act is only where the act
    happens: the question is about the act, which the guideline treats whatever the product. A
    question asking for a thing (「ChatGPTで…の設定はどこから」) asks it of the name."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for surface, form, particle in _names_with_particle(question):
        if asks_a_thing or particle not in _CASE_OF_ACT:
            if (
                not particle.startswith("の")
                or asks_a_thing
                or rare is None
                or not _LATIN_NAME.fullmatch(surface)  # a product's name, not a place's or a firm's (佐川急便の社員)
                or not rare(form)
            ):
                out.append((form, ()))
                continue
            # A thing of a rare name that is where the act happens (「ChatGPTのアカウントで作っても
            # 大丈夫？」, an の phrase read with its noun's particle: 「ので」): the question is about that
            # thing (アカウント), which the documents may treat whatever the product; a thing they never
            # speak of (「JAの出荷規格に合格した…」) is still not in them.
            noun = _modified_noun(question, surface)
            # (A grammatical noun — 中, 時, ため, せい — is no thing: the name stays.)
            thing = len(noun[0]) >= 2 and not re.fullmatch(r"[ぁ-ゖ]+", noun[0]) and noun[0] not in _formal_nouns()
            out.append(noun if thing else (form, ()))
    return out


def is_rare(form: str, idf: Mapping[str, float], n_docs: int) -> bool:
    """Is ``form`` used in at most :data:`RARE_DF` passages of the corpus (or never)?"""
    return idf.get(form, float("inf")) >= math.log(1 + (n_docs - RARE_DF + 0.5) / (RARE_DF + 0.5)) - 1e-6


def missing_focus(
    focus: Iterable[tuple[str, tuple[str, ...]]],
    passage_words: set[str],
    idf: Mapping[str, float],
    n_docs: int,
) -> list[str]:
    """The rare focus words (used in at most :data:`RARE_DF` passages of the corpus) that none
    of the retrieved passages holds. A compound counts as held when all its parts are."""
    out = []
    for form, parts in focus:
        if not is_rare(form, idf, n_docs):
            continue
        if form in passage_words or (len(parts) > 1 and all(p in passage_words for p in parts)):
            continue
        out.append(form)
    return out


# --- decision ----------------------------------------------------------------------------------
# A question most of whose words the corpus never uses (「今週の社員食堂、カレーの日って何曜日？」:
# 今週・食堂・カレー・曜日) and whose quoted sentences hold little of it is about something else,
# however similar the passages look to the embedder. Shares of words (the tokenizer's, not an
# embedder's scale); set on the dev splits, where they refuse no answerable question.
OFFTOPIC_VOCAB = 0.4
OFFTOPIC_COVERAGE = 0.3


def off_vocabulary(vocab: float, coverage: float) -> bool:
    """Most of the question's words are not the corpus's and the quoted sentences cover little."""
    return vocab < OFFTOPIC_VOCAB and coverage < OFFTOPIC_COVERAGE


# Coverage of every content word of the question (idf-weighted share, rounding aside).
FULL_COVERAGE = 0.999


@dataclass(frozen=True)
class Features:
    dense: float  # best cosine of the top passages
    coverage: float  # question words found in the selected sentences
    expected: AnswerType | None  # what the question asks for
    type_found: bool  # the selected sentences hold that kind of content (True if expected is None)
    vocab: float = 1.0  # share of the question's words the corpus uses at all
    focus_missing: bool = False  # the question asks about a rare word no retrieved passage holds
    rules_missing: bool = False  # asks what a law or another body's rules say; the corpus never names them


@dataclass(frozen=True)
class Thresholds:
    """Fitted per embedder by ``guideqa calibrate``; see :mod:`retriever.calibration`.

    ``min_dense``/``strong_dense`` are None when no calibration exists for the embedder:
    cosine scales differ between models, so similarity is then not used at all.
    """

    min_coverage: float
    min_dense: float | None = None
    strong_dense: float | None = None
    strong_coverage: float | None = None  # coverage enough with a strong similarity
    # Share of a premise question's other words that the corpus uses at all (on-topic check).
    min_vocab: float = 0.5


@dataclass(frozen=True)
class Verdict:
    answered: bool
    reason: str  # "ok", "type", "focus", "rules", "similarity", "vocabulary", "coverage"
    near_domain: bool  # close enough to the corpus to show related passages


def decide(f: Features, t: Thresholds) -> Verdict:
    """Answer only when the text holds the asked kind of content and is near and covering."""
    # Near the corpus (worth showing the closest passages): the question is in the corpus's
    # vocabulary (「明日の天気」 is not) and, with a calibration, similar enough.
    near = on_topic(f.dense, f.vocab, t)
    if not f.type_found:
        return Verdict(False, "type", near)
    if f.focus_missing:
        return Verdict(False, "focus", near)
    # 「…は金融商品取引法上問題ないですか」「メルカリの規約違反になりますか」: what another law or
    # body's rules require is theirs to say.
    if f.rules_missing:
        return Verdict(False, "rules", near)
    # A short question (「申請書ってどこから出すんですか？」) is far from any passage by cosine; one
    # whose every content word the quoted sentences hold is on topic however short.
    if t.min_dense is not None and f.dense < t.min_dense and f.coverage < FULL_COVERAGE:
        return Verdict(False, "similarity", near)
    if off_vocabulary(f.vocab, f.coverage):
        return Verdict(False, "vocabulary", near)
    strong = t.strong_dense is not None and f.dense >= t.strong_dense
    needed = t.strong_coverage if strong and t.strong_coverage is not None else t.min_coverage
    if f.coverage < needed:
        return Verdict(False, "coverage", near)
    return Verdict(True, "ok", near)


def on_topic(dense: float, vocab_share: float, t: Thresholds) -> bool:
    """Is a question (its premise words removed) about the corpus at all?

    Most of its words must be words the corpus uses (「明日の天気」「駐車」 are not), and
    (with a calibration) the top passages must be similar enough.
    """
    return vocab_share >= t.min_vocab and (t.min_dense is None or dense >= t.min_dense)


def vocabulary_share(words: Iterable[str], vocabulary: Mapping[str, float]) -> float:
    """Share of the words that occur in the corpus at all (unweighted)."""
    ws = list(words)
    return sum(1 for w in ws if w in vocabulary) / len(ws) if ws else 0.0
