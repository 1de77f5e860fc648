"""False premises about legal force: the question assumes the guideline is binding law.

The premise cues are the general Japanese vocabulary of legal enforcement: criminal and
administrative sanctions (罰金・罰則・懲役・過料・課徴金・行政処分…), breach (違反すると/
違反したら/違法になる), mandatory certification, licences and approvals (認証・許可・認可・
免許・資格・ライセンス + 必要/義務, or to be had from the state: 国の許可をもらわないと), a duty to
register, notify or submit (届出・登録 + 義務/必要, 提出する義務), a ban ascribed to the guideline
(ガイドラインで禁止されている), and a legal duty
(法的義務・義務付け・強制力・守る義務). None comes from an evaluation question.

Such a question is answered with one fixed lead sentence (:data:`PREMISE_LEAD`, a statement
of what the guideline is) followed by the corpus sentences that say so, cited. The evidence
sentences are found in the corpus by what they say (:func:`says_soft_law`), not by position.
"""

from __future__ import annotations

import re

from guideqa.text import OWN_ORGANISATION, match_key, nfkc

_SANCTION = (
    # (ペナルティ only as something had or given: 「ペナルティはある？」「ペナルティを受ける」, not a
    # model's 「繰り返しペナルティ」 or a contract's 「ペナルティ条項」.)
    r"ペナルティー?(?=\s*(?:は|が|って|も|とか|など|を)?\s*(?:ある|あり|受け|課さ|科さ|にな|ない|[？?]))|"
    r"罰金|罰則|処罰|懲役|禁錮|過料|科料|課徴金|制裁金|刑事罰|刑事責任|行政処分|業務停止|逮捕|摘発|取り締ま|取締り"
    # Administrative enforcement: guidance, inspections, orders, naming (公表), dispositions
    # (「処分され」 alone is also disposal of data: 「廃棄処分される」).
    r"|行政指導|立入検査|立ち入り検査|(?:停止|是正|改善|措置)命令|営業停止"
    r"|(?:会社名|社名|企業名|名前|名称)(?:を|が|も)?公表され|懲戒処分|処分(?:を受け|が下)"
)
_BREACH = (
    r"違反(?:する|した|すれ|したら|になる|になり|とな|です|だ|扱い)|違法(?:になる|になり|とな|です|だ)"
    # Not following the guideline, with a consequence asked after (「ガイドラインを守らないと」
    # 「指針に従わなかった場合」); 「守らないといけない」 is an obligation, not a breach.
    # A breach of the guideline named as such (「ガイドライン違反で」「指針違反だと」).
    r"|(?:ガイドライン|指針)違反"
    # Failing a check the guideline is assumed to impose (「ガイドラインの監査で不合格になったら」).
    r"|(?:ガイドライン|指針)[^。？?]{0,12}?(?:不合格|失格|不適合)"
    r"|(?:ガイドライン|指針)[^。？?]{0,12}?(?:を|に)(?:守ら|従わ|遵守し|守ってい|従ってい|遵守してい)な(?:い|かった)"
    r"(?:と(?!いけ|なら|だめ|ダメ|分か|わか|判明|気づ|思|考え|判断|言|聞)|ら|場合)"
)
# Negative conditionals of obligation, formal and colloquial (〜なければ・〜ないと・〜なきゃ・〜なくては・〜なくちゃ).
_UNLESS = r"(?:なければ|ないと|なきゃ|なくては|なくちゃ)"
_LICENCE = (
    # The noun may carry a gloss in brackets (「資格（ライセンス）が必要」).
    r"(?:認証|許可|認可|免許|承認|許認可|資格|ライセンス)(?:（[^）]{1,12}）|\([^)]{1,12}\))?(?:の取得)?(?:が|は|を|も)?(?:法(?:律|令|的)?上)?"
    r"(?:必要|必須|義務|要る|要り|いる|(?:受け|取ら|得|取得し)" + _UNLESS + ")"
    # Having one stated as the need (「認証を受けるのが義務」「免許を取る必要」). (Not 許可・承認, which a
    # superior, a customer or the person in a photo gives: 「課長の許可をもらうことが必要」「本人の許可を取る必要」.)
    r"|(?:認証|認可|免許|許認可|資格|ライセンス)(?:を)?(?:受ける|取る|取得する|得る|もらう)(?:の|こと)?(?:が|は|も)?(?:必要|必須|義務)"
    # Only what holds the licence may be used (「認証を受けた製品じゃないとダメ」「許可済みのものでないと」).
    # (Not 承認・許可, which an organisation's own superiors give: 「上長の承認を受けたツールじゃないと」.)
    r"|(?:認証|認可|免許)(?:を)?(?:受けた|取った|取得した|済みの?|付きの?)[^。？?、]{0,8}?(?:じゃ|で|では)" + _UNLESS + "|"
    # An examination or review as a precondition (「試験を受けないともらえない」).
    r"(?:試験|審査|検定)(?:を|に)(?:受け|合格し|通ら|パスし)" + _UNLESS
)
_REGISTER = (
    r"(?:届出|届け出|登録|申請)(?:する|の|が|は|を)?(?:義務|必要|必須|し" + _UNLESS + ")"
    r"|(?:届け出|登録し|申請し)" + _UNLESS + r"|(?:報告|提出)(?:する|の)?義務"
    r"|(?:届け出る|届出する|登録する)(?:の|こと)?(?:が|は|も)?(?:必要|必須|義務)"
    # A duty to submit a report or a filing (「報告書で出さなきゃいけない」「届出書を提出しないと」).
    r"|(?:報告書|届出書|申請書|報告|届出)(?:を|で|は|も)?[^。？?、]{0,6}?(?:提出し|出さ)" + _UNLESS
)
_DUTY = (
    r"法的(?:な)?(?:義務|拘束力|責任)|義務付け|義務化|強制力|法律で(?:決ま|定め|義務)|(?:守る|従う|遵守する)義務"
    # Whether the guideline itself must be followed (「ガイドラインって守らないといけないの？」), not
    # what it asks one to keep (「守らないといけないことは」).
    r"|(?:ガイドライン|指針)(?:って|は|を|には|に|も)(?:必ず|絶対に?|全部|すべて|全て)?"
    r"(?:(?:守ら|従わ|遵守し)" + _UNLESS + r"(?:いけ|なら|だめ|ダメ)(?![^。？?]{0,4}こと)"
    r"|(?:守る|従う|遵守する)必要)"
)
FALSE_PREMISE = re.compile("|".join((_SANCTION, _BREACH, _LICENCE, _REGISTER, _DUTY)))
# A review stated as a need (「審査に通る必要がある」「検定を受ける義務」): a premise when the question
# ascribes it to the guideline or to the state (a review the guideline itself recommends, 「第三者の
# 審査を受ける必要はありますか」, is asked about, not assumed).
_REVIEW_NEEDED = re.compile(r"(?:試験|審査|検定)(?:を|に)(?:受ける|合格する|通る|パスする)(?:こと)?(?:が|は)?(?:必要|必須|義務)")
# A ban the question ascribes to the guideline (「ガイドラインで禁止されてるんですよね」): a soft law
# forbids nothing; what it does say about the matter follows the correction. (Not a ban denied,
# 「禁止されていないなら」, nor the asker's own rules, 「うちはガイドラインで…を禁止しています」.)
_BANNED = re.compile(
    r"(?:ガイドライン|指針)(?:で|では|に|により|によって|上)(?:は|も)?[^。？?]{0,16}?"
    r"禁止(?:され|し|です|だ|とな|にな)(?!(?:てい|て|られてい)?な)"
)
_OWN_RULES = re.compile(rf"(?:{OWN_ORGANISATION}|社内|わが社|我が社|[当本弊][一-龥])[^。？?]{{0,8}}?(?:ガイドライン|指針)")
# The state and its bodies (国, 政府, 当局, 内閣府, any 〜省 / 〜庁); not the 国 of 全国, 外国, 中国….
_STATE = r"(?:(?<![全中外各他異母韓米英諸両本天帝隣])国|官庁|当局|政府|行政|公的機関|内閣府|[一-龥]{0,6}[省庁])"
_AUTHORITY = re.compile(_STATE + r"(?:の|が|に|へ|による)")
# A licence to be had from the state (「総務省に申請して許可をもらわないといけない」「国から許可をもらう
# 必要」); from a superior (「課長の許可をもらわないと」) it is the organisation's own procedure.
_GRANT_NEEDED = re.compile(
    _STATE + r"(?:の|から|に|へ)[^。？?]{0,12}?(?:許可|認可|免許|認証|承認|許認可)(?:を|が)?"
    r"(?:(?:もらわ|貰わ)" + _UNLESS + r"|(?:もらう|貰う)(?:こと)?(?:が|は)?必要)"
)
# A filing with a government body the question says the guideline prescribes (「ガイドラインで決まってる
# 経産省への利用報告はいつまでに」): no document of the corpus prescribes one for businesses in Japan.
# (Without the guideline named, a deadline asked for reporting to the state is a figure of some
# other rule, which the corpus does not hold: gated, not corrected.)
_FILING = re.compile(_STATE + r"(?:へ|に)の?[^。？?、]{0,6}?(?:報告|届出|届け出|提出|登録|申請)")

PREMISE_LEAD = (
    "AI事業者ガイドラインは、事業者の自主的な取組を促す法的拘束力のない「ソフトロー」であり、"
    "ガイドライン自体は罰則や、認証・許可・届出などの義務を定めていません。"
)


def premise_cue(question: str) -> str | None:
    """The legal-force cue of the question (「罰金」「違反すると」…), or None."""
    text = nfkc(question)
    m = (
        FALSE_PREMISE.search(text)
        or (_FILING.search(text) if about_guideline(text) else None)
        or (_BANNED.search(text) if about_guideline(text) and not _OWN_RULES.search(text) else None)
        or _GRANT_NEEDED.search(text)
        or (_REVIEW_NEEDED.search(text) if about_guideline(text) or _AUTHORITY.search(text) else None)
    )
    return m.group(0) if m else None


SANCTION_OR_BREACH = re.compile("|".join((_SANCTION, _BREACH)))


def asks_about_sanction(question: str) -> bool:
    """Is the premise a sanction or a breach (「罰金」「懲役」「違反すると」), rather than a duty to
    obtain a licence, register or report (「許可が必要」「届出が必要」)?

    Sanctions exist under other laws, so a figure asked about one (「罰金は最高でいくら」) is a
    fact the guideline does not hold; a duty to register or be licensed for using AI is the
    premise itself, which the soft-law statement answers (the guideline sets no such duty).
    """
    return bool(SANCTION_OR_BREACH.search(nfkc(question)))


# Legal vocabulary left over once the cue is removed (「駐車違反の」): not what the question is about.
_LEGAL_WORDS = re.compile(r"違反|違法|義務|罰|許可|認可|認証|免許|資格|ライセンス|届け?出|法的|法律|処分|拘束力")


def without_premise(question: str) -> str:
    """The question with its legal-force cues removed: what it is otherwise about."""
    text = _LEGAL_WORDS.sub(" ", FALSE_PREMISE.sub(" ", nfkc(question)))
    return re.sub(r"\s+", " ", text).strip()


# Words by which a question refers to the guideline itself: 「ガイドライン」「指針」 unqualified
# (after the start, punctuation or a particle), as this one (本・この・同・AI事業者) or by its
# subject or author in everyday words (「AIのガイドライン」「国の指針」), not someone else's
# (「社内ガイドライン」「個人情報保護法のガイドライン」).
_ABOUT_GUIDELINE = re.compile(
    r"(?:^|[\s、。，,！？!?「『（(]|(?<=[はがをにでともや])|AI事業者|本|この|その|同)(?:ガイドライン|指針)|ソフトロー"
    # By subject or author, as what the premise is about (「AIのガイドラインを守ってないと」), not
    # as a comparison (「AIのガイドラインと同じで」).
    r"|(?:^|[\s、。，,！？!?「『（(]|(?<=[はがをにでともや]))(?:AIの|国の)(?:ガイドライン|指針)(?=を|に|は|が|って|違反|上|では|で(?!も))"
)


# The national guideline named as such: no organisation's own rules go by these names.
_NAMED_NATIONAL = re.compile(r"AI事業者(?:ガイドライン|指針)|ソフトロー")


def guideline_words(question: str) -> set[str]:
    """The words by which the question refers to a guideline without naming the national one
    (「ガイドラインを破ったら」 → {ガイドライン}); empty when it names AI事業者ガイドライン or soft law.

    An organisation's own rules may call themselves 「…ガイドライン」 or 「…指針」 too: loaded
    beside the national guideline, such an unqualified word may mean either."""
    text = nfkc(question)
    if _NAMED_NATIONAL.search(text):
        return set()
    return {w for m in _ABOUT_GUIDELINE.finditer(text) for w in ("ガイドライン", "指針") if m.group(0).endswith(w)}


def about_guideline(question: str) -> bool:
    """Does the question speak of the guideline itself (「ガイドラインに違反すると…」)?

    A question asking for a figure under some other rule (「EUのAI法の罰金は最大でいくら」)
    does not: the soft-law correction would not answer it, and the guideline holds no such figure.
    """
    return bool(_ABOUT_GUIDELINE.search(nfkc(question)))


# A premise about the law of the land (「法律で義務付けられて」「国に登録申請」「法的に」): the
# soft-law correction answers it even when an organisation's own rules are loaded.
_NATIONAL_LAW = re.compile(r"法律|法令|法的|法で|国に|国へ|国の|国が|政府|省庁|官庁")


def about_national_law(question: str) -> bool:
    """Does the premise speak of the law or the state rather than an organisation's own rules?"""
    return bool(_NATIONAL_LAW.search(nfkc(question)))


# A body within the asker's organisation (「院内の倫理委員会」「社内の審査」「庁内の手続」): a duty to
# apply to it is that organisation's own procedure, not a premise about the law.
_INTERNAL_BODY = re.compile(r"(?:院|社|庁|学|校|園|所|局|部|課|署|館|組合|法人)内(?:の|で)")


def internal_procedure(question: str) -> bool:
    """Is the premise a duty (not a sanction) owed to a body inside the asker's organisation?"""
    text = nfkc(question)
    return bool(_INTERNAL_BODY.search(text)) and not asks_about_sanction(text) and not about_national_law(text)


# How a document says that what it asks is not binding: left to the reader (委ねられる), not
# required as written (求められているものではない), to be chosen from (取捨選択), voluntary.
_NOT_BINDING = re.compile(
    r"ソフトロー|法的(?:な)?拘束力|非拘束|委ねられ|求められる?ものではない|求められているものではない"
    r"|義務(?:を課す|付ける)ものではない|強制するものではない|取捨選択|自主的な(?:取組|対応|努力)|自主性"
)
# Shorter units are headings or table-of-contents lines, not statements.
MIN_STATEMENT_CHARS = 25


def says_not_binding(sentence: str) -> bool:
    """A statement that what a document asks is voluntary, non-binding or left to the reader
    (the pool from which a false premise about legal force is answered)."""
    t = match_key(sentence)
    return len(t) >= MIN_STATEMENT_CHARS and bool(_NOT_BINDING.search(t)) and t.endswith(("。", "る", "い", "た"))


def says_soft_law(sentence: str) -> bool:
    """A sentence that states the guideline (or guidelines in general) is non-binding soft law."""
    t = match_key(sentence)
    if "ソフトロー" not in t:
        return False
    return "非拘束" in t or ("自主" in t and ("ガイドライン" in t or "事業者" in t))
